// Bearer tokens on every route, generated from the router's route table
// (net::route_entries()): each route is sent with no token, an unknown
// token, a revoked one, an expired one and a token of each role, and must
// answer 401 / 403 / go ahead exactly as docs/security.md says. A route
// added to the table without an expectation here fails the test, so no
// route can skip auth unnoticed.
//
// In process: a real router (auth on) against the placement double, which
// pushes the tokens in RopeUpdate.tokens as placement does.
#include <map>
#include <set>

#include "router_fixture.hpp"
#include "ropekv/auth/token_secret.hpp"
#include "ropekv/net/api_router.hpp"

namespace ropekv::router::test {
namespace {

using net::api_kind;

// The least a token needs for a route, as docs/security.md documents it.
// Written out here on purpose (not taken from libs/auth): the test checks
// the router against the documentation, not against itself.
enum class need { open, any, read, write, admin, admin_all, cluster_read, cluster_admin };

const std::map<api_kind, need>& expectations() {
  static const std::map<api_kind, need> m = {
      {api_kind::healthz, need::open},         {api_kind::readyz, need::open},
      {api_kind::metrics, need::open},         {api_kind::console, need::open},
      {api_kind::list_tables, need::any},      {api_kind::get_table, need::read},
      {api_kind::create_table, need::admin},   {api_kind::delete_table, need::admin},
      {api_kind::put_item, need::write},       {api_kind::get_item, need::read},
      {api_kind::delete_item, need::write},    {api_kind::query_items, need::read},
      {api_kind::scan, need::read},            {api_kind::batch, need::write},
      {api_kind::transact, need::write},       {api_kind::get_partition, need::read},
      {api_kind::rollback_partition, need::admin}, {api_kind::split_table, need::admin},
      {api_kind::list_indexes, need::read},    {api_kind::get_index, need::read},
      {api_kind::put_index, need::admin},      {api_kind::delete_index, need::admin},
      {api_kind::index_query, need::read},     {api_kind::put_hook, need::admin},
      {api_kind::list_hooks, need::admin_all}, {api_kind::get_hook, need::admin_all},
      {api_kind::delete_hook, need::admin_all}, {api_kind::cluster, need::cluster_read},
      {api_kind::drain_node, need::cluster_admin}, {api_kind::undrain_node, need::cluster_admin},
      {api_kind::create_token, need::cluster_admin}, {api_kind::list_tokens, need::cluster_admin},
      {api_kind::revoke_token, need::cluster_admin},
  };
  return m;
}

struct role_token {
  std::string role;    // as placement stores it
  std::string secret;
};

// One token per role; every table-scoped one is on `items` except admin:kvs
// (rights on another table only) and admin:* (every table).
const std::vector<role_token>& role_tokens() {
  static const std::vector<role_token> v = {
      {"read:items", "secret-read-items-0001"},   {"write:items", "secret-write-items-0001"},
      {"admin:items", "secret-admin-items-0001"}, {"admin:kvs", "secret-admin-kvs-00001"},
      {"admin:*", "secret-admin-all-000001"},     {"node", "secret-node-0000000001"},
      {"cluster-admin", "secret-cluster-admin-1"},
  };
  return v;
}

bool allowed(need n, const std::string& role) {
  if (role == "cluster-admin") return true;
  switch (n) {
    case need::open:
    case need::any: return true;
    case need::read: return role == "read:items" || role == "write:items" || role == "admin:items" || role == "admin:*";
    case need::write: return role == "write:items" || role == "admin:items" || role == "admin:*";
    case need::admin: return role == "admin:items" || role == "admin:*";
    case need::admin_all: return role == "admin:*";
    case need::cluster_read: return role == "node";
    case need::cluster_admin: return false;
  }
  return false;
}

pb::AuthToken make_token(const std::string& name, const std::string& secret, const std::string& role,
                         int64_t expires_ms = 0, std::optional<double> rate = std::nullopt) {
  pb::AuthToken t;
  t.set_name(name);
  t.set_secret_hash(auth::hash_secret(secret));
  t.add_roles(role);
  t.set_expires_ms(expires_ms);
  if (rate) t.set_rate_limit(*rate);
  return t;
}

// A concrete target for a pattern: every capture filled with a value the
// route accepts (table `items` has a range key, so items/{hk} is a query).
std::string fill(const std::string& pattern) {
  static const std::map<std::string, std::string> values = {
      {"{t}", "items"}, {"{hk}", "key1"},  {"{rk}", "r"},   {"{p}", "0"},
      {"{n}", "name1"}, {"{f}", "console.js"}, {"{id}", "1"}};
  std::string out = pattern;
  for (const auto& [capture, value] : values)
    for (auto at = out.find(capture); at != std::string::npos; at = out.find(capture)) out.replace(at, capture.size(), value);
  return out;
}

// A body the route's parser accepts (the role check needs a parsed body).
std::string body_for(api_kind kind) {
  switch (kind) {
    case api_kind::create_table: return R"({"hash_key":"h","range_key":"r"})";
    case api_kind::put_item: return R"({"a":1})";
    case api_kind::batch: return R"({"ops":[{"op":"put","hash_key":"k","range_key":"r","item":{"a":1}}]})";
    case api_kind::transact:
      return R"({"ops":[{"put":{"table":"items","hash_key":"k","range_key":"r","item":{"a":1}}}]})";
    case api_kind::rollback_partition: return R"({"to_version":1})";
    case api_kind::split_table: return R"({"at_hash_key":"m"})";
    case api_kind::put_index: return R"({"attribute":"a","type":"string"})";
    case api_kind::put_hook: return R"({"url":"http://127.0.0.1:9/","table":"items"})";
    case api_kind::create_token: return R"({"name":"made-by-test","roles":["read:items"]})";
    default: return {};
  }
}

const char* method_name(net::http_method m) { return net::to_string(m).data(); }

class router_auth : public router_fixture {
 protected:
  bool require_auth() const override { return true; }

