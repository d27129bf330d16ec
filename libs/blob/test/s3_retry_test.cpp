// The S3 store's retry, timeout and abort paths against a scripted loopback
// server (test/scripted_server.hpp): which requests are sent, how many
// times, and what the caller gets when the server keeps failing.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ropekv/blob/blob_store.hpp"
#include "scripted_server.hpp"
#include "temp_dir.hpp"

namespace ropekv::blob {
namespace {

using testing::scripted_server;

blob_options fast_options() {
  blob_options o;
  o.attempts = 3;
  o.backoff = std::chrono::milliseconds(5);
  o.timeout = std::chrono::milliseconds(2000);
  o.access_key = "AKIDEXAMPLE";
  o.secret_key = "secret";
  return o;
}

std::unique_ptr<blob_store> open_at(uint16_t port, const blob_options& o) {
  auto s = open_blob_store("s3://bkt/pre?endpoint=http://127.0.0.1:" + std::to_string(port), o);
  EXPECT_TRUE(s) << s.error().message;
  return s ? std::move(*s) : nullptr;
}

scripted_server::reply ok_object(const std::string& body) {
  return {200, {{"x-amz-meta-sha256", sha256_hex(body)}}, body};
}

TEST(S3Retry, ServerErrorsAreRetriedThenSucceed) {
  scripted_server server({{503, {}, "<Error><Code>SlowDown</Code></Error>"},
                          {500, {}, "<Error><Code>InternalError</Code></Error>"},
                          ok_object("hello")});
  auto store = open_at(server.port(), fast_options());
  auto got = store->get("k");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "hello");
  auto lines = server.request_lines();
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& l : lines) EXPECT_EQ(l, "GET /bkt/pre/k HTTP/1.1");
}

TEST(S3Retry, PersistentServerErrorsBecomeUnavailableAfterAttempts) {
  scripted_server server({{503, {}, {}}, {503, {}, {}}, {503, {}, {}}, ok_object("late")});
  auto store = open_at(server.port(), fast_options());
  auto got = store->get("k");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::unavailable);
  EXPECT_EQ(server.request_lines().size(), 3u);  // attempts, no more
}

TEST(S3Retry, ClientErrorsAreNotRetried) {
  scripted_server server({{403, {}, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>"}});
  auto store = open_at(server.port(), fast_options());
  auto s = store->put("k", "v");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::permission_denied);
  EXPECT_EQ(server.request_lines().size(), 1u);
}

TEST(S3Retry, MissingChecksumHeaderIsCorrupt) {
  scripted_server server({{200, {}, "bytes from elsewhere"}});
  auto store = open_at(server.port(), fast_options());
  EXPECT_EQ(store->get("k").error().code, errc::corrupt);
}

TEST(S3Retry, WrongBytesAreCorrupt) {
  scripted_server server({{200, {{"x-amz-meta-sha256", sha256_hex("original")}}, "0riginal"},
                          {200, {{"x-amz-meta-sha256", sha256_hex("original")}}, "0riginal"}});
  auto store = open_at(server.port(), fast_options());
  EXPECT_EQ(store->get("k").error().code, errc::corrupt);
  testing::temp_dir dir;
  auto s = store->get_file("k", dir.path() + "/out");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::corrupt);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // nothing published, no temporary left
}

TEST(S3Retry, RefusedConnectionIsUnavailable) {
  uint16_t port;
  {
    scripted_server gone({});
    port = gone.port();
  }  // closed: nothing listens on the port now
  auto store = open_at(port, fast_options());
  auto s = store->stat("k");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::unavailable);
  EXPECT_NE(s.error().message.find("3 attempts"), std::string::npos) << s.error().message;
}

// A server that accepts connections and never answers: every attempt ends
// at the per-request timeout, and the caller gets errc::unavailable.
TEST(S3Retry, SilentServerTimesOut) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);  // the kernel completes handshakes; nobody reads
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto o = fast_options();
  o.attempts = 2;
  o.timeout = std::chrono::milliseconds(200);
  auto store = open_at(ntohs(addr.sin_port), o);
  auto got = store->get("k");
  ::close(fd);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::unavailable);
  EXPECT_NE(got.error().message.find("timeout"), std::string::npos) << got.error().message;
}

// A multipart upload whose second part is refused is aborted: the server
// is told to drop the parts, and the caller gets the part's error.
TEST(S3Retry, FailedMultipartIsAborted) {
  testing::temp_dir dir;
  std::string data = testing::pattern_bytes((5 << 20) * 2 + 100, 1);
  testing::write_file(dir.path() + "/big", data);
  scripted_server server({
      {200, {}, "<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>pre/k</Key><UploadId>up-1</UploadId>"
                "</InitiateMultipartUploadResult>"},
      {200, {{"ETag", "\"e1\""}}, {}},
      {400, {}, "<Error><Code>InvalidPart</Code></Error>"},
      {204, {}, {}},
  });
  auto o = fast_options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;
  auto store = open_at(server.port(), o);
  auto s = store->put_file("k", dir.path() + "/big");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
  auto lines = server.request_lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "POST /bkt/pre/k?uploads= HTTP/1.1");
  EXPECT_EQ(lines[1], "PUT /bkt/pre/k?partNumber=1&uploadId=up-1 HTTP/1.1");
  EXPECT_EQ(lines[2], "PUT /bkt/pre/k?partNumber=2&uploadId=up-1 HTTP/1.1");
  EXPECT_EQ(lines[3], "DELETE /bkt/pre/k?uploadId=up-1 HTTP/1.1");
}

TEST(S3Open, CredentialsAndOptions) {
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  auto none = open_blob_store("s3://bkt?endpoint=http://127.0.0.1:9");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, errc::invalid_argument);
  ::setenv("AWS_ACCESS_KEY_ID", "id", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  EXPECT_TRUE(open_blob_store("s3://bkt?endpoint=http://127.0.0.1:9"));
  blob_options small;
  small.part_size = 1 << 20;
  EXPECT_EQ(open_blob_store("s3://bkt?endpoint=http://127.0.0.1:9", small).error().code, errc::invalid_argument);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  auto s = open_blob_store("s3://bkt/a/b?endpoint=http://127.0.0.1:9&region=eu-west-1", fast_options());
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)->describe(), "s3://bkt/a/b/?endpoint=http://127.0.0.1:9&region=eu-west-1");
  EXPECT_EQ((*s)->put("../x", "v").error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace ropekv::blob
