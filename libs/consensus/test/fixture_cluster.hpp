#pragma once
// c-raft's deterministic fixture (its own stub raft_io) driving our
// fsm_adapter over caller-owned state machines, one per server.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ropekv/consensus/fsm_adapter.hpp"
#include "ropekv/consensus/raft_fixture_c.hpp"

namespace ropekv::consensus::test {

// One raft_apply in flight: keeps the request alive until its callback.
struct apply_op {
  struct raft_apply req {};
  unsigned node = 0;
  bool done = false;
  int status = -1;
};

class fixture_cluster {
 public:
  explicit fixture_cluster(const std::vector<state_machine*>& machines, unsigned snapshot_threshold = 0,
                           unsigned trailing = 0)
      : f_(std::make_unique<raft_fixture>()) {
    std::memset(f_.get(), 0, sizeof(raft_fixture));
    EXPECT_EQ(raft_fixture_initialize(f_.get()), 0);
    results_.resize(machines.size());
    for (unsigned i = 0; i < machines.size(); ++i) {
      adapters_.push_back(std::make_unique<fsm_adapter>(*machines[i]));
      adapters_.back()->set_apply_hook(
          [this, i](uint64_t index, std::string& res) { results_[i][index] = res; });
      EXPECT_EQ(raft_fixture_grow(f_.get(), adapters_.back()->get()), 0);
      adapters_.back()->attach(raft_fixture_get(f_.get(), i));
      if (snapshot_threshold != 0) {
        raft_set_snapshot_threshold(node(i), snapshot_threshold);
        raft_set_snapshot_trailing(node(i), trailing);
      }
    }
    // Batching machines apply at flush(): flush after every fixture event,
    // as a replica does at the end of every poll.
    current_ = this;
    raft_fixture_hook(f_.get(), [](raft_fixture*, raft_fixture_event*) {
      for (auto& a : current_->adapters_) EXPECT_TRUE(a->flush().ok());
    });
    raft_configuration conf;
    raft_configuration_init(&conf);
    EXPECT_EQ(raft_fixture_configuration(f_.get(), size(), &conf), 0);
    EXPECT_EQ(raft_fixture_bootstrap(f_.get(), &conf), 0);
    raft_configuration_close(&conf);
    EXPECT_EQ(raft_fixture_start(f_.get()), 0);
  }

  ~fixture_cluster() {
    raft_fixture_close(f_.get());
    current_ = nullptr;
  }

  raft_fixture* f() { return f_.get(); }
  raft* node(unsigned i) { return raft_fixture_get(f_.get(), i); }
  unsigned size() const { return static_cast<unsigned>(adapters_.size()); }
  unsigned leader() { return raft_fixture_leader_index(f_.get()); }
  bool has_leader(unsigned max_ms = 10000) { return raft_fixture_step_until_has_leader(f_.get(), max_ms); }

  /// Proposes on server i; the op completes when applied there.
  apply_op* propose(unsigned i, const std::string& cmd) {
    auto op = std::make_unique<apply_op>();
    op->req.data = op.get();
    op->node = i;
    raft_buffer buf;
    buf.len = cmd.size();
    buf.base = raft_malloc(cmd.empty() ? 1 : cmd.size());
    std::memcpy(buf.base, cmd.data(), cmd.size());
    int rv = raft_apply(node(i), &op->req, &buf, 1, [](struct raft_apply* req, int status, void*) {
      auto* o = static_cast<apply_op*>(req->data);
      o->done = true;
      o->status = status;
    });
    if (rv != 0) {
      raft_free(buf.base);
      op->done = true;
      op->status = rv;
    }
    ops_.push_back(std::move(op));
    return ops_.back().get();
  }

  /// The result the proposing server's machine produced for `op`.
  std::string result_of(const apply_op* op) {
    auto& m = results_[op->node];
    auto it = m.find(op->req.index);
    return it == m.end() ? "<none>" : it->second;
  }

  bool step_until_applied_everywhere(raft_index index, unsigned max_ms = 20000) {
    return raft_fixture_step_until_applied(f_.get(), size(), index, max_ms);
  }

 private:
  static inline fixture_cluster* current_ = nullptr;
  std::unique_ptr<raft_fixture> f_;
  std::vector<std::unique_ptr<fsm_adapter>> adapters_;
  std::vector<std::unique_ptr<apply_op>> ops_;
  std::vector<std::map<uint64_t, std::string>> results_;
};

}  // namespace ropekv::consensus::test
