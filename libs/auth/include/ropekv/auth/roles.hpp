#pragma once
// Roles a token carries, and what each allows (docs/security.md).
//
//   read:<table>    read items, scans, queries, partitions, indexes of <table>
//   write:<table>   read + put, delete, batch and transact writes
//   admin:<table>   write + schema (create/drop), rollback, split, indexes, hooks
//   cluster-admin   everything, tokens and node drains included
//   node            service identities: the cluster view (GET /v1/cluster)
// <table> may be "*" (every table, present and future).
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::auth {

enum class role_kind : uint8_t { read, write, admin, cluster_admin, node };

struct role {
  role_kind kind = role_kind::read;
  std::string table;  // read/write/admin: a table name or "*"; empty otherwise

  friend bool operator==(const role&, const role&) = default;
};

/// invalid_argument names what is wrong (unknown role, bad table name).
result<role> parse_role(std::string_view text);
/// Parses all; the first bad one fails the whole list. An empty list is
/// invalid_argument (a token that may do nothing is a mistake).
result<std::vector<role>> parse_roles(const std::vector<std::string>& texts);
std::string to_string(const role& r);

/// What one request needs.
enum class access : uint8_t {
  open,           // no token at all: health, metrics, the console's files
  authenticated,  // any valid token (e.g. listing table names)
  read,           // on `table`
  write,          // on `table`
  admin,          // on `table` ("*": every table, e.g. listing all hooks)
  cluster_read,   // node or cluster-admin
  cluster_admin,  // cluster-admin only
};

struct requirement {
  access level = access::open;
  std::string table;

  friend bool operator==(const requirement&, const requirement&) = default;
};

std::string_view to_string(access level) noexcept;

/// True when `roles` grant `need`. admin implies write implies read on the
/// same table; "*" covers every table; cluster-admin covers everything.
bool allows(const std::vector<role>& roles, const requirement& need);

}  // namespace ropekv::auth
