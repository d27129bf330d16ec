#include <gtest/gtest.h>

#include "blob_url.hpp"
#include "ropekv/blob/blob_store.hpp"

namespace ropekv::blob {
namespace {

TEST(BlobUrl, File) {
  auto u = parse_store_url("file:///var/lib/ropekv/backups");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, store_url::kind::file);
  EXPECT_EQ(u->path, "/var/lib/ropekv/backups");
  auto spaced = parse_store_url("file:///tmp/a%20b");
  ASSERT_TRUE(spaced);
  EXPECT_EQ(spaced->path, "/tmp/a b");
}

TEST(BlobUrl, S3WithEndpointIsPathStyle) {
  auto u = parse_store_url("s3://my-bucket/backups/prod?endpoint=http://127.0.0.1:9000&region=eu-west-1");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, store_url::kind::s3);
  EXPECT_EQ(u->s3.bucket, "my-bucket");
  EXPECT_EQ(u->s3.prefix, "backups/prod/");
  EXPECT_EQ(u->s3.region, "eu-west-1");
  EXPECT_TRUE(u->s3.path_style);
  EXPECT_FALSE(u->s3.endpoint.tls);
  EXPECT_EQ(u->s3.endpoint.host, "127.0.0.1");
  EXPECT_EQ(u->s3.endpoint.port, "9000");
  EXPECT_EQ(u->s3.endpoint.host_header(), "127.0.0.1:9000");
}

TEST(BlobUrl, S3WithoutEndpointIsAws) {
  auto u = parse_store_url("s3://bkt");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->s3.prefix, "");
  EXPECT_EQ(u->s3.region, "us-east-1");
  EXPECT_FALSE(u->s3.path_style);
  EXPECT_TRUE(u->s3.endpoint.tls);
  EXPECT_EQ(u->s3.endpoint.host, "bkt.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(u->s3.endpoint.host_header(), "bkt.s3.us-east-1.amazonaws.com");
}

TEST(BlobUrl, HttpsEndpointDefaultPort) {
  auto u = parse_store_url("s3://bkt/p/?endpoint=https%3A%2F%2Fminio.local");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->s3.endpoint.tls);
  EXPECT_EQ(u->s3.endpoint.port, "443");
  EXPECT_EQ(u->s3.prefix, "p/");
}

TEST(BlobUrl, Malformed) {
  for (const char* url : {"", "ftp://x", "file://relative", "file:///x?y=1", "s3://", "s3://ab", "s3://Upper",
                          "s3://bkt?endpoint=127.0.0.1:9000", "s3://bkt?endpoint=http://h:99999",
                          "s3://bkt?endpoint=http://h:x", "s3://bkt?bogus=1", "s3://bkt?region=",
                          "s3://bkt/../x", "s3://bkt?endpoint=http://h/path", "file:///a%2"}) {
    auto u = parse_store_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_EQ(u.error().code, errc::invalid_argument) << url;
  }
}

TEST(BlobUrl, OpenRejectsUnknownScheme) {
  auto s = open_blob_store("gs://bucket");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace ropekv::blob
