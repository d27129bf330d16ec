// base64, cursors, JSON member splitting and item rendering.
#include <gtest/gtest.h>

#include "ropekv/common/base64.hpp"
#include "item_json.hpp"
#include "json_members.hpp"
#include "router_cursor.hpp"

namespace ropekv::router {
namespace {

TEST(router_base64, round_trips_every_length_in_both_alphabets) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    for (auto a : {base64_alphabet::standard, base64_alphabet::url}) {
      auto text = base64_encode(bytes, a);
      auto back = base64_decode(text, a);
      ASSERT_TRUE(back) << n;
      EXPECT_EQ(*back, bytes);
    }
    bytes.push_back(static_cast<char>(n * 37 + 250));
  }
  EXPECT_EQ(base64_encode("\xff\xfe", base64_alphabet::standard), "//4=");
  EXPECT_EQ(base64_encode("\xff\xfe", base64_alphabet::url), "__4");
}

TEST(router_base64, rejects_garbage) {
  for (const char* bad : {"a", "ab=c", "a===", "!!!!", "ab\n=", "AB==", "//5="})
    EXPECT_FALSE(base64_decode(bad, base64_alphabet::standard)) << bad;
  for (const char* bad : {"a", "a+b", "ab=", "AB"})  // "AB": non-canonical trailing bits
    EXPECT_FALSE(base64_decode(bad, base64_alphabet::url)) << bad;
}

TEST(router_cursor, round_trips) {
  router_cursor c;
  c.kind = walk_kind::range;
  c.reverse = true;
  c.table = 70000;
  c.pos = std::string("\x00\x01\xff", 3);
  c.after = std::string("", 0);  // an empty range key is a real position
  c.after_rk = "rk";
  c.inner_segment = 1ull << 40;
  c.inner_epoch = 7;
  c.inner = "Kxyz";
  auto back = decode_cursor(encode_cursor(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  router_cursor no_after;
  auto again = decode_cursor(encode_cursor(no_after));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->after);
}

TEST(router_cursor, garbage_is_400) {
  router_cursor c;
  c.pos = "abc";
  std::string good = encode_cursor(c);
  std::vector<std::string> bad = {"", "%%%", "AAAA", good + "A", good.substr(0, good.size() - 2),
                                  base64_encode("RC\x01x\x00", base64_alphabet::url),
                                  base64_encode(std::string("RC\x02s\x00", 5), base64_alphabet::url)};
  for (const auto& text : bad) {
    auto r = decode_cursor(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "invalid_argument");
  }
}

TEST(router_json_members, keeps_numbers_and_nesting_verbatim) {
  auto m = object_members(R"({"a":123456789012345678901234567890,"b":{"c":[1,2.50e3]},"d":"x\u0000y","e":null})");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 4u);
  EXPECT_EQ((*m)[0].name, "a");
  EXPECT_EQ((*m)[0].value, "123456789012345678901234567890");
  EXPECT_EQ((*m)[0].type, json_type::number);
  EXPECT_EQ((*m)[1].value, R"({"c":[1,2.50e3]})");
  EXPECT_EQ((*m)[1].type, json_type::object);
  EXPECT_EQ(json_string((*m)[2].value), std::string("x\0y", 3));
  EXPECT_EQ((*m)[3].type, json_type::null);
  auto arr = array_elements(R"([{"op":"get"},3,"s"])");
  ASSERT_TRUE(arr.ok());
  ASSERT_EQ(arr->size(), 3u);
  EXPECT_EQ((*arr)[0].value, R"({"op":"get"})");
  EXPECT_FALSE(object_members("[1]").ok());
  EXPECT_FALSE(array_elements("{}").ok());
  EXPECT_EQ(object_members("{\"a\":").error().code, "invalid_json");
  EXPECT_EQ(json_uint64("42"), 42u);
  EXPECT_FALSE(json_uint64("-1"));
  EXPECT_FALSE(json_uint64("1.0"));
  EXPECT_FALSE(json_uint64("01"));
}

TEST(router_item_json, utf8_detection) {
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_TRUE(is_utf8(std::string("a\0b", 3)));
  EXPECT_FALSE(is_utf8("\xff"));
  EXPECT_FALSE(is_utf8("\xc3"));               // truncated
  EXPECT_FALSE(is_utf8("\xc0\x80"));           // overlong NUL
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));       // surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));   // above U+10FFFF
}

TEST(router_item_json, renders_items_with_text_and_binary_keys) {
  pb::Item item;
  item.set_hash_key("user-1");
  item.set_range_key("\xff\x01");
  item.set_value(R"({"n":1.50})");
  item.set_version(17);
  net::json_writer w;
  write_item(w, item, true);
  EXPECT_EQ(w.take(), R"({"hash_key":"user-1","range_key_base64":"/wE=","version":17,"item":{"n":1.50}})");
  item.set_expires_at_ms(1700000000000);
  write_item(w, item, false);
  EXPECT_EQ(w.take(), R"({"hash_key":"user-1","version":17,"expires_at_ms":1700000000000,"item":{"n":1.50}})");
}

}  // namespace
}  // namespace ropekv::router
