// Every subcommand's request, byte for byte; and, because the real judge of
// a request is the router's own parser, each one is also fed back through
// libs/net's parse_request to check that the router reads what was meant.
#include <gtest/gtest.h>

#include "request_builder.hpp"
#include "ropekv/net/api_router.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::string_literals;

command make(command_kind kind, std::string table = "users") {
  command c;
  c.kind = kind;
  c.table = std::move(table);
  return c;
}

// What the router's request layer makes of `call`.
net::api_request parsed(const api_call& call) {
  net::http_request req;
  req.method = net::parse_http_method(call.method);
  req.method_name = call.method;
  req.target = call.target;
  req.body = call.body;
  auto r = net::parse_request(req);
  EXPECT_TRUE(r.ok()) << call.method << " " << call.target << ": " << (r ? "" : r.error().message);
  return r ? std::move(r).value() : net::api_request{};
}

TEST(request_builder, binary_keys_are_percent_encoded_byte_by_byte) {
  command c = make(command_kind::get);
  c.hash_key = "a/b c%+?#\0\xff\x7f~-._"s;
  c.range_key = "\xc3\xa9/"s;
  api_call call = build_request(c);
  EXPECT_EQ(call.target, "/v1/tables/users/items/a%2Fb%20c%25%2B%3F%23%00%FF%7F~-._/%C3%A9%2F");
  auto req = parsed(call);
  EXPECT_EQ(req.hash_key, c.hash_key);
  EXPECT_EQ(req.range_key, c.range_key);
}

TEST(request_builder, empty_range_key_keeps_its_segment) {
  command c = make(command_kind::get);
  c.hash_key = "h";
  c.range_key = "";
  EXPECT_EQ(build_request(c).target, "/v1/tables/users/items/h/");
  EXPECT_EQ(parsed(build_request(c)).range_key, "");
}

TEST(request_builder, tables) {
  EXPECT_EQ(build_request(make(command_kind::tables_list)), (api_call{"GET", "/v1/tables", ""}));
  EXPECT_EQ(build_request(make(command_kind::tables_get)), (api_call{"GET", "/v1/tables/users", ""}));
  EXPECT_EQ(build_request(make(command_kind::tables_delete)),
            (api_call{"DELETE", "/v1/tables/users", ""}));

  command minimal = make(command_kind::tables_create);
  minimal.table_spec.hash_key = "id";
  EXPECT_EQ(build_request(minimal), (api_call{"PUT", "/v1/tables/users", R"({"hash_key":"id"})"}));

  command full = make(command_kind::tables_create);
  full.table_spec = {"id", "ts", "rank", 5, 3600, 16};
  api_call call = build_request(full);
  EXPECT_EQ(call.body,
            R"({"hash_key":"id","range_key":"ts","local_index":"rank","replication":5,"default_ttl":3600,"segments":16})");
  auto req = parsed(call);
  ASSERT_EQ(req.kind, net::api_kind::create_table);
  const auto& spec = std::get<net::table_spec>(req.body);
  EXPECT_EQ(spec.range_key, "ts");
  EXPECT_EQ(spec.local_index, "rank");
  EXPECT_EQ(spec.replication, 5u);
  EXPECT_EQ(spec.default_ttl, 3600u);
  EXPECT_EQ(spec.segments, 16u);
}

TEST(request_builder, put_with_ttl_and_conditions) {
  command c = make(command_kind::put);
  c.hash_key = "h";
  c.range_key = "r";
  c.item = R"({"n":12345678901234567890123})";
  EXPECT_EQ(build_request(c), (api_call{"PUT", "/v1/tables/users/items/h/r", c.item}));

  c.write.ttl = 60;
  c.write.condition = "absent";
  api_call call = build_request(c);
  EXPECT_EQ(call.target, "/v1/tables/users/items/h/r?ttl=60&if=absent");
  auto req = parsed(call);
  EXPECT_EQ(req.params.ttl_seconds, 60u);
  EXPECT_EQ(req.params.condition, net::write_condition::absent);

  c.write = {};
  c.write.if_version = 42;
  EXPECT_EQ(build_request(c).target, "/v1/tables/users/items/h/r?if_version=42");
  EXPECT_EQ(parsed(build_request(c)).params.if_version, 42u);
}

TEST(request_builder, get_with_read_options) {
  command c = make(command_kind::get);
  c.hash_key = "h";
  EXPECT_EQ(build_request(c), (api_call{"GET", "/v1/tables/users/items/h", ""}));
  c.read = {"eventual", 99};
  api_call call = build_request(c);
  EXPECT_EQ(call.target, "/v1/tables/users/items/h?consistency=eventual&as_of=99");
  auto req = parsed(call);
  EXPECT_EQ(req.params.consistency, net::read_consistency::eventual);
  EXPECT_EQ(req.params.as_of, 99u);
}

TEST(request_builder, delete_with_condition) {
  command c = make(command_kind::del);
  c.hash_key = "h";
  c.write.condition = "exists";
  EXPECT_EQ(build_request(c), (api_call{"DELETE", "/v1/tables/users/items/h?if=exists", ""}));
  EXPECT_EQ(parsed(build_request(c)).kind, net::api_kind::delete_item);
}

