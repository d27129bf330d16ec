// placement_state: the timer's work (liveness, move timeouts, stats flush,
// notifier liveness and hook state saves)
// and repair moves (DESIGN §5, §6).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/placement/repair.hpp"

namespace ropekv::placement_service {

void placement_state::tick(time_point now) {
  last_now_ = now;
  for (auto& [id, n] : nodes_) {
    if (!n.alive || now - n.last_seen < opt_.down_after) continue;
    n.alive = false;
    repair_wanted_ = true;
    spdlog::warn("event=node_down node={} address={} silent_ms={}", id, n.desc.address(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(now - n.last_seen).count());
    std::vector<uint64_t> doomed;
    for (const auto& [seg, m] : moves_) {
      if (m.plan.to && m.plan.to->value == id) doomed.push_back(seg);
    }
    for (uint64_t seg : doomed) cancel_move(seg, "target node down");
  }
  expire_moves(now);
  if (repair_wanted_) run_repair(now);
  run_balance(now);
  note_drains_done();
  flush_stats(now);
  expire_notifiers(now);
  save_hook_states(now, /*all=*/false);
  tick_indexes(now);
}

void placement_state::run_repair(time_point now) {
  repair_wanted_ = false;
  repair_busy_ = false;
  auto infos = node_infos();
  if (std::none_of(infos.begin(), infos.end(), placement::accepts_replicas)) return;
  auto plan = placement::repair_plan(segment_states(), infos, opt_.rule,
                                     placement::repair_options{opt_.max_moves_per_node});
  if (!plan) {
    spdlog::error("event=repair_plan_failed error=\"{}\"", plan.error().message);
    return;
  }
  for (const auto& m : plan->moves) start_move(m, now);
  // Deferred segments wait for move slots: repair must run again when one
  // frees (a move done or cancelled sets repair_wanted_), and balance waits.
  repair_busy_ = !plan->moves.empty() || !plan->deferred.empty();
  if (!plan->moves.empty() || !plan->under_protected.empty() || !plan->deferred.empty())
    spdlog::info("event=repair_planned moves={} under_protected={} deferred={}", plan->moves.size(),
                 plan->under_protected.size(), plan->deferred.size());
}

pb::SegmentAssignment placement_state::move_assignment(const rope::segment& s,
                                                       const move_in_flight& m) const {
  rope::segment target = s;
  target.replicas = m.target;
  target.epoch = m.target_epoch;
  if (std::find(m.target.begin(), m.target.end(), s.leader_hint) == m.target.end())
    target.leader_hint = node_id{};
  return assignment(target, /*bootstrap=*/false);
}

void placement_state::start_move(const placement::move& m, time_point now, std::string kind) {
  const rope::segment* s = rope_.find(m.segment);
  if (s == nullptr || moves_.count(m.segment.value)) return;
  if (kind.empty()) {
    auto from = m.from ? nodes_.find(m.from->value) : nodes_.end();
    kind = from != nodes_.end() && from->second.desc.draining() ? "drain" : "repair";
  }
  move_in_flight mf;
  mf.plan = m;
  mf.kind = kind;
  mf.target = s->replicas;
  uint64_t& issued = issued_epochs_[m.segment.value];
  mf.target_epoch = std::max(issued, s->epoch) + 1;
  issued = mf.target_epoch;
  mf.started = now;
  auto from = m.from ? std::find(mf.target.begin(), mf.target.end(), *m.from) : mf.target.end();
  if (from != mf.target.end() && m.to) {
    *from = *m.to;  // in place: the rest keep their order
  } else if (from != mf.target.end()) {
    mf.target.erase(from);
  } else if (m.to) {
    mf.target.push_back(*m.to);
  }
  pb::SegmentAssignment a = move_assignment(*s, mf);
  // The new replica prepares to be added; the current members (the leader
  // among them) change the group's membership to the target.
  if (m.to) out_.assignments.emplace_back(*m.to, a);
  for (node_id r : s->replicas) {
    auto n = nodes_.find(r.value);
    if (n != nodes_.end() && n->second.alive) out_.assignments.emplace_back(r, a);
  }
  spdlog::info("event=move_started kind={} segment={} from={} to={} target_epoch={} reason=\"{}\"",
               kind, m.segment.value, m.from ? m.from->value : 0, m.to ? m.to->value : 0,
               mf.target_epoch, m.reason);
  ++decisions_["moves_started_" + kind];
  moves_[m.segment.value] = std::move(mf);
}

void placement_state::cancel_move(uint64_t segment, const std::string& why) {
  if (moves_.erase(segment) == 0) return;
  repair_wanted_ = true;
  ++decisions_["moves_cancelled"];
  spdlog::warn("event=move_cancelled segment={} reason=\"{}\"", segment, why);
}

void placement_state::expire_moves(time_point now) {
  std::vector<uint64_t> late;
  for (const auto& [seg, m] : moves_) {
    if (now - m.started >= opt_.move_timeout) late.push_back(seg);
  }
  for (uint64_t seg : late) cancel_move(seg, "timed out");
}

void placement_state::flush_stats(time_point now) {
  if (pending_stats_.empty() || now - last_stats_flush_ < opt_.stats_interval) return;
  last_stats_flush_ = now;
  if (auto st = commit(rope::rope_delta{}, "stats"); !st)
    spdlog::error("event=stats_commit_failed error=\"{}\"", st.error().message);
}

}  // namespace ropekv::placement_service
