#pragma once
// Test harness: N replicas over sqlite_raft_io + in_memory_network, in one
// thread, under virtual time (1 ms per step). Each node's log is a real
// SQLite file in a temp dir, so crash + restart reloads it from disk.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kv_state_machine.hpp"
#include "ropekv/consensus/in_memory_network.hpp"
#include "ropekv/consensus/replica.hpp"
#include "temp_dir.hpp"

namespace ropekv::consensus::test {

struct cluster_options {
  unsigned n = 3;
  bool durable = false;  // fsync; crash tests here simulate process crashes
  unsigned election_timeout_ms = 300;
  unsigned heartbeat_timeout_ms = 30;
  unsigned snapshot_threshold = 1024;
  unsigned snapshot_trailing = 128;
  unsigned install_snapshot_timeout_ms = 30000;
  uint64_t seed = 42;
  uint64_t lease_ms = 0;  // leader leases (0: off)
  network_faults faults{0.0, 1, 1};
  /// Builds node i's state machine over its segment file (default: a
  /// volatile kv_state_machine, rebuilt from the log on restart).
  std::function<std::unique_ptr<state_machine>(unsigned i, const std::string& path)> make_machine;
  /// Digest used by converged() (default: kv_state_machine::digest).
  std::function<uint64_t(state_machine&)> digest;
};

class cluster {
 public:
  explicit cluster(const cluster_options& o = {}) : o_(o), net_(o.seed) {
    net_.set_faults(o.faults);
    for (unsigned i = 0; i < o.n; ++i) nodes_.push_back(std::make_unique<node>());
  }
  ~cluster() {
    for (auto& n : nodes_) {
      if (n->r) n->r->close();
    }
  }

  node_id id(unsigned i) const { return node_id{i + 1}; }
  std::string address(unsigned i) const { return "n" + std::to_string(i + 1); }
  std::string path(unsigned i) const { return dir_.file("segment-" + std::to_string(i + 1) + ".db"); }
  in_memory_network& net() { return net_; }
  uint64_t now() const { return now_; }
  unsigned size() const { return static_cast<unsigned>(nodes_.size()); }
  bool up(unsigned i) const { return nodes_[i]->r != nullptr; }
  replica& r(unsigned i) { return *nodes_[i]->r; }
  kv_state_machine& machine(unsigned i) { return dynamic_cast<kv_state_machine&>(*nodes_[i]->sm); }
  template <class T>
  T& machine_as(unsigned i) {
    return dynamic_cast<T&>(*nodes_[i]->sm);
  }
  uint64_t digest(unsigned i) {
    return o_.digest ? o_.digest(*nodes_[i]->sm) : machine(i).digest();
  }

  /// Bootstraps the first n nodes as voters and starts them.
  void start_all() {
    std::vector<member> members;
    for (unsigned i = 0; i < o_.n; ++i) members.push_back({id(i), address(i), member_role::voter});
    for (unsigned i = 0; i < o_.n; ++i) open_node(i, &members);
  }

  /// Adds an empty node (not bootstrapped) and starts it; returns its index.
  unsigned add_empty_node() {
    nodes_.push_back(std::make_unique<node>());
    unsigned i = size() - 1;
    open_node(i, nullptr);
    return i;
  }

