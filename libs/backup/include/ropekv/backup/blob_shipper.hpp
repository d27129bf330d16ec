#pragma once
// The owner's chunk shipper (docs/backup.md "Failure handling"): segment
// leaders hand it frozen chunks; one worker thread uploads them to the blob
// store, verifies what the store recorded, and reports back. While the
// store is down the chunks wait in a spool directory on local disk, in
// order, retried with back-off; the backlog is bounded (chunks and bytes)
// and a full backlog refuses new chunks, whose rows simply stay in the
// segment's store until a later chunk covers them.
//
// The spool is only a queue, not a copy of record: a chunk is referenced
// (recorded through a segment's log) only after it was stored and
// verified, so leftovers of a killed process are unreferenced and removed
// at start.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ropekv/blob/blob_store.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/segment/segment_options.hpp"

namespace ropekv::backup {

struct shipper_options {
  std::string spool_dir;                          // created if missing
  size_t max_chunks = 256;                        // backlog bound (count)
  uint64_t max_bytes = 4ull << 30;                // backlog bound (bytes)
  std::chrono::milliseconds retry_min{100};
  std::chrono::milliseconds retry_max{5'000};
};

/// What /metrics and /v1/cluster show.
struct shipper_stats {
  uint64_t backlog_chunks = 0;   // queued, not stored yet
  uint64_t backlog_bytes = 0;
  uint64_t stored_chunks = 0;    // uploaded and verified, since start
  uint64_t stored_bytes = 0;
  uint64_t failed_attempts = 0;  // uploads that failed (retried)
  uint64_t refused = 0;          // ship() calls refused for a full backlog
  bool store_reachable = true;   // the last attempt succeeded
  std::string last_error;
  std::string store;             // blob store URL without secrets
};

/// Object key of a chunk: content-addressed.
std::string chunk_key(const std::string& chunk_id);

/// Thread-safe. Stops its worker on destruction (queued chunks are
/// dropped: they are unreferenced, and their rows are still in the stores).
class blob_shipper final : public segment::chunk_shipper {
 public:
  static result<std::shared_ptr<blob_shipper>> start(std::unique_ptr<blob::blob_store> store,
                                                     shipper_options options);
  ~blob_shipper() override;
  blob_shipper(const blob_shipper&) = delete;
  blob_shipper& operator=(const blob_shipper&) = delete;

  bool ship(uint64_t group, std::string bytes, pb::ChunkRecord record, done_fn done) override;
  shipper_stats stats() const;
  void stop();

 private:
  struct job {
    std::string spool_path;
    uint64_t bytes = 0;
    pb::ChunkRecord record;
    done_fn done;
  };
  blob_shipper(std::unique_ptr<blob::blob_store> store, shipper_options options);
  void run();
  /// Uploads and verifies one job; the chunk id on success.
  result<std::string> upload(const job& j);

  std::unique_ptr<blob::blob_store> store_;  // worker thread only
  const shipper_options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<job> queue_;
  shipper_stats stats_;
  uint64_t seq_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace ropekv::backup
