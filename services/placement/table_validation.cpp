#include "table_validation.hpp"

#include <string>

#include "ropekv/placement/layout.hpp"
#include "ropekv/placement/node.hpp"

namespace ropekv::placement_service {

bool valid_table_name(std::string_view name) noexcept {
  if (name.size() < 3 || name.size() > 255) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<pb::TableSchema> validate_schema(pb::TableSchema schema) {
  if (!valid_table_name(schema.name()))
    return make_error(errc::invalid_argument,
                      "table name must match [A-Za-z0-9_.-]{3,255}: '" + schema.name() + "'");
  if (schema.hash_key().empty())
    return make_error(errc::invalid_argument, "table " + schema.name() + " needs a hash_key");
  if (schema.replication() == 0) schema.set_replication(default_replication);
  if (!placement::valid_replication(schema.replication()))
    return make_error(errc::invalid_argument,
                      "replication must be 1, 3 or 5, not " + std::to_string(schema.replication()));
  if (schema.initial_segments() > placement::max_initial_segments)
    return make_error(errc::invalid_argument, "a table starts with at most " +
                                                  std::to_string(placement::max_initial_segments) + " segments");
  schema.set_id(0);
  return schema;
}

}  // namespace ropekv::placement_service
