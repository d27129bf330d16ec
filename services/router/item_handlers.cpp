#include <random>

#include "handlers.hpp"
#include "item_json.hpp"
#include "responses.hpp"
#include "segment_call.hpp"

namespace ropekv::router {
namespace {

pb::Consistency to_pb(net::read_consistency c) {
  return c == net::read_consistency::eventual ? pb::EVENTUAL : pb::STRONG;
}

uint64_t request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

void run_write(request_runtime& rt, pb::Mutation m, const std::string& key,
               const std::optional<std::string>& client_request_id,
               std::function<void(net::http_result<pb::WriteReply>)> done) {
  m.set_request_id(request_id());
  // Every write carries a de-duplication key, so whatever happened to an
  // attempt (timeout, leader lost mid-request) a retry is safe: the store
  // answers an applied one with its first outcome (docs/transactions.md).
  m.set_request_key(request_key_of(client_request_id));
  op_class op = op_class_of(m);
  call_segment<pb::WriteRequest, pb::WriteReply>(
      rt, {.op = op,
           .eventual = false,
           .plan = [key](const routing_snapshot& s) { return target_for_key(s, key); },
           .target = {},
           .build =
               [m = std::move(m)](const segment_target& t) {
                 pb::WriteRequest req;
                 *req.mutable_routing() = t.routing();
                 *req.mutable_mutation() = m;
                 return req;
               },
           .done = std::move(done)});
}

void answer(request_runtime& rt, net::http_result<std::string> r) {
  if (!r) return rt.fail(r.error());
  rt.reply_json(200, std::move(*r));
}

}  // namespace

void run_get(request_runtime& rt, const pb::TableSchema& table, std::string hash_key,
             std::string range_key, net::read_consistency consistency, std::optional<uint64_t> as_of,
             item_done done) {
  std::string key = item_key(table.id(), hash_key, range_key);
  pb::GetRequest base;
  base.set_table_id(table.id());
  base.set_hash_key(std::move(hash_key));
  base.set_range_key(std::move(range_key));
  base.set_consistency(to_pb(consistency));
  base.set_as_of(as_of.value_or(0));
  bool has_rk = !table.range_key().empty();
  call_segment<pb::GetRequest, pb::GetReply>(
      rt, {.op = op_class::read,
           .eventual = consistency == net::read_consistency::eventual,
           .plan = [key](const routing_snapshot& s) { return target_for_key(s, key); },
           .target = {},
           .build =
               [base = std::move(base)](const segment_target& t) {
                 pb::GetRequest req = base;
                 *req.mutable_routing() = t.routing();
                 return req;
               },
           .done =
               [done = std::move(done), has_rk](net::http_result<pb::GetReply> r) {
                 if (!r) return done(std::move(r).error());
                 if (r->status().error_code() != 0) return done(error_of(r->status()));
                 net::json_writer w;
                 write_item(w, r->item(), has_rk);
                 done(w.take());
               }});
}

void run_put(request_runtime& rt, const pb::TableSchema& table, std::string hash_key,
             std::string range_key, std::string item_json, const write_params& params,
             item_done done) {
  std::string key = item_key(table.id(), hash_key, range_key);
  auto m = build_put(table, std::move(hash_key), std::move(range_key), std::move(item_json), params,
                     request_runtime::now_ms());
  if (!m) return done(std::move(m).error());
  run_write(rt, std::move(*m), key, params.request_id,
            [done = std::move(done), table = table.id(), key](net::http_result<pb::WriteReply> r) {
              if (!r) return done(std::move(r).error());
              if (r->status().error_code() != 0) return done(error_of(r->status()));
              if (r->result().error_code() != 0) return done(error_of(r->result()));
              done(put_body(r->result(), table, key));
            });
}

void run_delete(request_runtime& rt, const pb::TableSchema& table, std::string hash_key,
                std::string range_key, const write_params& params, item_done done) {
  std::string key = item_key(table.id(), hash_key, range_key);
  auto m = build_delete(table, std::move(hash_key), std::move(range_key), params);
  run_write(rt, std::move(m), key, params.request_id,
            [done = std::move(done), table = table.id(), key](net::http_result<pb::WriteReply> r) {
              if (!r) return done(std::move(r).error());
              if (r->status().error_code() != 0) return done(error_of(r->status()));
              if (r->result().error_code() != 0) return done(error_of(r->result()));
              // The store deletes nothing when no live item exists: say so.
              if (!r->result().had_previous())
                return done(net::http_error::from(errc::not_found, "no such item"));
              done(delete_body(r->result(), table, key));
            });
}

void handle_get_item(request_runtime& rt) {
  const auto& req = rt.request();
  run_get(rt, rt.table(), req.hash_key, req.range_key.value_or(""), req.params.consistency,
          req.params.as_of, [&rt](net::http_result<std::string> r) { answer(rt, std::move(r)); });
}

void handle_put_item(request_runtime& rt) {
  const auto& req = rt.request();
  const auto* body = std::get_if<net::json_object_text>(&req.body);
  if (!body) return rt.fail(net::http_error::from(errc::invalid_argument, "item body missing"));
  run_put(rt, rt.table(), req.hash_key, req.range_key.value_or(""), body->json,
          params_of(req.params), [&rt](net::http_result<std::string> r) { answer(rt, std::move(r)); });
}

void handle_delete_item(request_runtime& rt) {
  const auto& req = rt.request();
  run_delete(rt, rt.table(), req.hash_key, req.range_key.value_or(""), params_of(req.params),
             [&rt](net::http_result<std::string> r) { answer(rt, std::move(r)); });
}

}  // namespace ropekv::router
