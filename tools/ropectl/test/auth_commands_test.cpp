// ropectl auth create|list|revoke and --token / $ROPEKV_TOKEN: parsing, the
// requests (checked against the router's own parser too) and the output.
// The real binary against a router that requires tokens is in
// tests/integration/auth_test.cpp (integration.auth).
#include <gtest/gtest.h>

#include "cli_parser.hpp"
#include "json_value.hpp"
#include "output_formatter.hpp"
#include "request_builder.hpp"
#include "ropekv/net/api_router.hpp"

namespace ropekv::ctl {
namespace {

parse_outcome run(std::vector<std::string> args, const char* token_env = nullptr) {
  args.insert(args.begin(), "ropectl");
  return parse_args(args, nullptr, nullptr, token_env);
}

TEST(auth_commands, create_takes_roles_expiry_and_rate) {
  auto out = run({"auth", "create", "ci-reader", "--role", "read:events", "--role", "write:logs",
                  "--expires-in", "3600", "--rate-limit", "2.5"});
  ASSERT_TRUE(out.args) << out.err;
  const command& c = out.args->cmd;
  EXPECT_EQ(c.kind, command_kind::auth_create);
  EXPECT_EQ(c.auth.name, "ci-reader");
  EXPECT_EQ(c.auth.roles, (std::vector<std::string>{"read:events", "write:logs"}));
  auto call = build_request(c);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.target, "/v1/auth/tokens");
  EXPECT_EQ(call.body,
            R"({"name":"ci-reader","roles":["read:events","write:logs"],"expires_in":3600,"rate_limit":2.5})");
  net::http_request req;
  req.method = net::http_method::post;
  req.target = call.target;
  req.body = call.body;
  auto routed = net::parse_request(req);
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->kind, net::api_kind::create_token);
}

TEST(auth_commands, create_needs_a_role_and_list_revoke_route) {
  EXPECT_FALSE(run({"auth", "create", "ci-reader"}).args);
  auto list = run({"auth", "list"});
  ASSERT_TRUE(list.args);
  EXPECT_EQ(build_request(list.args->cmd).target, "/v1/auth/tokens");
  auto revoke = run({"auth", "revoke", "ci-reader"});
  ASSERT_TRUE(revoke.args);
  auto call = build_request(revoke.args->cmd);
  EXPECT_EQ(call.method, "DELETE");
  EXPECT_EQ(call.target, "/v1/auth/tokens/ci-reader");
  auto routed = net::route_request(net::http_method::delete_, call.target);
  ASSERT_TRUE(routed);
  EXPECT_EQ(routed->kind, net::api_kind::revoke_token);
  EXPECT_EQ(routed->name, "ci-reader");
}

TEST(auth_commands, token_comes_from_the_flag_else_the_environment) {
  auto env = run({"cluster"}, "from-env");
  ASSERT_TRUE(env.args);
  EXPECT_EQ(env.args->global.token, "from-env");
  auto flag = run({"cluster", "--token", "from-flag"}, "from-env");
  ASSERT_TRUE(flag.args);
  EXPECT_EQ(flag.args->global.token, "from-flag");
  auto none = run({"cluster"});
  ASSERT_TRUE(none.args);
  EXPECT_EQ(none.args->global.token, "");
}

TEST(auth_commands, output_shows_the_secret_once_and_lists_without_it) {
  command c;
  c.kind = command_kind::auth_create;
  auto created = json_value::parse(R"({"name":"ci","roles":["read:events"],"created_ms":1,"expires_ms":null,
                                       "rate_limit":null,"token":"rkv_abc"})");
  ASSERT_TRUE(created);
  auto text = format_success(c, *created, 201);
  EXPECT_NE(text.find("created token ci (read:events)"), std::string::npos) << text;
  EXPECT_NE(text.find("token: rkv_abc"), std::string::npos) << text;
  c.kind = command_kind::auth_list;
  auto listed = json_value::parse(R"({"tokens":[{"name":"ci","roles":["read:events","write:x"],"created_ms":5,
                                      "expires_ms":null,"rate_limit":3}]})");
  ASSERT_TRUE(listed);
  text = format_success(c, *listed, 200);
  EXPECT_NE(text.find("NAME"), std::string::npos) << text;
  EXPECT_NE(text.find("read:events,write:x"), std::string::npos) << text;
  EXPECT_NE(text.find("never"), std::string::npos) << text;
}

}  // namespace
}  // namespace ropekv::ctl
