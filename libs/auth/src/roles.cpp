#include "ropekv/auth/roles.hpp"

#include <algorithm>

namespace ropekv::auth {
namespace {

// The router's table-name rule ([A-Za-z0-9_.-]{3,255}) or "*".
bool valid_table(std::string_view t) {
  if (t == "*") return true;
  if (t.size() < 3 || t.size() > 255) return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

int rank(role_kind k) {
  switch (k) {
    case role_kind::read: return 1;
    case role_kind::write: return 2;
    case role_kind::admin: return 3;
    default: return 0;
  }
}

int rank(access a) {
  switch (a) {
    case access::read: return 1;
    case access::write: return 2;
    case access::admin: return 3;
    default: return 0;
  }
}

}  // namespace

result<role> parse_role(std::string_view text) {
  if (text == "cluster-admin") return role{role_kind::cluster_admin, {}};
  if (text == "node") return role{role_kind::node, {}};
  auto colon = text.find(':');
  auto bad = [&](std::string why) {
    return make_error(errc::invalid_argument, "role \"" + std::string(text.substr(0, 300)) + "\": " + why);
  };
  if (colon == std::string_view::npos)
    return bad("expected cluster-admin, node, read:<table>, write:<table> or admin:<table>");
  std::string_view kind = text.substr(0, colon), table = text.substr(colon + 1);
  role r;
  if (kind == "read") r.kind = role_kind::read;
  else if (kind == "write") r.kind = role_kind::write;
  else if (kind == "admin") r.kind = role_kind::admin;
  else return bad("unknown kind (read, write, admin)");
  if (!valid_table(table)) return bad("table must be * or match [A-Za-z0-9_.-]{3,255}");
  r.table = std::string(table);
  return r;
}

result<std::vector<role>> parse_roles(const std::vector<std::string>& texts) {
  if (texts.empty()) return make_error(errc::invalid_argument, "a token needs at least one role");
  std::vector<role> out;
  for (const auto& t : texts) {
    auto r = parse_role(t);
    if (!r) return std::move(r).error();
    out.push_back(std::move(*r));
  }
  return out;
}

std::string to_string(const role& r) {
  switch (r.kind) {
    case role_kind::cluster_admin: return "cluster-admin";
    case role_kind::node: return "node";
    case role_kind::read: return "read:" + r.table;
    case role_kind::write: return "write:" + r.table;
    case role_kind::admin: return "admin:" + r.table;
  }
  return "?";
}

std::string_view to_string(access level) noexcept {
  switch (level) {
    case access::open: return "open";
    case access::authenticated: return "authenticated";
    case access::read: return "read";
    case access::write: return "write";
    case access::admin: return "admin";
    case access::cluster_read: return "cluster_read";
    case access::cluster_admin: return "cluster_admin";
  }
  return "?";
}

bool allows(const std::vector<role>& roles, const requirement& need) {
  if (need.level == access::open || need.level == access::authenticated) return true;
  for (const auto& r : roles) {
    if (r.kind == role_kind::cluster_admin) return true;
    switch (need.level) {
      case access::cluster_read:
        if (r.kind == role_kind::node) return true;
        break;
      case access::read:
      case access::write:
      case access::admin:
        // "*" in a requirement (e.g. every hook) is met only by a "*" role.
        if (rank(r.kind) >= rank(need.level) && (r.table == "*" || r.table == need.table)) return true;
        break;
      default: break;
    }
  }
  return false;
}

}  // namespace ropekv::auth
