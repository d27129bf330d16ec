#pragma once
// Writes the first Raft state of a new group into a segment file.
//
// Every group starts from a Raft *snapshot* instead of c-raft's usual
// configuration entry at index 1: the snapshot holds the configuration and
// the store image at `index`. Why:
//  - the right half of a split must start with the data it got from the
//    split and with log indexes above the split entry (its store's applied
//    index is that entry's), identically on every member;
//  - a replica that joins later has an empty log, so the leader must send
//    it a snapshot rather than replay entries the store never saw (the
//    first entry exists only inside the snapshot, so c-raft does).
// The image uses fsm_adapter's layout (8-byte little-endian index, then the
// state machine's snapshot bytes); on start c-raft "restores" it, which
// fsm_adapter skips because the store already holds that index.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/segment/segment_options.hpp"

namespace ropekv::segment::detail {

/// The file at `path` gets the group identity, hard state (term 1, no
/// vote) and a snapshot at (`index`, term 1) with `members` and
/// `store_image`. Refuses a file whose log is not pristine.
status bootstrap_group(const std::string& path, uint64_t group, const std::vector<member_info>& members,
                       uint64_t index, std::string_view store_image, bool durable);

}  // namespace ropekv::segment::detail
