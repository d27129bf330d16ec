#pragma once
// The history the transaction checker consumes: one record per client
// transaction against a versioned key-value store, as the client observed it.
// Plain values; nothing here is thread-safe (tests append under their own
// lock).
//
// The store's contract this model relies on:
//  - every committed write installs a version of its key, and the versions
//    of one key are totally ordered by install order and increase with it
//    (RopeKV: per-partition versions), so "the version after v" of a key is
//    the smallest installed version greater than v;
//  - version 0 is the initial state of every key (absent, written by no
//    transaction);
//  - a read names the version it saw; an absent read (nullopt) is the
//    initial state unless the key has committed deletes (then the checker
//    cannot tell which deletion it saw and derives no edge from it).
//
// A condition that held at commit (if_version=v, if=absent) is a read too:
// record it in `reads`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ropekv::history {

enum class outcome : uint8_t {
  committed,
  aborted,  // known to have written nothing
  unknown,  // may or may not have committed (timed out, no answer)
};

struct read_op {
  std::string key;
  std::optional<uint64_t> version;  // nullopt: read "absent"
};

struct write_op {
  std::string key;
  uint64_t version = 0;    // the version the write installed (or would have: aborted/unknown)
  bool tombstone = false;  // a delete
};

struct transaction {
  uint64_t id = 0;  // unique within the history
  outcome result = outcome::committed;
  std::vector<read_op> reads;
  std::vector<write_op> writes;
  std::string label;  // free text for reports (client, request id, ...)
};

struct history {
  std::vector<transaction> txns;
};

}  // namespace ropekv::history
