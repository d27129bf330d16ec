// The S3 store against a real S3-compatible server (s3rver, started by each
// test on 127.0.0.1 with a port it picks, stopped by PID): round trips,
// paginated lists, multipart upload of a >16 MiB file, corruption at rest,
// the server going away and coming back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "ropekv/blob/blob_store.hpp"
#include "s3rver_process.hpp"
#include "temp_dir.hpp"

namespace ropekv::blob {
namespace {

using testing::pattern_bytes;
using testing::read_file;
using testing::write_file;

class S3Store : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    server_.start();
  }
  void TearDown() override { server_.stop(); }

  // s3rver knows the access key S3RVER (it checks the key id, not the
  // signature; the signature is checked against AWS's examples instead).
  blob_options options() const {
    blob_options o;
    o.access_key = "S3RVER";
    o.secret_key = "S3RVER";
    o.attempts = 3;
    o.backoff = std::chrono::milliseconds(20);
    o.timeout = std::chrono::milliseconds(15000);  // per step; generous for a loaded CI machine
    return o;
  }

  std::unique_ptr<blob_store> open(const std::string& prefix, const blob_options& o) {
    auto s = open_blob_store("s3://test-bucket/" + prefix + "?endpoint=" + server_.endpoint() + "&region=us-east-1", o);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  testing::temp_dir dir_;
  testing::temp_dir local_;
  testing::s3rver_process server_{dir_.path() + "/s3"};
};

TEST_F(S3Store, PutGetStatListRemove) {
  auto store = open("backups/run1", options());
  const std::string odd = "chunks/with space+plus&amp=eq/é.bin";
  ASSERT_TRUE(store->put("chunks/a", "alpha"));
  ASSERT_TRUE(store->put(odd, "odd key"));
  ASSERT_TRUE(store->put("manifest", ""));

  EXPECT_EQ(*store->get("chunks/a"), "alpha");
  EXPECT_EQ(*store->get(odd), "odd key");
  EXPECT_EQ(*store->get("manifest"), "");
  // Stored under the store's prefix, as plain bytes.
  EXPECT_EQ(read_file(server_.object_file("backups/run1/chunks/a")), "alpha");

  auto st = store->stat("chunks/a");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->size, 5u);
  EXPECT_EQ(st->sha256, sha256_hex("alpha"));
  EXPECT_EQ(store->stat("nope").error().code, errc::not_found);
  EXPECT_EQ(store->get("nope").error().code, errc::not_found);

  auto chunks = store->list("chunks/");
  ASSERT_TRUE(chunks) << chunks.error().message;
  ASSERT_EQ(chunks->size(), 2u);
  EXPECT_EQ((*chunks)[0].key, "chunks/a");
  EXPECT_EQ((*chunks)[0].size, 5u);
  EXPECT_EQ((*chunks)[1].key, odd);

  ASSERT_TRUE(store->put("chunks/a", "replaced"));
  EXPECT_EQ(*store->get("chunks/a"), "replaced");

  ASSERT_TRUE(store->remove("chunks/a"));
  EXPECT_EQ(store->get("chunks/a").error().code, errc::not_found);
  EXPECT_TRUE(store->remove("chunks/a"));
  EXPECT_EQ(store->list("")->size(), 2u);
}

TEST_F(S3Store, ListPaginatesAndStaysInsideThePrefix) {
  auto o = options();
  o.list_page_size = 2;
  auto store = open("p1", o);
  auto other = open("p10", o);  // a sibling prefix that string-matches "p1"
  for (const char* k : {"e", "a/2", "c", "a/1", "d"}) ASSERT_TRUE(store->put(k, k));
  ASSERT_TRUE(other->put("x", "x"));
  auto all = store->list("");
  ASSERT_TRUE(all) << all.error().message;
  std::vector<std::string> keys;
  for (auto& i : *all) keys.push_back(i.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2", "c", "d", "e"}));
  auto a = store->list("a/");
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(other->list("")->size(), 1u);
}

TEST_F(S3Store, MultipartUploadOfALargeFile) {
  auto o = options();
  o.multipart_threshold = 5 << 20;
  o.part_size = 5 << 20;  // S3's minimum: 17 MiB + 5 bytes go as 4 parts
  auto store = open("big", o);
  std::string data = pattern_bytes((17 << 20) + 5, 17);
  write_file(local_.path() + "/in", data);
  std::ostringstream logs;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(logs)));
  auto put = store->put_file("chunk-1", local_.path() + "/in");
  spdlog::set_default_logger(previous);
  ASSERT_TRUE(put) << put.error().message;

  auto st = store->stat("chunk-1");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->size, data.size());
  EXPECT_EQ(st->sha256, sha256_hex(data));
  // A multipart object's ETag is "<md5 of part md5s>-<part count>".
  // It went as a multipart upload (the store logs each one), completed:
  // s3rver keeps no upload directory behind.
  EXPECT_NE(logs.str().find("event=blob_multipart_start"), std::string::npos) << logs.str();
  EXPECT_EQ(logs.str().find("event=blob_multipart_aborted"), std::string::npos) << logs.str();
  std::string uploads = dir_.path() + "/s3/test-bucket/._S3rver_uploads";
  EXPECT_TRUE(!std::filesystem::exists(uploads) || std::filesystem::is_empty(uploads));

  ASSERT_TRUE(store->get_file("chunk-1", local_.path() + "/out"));
  EXPECT_TRUE(read_file(local_.path() + "/out") == data);
  EXPECT_TRUE(*store->get("chunk-1") == data);

  // Below the threshold: one PUT of the file.
  write_file(local_.path() + "/small", "small file");
  ASSERT_TRUE(store->put_file("small", local_.path() + "/small"));
  EXPECT_EQ(*store->get("small"), "small file");
}

