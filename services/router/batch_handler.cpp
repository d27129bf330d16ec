// POST /v1/tables/{t}/batch: validate every op first (batch_request.hpp),
// then run them all at once, each with its own retries, and answer
//   {"results":[{"status":200,"result":<the single-op body>} |
//               {"status":404,"error":{"code":"not_found","message":"..."}}, ...]}
// in op order once the last one finished.
#include "batch_request.hpp"
#include "handlers.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::router {
namespace {

struct batch_results {
  std::vector<net::http_result<std::string>> results;
  size_t pending = 0;

  std::string body() const {
    net::json_writer w;
    w.begin_object().key("results").begin_array();
    for (const auto& r : results) {
      w.begin_object();
      if (r) {
        w.field("status", 200u).key("result").raw(*r);
      } else {
        w.field("status", r.error().status).key("error").begin_object();
        w.field("code", r.error().code).field("message", r.error().message).end_object();
      }
      w.end_object();
    }
    w.end_array().end_object();
    return w.take();
  }
};

}  // namespace

void handle_batch(request_runtime& rt) {
  const auto* body = std::get_if<net::json_object_text>(&rt.request().body);
  if (!body) return rt.fail(net::http_error::from(errc::invalid_argument, "batch body missing"));
  std::optional<std::string> request_id;
  auto ops = parse_batch(body->json, !rt.table().range_key().empty(), &request_id);
  if (!ops) return rt.fail(ops.error());
  auto results = std::make_shared<batch_results>();
  results->results.assign(ops->size(), net::http_error::from(errc::internal, "not run"));
  results->pending = ops->size();
  for (size_t i = 0; i < ops->size(); ++i) {
    batch_op& op = (*ops)[i];
    auto done = [&rt, results, i](net::http_result<std::string> r) {
      results->results[i] = std::move(r);
      if (--results->pending == 0) rt.reply_json(200, results->body());
    };
    std::string rk = op.range_key.value_or("");
    // A retried batch re-runs every op: each write is de-duplicated under
    // the batch's request_id and its index.
    if (request_id) op.write.request_id = *request_id + "#" + std::to_string(i);
    switch (op.kind) {
      case batch_op_kind::get:
        run_get(rt, rt.table(), std::move(op.hash_key), std::move(rk), op.consistency, op.as_of, done);
        break;
      case batch_op_kind::put:
        run_put(rt, rt.table(), std::move(op.hash_key), std::move(rk), std::move(op.item_json),
                op.write, done);
        break;
      case batch_op_kind::del:
        run_delete(rt, rt.table(), std::move(op.hash_key), std::move(rk), op.write, done);
        break;
      case batch_op_kind::check:  // parse_batch refuses it
        done(net::http_error::from(errc::internal, "check outside a transaction"));
        break;
    }
  }
}

}  // namespace ropekv::router
