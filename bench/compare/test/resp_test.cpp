#include "resp.hpp"

#include <gtest/gtest.h>

using namespace ropekv::bench::resp;

TEST(loadgen_resp, encodes_commands_as_bulk_arrays) {
  EXPECT_EQ(encode_command({"SET", "k1", "v"}), "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$1\r\nv\r\n");
  EXPECT_EQ(encode_command({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(loadgen_resp, parses_simple_error_integer_bulk_and_null) {
  auto ok = parse("+OK\r\n");
  ASSERT_EQ(ok.status, parse_result::state::complete);
  EXPECT_EQ(ok.value.type, kind::simple);
  EXPECT_EQ(ok.value.text, "OK");
  EXPECT_EQ(ok.consumed, 5u);
  auto err = parse("-ERR wrong\r\n");
  EXPECT_EQ(err.value.type, kind::error);
  EXPECT_EQ(err.value.text, "ERR wrong");
  auto n = parse(":42\r\n");
  EXPECT_EQ(n.value.type, kind::integer);
  EXPECT_EQ(n.value.text, "42");
  auto bulk = parse("$5\r\nhe\r\no\r\nextra");
  ASSERT_EQ(bulk.status, parse_result::state::complete);
  EXPECT_EQ(bulk.value.type, kind::bulk);
  EXPECT_EQ(bulk.value.text, "he\r\no");
  EXPECT_EQ(bulk.consumed, 11u);
  EXPECT_EQ(parse("$-1\r\n").value.type, kind::null_bulk);
  EXPECT_EQ(parse("*-1\r\n").value.type, kind::null_array);
}

TEST(loadgen_resp, incomplete_until_every_byte_arrived) {
  std::string full = "*2\r\n$3\r\nabc\r\n:7\r\n";
  for (size_t i = 0; i < full.size(); ++i)
    EXPECT_EQ(parse(full.substr(0, i)).status, parse_result::state::incomplete) << i;
  auto r = parse(full);
  ASSERT_EQ(r.status, parse_result::state::complete);
  ASSERT_EQ(r.value.elements.size(), 2u);
  EXPECT_EQ(r.value.elements[0].text, "abc");
  EXPECT_EQ(r.value.elements[1].text, "7");
}

TEST(loadgen_resp, malformed_input) {
  EXPECT_EQ(parse("?x\r\n").status, parse_result::state::malformed);
  EXPECT_EQ(parse("$abc\r\n").status, parse_result::state::malformed);
  EXPECT_EQ(parse("$2\r\nabcd\r\n").status, parse_result::state::malformed);
  EXPECT_EQ(parse(":1x\r\n").status, parse_result::state::malformed);
}
