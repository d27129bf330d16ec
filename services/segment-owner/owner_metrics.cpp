#include "owner_metrics.hpp"

#include <algorithm>

namespace ropekv::segment_owner {

owner_metrics::owner_metrics(std::chrono::milliseconds heartbeat)
    : ready_window_(std::max<std::chrono::milliseconds>(std::chrono::seconds(5), heartbeat * 5)) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    stages_[i] = &registry_.add_histogram("ropekv_owner_stage_seconds",
                                          "Time of one stage of a request inside this owner's replicas",
                                          net::hop_latency_buckets(),
                                          {{"stage", std::string(consensus::replica_stage_names[i])}});
  }
  commit_ = &registry_.add_histogram("ropekv_owner_raft_commit_seconds",
                                     "Raft commit latency of a proposal on this owner's leaders (raft_apply to applied)",
                                     net::default_latency_buckets());
  accepted_ = &registry_.add_counter("ropekv_owner_heartbeats_accepted_total", "Heartbeats placement accepted");
  corrupt_ = &registry_.add_counter("ropekv_owner_replicas_corrupt_total",
                                    "Replica files that failed their checks at open (rebuilt from peers)");
  registry_.add_collector([this] { return replica_families(); });
}

owner_metrics::~owner_metrics() { stop(); }

consensus::stage_observer owner_metrics::observer() {
  return [stages = stages_, commit = commit_](consensus::replica_stage stage, double seconds) {
    stages[static_cast<size_t>(stage)]->observe(seconds);
    if (stage == consensus::replica_stage::commit) commit->observe(seconds);
  };
}

std::function<void(const std::vector<replica_report>&)> owner_metrics::reporter() {
  return [this](const std::vector<replica_report>& replicas) { report(replicas); };
}

std::function<void()> owner_metrics::corrupt_counter() {
  return [this] { corrupt_->inc(); };
}

void owner_metrics::report(const std::vector<replica_report>& replicas) {
  accepted_->inc();
  last_accepted_ns_.store(clock::now().time_since_epoch().count() + 1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  last_ = replicas;
}

net::readiness owner_metrics::ready() const {
  int64_t at = last_accepted_ns_.load(std::memory_order_relaxed);
  if (at == 0) return net::readiness::no("not registered with placement yet");
  auto age = clock::now() - clock::time_point(clock::duration(at - 1));
  if (age > ready_window_)
    return net::readiness::no("no heartbeat accepted by placement for " +
                              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(age).count()) +
                              " ms");
  return net::readiness::yes();
}

std::vector<prometheus::MetricFamily> owner_metrics::replica_families() const {
  auto bytes = net::gauge_family("ropekv_owner_segment_bytes", "SQLite bytes of each hosted replica");
  auto items = net::gauge_family("ropekv_owner_segment_items", "Items of each hosted replica (0: not measured)");
  auto epoch = net::gauge_family("ropekv_owner_segment_epoch", "Epoch each hosted replica reports");
  auto count = net::gauge_family("ropekv_owner_replicas", "Hosted replicas by role");
  auto registered = net::gauge_family("ropekv_owner_registered", "1 while placement accepts this owner's heartbeats");
  net::add_sample(registered, {}, ready().ready ? 1 : 0);
  double leaders = 0, followers = 0;
  {
    std::lock_guard lock(mutex_);
    for (const auto& r : last_) {
      std::string role = r.leader ? "leader" : "follower";
      (r.leader ? leaders : followers) += 1;
      net::add_sample(bytes, {{"segment", std::to_string(r.segment)}, {"role", role}}, static_cast<double>(r.bytes));
      net::add_sample(items, {{"segment", std::to_string(r.segment)}, {"role", role}}, static_cast<double>(r.items));
      net::add_sample(epoch, {{"segment", std::to_string(r.segment)}}, static_cast<double>(r.epoch));
    }
  }
  net::add_sample(count, {{"role", "leader"}}, leaders);
  net::add_sample(count, {{"role", "follower"}}, followers);
  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&bytes, &items, &epoch, &count, &registered}) out.push_back(std::move(*f));
  return out;
}

status owner_metrics::serve(const std::string& host, uint16_t port) {
  http_ = std::make_unique<net::ops_endpoint>("segment-owner", registry_, [this] { return ready(); });
  return http_->serve(host, port);
}

uint16_t owner_metrics::port() const noexcept { return http_ ? http_->port() : 0; }

void owner_metrics::stop() {
  if (http_) http_->stop();
}

}  // namespace ropekv::segment_owner
