#pragma once
// cli_auth: the part of the command-line grammar for bearer tokens
// (`auth create NAME --role R... [--expires-in S] [--rate-limit R]`,
// `auth list`, `auth revoke NAME`). Used by cli_parser only.
#include "command.hpp"

namespace CLI {
class App;
}

namespace ropekv::ctl {

/// Adds `auth create|list|revoke` (filling cmd).
void add_auth_commands(CLI::App& app, command& cmd);

}  // namespace ropekv::ctl
