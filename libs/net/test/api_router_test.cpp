#include <gtest/gtest.h>

#include "ropekv/net/api_router.hpp"

namespace ropekv::net {
namespace {

using namespace std::string_literals;
using m = http_method;
using k = api_kind;

struct route_case {
  http_method method;
  const char* target;
  api_kind kind;
};

TEST(api_router, every_endpoint_and_method) {
  const route_case cases[] = {
      {m::get, "/healthz", k::healthz},
      {m::get, "/readyz", k::readyz},
      {m::get, "/metrics", k::metrics},
      {m::get, "/v1/tables", k::list_tables},
      {m::put, "/v1/tables/users", k::create_table},
      {m::get, "/v1/tables/users", k::get_table},
      {m::delete_, "/v1/tables/users", k::delete_table},
      {m::put, "/v1/tables/users/items/h", k::put_item},
      {m::get, "/v1/tables/users/items/h", k::get_item},
      {m::delete_, "/v1/tables/users/items/h", k::delete_item},
      {m::put, "/v1/tables/users/items/h/r", k::put_item},
      {m::get, "/v1/tables/users/items/h/r", k::get_item},
      {m::delete_, "/v1/tables/users/items/h/r", k::delete_item},
      {m::get, "/v1/tables/users/scan", k::scan},
      {m::post, "/v1/tables/users/batch", k::batch},
      {m::post, "/v1/transact", k::transact},
      {m::get, "/v1/tables/users/partitions/7", k::get_partition},
      {m::post, "/v1/tables/users/partitions/7/rollback", k::rollback_partition},
      {m::get, "/v1/tables/users/indexes", k::list_indexes},
      {m::put, "/v1/tables/users/indexes/by_age", k::put_index},
      {m::get, "/v1/tables/users/indexes/by_age", k::get_index},
      {m::delete_, "/v1/tables/users/indexes/by_age", k::delete_index},
      {m::get, "/v1/tables/users/indexes/by_age/items", k::index_query},
      {m::get, "/v1/hooks", k::list_hooks},
      {m::put, "/v1/hooks/on_put", k::put_hook},
      {m::get, "/v1/hooks/on_put", k::get_hook},
      {m::delete_, "/v1/hooks/on_put", k::delete_hook},
      {m::get, "/v1/cluster", k::cluster},
  };
  for (const auto& c : cases) {
    auto r = route_request(c.method, c.target);
    ASSERT_TRUE(r.ok()) << to_string(c.method) << " " << c.target << ": " << r.error().message;
    EXPECT_EQ(r->kind, c.kind) << c.target << " got " << to_string(r->kind);
  }
}

TEST(api_router, captures_names_keys_and_partition) {
  auto item = route_request(m::get, "/v1/tables/users/items/h1/r1");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->table, "users");
  EXPECT_EQ(item->hash_key, "h1");
  EXPECT_EQ(item->range_key, "r1");
  auto hash_only = route_request(m::get, "/v1/tables/users/items/h1");
  EXPECT_FALSE(hash_only->range_key.has_value());
  auto empty_rk = route_request(m::get, "/v1/tables/users/items/h1/");
  EXPECT_EQ(empty_rk->range_key, "");
  EXPECT_EQ(route_request(m::get, "/v1/tables/users/partitions/65535")->partition, 65535);
  EXPECT_EQ(route_request(m::get, "/v1/tables/users/indexes/by_age")->name, "by_age");
  EXPECT_EQ(route_request(m::put, "/v1/hooks/on_put")->name, "on_put");
}

TEST(api_router, keys_are_percent_decoded_bytes) {
  auto r = route_request(m::get, "/v1/tables/t.x/items/a%2Fb%00c/%00%2F+");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->hash_key, "a/b\0c"s);
  EXPECT_EQ(r->range_key, "\0/+"s);
  auto bin = route_request(m::put, "/v1/tables/t.x/items/%FF%FE");
  EXPECT_EQ(bin->hash_key, "\xff\xfe"s);
  EXPECT_EQ(route_request(m::get, "/v1/tables/%75sers")->table, "users");
}

