#include "ropekv/common/base64.hpp"

#include <gtest/gtest.h>

namespace ropekv {
namespace {

// Expected texts from /usr/bin/python3 base64.b64encode.
TEST(common_base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode("", base64_alphabet::standard), "");
  EXPECT_EQ(base64_encode("f", base64_alphabet::standard), "Zg==");
  EXPECT_EQ(base64_encode("fo", base64_alphabet::standard), "Zm8=");
  EXPECT_EQ(base64_encode("foo", base64_alphabet::standard), "Zm9v");
  EXPECT_EQ(base64_encode(std::string("\x00\xff\x80\x01\x02", 5), base64_alphabet::standard), "AP+AAQI=");
}

TEST(common_base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    auto back = base64_decode(base64_encode(bytes, base64_alphabet::standard), base64_alphabet::standard);
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, bytes);
    bytes += static_cast<char>(n * 37 + 11);
  }
}

TEST(common_base64, RejectsNonCanonicalText) {
  EXPECT_FALSE(base64_decode("Zg=", base64_alphabet::standard));     // length not a multiple of 4
  EXPECT_FALSE(base64_decode("Zg", base64_alphabet::standard));      // no padding
  EXPECT_FALSE(base64_decode("Zh==", base64_alphabet::standard));    // unused bits set (Zg== is canonical)
  EXPECT_FALSE(base64_decode("Zm9=", base64_alphabet::standard));    // unused bits set (Zm8= is canonical)
  EXPECT_FALSE(base64_decode("Z=g=", base64_alphabet::standard));    // padding inside
  EXPECT_FALSE(base64_decode("====", base64_alphabet::standard));
  EXPECT_FALSE(base64_decode("Zm9v Zm9v", base64_alphabet::standard));
  EXPECT_FALSE(base64_decode("Zm9-", base64_alphabet::standard));    // not the standard alphabet
  EXPECT_TRUE(base64_decode("", base64_alphabet::standard).has_value());
}

}  // namespace
}  // namespace ropekv
