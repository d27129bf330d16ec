#pragma once
// Validation of a table schema sent to CreateTableRequest (DESIGN §2). Pure:
// no state, so the router may reuse it to reject bad requests early.
#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::placement_service {

inline constexpr uint32_t default_replication = 3;

/// The schema as it will be stored: replication 0 becomes 3, the id is
/// cleared (the catalog assigns it). errc::invalid_argument when the name
/// is not [A-Za-z0-9_.-]{3,255}, the hash key is empty, or replication is
/// not 1, 3 or 5.
result<pb::TableSchema> validate_schema(pb::TableSchema schema);

/// Whether `name` is a legal table name.
bool valid_table_name(std::string_view name) noexcept;

}  // namespace ropekv::placement_service
