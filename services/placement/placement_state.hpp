#pragma once
// placement_state: the placement service's logic, as a plain class that unit
// tests drive without CAF (placement_actor is the thin shell around it).
//
// Owns: the catalog (SQLite: nodes, tables, rope, hooks, indexes, id
// allocators), the current rope version, node liveness, moves in flight,
// stats not yet folded into a version, the live notifiers and the hooks with
// their assignment and last reported delivery state, the live indexers and
// the global secondary indexes with their replicas' reported states, and the
// effects (messages to send) produced since the last take_effects().
// Replicated placement: only the group's leader holds a placement_state,
// built by open() from the committed catalog each time it wins leadership;
// its catalog writes are batches committed through the group's log by the
// actor (placement_actor.hpp). Who touches it: one placement actor, from one thread at a
// time; nothing here is thread-safe. Time is passed in (`now`), never read,
// so tests control it.
//
// Invariants:
//   * every rope version is saved in the catalog before it becomes current,
//     and is numbered one above the previous (one logical change, one
//     version; several leader changes or stats of one heartbeat/tick are one
//     change);
//   * the rope covers the keyspace; table t's segments cover exactly its key
//     range (rope_layout.hpp), every other key lies in a gap segment;
//   * every table in the catalog has segments and vice versa (open() repairs
//     a crash between the two writes of a create or drop);
//   * at most one move in flight per segment; the rope changes only when a
//     move is reported done (see placement_actor.hpp for the protocol);
//   * every hook is held by exactly one live notifier (state.notifier_id),
//     or by none (0) when no notifier is alive; only the holder's reports
//     change a hook's state;
//   * an index's replicas name distinct live indexers, at most
//     index_replicas of them, and fewer only while no other live indexer
//     may take one (see assign_indexes); only a holder's report changes its
//     replica's state;
//   * every index belongs to a table in the catalog (a table's drop drops
//     its indexes; open() drops any a crash left behind).
//
// Updates for indexes: a change of the live indexers, of an index's
// definition or replica set, or of a replica's phase, last_error or
// rebuilds marks the next RopeUpdate at once (routers choose replicas by
// phase). Progress alone (counts, rate, lag, entries) goes out at most once
// per index_progress_interval (1 s), from a heartbeat or the tick;
// reported_ms alone never does.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "placement_options.hpp"
#include "ropekv/catalog/catalog_db.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/placement/balance.hpp"
#include "ropekv/placement/node.hpp"
#include "ropekv/placement/segment.hpp"
#include "ropekv/proto/auth_service.pb.h"
#include "ropekv/proto/service.pb.h"
#include "ropekv/rope/rope.hpp"

