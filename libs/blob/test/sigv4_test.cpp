// Signature V4 against AWS's published examples. Every expected value below
// is copied from AWS documentation, not produced by this code:
//  * the SigV4 test suite (credentials AKIDEXAMPLE, service "service",
//    20150830T123600Z): get-vanilla, get-vanilla-query-order-key-case,
//    post-vanilla;
//  * the Amazon S3 API reference, "Signature Calculations for the
//    Authorization Header: Transferring Payload in a Single Chunk"
//    (AKIAIOSFODNN7EXAMPLE, examplebucket, 20130524T000000Z): GET Object,
//    PUT Object, GET Bucket Lifecycle, GET Bucket (List Objects).
#include <gtest/gtest.h>

#include "ropekv/blob/blob_store.hpp"
#include "sigv4.hpp"

namespace ropekv::blob {
namespace {

constexpr const char* empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const sigv4_credentials suite_creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const sigv4_credentials s3_creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
constexpr const char* suite_date = "20150830T123600Z";
constexpr const char* s3_date = "20130524T000000Z";

sigv4_request suite_request(std::string method, std::vector<std::pair<std::string, std::string>> query = {}) {
  return sigv4_request{std::move(method), "/", std::move(query),
                       {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", suite_date}}, empty_sha};
}

TEST(SigV4, SuiteGetVanilla) {
  auto req = suite_request("GET");
  EXPECT_EQ(canonical_request(req),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(string_to_sign(suite_date, "us-east-1", "service", canonical_request(req)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(sigv4_authorization(req, suite_creds, suite_date, "us-east-1", "service"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, SuiteQueryOrderKeyCase) {
  auto req = suite_request("GET", {{"Param2", "value2"}, {"Param1", "value1"}});
  EXPECT_EQ(canonical_query(req.query), "Param1=value1&Param2=value2");
  EXPECT_EQ(sigv4_signature(req, suite_creds, suite_date, "us-east-1", "service"),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, SuitePostVanilla) {
  EXPECT_EQ(sigv4_signature(suite_request("POST"), suite_creds, suite_date, "us-east-1", "service"),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, S3GetObject) {
  sigv4_request req{"GET", uri_encode("/test.txt", false), {},
                    {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", empty_sha},
                     {"x-amz-date", s3_date}},
                    empty_sha};
  EXPECT_EQ(string_to_sign(s3_date, "us-east-1", "s3", canonical_request(req)),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signed_headers(req), "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(sigv4_signature(req, s3_creds, s3_date, "us-east-1", "s3"),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3PutObject) {
  std::string body = "Welcome to Amazon S3.";
  std::string payload = sha256_hex(body);
  ASSERT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  sigv4_request req{"PUT", uri_encode("/test$file.text", false), {},
                    {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-date", s3_date},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", payload}},
                    payload};
  EXPECT_EQ(req.canonical_uri, "/test%24file.text");
  EXPECT_EQ(signed_headers(req), "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(sigv4_signature(req, s3_creds, s3_date, "us-east-1", "s3"),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

sigv4_request s3_bucket_get(std::vector<std::pair<std::string, std::string>> query) {
  return sigv4_request{"GET", "/", std::move(query),
                       {{"Host", "examplebucket.s3.amazonaws.com"},
                        {"x-amz-date", s3_date},
                        {"x-amz-content-sha256", empty_sha}},
                       empty_sha};
}

TEST(SigV4, S3GetBucketLifecycle) {
  auto req = s3_bucket_get({{"lifecycle", ""}});
  EXPECT_EQ(canonical_query(req.query), "lifecycle=");
  EXPECT_EQ(sigv4_signature(req, s3_creds, s3_date, "us-east-1", "s3"),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, S3ListObjects) {
  auto req = s3_bucket_get({{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_EQ(canonical_query(req.query), "max-keys=2&prefix=J");
  EXPECT_EQ(sigv4_signature(req, s3_creds, s3_date, "us-east-1", "s3"),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesLowered) {
  auto a = suite_request("GET");
  auto b = a;
  b.headers = {{"X-AMZ-DATE", std::string("  ") + suite_date + "  "}, {"HOST", "example.amazonaws.com"}};
  EXPECT_EQ(canonical_request(a), canonical_request(b));
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(uri_encode("a b/c~d_e.f-g", false), "a%20b/c~d_e.f-g");
  EXPECT_EQ(uri_encode("a b/c", true), "a%20b%2Fc");
  EXPECT_EQ(uri_encode("\xc3\xa9+=&", true), "%C3%A9%2B%3D%26");
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(0)), "19700101T000000Z");
}

}  // namespace
}  // namespace ropekv::blob
