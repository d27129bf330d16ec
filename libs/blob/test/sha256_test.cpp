#include <gtest/gtest.h>

#include "ropekv/blob/blob_store.hpp"
#include "sha256.hpp"
#include "temp_dir.hpp"

namespace ropekv::blob {
namespace {

// Expected digests: FIPS 180-2 appendix B examples.
TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, StreamEqualsOneShot) {
  std::string data = testing::pattern_bytes(100'000, 7);
  sha256_stream s;
  s.update(std::string_view(data).substr(0, 333));
  s.update(std::string_view(data).substr(333));
  EXPECT_EQ(s.hex_digest(), sha256_hex(data));
}

TEST(Sha256, FileDigest) {
  testing::temp_dir dir;
  std::string data = testing::pattern_bytes(3 << 20, 3);
  testing::write_file(dir.path() + "/f", data);
  auto d = sha256_file(dir.path() + "/f");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->size, data.size());
  EXPECT_EQ(d->sha256, sha256_hex(data));
  auto missing = sha256_file(dir.path() + "/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
}

}  // namespace
}  // namespace ropekv::blob
