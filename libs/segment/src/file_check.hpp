#pragma once
// file_check: a replica's SQLite file is checked before it serves anything
// (issue 14: a corrupt file is detected at open, never served).
//
// Two checks, because SQLite keeps no checksums of its own:
//  - PRAGMA quick_check on a fresh connection: the b-trees, free list and
//    record formats are sound (catches damage to any structure, also after
//    a kill -9, O(file));
//  - the seal: a clean close leaves <path>.seal with the size and XXH64 of
//    the whole file (once SQLite has checkpointed its WAL into it); the
//    next open compares and drops it. A byte flipped in a value — which no
//    structural check can see — is caught whenever the replica was stopped
//    cleanly. After a crash there is no seal, and the open relies on
//    quick_check and on the segment digest (segment_replica::start reads
//    every record once).
// Both answer errc::corrupt naming what failed; the owner then rebuilds the
// replica from its peers.
#include <string>

#include "ropekv/common/result.hpp"

namespace ropekv::segment::detail {

/// PRAGMA quick_check of the file at `path` (its own connection).
status quick_check(const std::string& path);

/// Writes <path>.seal for the file as it is now; a no-op (ok) while WAL
/// content is left beside it (the file alone is not the replica then).
status write_seal(const std::string& path);

/// Compares the file with its seal, if it has one, and removes the seal.
/// errc::corrupt when size or hash differ.
status check_seal(const std::string& path);

/// Removes a seal (a new file is being created at `path`).
void drop_seal(const std::string& path);

}  // namespace ropekv::segment::detail
