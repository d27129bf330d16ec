#pragma once
// leader_lease: how long a Raft leader may answer reads from its own state
// without a log round, proven from which of its messages each peer has
// processed (DESIGN §5: "leader with read index or lease").
//
// Why it is safe. A follower that processed an AppendEntries of the current
// leader's term reset its election timer then, and c-raft's follower
// refuses every vote while it has a leader (recv_request_vote.c: "local
// server has a leader -> reject") until that timer expires, which takes at
// least one election timeout (randomised in [1x, 2x)). So if a majority of
// the voters (the leader included) processed messages the leader sent at
// time t or later, no other leader can be elected before t + election
// timeout on the followers' clocks. The lease is `duration` (less than the
// election timeout, for clock-rate drift between machines) from the oldest
// send time that still completes such a majority.
//
// How a send time is tied to an acknowledgement. Every message carries a
// link header: `seq` numbers the sender's messages to that peer, and `ack`
// is the highest seq the sender's c-raft has processed from that peer.
// Seqs restart when a process does, so both carry the incarnation they
// count in (the io's start time): an ack of another incarnation of this
// node never counts, and a peer that sees a new incarnation of the sender
// starts its count afresh. A
// leader counts an ack only when it arrives on an AppendEntries result of
// its own term (a follower in a later term has not accepted it), and ties
// it to the send time it recorded for that seq. Lost, duplicated and
// reordered messages only make the lease shorter.
//
// What voids it: a term change; the leader sending TimeoutNow (leadership
// transfer: the target's RequestVote carries disrupt_leader, which voters
// grant despite having a leader) for the rest of that term. The caller
// (consensus::replica) also refuses lease reads while a configuration change
// is uncommitted and until the leader's own-term barrier has applied.
//
// A restarted follower has forgotten its leader and would vote at once, so
// the io ignores RequestVote for one election timeout after it starts
// (vote_quiet()).
//
// Who touches it: the io's thread only. Times are the io's milliseconds.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>

namespace ropekv::consensus {

struct link_header {
  uint64_t seq = 0;              // this message's number on the sender -> receiver link (0: none)
  uint64_t ack = 0;              // highest seq the sender processed from the receiver...
  uint64_t incarnation = 0;      // ...the sender's incarnation, which `seq` counts in
  uint64_t ack_incarnation = 0;  // ...and the receiver's, which `ack` counts in
};

class leader_lease {
 public:
  /// duration_ms 0 disables leases (every query answers "no lease").
  explicit leader_lease(uint64_t duration_ms = 0) : duration_ms_(duration_ms) {}

  bool enabled() const noexcept { return duration_ms_ > 0; }
  /// This process's incarnation (distinct across restarts of the node:
  /// the io passes its start time); set before the first send.
  void set_incarnation(uint64_t incarnation) noexcept { incarnation_ = incarnation; }
  uint64_t duration_ms() const noexcept { return duration_ms_; }

  /// A message to `peer` leaves now; `leader_term` is the sender's term if
  /// it is leader, else 0. `timeout_now`: the message is a TimeoutNow.
  link_header on_send(uint64_t peer, uint64_t now_ms, uint64_t leader_term, bool timeout_now);

  /// A message from `peer` is about to be processed by c-raft.
  void on_process(uint64_t peer, const link_header& link);

  /// An AppendEntries result of `result_term` from `peer` arrived while this
  /// node leads in `leader_term`: credits the peer with the send time of the
  /// newest message it has acknowledged.
  void on_append_result(uint64_t peer, const link_header& link, uint64_t result_term, uint64_t leader_term);

  /// Until when (ms, exclusive) `peer` is known to refuse other candidates,
  /// as far as the acks of `leader_term` show; 0 if nothing is known.
  uint64_t peer_expiry(uint64_t peer, uint64_t leader_term) const;

  /// False once a TimeoutNow went out in `leader_term`.
  bool usable(uint64_t leader_term) const noexcept {
    return enabled() && term_ == leader_term && !voided_;
  }

 private:
  struct link {
    uint64_t next_seq = 1;
    uint64_t peer_incarnation = 0;                  // the peer's incarnation `processed` counts in
    uint64_t processed = 0;                         // highest seq processed from the peer
    std::deque<std::pair<uint64_t, uint64_t>> sent;  // (seq, send ms) as leader in term_
    bool acked = false;                              // acked_send_ms is set (for term_)
    uint64_t acked_send_ms = 0;                      // newest send time the peer acked in term_
  };
  void start_term(uint64_t term);

  /// Sends remembered per peer; beyond it the oldest are forgotten (their
  /// acks then count as nothing, which is safe).
  static constexpr size_t max_tracked = 4096;

  uint64_t duration_ms_;
  uint64_t incarnation_ = 0;
  uint64_t term_ = 0;
  bool voided_ = false;
  std::map<uint64_t, link> links_;
};

}  // namespace ropekv::consensus
