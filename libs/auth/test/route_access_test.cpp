#include <gtest/gtest.h>

#include "ropekv/auth/route_access.hpp"
#include "ropekv/net/api_router.hpp"

using namespace ropekv;
using namespace ropekv::auth;

namespace {
net::api_request parsed(net::http_method m, std::string target, std::string body = "") {
  net::http_request r;
  r.method = m;
  r.target = std::move(target);
  r.body = std::move(body);
  auto p = net::parse_request(r);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? *p : net::api_request{};
}
using m = net::http_method;
}  // namespace

TEST(RouteAccess, EveryRouteHasARule) {
  // A kind without a rule falls back to cluster-admin; every kind the
  // route table can produce must have been thought about, i.e. anything
  // but an open route needs a token.
  for (const auto& e : net::route_entries()) {
    net::api_request r;
    r.kind = e.kind;
    r.table = "events";
    auto needs = requirements(r);
    ASSERT_FALSE(needs.empty()) << e.pattern;
    EXPECT_EQ(is_open(e.kind), needs.front().level == access::open) << e.pattern;
  }
}

TEST(RouteAccess, PathTableRoutes) {
  EXPECT_EQ(requirements(parsed(m::get, "/v1/tables/events/items/a")),
            (std::vector<requirement>{{access::read, "events"}}));
  EXPECT_EQ(requirements(parsed(m::put, "/v1/tables/events/items/a", "{}")),
            (std::vector<requirement>{{access::write, "events"}}));
  EXPECT_EQ(requirements(parsed(m::post, "/v1/tables/events/partitions/3/rollback", R"({"to_version":1})")),
            (std::vector<requirement>{{access::admin, "events"}}));
  EXPECT_EQ(requirements(parsed(m::get, "/v1/cluster")),
            (std::vector<requirement>{{access::cluster_read, {}}}));
  EXPECT_EQ(requirements(parsed(m::delete_, "/v1/auth/tokens/ci-token")),
            (std::vector<requirement>{{access::cluster_admin, {}}}));
  EXPECT_TRUE(is_open(parsed(m::get, "/healthz").kind));
}

TEST(RouteAccess, BatchOfGetsNeedsReadOtherwiseWrite) {
  EXPECT_EQ(requirements(parsed(m::post, "/v1/tables/events/batch",
                                R"({"ops":[{"op":"get","hash_key":"a"},{"op":"get","hash_key":"b"}]})")),
            (std::vector<requirement>{{access::read, "events"}}));
  EXPECT_EQ(requirements(parsed(m::post, "/v1/tables/events/batch",
                                R"({"ops":[{"op":"get","hash_key":"a"},{"op":"put","hash_key":"b","item":{}}]})")),
            (std::vector<requirement>{{access::write, "events"}}));
}

TEST(RouteAccess, TransactNeedsEachOpsTable) {
  auto needs = requirements(parsed(m::post, "/v1/transact",
                                   R"({"ops":[{"put":{"table":"accounts","hash_key":"a","item":{}}},
                                              {"get":{"table":"rates","hash_key":"x"}}]})"));
  EXPECT_EQ(needs, (std::vector<requirement>{{access::write, "accounts"}, {access::read, "rates"}}));
  EXPECT_EQ(requirements(parsed(m::post, "/v1/transact", R"({"ops":"nope"})")),
            (std::vector<requirement>{{access::write, "*"}}));
}

TEST(RouteAccess, HookDefinitionNeedsAdminOnItsTable) {
  EXPECT_EQ(requirements(parsed(m::put, "/v1/hooks/hook1", R"({"url":"http://x/","table":"events"})")),
            (std::vector<requirement>{{access::admin, "events"}}));
  EXPECT_EQ(requirements(parsed(m::get, "/v1/hooks")),
            (std::vector<requirement>{{access::admin, "*"}}));
}