namespace ropekv::placement_service {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

/// Messages placement decided to send; the actor delivers them.
struct effects {
  std::vector<std::pair<node_id, pb::SegmentAssignment>> assignments;
  std::vector<std::pair<node_id, pb::SegmentDrop>> drops;
  /// For every subscriber: the delta since the previous update (or an empty
  /// delta when only tables or nodes changed), with all tables and nodes.
  std::optional<pb::RopeUpdate> update;
  /// Notifiers declared dead (timeout or handle down): forget their handles.
  std::vector<uint64_t> notifiers_gone;
  /// Indexers declared dead (timeout or handle down): forget their handles.
  std::vector<uint64_t> indexers_gone;
  /// Leader spread: TRANSFER_LEADER requests for the segment's current
  /// leader (the node named first), sent through its owner.
  std::vector<std::pair<node_id, pb::MembershipRequest>> leader_transfers;
};

struct node_entry {
  pb::NodeDescriptor desc;
  time_point last_seen;
  bool alive = true;  // false once silent for down_after
};

struct notifier_entry {
  pb::NotifierDescriptor desc;
  time_point last_seen;
};

struct indexer_entry {
  pb::IndexerDescriptor desc;
  time_point last_seen;
};

struct index_entry {
  /// replicas: the live holders, each as it last reported.
  pb::IndexDescriptor desc;
  /// The holders saved before placement restarted. Until restore_until_,
  /// only they may take the index back: they have built it already, and a
  /// different holder would rebuild it from scratch.
  std::vector<uint64_t> restore;
};

struct hook_entry {
  pb::Hook hook;           // state: the last one its holder reported
  bool unsaved = false;    // state newer than the catalog's copy
  time_point saved{};      // when the state was last written
};

/// A split placement ordered whose outcome it has not seen yet. Until it
/// has, owners reporting the halves' ids are not told to drop them: the
/// report itself proves the split applied, and the rope follows.
struct split_in_flight {
  pb::SplitRequest request;      // parent, at_key, left and right ids
  uint64_t parent_epoch = 0;
  time_point started;
};

/// Why placement moves a replica: the decision's kind, for logs, counters
/// and GET /v1/cluster. repair: a dead, rule-breaking or surplus replica, or
/// a missing one; drain: off a draining node; balance: load off the band;
/// join: balance into a node that joined and has not yet been in band.
inline constexpr const char* move_kinds[] = {"repair", "drain", "balance", "join"};

struct move_in_flight {
  placement::move plan;
  std::vector<node_id> target;  // the replica set once done, leader hint first
  uint64_t target_epoch = 0;
  time_point started;
  std::string kind = "repair";  // one of move_kinds
  bool target_hosting = false;  // the new replica reports the segment (catching up)
  uint64_t target_bytes = 0;    // its SQLite file's bytes, from its last heartbeat
};

class placement_state {
 public:
  /// Opens (or creates) the catalog and loads nodes, tables and rope. Every
  /// known node starts alive with last_seen = now: it has down_after to
  /// heartbeat before repair touches its replicas.
  static result<std::unique_ptr<placement_state>> open(const std::string& catalog_path,
                                                       placement_options options, time_point now);
  /// As above over an open catalog (a replicated one: the placement group
  /// builds the leader's state from its committed catalog this way; the
  /// writes open() itself makes are in the catalog's open batch).
  static result<std::unique_ptr<placement_state>> open(std::unique_ptr<catalog::catalog_db> db,
                                                       placement_options options, time_point now);
  /// The catalog (the actor commits a replicated catalog's batch before
  /// any effect of a handler leaves the process).
  catalog::catalog_db& catalog() { return *db_; }

  // ------------------------------------------------------------ owners
  pb::RegisterReply register_node(const pb::RegisterNode& req, time_point now);
  /// not_found: the node is unknown (register again).
  pb::Status heartbeat(const pb::Heartbeat& hb, time_point now);

  // ------------------------------------------------------------ tables
  pb::TableReply create_table(const pb::CreateTableRequest& req);
  pb::TablesReply list_tables() const;
  pb::TableReply get_table(const std::string& name) const;
  pb::TableReply drop_table(const std::string& name);

  // ------------------------------------------------------------ notifiers
  /// id 0, or an id this catalog never issued: a new id. A known id keeps
  /// it (a notifier re-registering after a timeout or a placement restart).
  pb::RegisterNotifierReply register_notifier(const pb::RegisterNotifier& req, time_point now);
  /// not_found: the notifier is not (or no longer) live: register again.
  /// Reports for hooks the notifier does not hold are ignored.
  pb::Status notifier_heartbeat(const pb::NotifierHeartbeat& hb, time_point now);
  /// The notifier's handle went down: it is dead now, not at the timeout.
  void notifier_down(uint64_t id, time_point now);

  // ------------------------------------------------------------ hooks
  /// `wall_ms`: created_ms of a new hook (time since the Unix epoch).
  pb::HookReply put_hook(const pb::PutHookRequest& req, int64_t wall_ms, time_point now);
  /// Replies never carry spec.secret.
  pb::HooksReply list_hooks() const;
  pb::HookReply get_hook(const std::string& name) const;
  pb::HookReply drop_hook(const std::string& name);

