#include <gtest/gtest.h>

#include "key_text.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::string_literals;

TEST(key_text, display_key_escapes_everything_unprintable) {
  EXPECT_EQ(display_key("user:42"), "user:42");
  EXPECT_EQ(display_key("a\0b\n\\\xff"s), "a\\x00b\\x0a\\x5c\\xff");
  // '\' itself is escaped, so a key "\x00" (4 bytes) differs from a NUL byte.
  EXPECT_NE(display_key("\\x00"), display_key("\0"s));
}

TEST(key_text, base64_decodes_standard_alphabet) {
  EXPECT_EQ(base64_decode("AP8="), "\x00\xff"s);
  EXPECT_EQ(base64_decode("AP8"), "\x00\xff"s);
  EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("a-_="), std::nullopt);
  EXPECT_EQ(base64_decode("A"), std::nullopt);
}

TEST(key_text, key_member_reads_plain_or_base64) {
  auto v = json_value::parse(R"({"hash_key":"h","range_key_base64":"AAE="})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(key_member(*v, "hash_key"), "h");
  EXPECT_EQ(key_member(*v, "range_key"), "\x00\x01"s);
  EXPECT_EQ(key_member(*v, "other"), std::nullopt);
}

TEST(key_text, utc_milliseconds) {
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_utc_ms(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace ropekv::ctl
