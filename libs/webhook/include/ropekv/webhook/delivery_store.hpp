#pragma once
// The notifier's own durable record of how far each hook has been delivered:
// one SQLite file per notifier process, one row per hook name.
//
// Owner: the notifier (one delivery_store per process). Every method is
// thread-safe (serialised by an internal mutex), so delivery threads may
// share one store; each call is one SQLite transaction.
//
// Invariants:
//   1. The cursor (an opaque FeedToken) moves forward only in
//      commit_success, in the same statement that bumps `delivered` and
//      clears the failure fields; a crash leaves either both or neither.
//      `start` may set a cursor only on a row that does not exist yet.
//   2. record_failure never touches the cursor or `delivered`, so an event is
//      re-sent after a restart until a 2xx commits past it (at-least-once).
//   3. A row exists from the first start/commit/failure until remove().
//
// Durability: WAL with synchronous=NORMAL, i.e. a commit survives a process
// crash; a power loss may lose the last commits, which only re-sends events.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::webhook {

namespace detail {
class connection;
}

/// Longer last_error texts are cut to this many bytes.
inline constexpr size_t max_stored_error_bytes = 1024;

/// pb::HookState without notifier_id (placement's) and pending (computed
/// live by the notifier).
struct delivery_state {
  std::string cursor;            // FeedToken bytes: delivered up to here
  uint64_t delivered = 0;        // events acknowledged with a 2xx
  uint32_t last_status = 0;      // HTTP status of the last attempt; 0: none / no answer
  std::string last_error;
  int64_t last_attempt_ms = 0;
  int64_t last_success_ms = 0;
  uint32_t attempts = 0;         // failed attempts at the current event
  bool failing = false;          // the retry schedule ran out
  int64_t next_attempt_ms = 0;   // 0: as soon as there is an event

  friend bool operator==(const delivery_state&, const delivery_state&) = default;
};

/// Copies every field into `out`, leaving out.notifier_id and out.pending.
void to_proto(const delivery_state& state, pb::HookState& out);

class delivery_store {
 public:
  /// Opens or creates the file (":memory:" for tests), sets WAL and
  /// synchronous=NORMAL and creates the schema. corrupt for a file written
  /// by a newer schema version; io_error when it cannot be opened.
  static result<std::unique_ptr<delivery_store>> open(const std::string& path);
  ~delivery_store();
  delivery_store(const delivery_store&) = delete;
  delivery_store& operator=(const delivery_store&) = delete;

  /// The hook's row; nullopt when there is none.
  result<std::optional<delivery_state>> load(std::string_view name);

  /// Creates the row with `initial_cursor` (where delivery begins) when it
  /// does not exist; true when created, false when a row was there (it is
  /// left unchanged).
  result<bool> start(std::string_view name, std::string_view initial_cursor);

  /// A 2xx for the events up to `cursor`: sets the cursor, adds `events` to
  /// delivered, last_status = http_status, last_attempt_ms = last_success_ms =
  /// now_ms, clears last_error / attempts / failing / next_attempt_ms.
  /// Creates the row if needed.
  status commit_success(std::string_view name, std::string_view cursor, uint32_t http_status, int64_t now_ms,
                        uint64_t events = 1);

  /// A failed attempt: sets last_status, last_error, last_attempt_ms =
  /// now_ms, attempts, next_attempt_ms and failing as given. Cursor and
  /// delivered are untouched. Creates the row (empty cursor) if needed.
  status record_failure(std::string_view name, uint32_t http_status, std::string_view error, uint32_t attempts,
                        int64_t next_attempt_ms, bool failing, int64_t now_ms);

  /// Drops the row (the hook was deleted or moved to another notifier).
  /// Not an error when there is none.
  status remove(std::string_view name);

  /// Every row, by name.
  result<std::vector<std::pair<std::string, delivery_state>>> all();

 private:
  explicit delivery_store(std::unique_ptr<detail::connection> db);
  std::mutex mu_;
  std::unique_ptr<detail::connection> db_;
};

}  // namespace ropekv::webhook