TEST(api_router, bad_escapes_are_400) {
  for (const char* target : {"/v1/tables/users/items/%zz", "/v1/tables/users/items/h/%4",
                             "/v1/tables/users/items/h?from=%"}) {
    auto r = route_request(m::get, target);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "invalid_argument");
  }
}

TEST(api_router, unknown_routes_are_404) {
  // "/" is the web console's page (api_kind::console), not an unknown route.
  for (const char* target : {"/console", "/console/a/b", "/v2/tables", "/v1", "/v1/tables/users/nope",
                             "/v1/tables/users/items/h/r/extra", "/healthz/", "/v1/ws",
                             "/v1/tables/users/indexes/i/items/x"}) {
    auto r = route_request(m::get, target);
    ASSERT_FALSE(r.ok()) << target;
    EXPECT_EQ(r.error().status, 404u) << target;
    EXPECT_EQ(r.error().code, "not_found");
  }
  EXPECT_EQ(route_request(m::get, "*").error().status, 400u);
}

TEST(api_router, wrong_method_on_a_known_route_is_405_with_allow) {
  struct c405 {
    http_method method;
    const char* target;
    const char* allow;
  };
  const c405 cases[] = {
      {m::post, "/v1/tables/users", "PUT, GET, DELETE"},
      {m::patch, "/v1/tables/users/items/h", "PUT, GET, DELETE"},
      {m::post, "/v1/tables/users/items/h/r", "PUT, GET, DELETE"},
      {m::put, "/v1/tables", "GET"},
      {m::get, "/v1/transact", "POST"},
      {m::get, "/v1/tables/users/batch", "POST"},
      {m::delete_, "/v1/tables/users/scan", "GET"},
      {m::get, "/v1/tables/users/partitions/1/rollback", "POST"},
      {m::head, "/healthz", "GET"},
      {m::other, "/metrics", "GET"},
      {m::post, "/v1/hooks/h_1", "PUT, GET, DELETE"},
  };
  for (const auto& c : cases) {
    auto r = route_request(c.method, c.target);
    ASSERT_FALSE(r.ok()) << c.target;
    EXPECT_EQ(r.error().status, 405u) << c.target;
    EXPECT_EQ(r.error().code, "method_not_allowed");
    EXPECT_EQ(r.error().allow, c.allow) << c.target;
  }
}

TEST(api_router, path_values_are_validated) {
  struct bad_case {
    http_method method;
    std::string target;
    unsigned status;
  };
  const bad_case cases[] = {
      {m::get, "/v1/tables/ab", 400},                               // name too short
      {m::get, "/v1/tables/", 400},                                 // empty name
      {m::get, "/v1/tables/a%20bc", 400},                           // bad char
      {m::get, "/v1/tables/" + std::string(256, 't'), 400},         // name too long
      {m::put, "/v1/tables/users/items/", 400},                     // empty hash key
      {m::put, "/v1/tables/users/items/" + std::string(2049, 'h'), 413},
      {m::put, "/v1/tables/users/items/h/" + std::string(1025, 'r'), 413},
      {m::get, "/v1/tables/users/partitions/65536", 400},
      {m::get, "/v1/tables/users/partitions/-1", 400},
      {m::put, "/v1/tables/users/indexes/ix", 400},                 // index name too short
      {m::put, "/v1/hooks/a%2Fbc", 400},                            // '/' in hook name
  };
  for (const auto& c : cases) {
    auto r = route_request(c.method, c.target);
    ASSERT_FALSE(r.ok()) << c.target.substr(0, 60);
    EXPECT_EQ(r.error().status, c.status) << c.target.substr(0, 60);
  }
  EXPECT_TRUE(route_request(m::put, "/v1/tables/users/items/" + std::string(2048, 'h') + "/" +
                                        std::string(1024, 'r'))
                  .ok());
}

TEST(api_router, query_parameters_are_parsed_for_the_kind) {
  auto put = route_request(m::put, "/v1/tables/users/items/h/r?ttl=60&if=absent");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->params.ttl_seconds, 60u);
  EXPECT_EQ(put->params.condition, write_condition::absent);
  auto get = route_request(m::get, "/v1/tables/users/items/h/r?ttl=60");
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().status, 400u);
  auto query = route_request(m::get, "/v1/tables/users/items/h?from=a%00&to=b&limit=10&reverse=true");
  ASSERT_TRUE(query.ok()) << query.error().message;
  EXPECT_EQ(query->params.from, "a\0"s);
  EXPECT_EQ(query->params.limit, 10u);
  EXPECT_TRUE(query->params.reverse);
}

