#include <gtest/gtest.h>

#include "ropekv/net/request_body.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::net {
namespace {

template <class T>
void expect_bad(const http_result<T>& r, std::string_view body, std::string_view code = "invalid_argument",
                unsigned status = 400) {
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.error().status, status) << body;
  EXPECT_EQ(r.error().code, code) << body << ": " << r.error().message;
}

TEST(table_spec, minimal_and_full) {
  auto min = parse_table_spec(R"({"hash_key":"id"})");
  ASSERT_TRUE(min.ok());
  EXPECT_EQ(min->hash_key, "id");
  EXPECT_FALSE(min->range_key || min->local_index || min->default_ttl);
  EXPECT_EQ(min->replication, 3u);

  auto full = parse_table_spec(
      R"({"hash_key":"user","range_key":"ts","local_index":"rk2","replication":5,"default_ttl":3600})");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->range_key, "ts");
  EXPECT_EQ(full->local_index, "rk2");
  EXPECT_EQ(full->replication, 5u);
  EXPECT_EQ(full->default_ttl, 3600u);

  auto nulls = parse_table_spec(R"({"hash_key":"id","range_key":null,"default_ttl":0})");
  ASSERT_TRUE(nulls.ok());
  EXPECT_FALSE(nulls->range_key || nulls->default_ttl);  // null = absent, 0 = no default
  EXPECT_EQ(parse_table_spec(R"({"hash_key":"id","replication":1})")->replication, 1u);
  EXPECT_FALSE(min->segments);
  EXPECT_EQ(parse_table_spec(R"({"hash_key":"id","segments":16})")->segments, 16u);
}

TEST(table_spec, errors) {
  for (std::string_view body : {
           R"({})",                                                  // hash_key missing
           R"({"hash_key":""})",
           R"({"hash_key":7})",
           R"({"hash_key":"id","range_key":"id"})",                  // same attribute
           R"({"hash_key":"id","range_key":5})",
           R"({"hash_key":"id","local_index":"x"})",                 // needs range_key
           R"({"hash_key":"id","range_key":"r","local_index":"r"})",
           R"({"hash_key":"id","replication":2})",
           R"({"hash_key":"id","replication":3.0})",
           R"({"hash_key":"id","replication":"3"})",
           R"({"hash_key":"id","replication":-1})",
           R"({"hash_key":"id","default_ttl":-5})",
           R"({"hash_key":"id","default_ttl":1.5})",
           R"({"hash_key":"id","default_ttl":99999999999999})",      // beyond max_ttl_seconds
           R"({"hash_key":"id","segments":0})",
           R"({"hash_key":"id","segments":1025})",                   // beyond max_initial_segments
           R"({"hash_key":"id","segments":"4"})",
           R"({"hash_key":"id","replicaton":3})",                    // unknown member
           R"([])",
       })
    expect_bad(parse_table_spec(body), body);
  std::string long_name = R"({"hash_key":")" + std::string(256, 'a') + R"("})";
  expect_bad(parse_table_spec(long_name), "long attribute");
  expect_bad(parse_table_spec("{"), "{", "invalid_json");
  expect_bad(parse_table_spec(""), "", "invalid_json");
}

TEST(rollback_spec, to_version_required) {
  EXPECT_EQ(parse_rollback_spec(R"({"to_version":18446744073709551615})")->to_version, UINT64_MAX);
  for (std::string_view body : {R"({})", R"({"to_version":-1})", R"({"to_version":"5"})",
                                R"({"to_version":1.5})", R"({"to_version":5,"y":1})"})
    expect_bad(parse_rollback_spec(body), body);
}

TEST(item_body, object_up_to_400_kib) {
  std::string prefix = R"({"v":")", suffix = R"("})";
  std::string at_limit = prefix + std::string(max_item_bytes - prefix.size() - suffix.size(), 'x') + suffix;
  ASSERT_EQ(at_limit.size(), max_item_bytes);
  EXPECT_TRUE(parse_item_body(at_limit).ok());
  std::string over = prefix + std::string(max_item_bytes, 'x') + suffix;
  expect_bad(parse_item_body(over), "over", "too_large", 413);
  expect_bad(parse_item_body("[]"), "[]");
  expect_bad(parse_item_body("nope"), "nope", "invalid_json");
}

}  // namespace
}  // namespace ropekv::net
