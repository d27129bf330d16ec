#include "placement_metrics.hpp"

#include <caf/all.hpp>

#include <mutex>
#include <string>
#include <optional>

namespace ropekv::placement_service {

struct placement_metrics::snapshot {
  using clock = std::chrono::steady_clock;
  mutable std::mutex mutex;
  std::optional<pb::ClusterReply> cluster;
  std::optional<size_t> tables;
  std::optional<clock::time_point> last_answer;
  std::string last_error;
  uint64_t polls_ok = 0;
  uint64_t polls_failed = 0;

  void failed(const std::string& why) {
    std::lock_guard lock(mutex);
    ++polls_failed;
    last_error = why;
  }
};

namespace {

struct poller_state {
  static inline const char* name = "ropekv.placement.metrics";
};

void poll(caf::stateful_actor<poller_state>* self, const net::placement_actor& placement,
          const std::shared_ptr<placement_metrics::snapshot>& snap, std::chrono::milliseconds interval) {
  const auto timeout = std::max<std::chrono::milliseconds>(interval * 3, std::chrono::seconds(3));
  self->request(placement, timeout, cluster_atom_v)
      .then(
          [snap](pb::ClusterReply& reply) {
            if (reply.status().error_code() != 0) return snap->failed(reply.status().message());
            std::lock_guard lock(snap->mutex);
            ++snap->polls_ok;
            snap->cluster = std::move(reply);
            snap->last_answer = placement_metrics::snapshot::clock::now();
          },
          [snap](caf::error& err) { snap->failed(caf::to_string(err)); });
  self->request(placement, timeout, tables_atom_v)
      .then(
          [snap](pb::TablesReply& reply) {
            if (reply.status().error_code() != 0) return snap->failed(reply.status().message());
            std::lock_guard lock(snap->mutex);
            snap->tables = static_cast<size_t>(reply.tables_size());
          },
          [snap](caf::error& err) { snap->failed(caf::to_string(err)); });
}

std::vector<prometheus::MetricFamily> families(const placement_metrics::snapshot& s) {
  auto version = net::gauge_family("ropekv_placement_rope_version", "Current rope version");
  auto nodes = net::gauge_family("ropekv_placement_nodes", "Registered segment-owners by state (up|down)");
  auto segments = net::gauge_family("ropekv_placement_segments", "Segments holding a table's keys");
  auto unhealthy = net::gauge_family("ropekv_placement_unhealthy_segments",
                                     "Segments under-protected, without quorum or under-replicated");
  auto moves = net::gauge_family("ropekv_placement_moves_in_flight", "Replica moves in flight");
  auto tables = net::gauge_family("ropekv_placement_tables", "Tables");
  auto polls = net::counter_family("ropekv_placement_polls_total", "Polls of the placement actor by result");
  auto decisions = net::counter_family("ropekv_placement_decisions_total",
                                       "Balancing, drain, repair and move decisions since start, by kind");
  auto progress = net::gauge_family("ropekv_placement_move_progress",
                                    "Catch-up of each move's new replica: its bytes over the leader's (0..1)");
  std::lock_guard lock(s.mutex);
  net::add_sample(polls, {{"result", "ok"}}, static_cast<double>(s.polls_ok));
  net::add_sample(polls, {{"result", "failed"}}, static_cast<double>(s.polls_failed));
  std::vector<prometheus::MetricFamily> out;
  if (s.cluster) {
    const auto& c = *s.cluster;
    net::add_sample(version, {}, static_cast<double>(c.rope_version()));
    double up = c.alive_nodes_size();
    net::add_sample(nodes, {{"state", "up"}}, up);
    net::add_sample(nodes, {{"state", "down"}}, std::max(0.0, c.nodes_size() - up));
    double placed = 0;
    for (const auto& seg : c.segments()) placed += seg.replicas_size() > 0;
    net::add_sample(segments, {}, placed);
    double under_protected = 0, quorum_lost = 0, under_replicated = 0;
    for (const auto& h : c.unhealthy()) {
      under_protected += h.under_protected();
      quorum_lost += h.quorum_lost();
      under_replicated += h.under_replicated();
    }
    net::add_sample(unhealthy, {{"problem", "under_protected"}}, under_protected);
    net::add_sample(unhealthy, {{"problem", "quorum_lost"}}, quorum_lost);
    net::add_sample(unhealthy, {{"problem", "under_replicated"}}, under_replicated);
    net::add_sample(moves, {}, c.moves_in_flight());
    for (const auto& [name, n] : c.decisions()) net::add_sample(decisions, {{"decision", name}}, static_cast<double>(n));
    for (const auto& m : c.moves())
      net::add_sample(progress, {{"segment", std::to_string(m.segment_id())}, {"kind", m.kind()}}, m.progress());
  }
  if (s.tables) net::add_sample(tables, {}, static_cast<double>(*s.tables));
  for (auto* f : {&version, &nodes, &segments, &unhealthy, &moves, &tables, &polls, &decisions, &progress})
    out.push_back(std::move(*f));
  return out;
}

}  // namespace

placement_metrics::placement_metrics() : snap_(std::make_shared<snapshot>()) {
  registry_.add_collector([snap = snap_] { return families(*snap); });
}

placement_metrics::~placement_metrics() { stop(); }

void placement_metrics::start(caf::actor_system& sys, net::placement_actor placement,
                              std::chrono::milliseconds interval) {
  poller_ = sys.spawn([placement, snap = snap_, interval](caf::stateful_actor<poller_state>* self) -> caf::behavior {
    poll(self, placement, snap, interval);
    self->delayed_send(self, interval, tick_atom_v);
    return {[=](tick_atom) {
      poll(self, placement, snap, interval);
      self->delayed_send(self, interval, tick_atom_v);
    }};
  });
}

status placement_metrics::serve(const std::string& host, uint16_t port) {
  http_ = std::make_unique<net::ops_endpoint>("placement", registry_, [this] { return ready(); });
  return http_->serve(host, port);
}

uint16_t placement_metrics::port() const noexcept { return http_ ? http_->port() : 0; }

void placement_metrics::stop() {
  if (http_) http_->stop();
  if (poller_) caf::anon_send_exit(poller_, caf::exit_reason::user_shutdown);
  poller_ = nullptr;
}

net::readiness placement_metrics::ready() const {
  std::lock_guard lock(snap_->mutex);
  if (!snap_->last_answer) return net::readiness::no("placement actor has not answered yet");
  auto age = snapshot::clock::now() - *snap_->last_answer;
  if (age > std::chrono::seconds(5))
    return net::readiness::no("placement actor unanswered for " +
                              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(age).count()) +
                              " ms: " + snap_->last_error);
  return net::readiness::yes();
}

}  // namespace ropekv::placement_service