  // ------------------------------------------------------------ indexers
  /// Id rules as register_notifier's (known id kept, unknown id replaced).
  pb::RegisterIndexerReply register_indexer(const pb::RegisterIndexer& req, time_point now);
  /// not_found: the indexer is not (or no longer) live: register again.
  /// Reports for indexes it does not hold are ignored; a report replaces its
  /// replica's state (indexer_id kept, reported_ms = `wall_ms`, placement's
  /// clock, so every report's age is measured on one clock).
  pb::Status indexer_heartbeat(const pb::IndexerHeartbeat& hb, int64_t wall_ms, time_point now);
  /// The indexer's handle went down: it is dead now, not at the timeout.
  void indexer_down(uint64_t id, time_point now);

  // ------------------------------------------------------------ indexes
  /// Defines spec.name on spec.table. not_found: no such table;
  /// invalid_argument: empty name or attribute, unknown type or projection;
  /// already_exists ("index_exists: ..."): the name is taken by a different
  /// definition. The same definition again: ok, created=false, the existing
  /// index. `wall_ms`: created_ms of a new index.
  pb::IndexReply put_index(const pb::PutIndexRequest& req, int64_t wall_ms, time_point now);
  /// A table's indexes by name; not_found: no such table.
  pb::IndexesReply list_indexes(const std::string& table) const;
  pb::IndexReply get_index(const std::string& table, const std::string& name) const;
  /// The dropped index; not_found: no such table or index.
  pb::IndexReply drop_index(const std::string& table, const std::string& name);

  // ---------------------------------------------------------- splits
  /// The SplitRequest for the segment's leader (and that node), with the
  /// halves' ids allocated. not_found (no such segment), condition_failed
  /// (its epoch moved on), invalid_argument (at_key not strictly inside),
  /// unavailable (a move or another split of it is in flight).
  result<std::pair<node_id, pb::SplitRequest>> plan_split(const pb::SplitSegmentRequest& req, time_point now);
  /// The leader's answer: ok applies the split to the rope (the halves in
  /// the reply); not_leader and wrong_segment forget the split (nothing was
  /// proposed, or the segment changed); anything else leaves it in flight
  /// (it may still apply: the halves' reports will show it).
  pb::SplitSegmentReply split_answered(const pb::SplitRequest& request, const pb::AdminReply& reply);
  const std::map<uint64_t, split_in_flight>& splits() const noexcept { return splits_; }

  // ------------------------------------------------------------ drains
  /// Starts (draining=true) or cancels a node's drain; persisted in the
  /// catalog (NodeDescriptor.draining), so a restart keeps it. Repair then
  /// moves the node's replicas away (kind "drain"); the node takes no new
  /// replica and no leadership from the leader spread. not_found: no such node.
  pb::DrainNodeReply drain_node(const pb::DrainNodeRequest& req);

  // ------------------------------------------------------------ tokens
  // placement_state_tokens.cpp. Bearer tokens (docs/security.md): every
  // change goes out in the next RopeUpdate.tokens (hashes only).
  /// Makes the secret, stores its hash. invalid_argument: bad name, roles,
  /// expiry or rate limit; already_exists: the name is taken. The reply
  /// carries the secret (the only time it is ever shown), never the hash.
  /// `wall_ms`: created_ms.
  pb::TokenReply create_token(const pb::CreateTokenRequest& req, int64_t wall_ms);
  /// Every token, without hashes.
  pb::TokensReply list_tokens() const;
  /// Deletes it; not_found: no such token.
  pb::TokenReply revoke_token(const pb::RevokeTokenRequest& req);
  /// By name, hashes included.
  const std::map<std::string, pb::AuthToken>& tokens() const noexcept { return tokens_; }

  /// Liveness (down_after, notifier_timeout, indexer_timeout), move
  /// timeouts, repair, then (when repair has nothing to do, at most every
  /// balance_interval) a balance round and the leader spread, stats flush,
  /// hook state saves, index assignment.
  void tick(time_point now);

