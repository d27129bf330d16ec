#include <gtest/gtest.h>

#include "ropekv/net/query_params.hpp"

namespace ropekv::net {
namespace {

using k = api_kind;

http_result<api_params> params(api_kind kind, std::string_view query, bool has_rk = true) {
  auto pairs = parse_query(query);
  if (!pairs) return std::move(pairs).error();
  return parse_params(kind, has_rk, *pairs);
}

void expect_error(api_kind kind, std::string_view query, unsigned status = 400,
                  bool has_rk = true) {
  auto r = params(kind, query, has_rk);
  ASSERT_FALSE(r.ok()) << to_string(kind) << " ?" << query;
  EXPECT_EQ(r.error().status, status) << query;
  EXPECT_EQ(r.error().code, status == 413 ? "too_large" : "invalid_argument") << query;
}

TEST(query_params, defaults) {
  auto p = params(k::query_items, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->limit, 100u);
  EXPECT_FALSE(p->reverse);
  EXPECT_EQ(p->consistency, read_consistency::strong);
  EXPECT_EQ(p->condition, write_condition::none);
  EXPECT_FALSE(p->from || p->to || p->cursor || p->as_of || p->ttl_seconds);
  EXPECT_FALSE(has_range_query_params(*p));
}

TEST(query_params, writes) {
  auto p = params(k::put_item, "ttl=0&if=exists");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ttl_seconds, 0u);
  EXPECT_EQ(p->condition, write_condition::exists);
  EXPECT_EQ(params(k::put_item, "if_version=18446744073709551615")->if_version, UINT64_MAX);
  EXPECT_EQ(params(k::delete_item, "if=absent")->condition, write_condition::absent);
  EXPECT_EQ(params(k::put_item, "ttl=" + std::to_string(max_ttl_seconds))->ttl_seconds,
            max_ttl_seconds);
  expect_error(k::put_item, "ttl=-1");
  expect_error(k::put_item, "ttl=1.5");
  expect_error(k::put_item, "ttl=");
  expect_error(k::put_item, "ttl=" + std::to_string(max_ttl_seconds + 1));
  expect_error(k::put_item, "if=maybe");
  expect_error(k::put_item, "if_version=v1");
  expect_error(k::put_item, "if=absent&if_version=3");  // exclusive
  expect_error(k::delete_item, "ttl=5");                // not a delete parameter
}

TEST(query_params, reads) {
  auto p = params(k::get_item, "consistency=eventual&as_of=12");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->consistency, read_consistency::eventual);
  EXPECT_EQ(p->as_of, 12u);
  expect_error(k::get_item, "consistency=weak");
  expect_error(k::get_item, "as_of=-3");
  expect_error(k::get_item, "limit=5");  // a point read with {rk} has no limit
  EXPECT_TRUE(params(k::get_item, "limit=5", /*has_rk=*/false).ok());
}

TEST(query_params, range_queries) {
  auto p = params(k::query_items, "from=a+b&to=c%00&limit=1000&reverse&cursor=opaque%2Ftoken&index=local");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->from, "a b");
  EXPECT_EQ(p->to, std::string("c\0", 2));
  EXPECT_EQ(p->limit, 1000u);
  EXPECT_TRUE(p->reverse);
  EXPECT_EQ(p->cursor, "opaque/token");
  EXPECT_TRUE(p->local_index);
  EXPECT_TRUE(has_range_query_params(*p));
  EXPECT_FALSE(params(k::query_items, "cursor=")->cursor.has_value());
  EXPECT_EQ(params(k::query_items, "limit=1")->limit, 1u);
  EXPECT_FALSE(params(k::query_items, "reverse=0")->reverse);
  EXPECT_TRUE(params(k::query_items, "reverse=1")->reverse);
  expect_error(k::query_items, "limit=0");
  expect_error(k::query_items, "limit=1001");
  expect_error(k::query_items, "limit=ten");
  expect_error(k::query_items, "reverse=yes");
  expect_error(k::query_items, "index=global");
  expect_error(k::query_items, "from=b&to=a");
  // index=local bounds are compared once encoded (by the router): 9 < 10.
  EXPECT_TRUE(params(k::query_items, "index=local&from=9&to=10").ok());
  expect_error(k::query_items, "from=" + std::string(1025, 'f'), 413);
  EXPECT_TRUE(params(k::query_items, "index=local&from=" + std::string(1025, 'f')).ok());
}

TEST(query_params, scan_and_index_query) {
  EXPECT_EQ(params(k::scan, "limit=7&cursor=x")->limit, 7u);
  expect_error(k::scan, "from=a");
  auto eq = params(k::index_query, "eq=42&after=t1,t2&after=t3");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(eq->eq, "42");
  EXPECT_EQ(eq->after, (std::vector<std::string>{"t1", "t2", "t3"}));
  expect_error(k::index_query, "after=");
  expect_error(k::index_query, "after=a,,b");
  EXPECT_TRUE(params(k::index_query, "from=9&to=10").ok());  // compared once encoded
  EXPECT_TRUE(params(k::index_query, "from=1&to=5&reverse=true").ok());
  expect_error(k::index_query, "eq=1&from=0");
  expect_error(k::index_query, "consistency=eventual");
}

TEST(query_params, unknown_and_repeated_are_rejected) {
  expect_error(k::put_item, "if_versoin=3");
  expect_error(k::get_table, "x=1");
  expect_error(k::query_items, "limit=5&limit=6");
  auto r = params(k::scan, "bogus=1");
  EXPECT_NE(r.error().message.find("accepted: consistency, as_of, limit, cursor"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace ropekv::net
