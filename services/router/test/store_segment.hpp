#pragma once
// store_segment: a test double of one segment replica -- a real
// store::segment_store file answering the router's requests directly (no
// Raft, single replica, always the leader). Routing is checked as a real
// replica does: another segment id or epoch, or a key outside the segment,
// is wrong_segment. Writes are stamped with the wall clock, like a leader.
// Not thread-safe: one owner (a test, or one detached double actor).
#include <memory>
#include <string>

#include "ropekv/proto/service.pb.h"
#include "ropekv/store/segment_store.hpp"

namespace ropekv::router::test {

class store_segment {
 public:
  /// Opens (creates) the store at `path` covering `meta`.
  static std::unique_ptr<store_segment> open(const std::string& path, store::segment_meta meta);

  pb::GetReply get(const pb::GetRequest& req);
  pb::WriteReply write(const pb::WriteRequest& req);
  pb::ItemsReply range(const pb::RangeRequest& req);
  pb::ItemsReply scan(const pb::ScanRequest& req);
  pb::PartitionReply partition(const pb::PartitionRequest& req);

  /// A new epoch (as after a membership change placement has not announced).
  void set_epoch(uint64_t epoch);
  const store::segment_meta& meta() const { return meta_; }

 private:
  store_segment(std::unique_ptr<store::segment_store> store, store::segment_meta meta)
      : store_(std::move(store)), meta_(std::move(meta)) {}

  std::unique_ptr<store::segment_store> store_;
  store::segment_meta meta_;
};

/// A pb::Status with the given code.
pb::Status status_of(errc code, std::string message = {});

}  // namespace ropekv::router::test
