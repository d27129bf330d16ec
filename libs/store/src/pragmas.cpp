#include "ropekv/store/pragmas.hpp"

namespace ropekv::store {

// WAL: readers never block the writer and a commit appends to one file.
// NORMAL: commits are durable against process death (the WAL is in the OS
// page cache); FULL adds an fsync per commit for power loss.
std::vector<std::string> connection_pragmas(const store_options& opts) {
  return {
      // Only a new file takes it (before its first table; not in WAL mode
      // afterwards); existing files keep theirs.
      "PRAGMA page_size=" + std::to_string(opts.page_size),
      "PRAGMA busy_timeout=" + std::to_string(opts.busy_timeout_ms),
      "PRAGMA journal_mode=WAL",
      std::string("PRAGMA synchronous=") + (opts.synchronous_full ? "FULL" : "NORMAL"),
      "PRAGMA cache_size=-" + std::to_string(opts.cache_size_kib),
      "PRAGMA temp_store=MEMORY",
  };
}

}  // namespace ropekv::store
