#pragma once
// Workarounds for two c-raft 0.15 follower bugs that the consensus library
// does not correct (yet; reported), applied to Raft messages where the
// segment layer routes them. Both come from c-raft using the follower's
// last *stored* index where Raft means "the last index this AppendEntries
// covers": entries past prev_log_index + n_entries may be left over from
// an old term and differ from the leader's.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ropekv::segment::detail {

/// Inbound AppendEntries (follower): c-raft sets commit_index =
/// min(leader_commit, last_stored), so a follower "commits" and applies
/// stale entries it never checked against the leader — and when the leader
/// later overwrites them c-raft finds a conflict below its commit index and
/// turns the replica unavailable for good. Capping leader_commit at
/// prev_log_index + n_entries restores Raft's rule.
/// Returns the rewritten message, or nullopt to pass `bytes` unchanged.
std::optional<std::string> cap_leader_commit(std::string_view bytes);

/// What a follower knows about its own log, for clamp_append_result.
struct follower_log_view {
  uint64_t commit_index = 0;
  /// Highest index in the log holding an entry of `term` (0: none).
  std::function<uint64_t(uint64_t term)> last_index_of_term;
};

/// Outbound AppendEntries result (follower): c-raft reports last_stored as
/// last_log_index on success even for an empty AppendEntries below stale
/// entries; the leader takes it as the follower's match index, may count
/// the follower toward committing entries it does not hold, and ignores its
/// later rejections (the follower never catches up). A follower's log
/// provably matches the leader's up to max(commit index, last entry of the
/// leader's term): an entry of the current term can only come from its
/// leader, and the log matching property covers everything before it.
/// Clamping last_log_index there costs at most a resend.
std::optional<std::string> clamp_append_result(std::string_view bytes, const follower_log_view& log);

}  // namespace ropekv::segment::detail
