#include "indexer_metrics.hpp"

namespace ropekv::indexer {

indexer_metrics::indexer_metrics() {
  registry_.add_collector([this] { return families(); });
}

indexer_metrics::~indexer_metrics() { stop(); }

net::readiness indexer_metrics::ready() const {
  if (!shared_) return net::readiness::no("indexer not started");
  if (shared_->indexer_id.load() == 0) return net::readiness::no("not registered with placement yet");
  if (!shared_->cluster->routes.load()->ready()) return net::readiness::no("no rope from placement yet");
  return net::readiness::yes();
}

std::vector<prometheus::MetricFamily> indexer_metrics::families() const {
  std::vector<prometheus::MetricFamily> out;
  if (!shared_) return out;
  const auto& c = shared_->counters;
  auto total = [&out](const char* name, const char* help, const std::atomic<uint64_t>& v) {
    auto f = net::counter_family(name, help);
    net::add_sample(f, {}, static_cast<double>(v.load()));
    out.push_back(std::move(f));
  };
  total("ropekv_indexer_events_applied_total", "Feed events applied to indexes", c.events_applied);
  total("ropekv_indexer_items_scanned_total", "Backfill items applied to indexes", c.items_scanned);
  total("ropekv_indexer_feed_reads_total", "Feed reads and backfill scan pages answered", c.feed_reads);
  total("ropekv_indexer_queries_total", "Index queries answered", c.queries);
  total("ropekv_indexer_queries_behind_total", "Queries with after= that timed out behind the feed",
        c.queries_behind);
  auto registered = net::gauge_family("ropekv_indexer_registered", "1 once placement gave this indexer an id");
  net::add_sample(registered, {}, shared_->indexer_id.load() != 0 ? 1 : 0);
  out.push_back(std::move(registered));

  auto lag = net::gauge_family("ropekv_indexer_feed_lag_seconds", "How far behind the change feed each index is");
  auto phase = net::gauge_family("ropekv_indexer_index_phase", "1 for the phase each held index replica is in");
  auto done = net::gauge_family("ropekv_indexer_backfill_items_done", "Backfill: items scanned so far");
  auto estimated =
      net::gauge_family("ropekv_indexer_backfill_items_estimated", "Backfill: the table's items when it began");
  auto rate = net::gauge_family("ropekv_indexer_backfill_items_per_second", "Backfill: items scanned per second");
  auto entries = net::gauge_family("ropekv_indexer_index_entries", "Rows in each index");
  auto rebuilds = net::gauge_family("ropekv_indexer_rebuilds", "Times each index started over");
  auto held = net::gauge_family("ropekv_indexer_indexes", "Index replicas held by this indexer");
  auto board = shared_->progress.read();
  net::add_sample(held, {}, static_cast<double>(board.size()));
  for (const auto& [id, p] : board) {
    net::metric_labels l{{"table", p.table}, {"index", p.name}};
    const auto& s = p.state;
    net::add_sample(lag, l, static_cast<double>(s.lag_ms()) / 1000.0);
    for (auto [value, name] : {std::pair{pb::INDEX_ASSIGNED, "assigned"}, std::pair{pb::INDEX_BACKFILLING, "backfilling"},
                               std::pair{pb::INDEX_ACTIVE, "active"}}) {
      auto pl = l;
      pl.emplace_back("phase", name);
      net::add_sample(phase, pl, s.phase() == value ? 1 : 0);
    }
    net::add_sample(done, l, static_cast<double>(s.items_done()));
    net::add_sample(estimated, l, static_cast<double>(s.items_estimated()));
    net::add_sample(rate, l, s.items_per_s());
    net::add_sample(entries, l, static_cast<double>(s.entries()));
    net::add_sample(rebuilds, l, static_cast<double>(s.rebuilds()));
  }
  for (auto* f : {&lag, &phase, &done, &estimated, &rate, &entries, &rebuilds, &held}) out.push_back(std::move(*f));
  return out;
}

status indexer_metrics::serve(const std::string& host, uint16_t port) {
  http_ = std::make_unique<net::ops_endpoint>("indexer", registry_, [this] { return ready(); });
  return http_->serve(host, port);
}

uint16_t indexer_metrics::port() const noexcept { return http_ ? http_->port() : 0; }

void indexer_metrics::stop() {
  if (http_) http_->stop();
}

}  // namespace ropekv::indexer
