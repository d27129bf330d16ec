#pragma once
// placement_group: this instance's member of the placement Raft group.
//
// Owns the replica (libs/consensus), its log (<data-dir>/placement-raft.db)
// and the catalog_replicator (the state machine over
// <data-dir>/placement.db), and one thread that drives them: it takes
// inbound Raft messages and proposals from queues, polls the replica every
// few ms and reports changes of the group's view (who leads, whether this
// instance leads and has applied every entry of earlier terms) through
// `on_view`. It never touches CAF itself: outbound Raft messages go to
// `send` (the front actor delivers them), so a catalog thread waiting for a
// commit can never starve the group of its own messages.
//
// Thread safety: every public method may be called from any thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ropekv/catalog/catalog_replicator.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/consensus/replica.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::placement_service {

struct placement_group_options {
  uint64_t id = 1;             // this instance's member id (1..)
  std::string address;         // host:port this instance is published on
  /// The initial voters, identical on every instance (each bootstraps its
  /// pristine log with them; a wiped instance bootstrapping the same list
  /// again is harmless: the leader overwrites or snapshots it). Empty:
  /// join an existing group, wait to be added.
  std::vector<consensus::member> initial;
  std::string data_dir;
  unsigned election_timeout_ms = 600;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 256;
  unsigned snapshot_trailing = 64;
  std::chrono::milliseconds commit_timeout{4000};
};

/// What the group looks like from here.
struct group_view {
  uint64_t term = 0;
  bool leading = false;
  /// Leading, and the barrier of this term applied: the catalog file holds
  /// every committed entry, so the leader's state may be built from it.
  bool ready = false;
  uint64_t leader_id = 0;      // 0: unknown
  std::string leader_address;  // empty: unknown
  std::vector<consensus::member> members;
  bool operator==(const group_view& o) const {
    return term == o.term && leading == o.leading && ready == o.ready && leader_id == o.leader_id &&
           leader_address == o.leader_address && members.size() == o.members.size();
  }
};

class placement_group {
 public:
  using send_fn = std::function<void(std::string address, pb::RaftEnvelope env)>;
  using view_fn = std::function<void(const group_view&)>;
  using done_fn = std::function<void(status)>;

  static result<std::unique_ptr<placement_group>> open(const placement_group_options& options);
  ~placement_group();

  /// Starts the thread; `send` and `on_view` are called from it.
  void start(send_fn send, view_fn on_view);
  void stop();

  /// An envelope from a peer (segment_id 0).
  void receive(pb::RaftEnvelope env);
  group_view view() const;
  uint64_t id() const { return options_.id; }
  /// The commit_sink for the leader's catalog connection.
  catalog::catalog_replicator& replicator() { return *machine_; }
  const placement_group_options& options() const { return options_; }

  /// Membership (leader only): adds `id` as a standby, promotes it once it
  /// caught up, then reports; removes a member. `done` runs on the group
  /// thread.
  void add_member(uint64_t id, std::string address, done_fn done);
  void remove_member(uint64_t id, done_fn done);

 private:
  explicit placement_group(placement_group_options options);
  void run();
  void step(uint64_t now_ms);
  void publish_view();
  void post(std::function<void()> fn);

  class envelope_transport;
  placement_group_options options_;
  std::unique_ptr<catalog::catalog_replicator> machine_;
  std::unique_ptr<envelope_transport> transport_;
  std::unique_ptr<consensus::replica> replica_;  // group thread only
  send_fn send_;
  view_fn on_view_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  std::deque<pb::RaftEnvelope> inbox_;
  std::deque<std::function<void()>> tasks_;  // run on the group thread
  group_view view_;
  bool stopping_ = false;
  std::thread thread_;

  // group thread only
  uint64_t ready_term_ = 0;
  bool barrier_pending_ = false;
  group_view published_;
};

}  // namespace ropekv::placement_service
