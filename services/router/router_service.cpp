#include "router_service.hpp"

#include <caf/all.hpp>

#include "console_handler.hpp"
#include "request_actor.hpp"
#include "request_auth.hpp"
#include "ropekv/auth/route_access.hpp"
#include "txn_resolver.hpp"
#include "ropekv/net/api_router.hpp"
#include "ropekv/net/http_server_metrics.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::router {
namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

// Routes of DESIGN §8 not built yet:
// a clear 501 instead of a misleading 404.
bool unsupported(net::api_kind) { return false; }

net::http_response unsupported_response(net::api_kind kind) {
  net::http_error err{501, "unsupported",
                      std::string(net::to_string(kind)) + " is not supported by this router yet", {}};
  return net::error_response(err);
}

}  // namespace

router_service::router_service(caf::actor_system& sys, router_service_options options)
    : sys_(sys), options_(std::move(options)),
      shared_(std::make_shared<router_shared>(options_.router)) {}

router_service::~router_service() { stop(); }

status router_service::start() {
  directory_ = spawn_owner_directory(sys_, shared_);
  link_ = spawn_placement_link(sys_, shared_, options_.placement);
  sweep_ = start_lock_sweep(sys_, shared_, directory_, link_);
  http_ = std::make_unique<net::http_server>(
      options_.http, [this](net::http_request req, net::responder r) { handle(std::move(req), std::move(r)); });
  // Connection limits and timeouts (docs/security.md "Limits"); scraped
  // only through http_, so it never outlives the server.
  shared_->registry.add_collector([http = http_.get()] { return net::http_server_families("ropekv_router_http", *http); });
  return http_->start();
}

uint16_t router_service::port() const noexcept { return http_ ? http_->port() : 0; }

void router_service::stop() {
  if (http_) http_->stop();
  if (sweep_) caf::anon_send_exit(sweep_, caf::exit_reason::user_shutdown);
  sweep_ = nullptr;
  if (link_) caf::anon_send_exit(link_, caf::exit_reason::user_shutdown);
  if (directory_) caf::anon_send_exit(directory_, caf::exit_reason::user_shutdown);
  link_ = nullptr;
  directory_ = nullptr;
  shared_->owners.clear();
}

void router_service::handle(net::http_request request, net::responder respond) {
  auto started = clock::now();
  // Auth (request_auth.hpp): the token is checked before the body is
  // parsed, its roles and rate once it is.
  std::shared_ptr<const auth::token_info> token;
  if (shared_->options.require_auth) {
    auto routed = net::route_request(request.method, request.target);
    if (routed && !auth::is_open(routed->kind)) {
      if (auto refused = authenticate(*shared_, request, token)) {
        shared_->metrics.record(routed->kind, refused->status, seconds_since(started));
        return respond(std::move(*refused));
      }
    }
  }
  auto parsed = net::parse_request(request);
  if (!parsed) {
    shared_->metrics.record(std::nullopt, parsed.error().status, seconds_since(started));
    return respond(net::error_response(parsed.error()));
  }
  if (token) {
    if (auto refused = authorize(*shared_, *token, *parsed)) {
      shared_->metrics.record(parsed->kind, refused->status, seconds_since(started));
      return respond(std::move(*refused));
    }
  }
  shared_->metrics.stage(router_stage::parse, seconds_since(started));
  auto kind = parsed->kind;
  auto answer = [&](net::http_response response) {
    shared_->metrics.record(kind, response.status, seconds_since(started));
    respond(std::move(response));
  };
  switch (kind) {
    case net::api_kind::healthz:
      return answer(net::json_response(200, R"({"status":"ok"})"));
    case net::api_kind::readyz: {
      auto snap = shared_->routes.load();
      if (!snap->ready())
        return answer(net::error_response(
            net::http_error::from(errc::unavailable, "no rope from placement yet")));
      net::json_writer w;
      w.begin_object().field("status", "ready").field("rope_version", snap->version()).end_object();
      return answer(net::json_response(200, w.take()));
    }
    case net::api_kind::metrics: {
      net::http_response r;
      r.content_type = std::string(net::prometheus_content_type);
      r.body = shared_->registry.render();
      return answer(std::move(r));
    }
    case net::api_kind::console:
      return answer(console_response(parsed->name, request.header("If-None-Match")));
    default:
      if (unsupported(kind)) return answer(unsupported_response(kind));
  }
  if (revalidated_route(kind)) {  // ETag + 304: what the console polls (docs/console.md)
    auto inm = request.header("If-None-Match");
    respond = revalidating(std::move(respond), inm ? std::optional<std::string>(*inm) : std::nullopt);
  }
  shared_->metrics.inflight().inc();
  auto job = std::make_shared<request_job>(request_job{std::move(*parsed), std::move(respond), started,
                                                       clock::now(), shared_, directory_, link_});
  spawn_request_actor(sys_, std::move(job));
}

}  // namespace ropekv::router