TEST_F(S3Store, TamperedObjectIsCorrupt) {
  auto store = open("c", options());
  std::string data = pattern_bytes(200'000, 5);
  ASSERT_TRUE(store->put("obj", data));
  std::string file = server_.object_file("c/obj");
  ASSERT_EQ(read_file(file), data);
  std::string flipped = data;
  flipped[123'456] = static_cast<char>(flipped[123'456] ^ 0x20);
  write_file(file, flipped);

  auto got = store->get("obj");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::corrupt);
  write_file(local_.path() + "/dest", "previous");
  auto s = store->get_file("obj", local_.path() + "/dest");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::corrupt);
  EXPECT_EQ(read_file(local_.path() + "/dest"), "previous");
}

TEST_F(S3Store, UnknownAccessKeyIsUnauthenticated) {
  auto o = options();
  o.access_key = "NOT-A-KEY";
  auto store = open("x", o);
  EXPECT_EQ(store->put("k", "v").error().code, errc::unauthenticated);
}

TEST_F(S3Store, CredentialsFromTheEnvironment) {
  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  auto o = options();
  o.access_key.clear();
  o.secret_key.clear();
  auto store = open("env", o);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ASSERT_TRUE(store->put("k", "v"));
  EXPECT_EQ(*store->get("k"), "v");
}

// The server stops (by PID): calls fail with errc::unavailable after the
// bounded retries; it comes back on the same port with the same data: the
// same store instance works again and nothing was lost.
TEST_F(S3Store, ServerDownThenBack) {
  auto store = open("ha", options());
  ASSERT_TRUE(store->put("before", "kept"));
  uint16_t port = server_.port();
  server_.stop();

  auto got = store->get("before");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::unavailable);
  EXPECT_NE(got.error().message.find("3 attempts"), std::string::npos) << got.error().message;
  EXPECT_EQ(store->put("during", "x").error().code, errc::unavailable);
  EXPECT_EQ(store->list("").error().code, errc::unavailable);

  server_.start(port);
  EXPECT_EQ(*store->get("before"), "kept");
  ASSERT_TRUE(store->put("after", "new"));
  auto all = store->list("");
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].key, "after");
  EXPECT_EQ((*all)[1].key, "before");
}

}  // namespace
}  // namespace ropekv::blob

namespace ropekv::blob {
namespace {

// https: s3rver with a self-signed certificate for IP 127.0.0.1 (made by
// the openssl CLI); trusted through blob_options::tls_ca_file, refused
// without it (the system's trust store does not know it).
TEST(S3StoreTls, HttpsWithATrustedCertificate) {
  testing::temp_dir dir;
  std::string key = dir.path() + "/key.pem", cert = dir.path() + "/cert.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                    "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  testing::s3rver_process server(dir.path() + "/s3");
  server.start(0, {"--key", key, "--cert", cert});
  std::string url = "s3://test-bucket/tls?endpoint=https://127.0.0.1:" + std::to_string(server.port());

  blob_options o;
  o.access_key = "S3RVER";
  o.secret_key = "S3RVER";
  o.attempts = 2;
  o.backoff = std::chrono::milliseconds(10);
  auto untrusted = open_blob_store(url, o);
  ASSERT_TRUE(untrusted);
  auto refused = (*untrusted)->put("k", "v");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::unavailable);
  EXPECT_NE(refused.error().message.find("certificate"), std::string::npos) << refused.error().message;

  o.tls_ca_file = cert;
  auto store = open_blob_store(url, o);
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->put("k", "over tls"));
  EXPECT_EQ(*(*store)->get("k"), "over tls");
  EXPECT_EQ((*store)->stat("k")->sha256, sha256_hex("over tls"));

  o.tls_ca_file = dir.path() + "/missing.pem";
  auto bad_ca = open_blob_store(url, o);
  ASSERT_TRUE(bad_ca);
  EXPECT_EQ((*bad_ca)->get("k").error().code, errc::invalid_argument);
  server.stop();
}

}  // namespace
}  // namespace ropekv::blob
