#include "request_actor.hpp"

#include <caf/all.hpp>

#include "handlers.hpp"

namespace ropekv::router {
namespace {

struct request_state {
  std::unique_ptr<request_runtime> rt;
  static inline const char* name = "ropekv.router.request";
};

void dispatch_table_route(request_runtime& rt) {
  switch (rt.request().kind) {  // after apply_table_shape: get_item may be query_items now
    case net::api_kind::get_item: return handle_get_item(rt);
    case net::api_kind::put_item: return handle_put_item(rt);
    case net::api_kind::delete_item: return handle_delete_item(rt);
    case net::api_kind::query_items: return handle_query_items(rt);
    case net::api_kind::scan: return handle_scan(rt);
    case net::api_kind::batch: return handle_batch(rt);
    case net::api_kind::get_partition: return handle_get_partition(rt);
    case net::api_kind::index_query: return handle_index_query(rt);
    case net::api_kind::rollback_partition: return handle_rollback_partition(rt);
    default: return rt.fail(net::http_error::from(errc::internal, "unexpected route"));
  }
}

void dispatch(request_runtime& rt) {
  switch (rt.request().kind) {
    case net::api_kind::create_table:
    case net::api_kind::list_tables:
    case net::api_kind::get_table:
    case net::api_kind::delete_table:
    case net::api_kind::put_hook:
    case net::api_kind::list_hooks:
    case net::api_kind::get_hook:
    case net::api_kind::delete_hook:
    case net::api_kind::put_index:
    case net::api_kind::list_indexes:
    case net::api_kind::get_index:
    case net::api_kind::delete_index:
    case net::api_kind::cluster:
    case net::api_kind::split_table: return handle_admin(rt);
    case net::api_kind::transact: return handle_transact(rt);
    case net::api_kind::drain_node:
    case net::api_kind::undrain_node: return handle_nodes(rt);
    case net::api_kind::create_token:
    case net::api_kind::list_tokens:
    case net::api_kind::revoke_token: return handle_tokens(rt);
    default: return rt.resolve_table([&rt] { dispatch_table_route(rt); });
  }
}

caf::behavior request_actor(caf::stateful_actor<request_state>* self, std::shared_ptr<request_job> job) {
  self->state.rt = std::make_unique<request_runtime>(self, job);
  self->state.rt->on_start();
  if (self->state.rt->background()) {
    auto entry = job->entry;
    entry(*self->state.rt);
  } else {
    dispatch(*self->state.rt);
  }
  return {
      [self](tick_atom, uint64_t timer) { self->state.rt->fire(timer); },
  };
}

}  // namespace

void spawn_request_actor(caf::actor_system& sys, std::shared_ptr<request_job> job) {
  sys.spawn(request_actor, std::move(job));
}

void spawn_background_job(caf::actor_system& sys, std::shared_ptr<router_shared> shared,
                          owner_directory_actor directory, placement_link_actor link,
                          std::function<void(request_runtime&)> entry) {
  auto now = std::chrono::steady_clock::now();
  net::api_request request;
  request.kind = net::api_kind::transact;
  auto job = std::make_shared<request_job>(request_job{
      std::move(request), net::responder::to_function([](net::http_response) {}), now, now,
      std::move(shared), std::move(directory), std::move(link), std::move(entry)});
  sys.spawn(request_actor, std::move(job));
}

}  // namespace ropekv::router
