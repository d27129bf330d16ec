// POST /v1/nodes/{id}/drain and DELETE /v1/nodes/{id}/drain: start or
// cancel a node's drain, through placement (which persists the flag and has
// repair move the node's replicas away). The answer is the node's load as
// placement counts it right after the change; progress shows in
// GET /v1/cluster (node_loads, moves with kind "drain").
#include "handlers.hpp"
#include "responses.hpp"

namespace ropekv::router {

void handle_nodes(request_runtime& rt) {
  const auto& req = rt.request();
  if (req.kind != net::api_kind::drain_node && req.kind != net::api_kind::undrain_node)
    return rt.fail(net::http_error::from(errc::internal, "not a node route"));
  pb::DrainNodeRequest drain;
  drain.set_node_id(req.node_id);
  drain.set_draining(req.kind == net::api_kind::drain_node);
  rt.self()
      ->request(rt.link(), rt.bounded(rt.options().admin_timeout), std::move(drain))
      .then(
          [&rt](pb::DrainNodeReply& reply) {
            if (rt.expire_if_due()) return;
            if (reply.status().error_code() != 0) return rt.fail(error_of(reply.status()));
            net::json_writer w;
            w.begin_object().key("node");
            write_node_load(w, reply.node());
            w.end_object();
            rt.reply_json(200, w.take());
          },
          [&rt](caf::error& err) {
            if (rt.expire_if_due()) return;
            rt.fail(net::http_error::from(errc::unavailable, "placement did not answer: " + caf::to_string(err)));
          });
}

}  // namespace ropekv::router
