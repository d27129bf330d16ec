// POST /v1/transact: parse (transact_request.hpp), run (txn_coordinator.hpp),
// answer
//   200 {"version":V, "deduplicated":false,
//        "ops":[{"op":"put","table":"t","version":V}, {"op":"get","table":"t","item":{…}|null},
//               {"op":"check","table":"t","version":v}, {"op":"delete","table":"t","version":V}]}
//   409 {"error":{"code":"transaction_canceled","message":"…",
//        "reasons":[{"index":0,"code":"none"},
//                   {"index":1,"code":"condition_failed","message":"…","version":v}]}}
// (a reason's version is the item's current one, absent when there is none).
#include "handlers.hpp"
#include "item_json.hpp"
#include "ropekv/net/json_writer.hpp"
#include "transact_request.hpp"
#include "txn_coordinator.hpp"

namespace ropekv::router {
namespace {

struct op_shape {
  std::string kind;
  std::string table;
  bool has_range_key = false;
};

std::string committed_body(const txn_outcome& o, const std::vector<op_shape>& shapes) {
  net::json_writer w;
  w.begin_object().field("version", o.version).field("deduplicated", o.deduplicated);
  w.key("ops").begin_array();
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto& s = shapes[i];
    w.begin_object().field("op", s.kind).field("table", s.table);
    if (i < o.results.size()) {
      const auto& r = o.results[i];
      if (s.kind == "get") {
        w.key("item");
        if (r.found()) write_item(w, r.item(), s.has_range_key);
        else w.null();
      } else if (r.version() != 0) {
        w.field("version", r.version());
      }
    }
    w.end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string canceled_body(const txn_outcome& o) {
  net::json_writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", "transaction_canceled")
      .field("message", "transaction canceled: a condition did not hold; nothing was written");
  w.key("reasons").begin_array();
  for (const auto& r : o.results) {
    w.begin_object().field("index", r.index());
    if (r.error_code() == 0) {
      w.field("code", "none");
    } else {
      w.field("code", to_string(static_cast<errc>(r.error_code()))).field("message", r.error_message());
      if (r.version() != 0) w.field("version", r.version());
    }
    w.end_object();
  }
  w.end_array().end_object().end_object();
  return w.take();
}

void run_parsed(request_runtime& rt, txn_request req) {
  std::vector<op_shape> shapes;
  shapes.reserve(req.ops.size());
  for (const auto& op : req.ops) shapes.push_back(op_shape{op.kind, op.table_name, op.table_has_range_key});
  run_transaction(rt, std::move(req), [&rt, shapes = std::move(shapes)](txn_outcome o) {
    switch (o.what) {
      case txn_outcome::kind::committed: return rt.reply_json(200, committed_body(o, shapes));
      case txn_outcome::kind::canceled: return rt.reply_json(409, canceled_body(o));
      case txn_outcome::kind::failed: return rt.fail(o.error);
    }
  });
}

void parse_and_run(request_runtime& rt, bool refreshed) {
  const auto* body = std::get_if<net::json_object_text>(&rt.request().body);
  if (!body) return rt.fail(net::http_error::from(errc::invalid_argument, "transaction body missing"));
  auto snap = rt.snapshot();
  txn_limits limits{rt.options().max_txn_ops, rt.options().max_txn_bytes};
  auto req = parse_transact(body->json, *snap, limits, request_runtime::now_ms());
  if (!req) {
    auto err = std::move(req).error();
    bool unknown = err.code == to_string(errc::not_found) || err.code == to_string(errc::unavailable);
    // Another router may have just created the table: look once more.
    if (unknown && !refreshed)
      return rt.refresh(snap->version(), [&rt] { parse_and_run(rt, true); });
    if (err.code == to_string(errc::not_found)) err = net::http_error::from(errc::invalid_argument, err.message);
    return rt.fail(err);
  }
  run_parsed(rt, std::move(*req));
}

}  // namespace

void handle_transact(request_runtime& rt) { parse_and_run(rt, false); }

}  // namespace ropekv::router
