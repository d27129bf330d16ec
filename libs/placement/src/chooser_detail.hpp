#pragma once
// Internal: the replica chooser on a prebuilt index, with an extra filter on
// targets (the repair planner uses it to skip nodes at their move limit).
// Loads are read from the indexed vector, so callers that place many
// segments update a working copy between calls.
#include <functional>
#include <vector>

#include "node_index.hpp"
#include "ropekv/placement/chooser.hpp"

namespace ropekv::placement::detail {

using target_filter = std::function<bool(const node_info&)>;

/// place_replicas() without validation; `ok` (if set) must accept a new target.
placement_result choose(const node_index& idx, uint32_t replication, const placement_rule& rule,
                        const std::vector<node_id>& existing, const target_filter& ok = {});

}  // namespace ropekv::placement::detail
