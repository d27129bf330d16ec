#include "owner_metrics.hpp"

namespace ropekv::segment_owner {

owner_metrics::owner_metrics() {
  for (size_t i = 0; i < stages_.size(); ++i) {
    stages_[i] = &registry_.add_histogram("ropekv_owner_stage_seconds",
                                          "Time of one stage of a request inside this owner's replicas",
                                          net::hop_latency_buckets(),
                                          {{"stage", std::string(consensus::replica_stage_names[i])}});
  }
}

owner_metrics::~owner_metrics() { stop(); }

consensus::stage_observer owner_metrics::observer() {
  return [stages = stages_](consensus::replica_stage stage, double seconds) {
    stages[static_cast<size_t>(stage)]->observe(seconds);
  };
}

status owner_metrics::serve(const std::string& host, uint16_t port) {
  net::http_server_options o;
  o.host = host;
  o.port = port;
  o.io_threads = 1;
  o.max_connections = 64;
  o.server_name = "ropekv-segment-owner";
  http_ = std::make_unique<net::http_server>(o, [this](net::http_request req, net::responder respond) {
    if (req.target != "/metrics") {
      return respond(net::json_response(404, R"({"error":{"code":"not_found","message":"only /metrics here"}})"));
    }
    net::http_response r;
    r.content_type = std::string(net::prometheus_content_type);
    r.body = registry_.render();
    respond(std::move(r));
  });
  return http_->start();
}

uint16_t owner_metrics::port() const noexcept { return http_ ? http_->port() : 0; }

void owner_metrics::stop() {
  if (http_) http_->stop();
}

}  // namespace ropekv::segment_owner
