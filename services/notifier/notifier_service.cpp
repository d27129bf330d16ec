#include "notifier_service.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "cluster_client.hpp"
#include "upgrade_auth.hpp"
#include "ropekv/net/service_process.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::notifier {

notifier_service::notifier_service(caf::actor_system& sys, notifier_service_options options)
    : sys_(sys), options_(std::move(options)) {
  registry_.add_collector([this] { return metric_families(); });
}

notifier_service::~notifier_service() { stop(); }

uint16_t notifier_service::ws_port() const noexcept { return ws_ ? ws_->port() : 0; }

std::string notifier_service::ws_url() const {
  return (options_.ws.tls ? "wss://" : "ws://") + options_.ws_host + ":" + std::to_string(ws_port()) + "/v1/ws";
}

status notifier_service::start() {
  // The WebSocket port first: its URL is part of what placement is told.
  auto opts = options_.notifier;
  opts.queue_limit_bytes = options_.ws.queue_limit_bytes;
  std::string db_path = ":memory:";
  if (!opts.data_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(opts.data_dir, ec);
    if (ec) return make_error(errc::io_error, "data dir " + opts.data_dir + ": " + ec.message());
    db_path = (std::filesystem::path(opts.data_dir) / "notifier.db").string();
  }
  auto deliveries = webhook::delivery_store::open(db_path);
  if (!deliveries) return make_error(deliveries.error().code, db_path + ": " + deliveries.error().message);
  webhook::poster_options po;
  po.timeout = opts.hook_timeout;
  auto poster = webhook::http_poster::create(po);
  if (!poster) return std::move(poster).error();
  webhook::retry_schedule schedule;
  if (!opts.hook_schedule.empty()) {
    auto parsed = webhook::retry_schedule::parse(opts.hook_schedule);
    if (!parsed) return make_error(errc::invalid_argument, "hook schedule: " + parsed.error().message);
    schedule = std::move(*parsed);
  }

  // The gateway handle is needed by the WebSocket callbacks, the server
  // by the gateway: the callbacks read it through this holder.
  auto gateway_holder = std::make_shared<gateway_actor>();
  notify::ws_callbacks cb;
  cb.on_open = [gateway_holder](notify::connection_id c, std::string remote) {
    caf::anon_send(*gateway_holder, ws_open_atom_v, c.value, std::move(remote));
  };
  cb.on_text = [gateway_holder](notify::connection_id c, std::string frame) {
    caf::anon_send(*gateway_holder, ws_text_atom_v, c.value, std::move(frame));
  };
  cb.on_close = [gateway_holder](notify::connection_id c) {
    caf::anon_send(*gateway_holder, ws_close_atom_v, c.value);
  };
  cb.on_http = [this](std::string_view method, std::string_view target) -> std::optional<notify::http_reply> {
    // /healthz is ws_server's own; /readyz and /metrics are the shared ops answers.
    auto r = net::ops_response(method, target, registry_, [this] { return ready(); });
    if (!r) return std::nullopt;
    return notify::http_reply{r->status, r->content_type, std::move(r->body)};
  };
  // Bearer tokens on the upgrade (upgrade_auth.hpp), checked against the
  // tokens the placement link keeps current; none yet: every upgrade is 401.
  auto tokens_holder = std::make_shared<std::atomic<std::shared_ptr<router::router_shared>>>();
  if (options_.cluster.require_auth) {
    cb.on_upgrade = [tokens_holder](const notify::upgrade_request& r) -> std::optional<notify::http_reply> {
      auto cluster = tokens_holder->load();
      if (!cluster) return notify::http_reply{503, "application/json", R"({"error":{"code":"unavailable","message":"starting"}})"};
      return check_upgrade(cluster->tokens, r);
    };
  }
  ws_ = std::make_unique<notify::ws_server>(options_.ws, std::move(cb));
  if (auto r = ws_->start(options_.ws_host, options_.ws_port); !r) return r;
  opts.ws_url = ws_url();

  shared_ = std::make_shared<notifier_shared>(opts, options_.cluster);
  tokens_holder->store(shared_->cluster);
  shared_->ws = ws_.get();
  shared_->deliveries = std::move(*deliveries);
  shared_->poster.emplace(std::move(*poster));
  shared_->schedule = std::move(schedule);
  shared_->owner_directory = router::spawn_owner_directory(sys_, shared_->cluster);
  shared_->placement_link =
      router::spawn_placement_link(sys_, shared_->cluster, {options_.placement, options_.placement_handle});

  gateway_ = spawn_gateway(sys_, shared_, {options_.placement, options_.placement_handle});
  *gateway_holder = gateway_;
  auto published = net::cluster_publish(sys_, gateway_, options_.caf_port, options_.notifier.host.c_str(), true);
  if (!published) {
    return make_error(errc::unavailable, "publish on " + options_.notifier.host + ":" +
                                             std::to_string(options_.caf_port) + ": " + sys_.render(published.error()));
  }
  caf_port_ = *published;
  caf::anon_send(gateway_, listen_atom_v, options_.notifier.host + ":" + std::to_string(caf_port_));
  return {};
}