  void SetUp() override {
    router_fixture::SetUp();
    std::vector<pb::AuthToken> tokens;
    for (const auto& t : role_tokens()) tokens.push_back(make_token("tok-" + t.role, t.secret, t.role));
    tokens.push_back(make_token("tok-revoked", revoked_secret, "cluster-admin"));
    tokens.push_back(make_token("tok-expired", expired_secret, "cluster-admin", 1000));  // 1970
    tokens.push_back(make_token("tok-slow", slow_secret, "read:items", 0, 0.5));
    set_tokens(std::move(tokens));
    // Then revoke one, as placement does: it is absent from the next update.
    auto kept = current_tokens();
    std::erase_if(kept, [](const pb::AuthToken& t) { return t.name() == "tok-revoked"; });
    set_tokens(std::move(kept));
  }

  std::vector<pb::AuthToken> current_tokens() {
    std::lock_guard lock(model_->mutex);
    return model_->tokens;
  }

  // Pushes `tokens` and waits until the router has them (the admin token
  // lists tables; the revoked one, when gone, is refused).
  void set_tokens(std::vector<pb::AuthToken> tokens) {
    bool revoked_present = false;
    for (const auto& t : tokens) revoked_present |= t.name() == "tok-revoked";
    {
      std::lock_guard lock(model_->mutex);
      model_->tokens = std::move(tokens);
    }
    caf::anon_send(placement_.handle, caf::flush_atom_v);
    http_client admin(port_), revoked(port_);
    admin.set_token("secret-cluster-admin-1");
    revoked.set_token(revoked_secret);
    for (int i = 0; i < 500; ++i) {
      bool admin_ok = admin.get("/v1/tables").status == 200;
      bool revoked_ok = revoked.get("/v1/tables").status == 200;
      if (admin_ok && revoked_ok == revoked_present) return;
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "the router never applied the pushed tokens";
  }

  http_reply send(const net::route_entry& e, const std::string& token) {
    http_client c(port_);
    c.set_token(token);
    return c.request(method_name(e.method), fill(e.pattern), body_for(e.kind));
  }

  static constexpr const char* revoked_secret = "secret-revoked-000001";
  static constexpr const char* expired_secret = "secret-expired-000001";
  static constexpr const char* slow_secret = "secret-slow-000000001";
};

TEST_F(router_auth, every_route_answers_as_documented_for_every_token) {
  const auto routes = net::route_entries();
  ASSERT_GT(routes.size(), 30u);
  std::set<api_kind> seen;
  for (const auto& e : routes) {
    seen.insert(e.kind);
    auto it = expectations().find(e.kind);
    ASSERT_NE(it, expectations().end())
        << "route " << method_name(e.method) << " " << e.pattern << " (" << net::to_string(e.kind)
        << ") has no auth expectation: add it here and to docs/security.md";
    const need n = it->second;
    const std::string what = std::string(method_name(e.method)) + " " + e.pattern;
    if (n == need::open) {
      auto r = send(e, "");
      EXPECT_NE(r.status, 401u) << what;
      EXPECT_NE(r.status, 403u) << what;
      continue;
    }
    for (std::string bad : {std::string(), std::string("not-a-token-at-all-0001"), std::string(revoked_secret),
                            std::string(expired_secret)}) {
      auto r = send(e, bad);
      EXPECT_EQ(r.status, 401u) << what << " with token \"" << bad << "\": " << r.body;
      EXPECT_EQ(r.error_code(), "unauthenticated") << what;
      EXPECT_EQ(r.www_authenticate, "Bearer realm=\"ropekv\"") << what;
    }
    for (const auto& t : role_tokens()) {
      auto r = send(e, t.secret);
      ASSERT_NE(r.status, 0u) << what << " as " << t.role << ": no answer";
      if (allowed(n, t.role)) {
        EXPECT_NE(r.status, 401u) << what << " as " << t.role << ": " << r.body;
        EXPECT_NE(r.status, 403u) << what << " as " << t.role << ": " << r.body;
      } else {
        EXPECT_EQ(r.status, 403u) << what << " as " << t.role << ": " << r.body;
        EXPECT_EQ(r.error_code(), "permission_denied") << what << " as " << t.role;
      }
    }
  }
  // Every kind the table can produce was visited (query_items comes from
  // items/{hk} on a table with a range key, not from a pattern of its own).
  for (const auto& [kind, n] : expectations())
    if (kind != api_kind::query_items) EXPECT_TRUE(seen.count(kind)) << net::to_string(kind) << " has no route";
}

TEST_F(router_auth, transact_needs_rights_on_every_table_it_touches) {
  http_client c(port_);
  c.set_token("secret-write-items-0001");
  auto both = c.post("/v1/transact", R"({"ops":[{"put":{"table":"items","hash_key":"k","range_key":"r","item":{}}},
                                              {"get":{"table":"kvs","hash_key":"k"}}]})");
  EXPECT_EQ(both.status, 403u) << both.body;
  EXPECT_NE(both.body.find("read on table kvs"), std::string::npos) << both.body;
  // A batch of gets only needs read.
  c.set_token("secret-read-items-0001");
  auto gets = c.post("/v1/tables/items/batch", R"({"ops":[{"op":"get","hash_key":"k","range_key":"r"}]})");
  EXPECT_EQ(gets.status, 200u) << gets.body;
}

TEST_F(router_auth, a_revoked_token_is_refused_once_the_update_lands) {
  http_client c(port_);
  c.set_token("secret-read-items-0001");
  auto before = c.get("/v1/tables/items/items/key1/r");
  ASSERT_TRUE(before.status == 200 || before.status == 404) << before.body;
  auto kept = current_tokens();
  std::erase_if(kept, [](const pb::AuthToken& t) { return t.name() == "tok-read:items"; });
  {
    std::lock_guard lock(model_->mutex);
    model_->tokens = kept;
  }
  caf::anon_send(placement_.handle, caf::flush_atom_v);
  unsigned status = 0;
  for (int i = 0; i < 300 && status != 401; ++i) {
    status = c.get("/v1/tables/items/items/key1/r").status;
    if (status != 401) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 401u);
}

TEST_F(router_auth, over_its_rate_a_token_gets_429_with_retry_after) {
  http_client c(port_);
  c.set_token(slow_secret);  // 0.5 requests per second: a bucket of one
  auto first = c.get("/v1/tables/items/items/key1/r");
  EXPECT_TRUE(first.status == 200 || first.status == 404) << first.body;
  auto second = c.get("/v1/tables/items/items/key1/r");
  EXPECT_EQ(second.status, 429u) << second.body;
  EXPECT_EQ(second.error_code(), "rate_limited");
  EXPECT_EQ(second.retry_after, "2");
  // Other tokens are not affected.
  http_client other(port_);
  other.set_token("secret-read-items-0001");
  auto third = other.get("/v1/tables/items/items/key1/r");
  EXPECT_TRUE(third.status == 200 || third.status == 404) << third.body;
}

}  // namespace
}  // namespace ropekv::router::test