  /// Opens (or reopens after a crash) node i from its SQLite file.
  void open_node(unsigned i, const std::vector<member>* bootstrap) {
    auto& n = *nodes_[i];
    n.r.reset();
    n.sm.reset();
    if (o_.make_machine) {
      n.sm = o_.make_machine(i, path(i));
    } else {
      n.sm = std::make_unique<kv_state_machine>();  // volatile: rebuilt from the log
    }
    n.ep = net_.endpoint(id(i));
    auto log = sqlite_log::open(path(i), sqlite_log_options{o_.durable});
    ASSERT_TRUE(log.ok()) << log.error().message;
    replica_options ro;
    ro.id = id(i);
    ro.address = address(i);
    ro.election_timeout_ms = o_.election_timeout_ms;
    ro.heartbeat_timeout_ms = o_.heartbeat_timeout_ms;
    ro.snapshot_threshold = o_.snapshot_threshold;
    ro.snapshot_trailing = o_.snapshot_trailing;
    ro.install_snapshot_timeout_ms = o_.install_snapshot_timeout_ms;
    ro.io.seed = o_.seed * 1000 + i + 7 * (++n.incarnation);
    ro.io.lease_ms = o_.lease_ms;
    auto rep = replica::open(ro, std::move(*log), *n.ep, *n.sm, now_);
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    n.r = std::move(*rep);
    if (bootstrap != nullptr) {
      auto st = n.r->bootstrap(*bootstrap);
      ASSERT_TRUE(st.ok()) << st.error().message;
    }
    auto st = n.r->start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    replica* target = n.r.get();
    net_.attach(id(i), [target](node_id from, std::string bytes) { target->receive(from, bytes); });
    net_.revive(id(i));
  }

  /// Power-cut style crash: unflushed writes are lost, the process is gone.
  void crash(unsigned i) {
    auto& n = *nodes_[i];
    net_.detach(id(i));
    net_.crash(id(i));
    n.r->crash();
    n.r.reset();
  }
  void restart(unsigned i) { open_node(i, nullptr); }

  void step(unsigned ms = 1) {
    for (unsigned k = 0; k < ms; ++k) {
      ++now_;
      net_.set_time(now_);
      net_.deliver(now_);
      for (auto& n : nodes_) {
        if (n->r) n->r->poll(now_);
      }
    }
  }

  bool run_until(const std::function<bool()>& done, unsigned max_ms) {
    for (unsigned k = 0; k < max_ms; ++k) {
      if (done()) return true;
      step();
    }
    return done();
  }

  /// The up node that believes it leads with the highest term.
  std::optional<unsigned> leader() {
    std::optional<unsigned> best;
    for (unsigned i = 0; i < size(); ++i) {
      if (!up(i) || !r(i).is_leader()) continue;
      if (!best || r(i).stats().term > r(*best).stats().term) best = i;
    }
    return best;
  }

  std::optional<unsigned> wait_leader(unsigned max_ms = 5000) {
    run_until([&] { return leader().has_value(); }, max_ms);
    return leader();
  }

  /// Proposes on the current leader and steps until the callback fires.
  result<std::string> propose(const std::string& cmd, unsigned max_ms = 5000) {
    auto l = wait_leader(max_ms);
    if (!l) return make_error(errc::unavailable, "no leader");
    std::optional<result<std::string>> out;
    auto st = r(*l).propose(cmd, [&](result<std::string> res) { out = std::move(res); });
    if (!st) return st.error();
    run_until([&] { return out.has_value(); }, max_ms);
    if (!out) return make_error(errc::timeout, "proposal timed out");
    return std::move(*out);
  }

  /// Steps until every up node has applied everything the leader has.
  bool settle(unsigned max_ms = 10000) {
    return run_until(
        [&] {
          auto l = leader();
          if (!l) return false;
          uint64_t target = r(*l).stats().last_index;
          for (unsigned i = 0; i < size(); ++i) {
            if (up(i) && r(i).stats().last_applied < target) return false;
          }
          return true;
        },
        max_ms);
  }

  bool converged() {
    std::optional<uint64_t> d;
    for (unsigned i = 0; i < size(); ++i) {
      if (!up(i)) continue;
      if (!d) d = digest(i);
      if (digest(i) != *d) return false;
    }
    return true;
  }

 private:
  struct node {
    std::unique_ptr<state_machine> sm;
    std::unique_ptr<transport> ep;
    std::unique_ptr<replica> r;
    unsigned incarnation = 0;
  };

  cluster_options o_;
  temp_dir dir_;
  in_memory_network net_;
  std::vector<std::unique_ptr<node>> nodes_;
  uint64_t now_ = 0;
};

}  // namespace ropekv::consensus::test
