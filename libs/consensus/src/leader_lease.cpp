#include "ropekv/consensus/leader_lease.hpp"

#include <algorithm>

namespace ropekv::consensus {

void leader_lease::start_term(uint64_t term) {
  term_ = term;
  voided_ = false;
  for (auto& [peer, l] : links_) {
    l.sent.clear();
    l.acked = false;
    l.acked_send_ms = 0;
  }
}

link_header leader_lease::on_send(uint64_t peer, uint64_t now_ms, uint64_t leader_term, bool timeout_now) {
  link& l = links_[peer];
  link_header h{l.next_seq++, l.processed, incarnation_, l.peer_incarnation};
  if (!enabled() || leader_term == 0) return h;
  if (leader_term != term_) start_term(leader_term);
  if (timeout_now) voided_ = true;
  l.sent.emplace_back(h.seq, now_ms);
  if (l.sent.size() > max_tracked) l.sent.pop_front();
  return h;
}

void leader_lease::on_process(uint64_t peer, const link_header& link) {
  auto& l = links_[peer];
  if (link.incarnation != l.peer_incarnation) {
    // The peer restarted (or a message of its previous life arrived late):
    // count in the incarnation of this message from here on.
    l.peer_incarnation = link.incarnation;
    l.processed = link.seq;
    return;
  }
  l.processed = std::max(l.processed, link.seq);
}

void leader_lease::on_append_result(uint64_t peer, const link_header& link, uint64_t result_term,
                                    uint64_t leader_term) {
  if (!enabled() || leader_term == 0 || leader_term != term_ || result_term != leader_term) return;
  if (link.ack_incarnation != incarnation_) return;  // counts seqs of another life of ours
  auto it = links_.find(peer);
  if (it == links_.end()) return;
  auto& sent = it->second.sent;
  // Send times grow with seq: the newest entry at or below the ack is the
  // send time the peer provably processed; everything older is done with.
  uint64_t send_ms = 0;
  bool found = false;
  while (!sent.empty() && sent.front().first <= link.ack) {
    send_ms = sent.front().second;
    found = true;
    sent.pop_front();
  }
  if (!found) return;
  it->second.acked_send_ms = it->second.acked ? std::max(it->second.acked_send_ms, send_ms) : send_ms;
  it->second.acked = true;
}

uint64_t leader_lease::peer_expiry(uint64_t peer, uint64_t leader_term) const {
  if (!enabled() || leader_term != term_) return 0;
  auto it = links_.find(peer);
  if (it == links_.end() || !it->second.acked) return 0;
  return it->second.acked_send_ms + duration_ms_;
}

}  // namespace ropekv::consensus
