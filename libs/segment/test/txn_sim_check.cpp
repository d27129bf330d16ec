// The checker of txn_sim: after quiescence, every transaction committed
// everywhere or nowhere, as its primary decided (txn_sim.hpp).
#include "txn_sim_model.hpp"

namespace ropekv::segment::test::sim_detail {

pb::MutationResult simulation::query_state(const std::string& txn, const attempt_info& a) {
  pb::WriteRequest req;
  auto* d = req.mutable_mutation()->mutable_txn_decide();
  d->set_txn_id(txn);
  d->set_primary_key(a.primary_key);
  d->set_commit(false);
  for (int tries = 0; tries < 20; ++tries) {
    auto l = leader_of(a.primary_segment);
    if (!l) {
      c_.step(50);
      continue;
    }
    auto rep = c_.write(*l, group_of(a.primary_segment), req);
    if (rep.status().error_code() == 0) return rep.result();
    c_.step(50);
  }
  pb::MutationResult none;
  none.set_txn_state(pb::TXN_UNKNOWN);
  return none;
}

void simulation::check() {
  auto& v = res_.violations;
  // Every segment's whole change feed, from its leader.
  struct ev {
    uint64_t position;
    uint64_t version;
    std::string value;
    std::string txn;
    pb::ChangeKind kind;
  };
  std::map<std::string, std::vector<ev>> by_hk;  // hash key -> events in feed order
  std::map<std::string, std::vector<std::pair<std::string, ev>>> by_txn;  // txn -> (hk, event)
  for (unsigned s = 0; s < o_.segments; ++s) {
    auto l = leader_of(s);
    if (!l) {
      v.push_back("segment " + std::to_string(s) + ": no leader for the check");
      continue;
    }
    uint64_t after = 0;
    for (;;) {
      pb::ChangesRequest req;
      req.set_after_position(after);
      req.set_limit(1000);
      req.set_consistency(pb::STRONG);
      auto rep = c_.changes(*l, group_of(s), req);
      if (rep.status().error_code() != 0) {
        v.push_back("segment " + std::to_string(s) + ": changes failed: " + rep.status().message());
        break;
      }
      if (rep.events_size() == 0) break;
      for (const auto& e : rep.events()) {
        after = std::max(after, e.position());
        ev x{e.position(), e.version(), e.item().value(), e.txn_id(), e.kind()};
        by_hk[e.item().hash_key()].push_back(x);
        by_txn[e.txn_id()].emplace_back(e.item().hash_key(), x);
      }
    }
  }
  for (const auto& [txn, evs] : by_txn) {
    if (!attempts_.count(txn)) v.push_back("feed event of an unknown transaction '" + txn + "' on " + evs.front().first);
  }
  std::map<unsigned, unsigned> committed_per_request;
  std::map<std::string, uint64_t> commit_version;
  for (const auto& [txn, a] : attempts_) {
    auto st = query_state(txn, a);
    auto it = by_txn.find(txn);
    size_t events = it == by_txn.end() ? 0 : it->second.size();
    std::string who = "txn " + txn + " (primary segment " + std::to_string(a.primary_segment) + ")";
    if (st.txn_state() == pb::TXN_UNKNOWN) {
      v.push_back(who + ": its primary did not answer the check");
      continue;
    }
    bool committed = st.txn_state() == pb::TXN_COMMITTED;
    if (!committed && st.txn_state() != pb::TXN_ABORTED) {
      v.push_back(who + ": still pending after quiescence");
      continue;
    }
    if (a.acked_version && (!committed || st.commit_version() != *a.acked_version))
      v.push_back(who + ": client was answered committed at " + std::to_string(*a.acked_version) +
                  " but the primary says " + (committed ? "committed at " + std::to_string(st.commit_version()) : "aborted"));
    if (a.acked_canceled && committed) v.push_back(who + ": client was answered canceled but it committed");
    if (!committed) {
      ++res_.aborted;
      if (events != 0) {
        std::string where;
        for (const auto& [hk, e] : it->second) where += " " + hk + "@" + std::to_string(e.version);
        v.push_back(who + ": PARTIAL — aborted at its primary, yet " + std::to_string(events) + " of its " +
                    std::to_string(a.ops.size()) + " writes applied:" + where);
      }
      continue;
    }
    ++res_.committed;
    ++committed_per_request[a.request];
    uint64_t V = st.commit_version();
    commit_version[txn] = V;
    // Each write exactly once, at V + its offset within its partition.
    std::map<uint16_t, unsigned> in_partition;
    std::string missing, wrong;
    for (size_t i = 0; i < a.ops.size(); ++i) {
      const auto& op = a.ops[i];
      const std::string& hk = item_hk(op.item);
      uint64_t expect = V + in_partition[keys::partition_of(hk)]++;
      std::vector<ev> mine;
      if (it != by_txn.end())
        for (const auto& [h, e] : it->second)
          if (h == hk) mine.push_back(e);
      if (mine.empty()) {
        missing += " " + hk + "(segment " + std::to_string(item_segment(op.item)) + ")";
        continue;
      }
      if (mine.size() > 1) {
        std::string vs;
        for (const auto& e : mine) vs += " " + std::to_string(e.version) + "@pos" + std::to_string(e.position);
        wrong += " " + hk + ": applied " + std::to_string(mine.size()) + " times (versions" + vs + ")";
      }
      if (mine.front().version != expect || mine.front().value != op.value)
        wrong += " " + hk + ": version " + std::to_string(mine.front().version) + " value " + mine.front().value +
                 " (expected " + std::to_string(expect) + " " + op.value + ")";
      // Its conditions held at the commit point.
      bool existed = false;
      for (const auto& e : by_hk[hk])
        if (e.version < expect && e.kind != pb::CHANGE_DELETE) existed = true;
      if (op.cond == pb::COND_IF_ABSENT && existed) wrong += " " + hk + ": committed if=absent over an existing item";
      if (op.cond == pb::COND_IF_EXISTS && !existed) wrong += " " + hk + ": committed if=exists over no item";
    }
    if (!missing.empty())
      v.push_back(who + ": PARTIAL — committed at " + std::to_string(V) + " but its writes are missing on" + missing);
    if (!wrong.empty()) v.push_back(who + ": committed at " + std::to_string(V) + " but" + wrong);
  }
  for (const auto& [req, n] : committed_per_request)
    if (n > 1) v.push_back("request " + std::to_string(req) + " committed " + std::to_string(n) + " times");
  // Per item: versions increase along the feed, and the current item is the
  // last event's (so no later write lost a committed transaction's value).
  for (unsigned item = 0; item < item_hks_.size(); ++item) {
    const std::string& hk = item_hks_[item];
    auto& evs = by_hk[hk];
    for (size_t k = 1; k < evs.size(); ++k)
      if (evs[k].version <= evs[k - 1].version)
        v.push_back(hk + ": feed versions not increasing: " + std::to_string(evs[k - 1].version) + " then " +
                    std::to_string(evs[k].version));
    unsigned s = item_segment(item);
    auto l = leader_of(s);
    if (!l) continue;
    auto g = c_.get(*l, group_of(s), get_req(hk));
    if (evs.empty()) {
      if (code_of(g.status()) != errc::not_found)
        v.push_back(hk + ": no feed events but the get answered " + std::to_string(g.status().error_code()));
      continue;
    }
    if (g.status().error_code() != 0) {
      v.push_back(hk + ": get failed with " + std::to_string(g.status().error_code()) + " " + g.status().message());
      continue;
    }
    if (g.item().value() != evs.back().value || g.item().version() != evs.back().version)
      v.push_back(hk + ": current " + g.item().value() + "@" + std::to_string(g.item().version()) +
                  " is not the feed's last " + evs.back().value + "@" + std::to_string(evs.back().version));
  }
}


}  // namespace ropekv::segment::test::sim_detail
