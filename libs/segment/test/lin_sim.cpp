#include "lin_sim.hpp"

#include <map>
#include <optional>
#include <random>

#include "ropekv/consensus/replica.hpp"
#include "ropekv/linearizability/history_recorder.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {
namespace {

constexpr uint64_t seg = 1;

enum class op_type { get, put, put_if_absent, put_if_present, put_if_value, del };

struct client {
  unsigned index = 0;
  unsigned done = 0;
  uint64_t generation = 0;        // bumps when an op ends; stale callbacks check it
  bool busy = false;
  uint64_t idle_until = 0;
  uint64_t deadline = 0;
  unsigned guess = 0;             // node believed to lead
  lin::history_recorder::handle op;
  unsigned next_value = 0;
  std::map<std::string, std::pair<std::string, uint64_t>> seen;  // key -> (value, version) last read
  // The op to re-issue after a not_leader (it had no effect).
  std::optional<std::pair<std::string, op_type>> retry;
  std::string retry_value;
};

class simulation {
 public:
  explicit simulation(const lin_sim_options& o)
      : o_(o), rng_(o.seed * 0x9E3779B97F4A7C15ull + 1), c_(cluster_options(o)),
        rec_([this] {
          last_ts_ = std::max(last_ts_ + 1, c_.now_us() * 1000);
          return last_ts_;
        }) {
    c_.create_group(store::segment_meta{seg, "", "", 1});
    for (unsigned i = 0; i < o.clients; ++i) {
      client cl;
      cl.index = i;
      cl.guess = pick(c_.size());
      clients_.push_back(cl);
    }
  }

  lin_sim_result run() {
    lin_sim_result out;
    const uint64_t limit_ms = 120'000;
    while (!all_done() && c_.now_ms() < limit_ms) {
      faults();
      for (auto& cl : clients_) drive(cl);
      c_.step();
    }
    out.history = rec_.history();
    for (const auto& op : out.history) (op.outcome_known() ? out.completed : out.unknown)++;
    out.crashes = crashes_;
    for (unsigned i = 0; i < c_.size(); ++i) count_lease_reads(i);
    out.lease_reads = lease_reads_;
    out.virtual_ms = c_.now_ms();
    // Heal everything and check the replicas agree.
    c_.net().heal_all();
    c_.net().set_faults({0.0, 1, 1});
    for (unsigned i = 0; i < c_.size(); ++i) {
      if (!c_.up(i)) c_.restart(i);
    }
    out.converged = c_.settle(seg, 10000) && c_.converged(seg);
    if (!out.converged) out.diagnosis = diagnose();
    return out;
  }

 private:
  std::string diagnose() {
    std::string d;
    for (unsigned i = 0; i < c_.size(); ++i) {
      auto* r = c_.replica(i, seg);
      if (r == nullptr) {
        d += "node " + std::to_string(i) + ": down\n";
        continue;
      }
      auto st = r->raft().stats();
      auto dg = r->digest();
      d += "node " + std::to_string(i) + ": leader=" + std::to_string(r->is_leader()) +
           " term=" + std::to_string(st.term) + " commit=" + std::to_string(st.commit_index) +
           " applied=" + std::to_string(st.last_applied) + " last=" + std::to_string(st.last_index) +
           " store_applied=" + std::to_string(r->applied_index()) +
           " digest=" + (dg ? std::to_string(*dg) : "error") + " failed=" + std::to_string(r->failed()) +
           " last_stored=" + std::to_string(r->raft().raw()->last_stored) +
           " snapshot_installing=" + std::to_string(r->raft().raw()->snapshot.put.data != nullptr) +
           " recv=" + std::to_string(r->raft().io().stats().messages_received) +
           " dropped=" + std::to_string(r->raft().io().stats().messages_dropped) +
           " sent=" + std::to_string(r->raft().io().stats().messages_sent) +
           " cur_leader=" + std::to_string(r->leader_hint().value) +
           " raft_state=" + std::to_string(r->raft().raw()->state) + " closed=" + std::to_string(r->closed()) +
           " errmsg=" + std::string(raft_errmsg(r->raft().raw()));
      uint64_t from = st.last_index > 3 ? st.last_index - 3 : 1;
      (void)r->raft().io().log().for_each_entry(from, [&](const consensus::log_entry_view& e) -> status {
        d += " [" + std::to_string(e.index) + ":t" + std::to_string(e.term) + ":y" + std::to_string(e.type) + "]";
        return {};
      });
      d += "\n";
      if (r->is_leader()) {
        auto* raw = r->raft().raw();
        for (unsigned k = 0; k < raw->configuration.n; ++k) {
          auto& p = raw->leader_state.progress[k];
          d += "  progress server " + std::to_string(raw->configuration.servers[k].id) + ": state=" +
               std::to_string(p.state) + " next=" + std::to_string(p.next_index) + " match=" +
               std::to_string(p.match_index) + " snap=" + std::to_string(p.snapshot_index) + "\n";
        }
      }
    }
    return d;
  }

