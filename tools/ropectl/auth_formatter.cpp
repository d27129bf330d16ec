// format_auth (declared in output_formatter.hpp): bearer tokens as
// `ropectl auth create|list|revoke` prints them.
#include "output_formatter.hpp"

namespace ropekv::ctl {
namespace {

std::string text_of(const json_value& object, std::string_view key, std::string_view absent) {
  const json_value* v = object.find(key);
  if (!v || v->is_null()) return std::string(absent);
  std::string s = v->to_display();
  return s.empty() ? std::string(absent) : s;
}

std::string roles_of(const json_value& token) {
  const json_value* roles = token.find("roles");
  if (!roles || !roles->is_array()) return "-";
  std::string out;
  for (const auto& r : roles->elements()) out += (out.empty() ? "" : ",") + r.to_display();
  return out.empty() ? "-" : out;
}

}  // namespace

std::string format_auth(const command& cmd, const json_value& body) {
  switch (cmd.kind) {
    case command_kind::auth_create:
      return "created token " + text_of(body, "name", "?") + " (" + roles_of(body) + ")\n" +
             "token: " + text_of(body, "token", "?") + "\n" +
             "This secret is shown once and cannot be retrieved again; store it now.\n";
    case command_kind::auth_revoke: return "revoked token " + text_of(body, "name", cmd.auth.name) + "\n";
    default: break;
  }
  const json_value* tokens = body.find("tokens");
  if (!tokens || !tokens->is_array()) return format_object(body);
  if (tokens->elements().empty()) return "(no tokens)\n";
  std::vector<std::vector<std::string>> rows = {{"NAME", "ROLES", "CREATED_MS", "EXPIRES_MS", "RATE_LIMIT"}};
  for (const auto& t : tokens->elements())
    rows.push_back({text_of(t, "name", "-"), roles_of(t), text_of(t, "created_ms", "-"),
                    text_of(t, "expires_ms", "never"), text_of(t, "rate_limit", "default")});
  return format_columns(rows);
}

}  // namespace ropekv::ctl
