#include "ropekv/webhook/base64.hpp"

#include <gtest/gtest.h>

namespace ropekv::webhook {
namespace {

// Expected texts from /usr/bin/python3 base64.b64encode.
TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode(std::string("\x00\xff\x80\x01\x02", 5)), "AP+AAQI=");
}

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    auto back = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
    bytes += static_cast<char>(n * 37 + 11);
  }
}

TEST(Base64, RejectsNonCanonicalText) {
  EXPECT_FALSE(base64_decode("Zg="));     // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zg"));      // no padding
  EXPECT_FALSE(base64_decode("Zh=="));    // unused bits set (Zg== is canonical)
  EXPECT_FALSE(base64_decode("Zm9="));    // unused bits set (Zm8= is canonical)
  EXPECT_FALSE(base64_decode("Z=g="));    // padding inside
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("Zm9v Zm9v"));
  EXPECT_FALSE(base64_decode("Zm9-"));    // base64url alphabet is not accepted
  EXPECT_TRUE(base64_decode("").has_value());
}

}  // namespace
}  // namespace ropekv::webhook
