#include "ropekv/net/ops_endpoint.hpp"

#include <exception>

#include "ropekv/net/http_server.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::net {
namespace {

std::string_view path_of(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

http_response status_json(unsigned code, std::string_view status, std::string_view reason = {}) {
  json_writer w;
  w.begin_object().field("status", status);
  if (!reason.empty()) w.field("reason", reason);
  w.end_object();
  return json_response(code, w.take());
}

}  // namespace

std::optional<http_response> ops_response(std::string_view method, std::string_view target,
                                          const metrics_registry& registry, const readiness_check& ready) {
  auto path = path_of(target);
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") return std::nullopt;
  if (method != "GET" && method != "HEAD") {
    auto r = json_response(405, R"({"error":{"code":"method_not_allowed","message":"GET only"}})");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/healthz") return status_json(200, "ok");
  if (path == "/readyz") {
    readiness r = ready ? ready() : readiness::yes();
    if (r.ready) return status_json(200, "ready");
    return status_json(503, "not_ready", r.reason.empty() ? "not ready" : r.reason);
  }
  try {
    http_response r;
    r.content_type = std::string(prometheus_content_type);
    r.body = registry.render();
    return r;
  } catch (const std::exception& e) {
    // A collector's bug: say so instead of taking the I/O thread down.
    return status_json(500, "error", e.what());
  }
}

ops_endpoint::ops_endpoint(std::string service, const metrics_registry& registry, readiness_check ready)
    : service_(std::move(service)), registry_(registry), ready_(std::move(ready)) {}

ops_endpoint::~ops_endpoint() { stop(); }

status ops_endpoint::serve(const std::string& host, uint16_t port) {
  http_server_options o;
  o.host = host;
  o.port = port;
  o.io_threads = 1;
  o.max_connections = 64;
  o.max_body_bytes = 4096;
  o.server_name = "ropekv-" + service_;
  http_ = std::make_unique<http_server>(o, [this](http_request req, responder respond) {
    auto r = ops_response(req.method_name, req.target, registry_, ready_);
    if (!r) r = json_response(404, R"({"error":{"code":"not_found","message":"only /healthz, /readyz and /metrics here"}})");
    respond(std::move(*r));
  });
  auto st = http_->start();
  if (!st) http_.reset();
  return st;
}

uint16_t ops_endpoint::port() const noexcept { return http_ ? http_->port() : 0; }

void ops_endpoint::stop() {
  if (http_) http_->stop();
}

}  // namespace ropekv::net