  // ------------------------------------------------------------ views
  /// The whole rope (delta from version 0) with all tables and nodes.
  pb::RopeUpdate full_update() const;
  /// Nodes (alive flags), table segments (gaps left out), rope version,
  /// moves in flight (age measured to the last tick), segments short of
  /// replicas or failure domains, per-node load against the fair share,
  /// and the decision counters.
  pb::ClusterReply cluster() const;
  /// Decisions since this placement started, by name (moves_started_<kind>,
  /// moves_done_<kind>, moves_cancelled, leader_transfers, ...).
  const std::map<std::string, uint64_t>& decisions() const noexcept { return decisions_; }
  /// Effects since the last call; leaves none behind.
  effects take_effects();

  const rope::rope& current() const noexcept { return rope_; }
  const std::map<uint64_t, node_entry>& nodes() const noexcept { return nodes_; }
  /// Moves in flight by segment id.
  const std::map<uint64_t, move_in_flight>& moves() const noexcept { return moves_; }
  const placement_options& options() const noexcept { return opt_; }
  const std::map<uint64_t, notifier_entry>& notifiers() const noexcept { return notifiers_; }
  /// Hooks by name, secrets included.
  const std::map<std::string, hook_entry>& hooks() const noexcept { return hooks_; }
  const std::map<uint64_t, indexer_entry>& indexers() const noexcept { return indexers_; }
  /// Indexes by id.
  const std::map<uint32_t, index_entry>& indexes() const noexcept { return indexes_; }

 private:
  placement_state(std::unique_ptr<catalog::catalog_db> db, placement_options options);

  // placement_state.cpp: loading and committing.
  status load(time_point now);
  status reconcile();
  /// Applies `d` (plus pending stats) as the next version and saves it.
  status commit(rope::rope_delta d, const char* why);
  result<segment_id> next_segment_id();

  // placement_state_nodes.cpp: heartbeats.
  void apply_reports(const pb::Heartbeat& hb, node_entry& node);
  /// A reported segment id that is a half of a split in flight: the split
  /// applied; the rope follows. True when it did.
  bool adopt_split_half(uint64_t reported);
  status apply_split(uint64_t parent);
  void resync_node(node_id id);

  // placement_state_repair.cpp: moves.
  void run_repair(time_point now);
  /// `kind`: one of move_kinds ("" derives repair or drain from plan.from).
  void start_move(const placement::move& m, time_point now, std::string kind = "");
  pb::SegmentAssignment move_assignment(const rope::segment& s, const move_in_flight& m) const;
  void cancel_move(uint64_t segment, const std::string& why);
  void expire_moves(time_point now);
  void flush_stats(time_point now);

  // placement_state_balance.cpp: balance rounds, leader spread, drains.
  void run_balance(time_point now);
  void spread_leaders(time_point now);
  /// Logs event=drain_done once a draining node holds no replica.
  void note_drains_done();
  /// A balance round as if it ran now (its fair shares and verdict; the
  /// planned moves are not started).
  placement::balance_result balance_view() const;
  /// Per node: replicas, leaders and bytes against the fair share `view`
  /// computed (balance_view()).
  std::vector<pb::NodeLoad> node_loads(const placement::balance_result& view) const;
  /// The most replicas any segment of `table_id` lacks (replication minus
  /// replicas on alive nodes), and how many segments lack any.
  std::pair<uint32_t, uint32_t> replicas_short(uint32_t table_id) const;
  void fill_replication(pb::TableReply& reply) const;
  // placement_state_tokens.cpp: loads the tokens; with none stored and
  // options.bootstrap_token set, creates the bootstrap cluster-admin token.
  status load_tokens(int64_t wall_ms);
  // placement_state_notifiers.cpp / placement_state_hooks.cpp.
  void expire_notifiers(time_point now);
  void remove_notifier(uint64_t id, const char* why, time_point now);
  /// Gives every hook without a live holder to the live notifier holding
  /// the fewest (ties: the lowest id); none alive: notifier_id 0.
  void assign_hooks(time_point now);
  status save_hook(hook_entry& h, time_point now);
  void save_hook_states(time_point now, bool all);

