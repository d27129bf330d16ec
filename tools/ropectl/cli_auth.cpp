#include "cli_auth.hpp"

#include <CLI/CLI.hpp>

namespace ropekv::ctl {

void add_auth_commands(CLI::App& app, command& cmd) {
  auto* auth = app.add_subcommand("auth", "bearer tokens: create, list, revoke (needs cluster-admin)");
  auth->require_subcommand(1);
  auth_options& a = cmd.auth;

  auto* create = auth->add_subcommand("create", "create a token; prints its secret, shown this once");
  create->footer(
      "\nRoles: read:TABLE, write:TABLE, admin:TABLE (TABLE may be *), cluster-admin, node\n"
      "(docs/security.md). Clients send the secret as `Authorization: Bearer SECRET`\n"
      "(ropectl: --token or $ROPEKV_TOKEN).");
  create->callback([&cmd] { cmd.kind = command_kind::auth_create; });
  create->add_option("name", a.name, "token name, [A-Za-z0-9_.-]{3,255}")->required();
  create->add_option("--role", a.roles, "a role (repeat for several)")->required()->type_name("ROLE");
  create->add_option("--expires-in", a.expires_in, "seconds until the token expires (default: never)")
      ->check(CLI::PositiveNumber)
      ->type_name("SECONDS");
  create->add_option("--rate-limit", a.rate_limit,
                     "requests per second for this token (0: unlimited; default: the router's)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("RATE");

  auto* list = auth->add_subcommand("list", "every token: name, roles, expiry, rate limit (never secrets)");
  list->callback([&cmd] { cmd.kind = command_kind::auth_list; });

  auto* revoke = auth->add_subcommand("revoke", "revoke a token: every router refuses it within a second");
  revoke->callback([&cmd] { cmd.kind = command_kind::auth_revoke; });
  revoke->add_option("name", a.name, "token name")->required();
}

}  // namespace ropekv::ctl
