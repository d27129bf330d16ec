#pragma once
// disk_guard: whether this owner's disk is full, as its replicas found out.
//
// A replica whose log or store write fails with SQLITE_FULL closes itself
// (its file stays intact: SQLite rolled the transaction back) and its actor
// goes down with a reason starting "insufficient_storage". The owner then
// marks the disk full and, while it is:
//  - answers writes for any segment it hosts `insufficient_storage`, so a
//    router moves on to a replica that can write and answers 507 itself
//    only once a majority of the group said so (retry_policy.hpp);
//  - does not reopen the closed replicas (a reopen would fail again on the
//    first append and spin).
// On the owner's timer, check() looks at the free space of the data dir
// (statvfs); once at least `resume_bytes` are free the disk counts as
// writable again and the owner reopens the replicas at once: they rejoin
// their groups as followers and catch up from the leader's log or snapshot.
// Pure logic over an injected free-space probe, so it is unit-tested
// without a full disk.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ropekv::segment_owner {

class disk_guard {
 public:
  /// Free bytes available to this process, nullopt when unknown.
  using free_bytes_fn = std::function<std::optional<uint64_t>()>;

  disk_guard() = default;
  disk_guard(free_bytes_fn free_bytes, uint64_t resume_bytes)
      : free_bytes_(std::move(free_bytes)), resume_bytes_(resume_bytes) {}

  /// A replica failed for lack of space. True if the disk was not marked full before.
  bool on_full();
  bool full() const noexcept { return full_; }
  /// While full: true once the disk has resume_bytes free again (full()
  /// is false from then on). Free space that cannot be measured counts as
  /// still full.
  bool check();
  /// Times the disk was found full since start (a metric).
  uint64_t episodes() const noexcept { return episodes_; }

  /// statvfs of `path`: bytes an unprivileged writer may still use.
  static std::optional<uint64_t> free_bytes_of(const std::string& path);
  /// True for the down reason of a replica actor that failed on a full disk.
  static bool is_full_reason(std::string_view reason) noexcept;

 private:
  free_bytes_fn free_bytes_;
  uint64_t resume_bytes_ = 0;
  bool full_ = false;
  uint64_t episodes_ = 0;
};

}  // namespace ropekv::segment_owner