  // placement_state_indexers.cpp / placement_state_indexes.cpp.
  void tick_indexes(time_point now);
  void expire_indexers(time_point now);
  void remove_indexer(uint64_t id, const char* why, time_point now);
  /// Tops every index up to index_replicas holders: the live indexers
  /// holding the fewest index replicas (ties: the lowest id), never one
  /// twice; while restoring, an index with saved holders waits for them.
  void assign_indexes(time_point now);
  /// Loads the indexes (after reconcile(): indexes of tables gone are
  /// dropped) and starts the restore window.
  status load_indexes(time_point now);
  /// Writes the definition with its holders' ids (not their states).
  status save_index(const index_entry& e);
  /// Drops every index of a table being dropped.
  void drop_table_indexes(uint32_t table_id);
  const index_entry* find_index(const std::string& table, const std::string& name) const;

  // placement_views.cpp: inputs of the placement rules and wire forms.
  std::vector<placement::node_info> node_infos() const;
  std::vector<placement::segment_state> segment_states() const;
  uint32_t replication_of(const rope::segment& s) const;
  pb::SegmentAssignment assignment(const rope::segment& s, bool bootstrap) const;
  void push_drop(node_id to, const rope::segment& s, const std::string& reason);
  void fill_meta(pb::RopeUpdate& update) const;

  std::unique_ptr<catalog::catalog_db> db_;
  placement_options opt_;
  std::map<uint64_t, node_entry> nodes_;          // by node id
  std::map<std::string, pb::TableSchema> tables_;  // by name
  std::map<uint32_t, std::string> table_names_;    // table id -> name
  rope::rope rope_;
  rope::rope published_;      // the version subscribers were last sent
  // Tables, nodes, notifiers, hooks, indexers or indexes changed since the
  // last update.
  bool meta_changed_ = false;
  std::map<uint64_t, notifier_entry> notifiers_;  // live ones, by id
  std::map<std::string, hook_entry> hooks_;       // by name
  std::map<uint64_t, indexer_entry> indexers_;    // live ones, by id
  std::map<uint32_t, index_entry> indexes_;       // by id
  std::map<std::string, pb::AuthToken> tokens_;   // by name, with hashes
  time_point restore_until_{};                    // see index_entry::restore
  bool index_progress_unsent_ = false;            // progress reported since the last update
  time_point index_progress_sent_{};              // when progress alone last marked one
  std::map<uint64_t, move_in_flight> moves_;
  std::map<uint64_t, split_in_flight> splits_;  // by parent segment id
  // Parents of splits done lately: a replica that has not applied the split
  // yet still reports the parent's id, and must not be told to drop it.
  std::map<uint64_t, time_point> split_parents_;
  // Highest target epoch ever ordered per segment, so a move planned after
  // a cancelled one never reuses its epoch for a different replica set.
  std::map<uint64_t, uint64_t> issued_epochs_;
  std::map<uint64_t, rope::segment_stats> pending_stats_;  // by segment id
  time_point last_stats_flush_{};
  bool repair_wanted_ = true;
  // The last repair round planned or deferred moves: balance waits.
  bool repair_busy_ = true;
  time_point last_balance_{};
  time_point last_now_{};  // the latest `now` a tick or heartbeat brought
  // Nodes that joined (or came back empty) and have not yet been in band:
  // balance moves into them count as "join".
  std::set<uint64_t> joining_;
  // Draining nodes whose drain completed (logged once).
  std::set<uint64_t> drained_;
  // Segments asked to change leader, and when: left alone for
  // leader_transfer_cooldown.
  std::map<uint64_t, time_point> leader_asked_;
  time_point last_election_{};  // last leader change placement did not order
  std::map<std::string, uint64_t> decisions_;
  effects out_;
};

}  // namespace ropekv::placement_service
