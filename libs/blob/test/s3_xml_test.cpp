#include <gtest/gtest.h>

#include "s3_xml.hpp"

namespace ropekv::blob {
namespace {

TEST(S3Xml, ListPage) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>p/</Prefix>"
      "<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a&amp;b</Key><LastModified>2026-12-07T20:00:00.000Z</LastModified>"
      "<ETag>&quot;x&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/c&#x20;d</Key><Size>0</Size></Contents>"
      "<NextContinuationToken>tok/2=</NextContinuationToken></ListBucketResult>";
  auto page = parse_list_page(xml);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].key, "p/a&b");
  EXPECT_EQ(page->entries[0].size, 12u);
  EXPECT_EQ(page->entries[1].key, "p/c d");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok/2=");
}

TEST(S3Xml, LastPageAndEmptyPage) {
  auto page = parse_list_page("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->entries.empty());
  EXPECT_FALSE(page->truncated);
  EXPECT_FALSE(parse_list_page("<Error><Code>NoSuchBucket</Code></Error>"));
  EXPECT_FALSE(parse_list_page("<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>"));
}

TEST(S3Xml, ErrorAndUploadId) {
  std::string err = "<Error><Code>NoSuchKey</Code><Message>The &lt;key&gt; does not exist</Message></Error>";
  EXPECT_EQ(xml_text(err, "Code"), "NoSuchKey");
  EXPECT_EQ(xml_text(err, "Message"), "The <key> does not exist");
  EXPECT_FALSE(xml_text(err, "Cod"));
  EXPECT_EQ(xml_text("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>abc-1</UploadId>"
                     "</InitiateMultipartUploadResult>",
                     "UploadId"),
            "abc-1");
  EXPECT_EQ(xml_text("<a><UploadIdMarker/><UploadId>z</UploadId></a>", "UploadId"), "z");
}

TEST(S3Xml, CompleteBody) {
  EXPECT_EQ(complete_multipart_body({{1, "\"e1\""}, {2, "\"e2\""}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part></CompleteMultipartUpload>");
}

TEST(S3Xml, Unescape) {
  EXPECT_EQ(xml_unescape("a&amp;&lt;&gt;&quot;&apos;&#233;&#xE9;&bogus;&"), "a&<>\"'\xc3\xa9\xc3\xa9&bogus;&");
}

}  // namespace
}  // namespace ropekv::blob
