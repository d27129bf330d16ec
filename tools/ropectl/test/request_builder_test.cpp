// Every subcommand's request, byte for byte; and, because the real judge of
// a request is the router's own parser, each one is also fed back through
// libs/net's parse_request to check that the router reads what was meant.
#include <gtest/gtest.h>

#include <tuple>

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

TEST(request_builder, indexes) {
  command create = make(command_kind::index_create);
  create.index.name = "by_city";
  create.index.attribute = "address.city";
  EXPECT_EQ(build_request(create),
            (api_call{"PUT", "/v1/tables/users/indexes/by_city", R"({"attribute":"address.city"})"}));
  create.index.type = "number";
  create.index.projection = "keys";
  create.index.unique = true;
  api_call full = build_request(create);
  EXPECT_EQ(full.body, R"({"attribute":"address.city","type":"number","projection":"keys","unique":true})");
  auto put = parsed(full);
  EXPECT_EQ(put.kind, net::api_kind::put_index);
  EXPECT_EQ(put.table, "users");
  EXPECT_EQ(put.name, "by_city");

  command list = make(command_kind::index_list);
  EXPECT_EQ(build_request(list), (api_call{"GET", "/v1/tables/users/indexes", ""}));
  EXPECT_EQ(parsed(build_request(list)).kind, net::api_kind::list_indexes);
  for (auto [kind, method, api] : {std::tuple{command_kind::index_get, "GET", net::api_kind::get_index},
                                   std::tuple{command_kind::index_delete, "DELETE", net::api_kind::delete_index}}) {
    command c = make(kind);
    c.index.name = "by_city";
    EXPECT_EQ(build_request(c), (api_call{method, "/v1/tables/users/indexes/by_city", ""}));
    EXPECT_EQ(parsed(build_request(c)).kind, api);
  }
}

TEST(request_builder, index_query_parameters_read_back_by_the_router) {
  command q = make(command_kind::index_query);
  q.index.name = "by_city";
  q.index.eq = "S\xc3\xa3o Paulo/+";
  q.index.after = {"T1", "T-2_x"};
  q.range.limit = 50;
  q.range.cursor = "Q2_x";
  api_call call = build_request(q);
  EXPECT_EQ(call.target,
            "/v1/tables/users/indexes/by_city/items?eq=S%C3%A3o%20Paulo%2F%2B&limit=50&after=T1&after=T-2_x"
            "&cursor=Q2_x");
  auto req = parsed(call);
  EXPECT_EQ(req.kind, net::api_kind::index_query);
  EXPECT_EQ(req.name, "by_city");
  EXPECT_EQ(req.params.eq, q.index.eq);
  EXPECT_EQ(req.params.after, q.index.after);
  EXPECT_EQ(req.params.limit, 50u);
  EXPECT_EQ(req.params.cursor, "Q2_x");

  command r = make(command_kind::index_query);
  r.index.name = "by_age";
  r.range.from = "10";
  r.range.to = "9";  // compared as numbers by the router, once it knows the type
  r.range.reverse = true;
  auto range = parsed(build_request(r));
  EXPECT_EQ(range.params.from, "10");
  EXPECT_EQ(range.params.to, "9");
  EXPECT_TRUE(range.params.reverse);
  EXPECT_EQ(with_cursor(build_request(r), "C").target,
            "/v1/tables/users/indexes/by_age/items?from=10&to=9&reverse=true&cursor=C");
}

}  // namespace
}  // namespace ropekv::ctl