TEST(request_builder, query_encodes_every_parameter) {
  command c = make(command_kind::query);
  c.hash_key = "h";
  EXPECT_EQ(build_request(c).target, "/v1/tables/users/items/h");
  c.range = {"a&b=c", "z+ \xff"s, 50, true, true, "CUR/+=", false};
  c.read.consistency = "eventual";
  api_call call = build_request(c);
  EXPECT_EQ(call.target,
            "/v1/tables/users/items/h?from=a%26b%3Dc&to=z%2B%20%FF&limit=50&reverse=true&index=local"
            "&consistency=eventual&cursor=CUR%2F%2B%3D");
  auto req = parsed(call);
  EXPECT_EQ(req.params.from, "a&b=c");
  EXPECT_EQ(req.params.to, "z+ \xff"s);
  EXPECT_EQ(req.params.limit, 50u);
  EXPECT_TRUE(req.params.reverse);
  EXPECT_TRUE(req.params.local_index);
  EXPECT_EQ(req.params.cursor, "CUR/+=");
}

TEST(request_builder, scan) {
  command c = make(command_kind::scan);
  EXPECT_EQ(build_request(c), (api_call{"GET", "/v1/tables/users/scan", ""}));
  c.range.limit = 10;
  c.range.cursor = "abc";
  c.read.as_of = 7;
  api_call call = build_request(c);
  EXPECT_EQ(call.target, "/v1/tables/users/scan?limit=10&as_of=7&cursor=abc");
  EXPECT_EQ(parsed(call).kind, net::api_kind::scan);
}

TEST(request_builder, partition_rollback_cluster_health) {
  command p = make(command_kind::partition);
  p.partition = 65535;
  EXPECT_EQ(build_request(p), (api_call{"GET", "/v1/tables/users/partitions/65535", ""}));
  EXPECT_EQ(parsed(build_request(p)).partition, 65535);

  command r = make(command_kind::rollback);
  r.partition = 7;
  r.to_version = 12;
  api_call call = build_request(r);
  EXPECT_EQ(call, (api_call{"POST", "/v1/tables/users/partitions/7/rollback", R"({"to_version":12})"}));
  EXPECT_EQ(std::get<net::rollback_spec>(parsed(call).body).to_version, 12u);

  EXPECT_EQ(build_request(make(command_kind::cluster)), (api_call{"GET", "/v1/cluster", ""}));
  EXPECT_EQ(build_request(make(command_kind::health)), (api_call{"GET", "/healthz", ""}));
}

TEST(request_builder, with_cursor_appends_or_replaces) {
  api_call plain{"GET", "/v1/tables/t/scan", ""};
  EXPECT_EQ(with_cursor(plain, "a/b").target, "/v1/tables/t/scan?cursor=a%2Fb");
  api_call params{"GET", "/v1/tables/t/scan?limit=5", ""};
  EXPECT_EQ(with_cursor(params, "c1").target, "/v1/tables/t/scan?limit=5&cursor=c1");
  api_call has{"GET", "/v1/tables/t/scan?cursor=old&limit=5", ""};
  EXPECT_EQ(with_cursor(has, "new").target, "/v1/tables/t/scan?limit=5&cursor=new");
  api_call only{"GET", "/v1/tables/t/scan?cursor=old", ""};
  EXPECT_EQ(with_cursor(only, "").target, "/v1/tables/t/scan");
  // A range key that merely contains "cursor=" is in the path, not the query.
  api_call path{"GET", "/v1/tables/t/items/cursor%3Dx?limit=5", ""};
  EXPECT_EQ(with_cursor(path, "n").target, "/v1/tables/t/items/cursor%3Dx?limit=5&cursor=n");
}

TEST(request_builder, hooks) {
  command c = make(command_kind::hooks_put, "orders");
  c.hook_name = "ship it";
  c.hook.url = "http://h:9/in";
  c.hook.secret = "whsec_AAAA";
  api_call put = build_request(c);
  EXPECT_EQ(put, (api_call{"PUT", "/v1/hooks/ship%20it",
                           R"({"url":"http://h:9/in","table":"orders","secret":"whsec_AAAA"})"}));
  c.hook_name = "ship";
  c.hook.events = {"create", "update"};
  c.hook.prefix = "cust-";
  put = build_request(c);
  EXPECT_EQ(put.body,
            R"({"url":"http://h:9/in","table":"orders","events":["create","update"],"prefix":"cust-","secret":"whsec_AAAA"})");
  auto req = parsed(put);
  EXPECT_EQ(req.kind, net::api_kind::put_hook);
  EXPECT_EQ(req.name, "ship");

  command other = make(command_kind::hooks_list);
  EXPECT_EQ(build_request(other), (api_call{"GET", "/v1/hooks", ""}));
  other.hook_name = "ship";
  other.kind = command_kind::hooks_get;
  EXPECT_EQ(build_request(other), (api_call{"GET", "/v1/hooks/ship", ""}));
  EXPECT_EQ(parsed(build_request(other)).kind, net::api_kind::get_hook);
  other.kind = command_kind::hooks_delete;
  EXPECT_EQ(build_request(other), (api_call{"DELETE", "/v1/hooks/ship", ""}));
  EXPECT_EQ(parsed(build_request(other)).kind, net::api_kind::delete_hook);
}

}  // namespace
}  // namespace ropekv::ctl