void notifier_service::stop() {
  if (ws_) ws_->stop();  // no more callbacks into the gateway
  if (gateway_) net::stop_actor(sys_, gateway_, "notifier");
  gateway_ = nullptr;
  if (shared_) feed::stop_cluster_client(*shared_->cluster, shared_->placement_link, shared_->owner_directory);
  ws_.reset();
}

net::readiness notifier_service::ready() const {
  if (!shared_) return net::readiness::no("notifier not started");
  if (shared_->notifier_id.load() == 0) return net::readiness::no("not registered with placement yet");
  if (!shared_->cluster->routes.load()->ready()) return net::readiness::no("no rope from placement yet");
  return net::readiness::yes();
}

std::vector<prometheus::MetricFamily> notifier_service::metric_families() const {
  std::vector<prometheus::MetricFamily> out;
  auto one = [&out](prometheus::MetricFamily f, double v) {
    net::add_sample(f, {}, v);
    out.push_back(std::move(f));
  };
  auto total = [&](const char* name, const char* help, const std::atomic<uint64_t>& v) {
    one(net::counter_family(name, help), static_cast<double>(v.load()));
  };
  one(net::gauge_family("ropekv_notifier_connections", "Open WebSocket connections"),
      static_cast<double>(ws_ ? ws_->connections() : 0));
  if (!shared_) return out;
  const auto& c = shared_->counters;
  total("ropekv_notifier_events_sent_total", "Event frames queued to WebSocket clients", c.events_sent);
  total("ropekv_notifier_feed_reads_total", "Change-feed reads answered by segments", c.feed_reads);
  total("ropekv_notifier_slow_consumers_total", "Subscriptions cut off with slow_consumer", c.slow_consumers);
  total("ropekv_notifier_channel_messages_total", "Channel message frames queued", c.channel_messages);
  total("ropekv_notifier_hook_deliveries_total", "Webhook POSTs answered 2xx", c.hook_deliveries);
  total("ropekv_notifier_hook_failures_total", "Webhook attempts that failed", c.hook_failures);
  one(net::gauge_family("ropekv_notifier_subscriptions", "Live feed subscriptions of this notifier's clients"),
      static_cast<double>(c.subscriptions.load()));
  one(net::gauge_family("ropekv_notifier_hooks", "Webhooks this notifier delivers"),
      static_cast<double>(c.hooks_held.load()));
  one(net::gauge_family("ropekv_notifier_registered", "1 once placement gave this notifier an id"),
      shared_->notifier_id.load() != 0 ? 1 : 0);
  one(net::gauge_family("ropekv_notifier_feed_lag_seconds",
                        "Commit-to-send delay of the latest live event sent to WebSocket clients"),
      static_cast<double>(c.feed_lag_us.load()) / 1e6);
  auto backlog = net::gauge_family("ropekv_notifier_hook_backlog_events",
                                   "Matching events read and not yet acknowledged, per webhook");
  auto age = net::gauge_family("ropekv_notifier_hook_backlog_age_seconds",
                               "Age of the oldest unacknowledged event, per webhook (0: none)");
  const double now_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& [hook, b] : shared_->backlogs.snapshot()) {
    net::add_sample(backlog, {{"hook", hook}}, static_cast<double>(b.events));
    net::add_sample(age, {{"hook", hook}}, b.oldest_event_us == 0 ? 0.0 : std::max(0.0, now_s - b.oldest_event_us / 1e6));
  }
  out.push_back(std::move(backlog));
  out.push_back(std::move(age));
  return out;
}

}  // namespace ropekv::notifier