  static sim_options cluster_options(const lin_sim_options& o) {
    sim_options so;
    so.seed = o.seed;
    so.faults = consensus::network_faults{0.03, 1, 10};
    so.strong_reads = o.strong_reads;
    so.snapshot_threshold = 64;  // crashed replicas also catch up from snapshots
    so.snapshot_trailing = 16;
    return so;
  }

  /// Adds node i's lease reads (its counters die with a crash).
  void count_lease_reads(unsigned i) {
    if (auto* r = c_.replica(i, seg)) lease_reads_ += r->stats().lease_reads;
  }

  unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  bool all_done() const {
    for (const auto& cl : clients_) {
      if (cl.busy || cl.done < o_.ops_per_client) return false;
    }
    return true;
  }

  // One crash and one partition at a time, each healed after a while.
  void faults() {
    uint64_t now = c_.now_ms();
    if (down_ && now >= restart_at_) {
      c_.restart(*down_);
      down_.reset();
    }
    if (isolated_ && now >= heal_at_) {
      c_.net().heal_all();
      isolated_.reset();
    }
    if (now < 400) return;  // let the first leader settle
    if (o_.crashes && !down_ && !isolated_ && chance(1.0 / 1500)) {
      unsigned victim = chance(0.6) ? c_.leader(seg).value_or(pick(c_.size())) : pick(c_.size());
      count_lease_reads(victim);
      c_.crash(victim);
      down_ = victim;
      restart_at_ = now + 100 + pick(500);
      ++crashes_;
    }
    if (o_.partitions && !isolated_ && !down_ && chance(1.0 / 1500)) {
      unsigned victim = chance(0.6) ? c_.leader(seg).value_or(pick(c_.size())) : pick(c_.size());
      c_.net().isolate(c_.id(victim));
      isolated_ = victim;
      heal_at_ = now + 200 + pick(600);
    }
  }

  void drive(client& cl) {
    uint64_t now = c_.now_ms();
    if (cl.busy) {
      if (now >= cl.deadline) {
        rec_.complete_unknown(cl.op);  // timed out: may or may not have happened
        finish(cl, true);
        cl.guess = pick(c_.size());
      }
      return;
    }
    if (cl.done >= o_.ops_per_client || now < cl.idle_until) return;
    issue(cl);
  }

  void finish(client& cl, bool counts) {
    cl.busy = false;
    ++cl.generation;
    if (counts) ++cl.done;
    cl.idle_until = c_.now_ms() + pick(6);
  }

  std::string key_name(unsigned k) const { return "x" + std::to_string(k); }

