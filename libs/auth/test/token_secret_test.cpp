#include <gtest/gtest.h>

#include <set>

#include "ropekv/auth/token_secret.hpp"

using namespace ropekv::auth;

TEST(TokenSecret, GeneratedSecretsArePrefixedHexAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto s = generate_secret();
    ASSERT_TRUE(s);
    ASSERT_EQ(s->size(), secret_prefix.size() + 64);
    EXPECT_EQ(s->substr(0, secret_prefix.size()), secret_prefix);
    EXPECT_EQ(s->find_first_not_of("0123456789abcdef", secret_prefix.size()), std::string::npos);
    EXPECT_TRUE(seen.insert(*s).second);
  }
}

TEST(TokenSecret, HashIsSha256) {
  // SHA-256("abc"), FIPS 180-2 appendix B.1.
  std::string h = hash_secret("abc");
  ASSERT_EQ(h.size(), 32u);
  static const unsigned char want[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                       0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23};
  for (size_t i = 0; i < sizeof want; ++i) EXPECT_EQ(static_cast<unsigned char>(h[i]), want[i]) << i;
}

TEST(TokenSecret, HashesEqualComparesWholeValues) {
  auto a = hash_secret("one"), b = hash_secret("two");
  EXPECT_TRUE(hashes_equal(a, hash_secret("one")));
  EXPECT_FALSE(hashes_equal(a, b));
  EXPECT_FALSE(hashes_equal(a, a.substr(0, 31)));
  std::string flipped = a;
  flipped[31] ^= 1;
  EXPECT_FALSE(hashes_equal(a, flipped));
}

TEST(TokenSecret, BearerHeaderParsing) {
  EXPECT_EQ(bearer_secret("Bearer abc"), "abc");
  EXPECT_EQ(bearer_secret("bearer   abc  "), "abc");
  EXPECT_EQ(bearer_secret("BEARER abc"), "abc");
  EXPECT_EQ(bearer_secret("Basic abc"), "");
  EXPECT_EQ(bearer_secret("Bearer"), "");
  EXPECT_EQ(bearer_secret("Bearerabc"), "");
  EXPECT_EQ(bearer_secret(""), "");
  EXPECT_EQ(bearer_secret("Bearer " + std::string(600, 'x')), "");
}
