#pragma once
// The Raft group a segment replica file belongs to, persisted in the file
// (table seg_identity) so a restarted owner knows where to route envelopes.
// The store's snapshot and digest cover only its kv_ tables, so the row is
// per file and never travels with a snapshot.
#include <cstdint>
#include <string>

#include "ropekv/common/result.hpp"

namespace ropekv::segment::detail {

/// Creates the table if needed and records `group` (replacing any value).
status save_group_id(const std::string& path, uint64_t group);

/// errc::not_found when the file has no identity (not a segment replica
/// file, or one whose creation did not finish).
result<uint64_t> load_group_id(const std::string& path);

}  // namespace ropekv::segment::detail