  void issue(client& cl) {
    std::string key;
    op_type type;
    std::string value;
    if (cl.retry) {
      std::tie(key, type) = *cl.retry;
      value = cl.retry_value;
      cl.retry.reset();
    } else {
      key = key_name(pick(o_.keys));
      unsigned r = pick(100);
      type = r < 40 ? op_type::get
             : r < 65 ? op_type::put
             : r < 75 ? op_type::put_if_absent
             : r < 82 ? op_type::put_if_present
             : r < 90 ? op_type::put_if_value
                      : op_type::del;
      if (type == op_type::put_if_value && !cl.seen.count(key)) type = op_type::put_if_absent;
      value = "c" + std::to_string(cl.index) + "-" + std::to_string(cl.next_value++);
    }
    // Reads sometimes go to any node: with barrier mode a follower answers
    // not_leader; the broken mode answers from stale local state.
    unsigned node = type == op_type::get && chance(0.5) ? pick(c_.size()) : cl.guess;
    auto* replica = c_.replica(node, seg);
    if (replica == nullptr) {  // connection refused: nothing happened
      cl.guess = pick(c_.size());
      cl.retry = std::make_pair(key, type);
      cl.retry_value = value;
      cl.idle_until = c_.now_ms() + 1;
      return;
    }
    lin::op_input input;
    pb::WriteRequest w;
    switch (type) {
      case op_type::get: input = lin::get(); break;
      case op_type::put: input = lin::put(value); w = put_req(key, value); break;
      case op_type::put_if_absent:
        input = lin::put_if_absent(value);
        w = put_cond(key, value, pb::COND_IF_ABSENT);
        break;
      case op_type::put_if_present:
        input = lin::put_if_present(value);
        w = put_cond(key, value, pb::COND_IF_EXISTS);
        break;
      case op_type::put_if_value: {
        // if_version of the version we read = if_value of the value we read:
        // every write carries a unique value and gets a unique version.
        auto [expected, version] = cl.seen[key];
        input = lin::put_if_value(expected, value);
        w = put_cond(key, value, pb::COND_IF_VERSION, version);
        break;
      }
      case op_type::del: input = lin::del(); w = del_req(key); break;
    }
    cl.busy = true;
    cl.deadline = c_.now_ms() + o_.op_timeout_ms;
    cl.op = rec_.invoke(lin::client_id{cl.index + 1}, key, input);
    uint64_t gen = cl.generation;
    unsigned ci = cl.index;
    auto requeue = [this, ci, key, type, value](const pb::Status& st) {
      client& me = clients_[ci];
      rec_.discard(me.op);  // not_leader: nothing was proposed or read
      finish(me, false);
      me.guess = st.leader_hint() != 0 ? static_cast<unsigned>(st.leader_hint() - 1) : pick(c_.size());
      me.retry = std::make_pair(key, type);
      me.retry_value = value;
    };
    if (type == op_type::get) {
      replica->get(get_req(key), [this, ci, gen, key, requeue](pb::GetReply rep) {
        client& me = clients_[ci];
        if (me.generation != gen) return;
        errc code = static_cast<errc>(rep.status().error_code());
        if (rep.status().error_code() == 0) {
          me.seen[key] = {rep.item().value(), rep.item().version()};
          rec_.complete(me.op, lin::read_value(rep.item().value()));
          finish(me, true);
        } else if (code == errc::not_found) {
          me.seen.erase(key);
          rec_.complete(me.op, lin::read_absent());
          finish(me, true);
        } else if (code == errc::not_leader) {
          requeue(rep.status());
        } else {
          rec_.discard(me.op);  // a failed read has no effect
          finish(me, true);
          me.guess = pick(c_.size());
        }
      });
      return;
    }
    replica->write(w, [this, ci, gen, requeue](pb::WriteReply rep) {
      client& me = clients_[ci];
      if (me.generation != gen) return;
      errc code = static_cast<errc>(rep.status().error_code());
      if (rep.status().error_code() == 0) {
        rec_.complete(me.op, lin::write_ok());
        finish(me, true);
      } else if (code == errc::condition_failed) {
        rec_.complete(me.op, lin::write_failed());
        finish(me, true);
      } else if (code == errc::not_leader) {
        requeue(rep.status());
      } else {
        rec_.complete_unknown(me.op);  // unavailable: it may still commit
        finish(me, true);
        me.guess = pick(c_.size());
      }
    });
  }

  lin_sim_options o_;
  std::mt19937_64 rng_;
  sim_cluster c_;
  int64_t last_ts_ = 0;
  lin::history_recorder rec_;
  std::vector<client> clients_;
  std::optional<unsigned> down_;
  std::optional<unsigned> isolated_;
  uint64_t restart_at_ = 0;
  uint64_t heal_at_ = 0;
  size_t crashes_ = 0;
  size_t lease_reads_ = 0;
};

}  // namespace

lin_sim_result run_lin_sim(const lin_sim_options& options) {
  simulation sim(options);
  return sim.run();
}

}  // namespace ropekv::segment::test