TEST(api_router, table_shape_settles_item_requests) {
  auto query = route_request(m::get, "/v1/tables/users/items/h?limit=5");
  ASSERT_TRUE(query.ok());
  ASSERT_TRUE(apply_table_shape(*query, true).ok());
  EXPECT_EQ(query->kind, k::query_items);

  auto point = route_request(m::get, "/v1/tables/users/items/h");
  ASSERT_TRUE(apply_table_shape(*point, false).ok());
  EXPECT_EQ(point->kind, k::get_item);

  auto range_params = route_request(m::get, "/v1/tables/users/items/h?from=a");
  EXPECT_EQ(apply_table_shape(*range_params, false).error().status, 400u);

  auto rk_on_hash_table = route_request(m::get, "/v1/tables/users/items/h/r");
  EXPECT_EQ(apply_table_shape(*rk_on_hash_table, false).error().status, 400u);

  auto put_without_rk = route_request(m::put, "/v1/tables/users/items/h");
  EXPECT_EQ(apply_table_shape(*put_without_rk, true).error().status, 400u);
  auto delete_without_rk = route_request(m::delete_, "/v1/tables/users/items/h");
  EXPECT_EQ(apply_table_shape(*delete_without_rk, true).error().status, 400u);

  auto full = route_request(m::get, "/v1/tables/users/items/h/r");
  ASSERT_TRUE(apply_table_shape(*full, true).ok());
  EXPECT_EQ(full->kind, k::get_item);

  auto other = route_request(m::get, "/v1/tables/users");
  EXPECT_TRUE(apply_table_shape(*other, false).ok());
}

http_request make(http_method method, std::string target, std::string body = {}) {
  http_request req;
  req.method = method;
  req.target = std::move(target);
  req.body = std::move(body);
  return req;
}

TEST(api_router, parse_request_validates_bodies_per_kind) {
  auto table = parse_request(make(m::put, "/v1/tables/users", R"({"hash_key":"id"})"));
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(std::get<table_spec>(table->body).hash_key, "id");

  auto item = parse_request(make(m::put, "/v1/tables/users/items/h", R"({ "a" : 1 })"));
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(std::get<json_object_text>(item->body).json, R"({"a":1})");

  auto rollback = parse_request(
      make(m::post, "/v1/tables/users/partitions/3/rollback", R"({"to_version":42})"));
  ASSERT_TRUE(rollback.ok());
  EXPECT_EQ(std::get<rollback_spec>(rollback->body).to_version, 42u);

  auto index = parse_request(make(m::put, "/v1/tables/users/indexes/by_age", R"({"attribute":"age"})"));
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(std::get<json_object_text>(index->body).json, R"({"attribute":"age"})");

  for (const char* target : {"/v1/transact", "/v1/tables/users/batch"}) {
    auto r = parse_request(make(m::post, target, R"({"ops":[]})"));
    ASSERT_TRUE(r.ok()) << target;
    EXPECT_TRUE(std::holds_alternative<json_object_text>(r->body));
  }
  auto hook = parse_request(make(m::put, "/v1/hooks/on_put", R"({"url":"http://x"})"));
  EXPECT_TRUE(hook.ok());

  auto get = parse_request(make(m::get, "/v1/tables/users", "ignored"));
  ASSERT_TRUE(get.ok());
  EXPECT_TRUE(std::holds_alternative<std::monostate>(get->body));

  auto bad_item = parse_request(make(m::put, "/v1/tables/users/items/h", "[1]"));
  EXPECT_EQ(bad_item.error().status, 400u);
  auto bad_json = parse_request(make(m::post, "/v1/transact", "{"));
  EXPECT_EQ(bad_json.error().code, "invalid_json");
  auto routing_first = parse_request(make(m::put, "/v1/tables/ab", "{"));
  EXPECT_EQ(routing_first.error().code, "invalid_argument");  // name checked before body
}

}  // namespace
}  // namespace ropekv::net
