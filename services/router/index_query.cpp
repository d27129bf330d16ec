// GET /v1/tables/{t}/indexes/{name}/items: a query of a global secondary
// index, answered by one of the indexers holding it (docs/indexes.md).
//
// The router encodes the bounds for the index's type (so a number index
// refuses eq=abc with 400 index_type_mismatch and compares 9 < 10), checks
// the write tokens of after=, and asks an active replica, the next one on
// a failure. A replica waits for after= itself, bounded by index_wait; if
// every replica is still backfilling the answer is 503 index_not_ready.
#include <caf/all.hpp>

#include "handlers.hpp"
#include "index_responses.hpp"
#include "responses.hpp"
#include "ropekv/common/base64.hpp"
#include "ropekv/feed/write_token.hpp"
#include "ropekv/index/index_key.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::router {
namespace {

net::http_error typed(unsigned status, const char* code, std::string message) {
  return net::http_error{status, code, std::move(message), {}};
}

// "code: text" -> "text": the code travels as error.code already.
std::string without_code(const std::string& message) {
  auto colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

struct index_call {
  pb::IndexQueryRequest query;
  std::vector<uint64_t> replicas;  // active indexers, in the order to try
  size_t next = 0;
  std::string last_failure;
  bool has_range_key = false;
};

net::http_result<pb::IndexQueryRequest> build_query(const net::api_request& req, const pb::IndexDescriptor& ix,
                                                    uint32_t table_id) {
  const auto& p = req.params;
  pb::IndexQueryRequest q;
  q.set_index_id(ix.id());
  auto encode = [&](const std::optional<std::string>& text, auto set) -> net::http_result<void> {
    if (!text) return {};
    auto key = index::query_key(ix.spec().type(), *text);
    if (!key) {
      if (key.error().code == errc::too_large) return net::http_error::from(key.error());
      return typed(400, "index_type_mismatch", without_code(key.error().message));
    }
    set(std::move(*key));
    return {};
  };
  if (auto r = encode(p.eq, [&](std::string k) { q.set_eq(std::move(k)); q.set_has_eq(true); }); !r) return std::move(r).error();
  if (auto r = encode(p.from, [&](std::string k) { q.set_from(std::move(k)); q.set_has_from(true); }); !r) return std::move(r).error();
  if (auto r = encode(p.to, [&](std::string k) { q.set_to(std::move(k)); q.set_has_to(true); }); !r) return std::move(r).error();
  if (q.has_from() && q.has_to() && q.from() > q.to())
    return net::http_error::from(errc::invalid_argument, "from must not be greater than to");
  q.set_limit(p.limit);
  q.set_reverse(p.reverse);
  if (p.cursor) {
    auto bytes = base64_decode(*p.cursor, base64_alphabet::url);
    if (!bytes || bytes->empty()) return typed(400, "bad_cursor", "cursor is not one this index issued");
    q.set_cursor(std::move(*bytes));
  }
  for (const auto& text : p.after) {
    auto token = feed::parse_write_token(text);
    if (!token) return typed(400, "bad_token", without_code(token.error().message));
    if (token->table_id() != table_id)
      return typed(400, "bad_token", "after= names a write of another table");
    *q.add_after() = std::move(*token);
  }
  q.set_now_ms(request_runtime::now_ms());
  return q;
}

void try_next(request_runtime& rt, std::shared_ptr<index_call> call);

void on_answer(request_runtime& rt, std::shared_ptr<index_call> call, pb::IndexQueryReply& reply) {
  rt.note_answer();
  const auto& st = reply.status();
  if (st.error_code() == 0) {
    std::string cursor;
    if (!reply.next_cursor().empty()) cursor = base64_encode(reply.next_cursor(), base64_alphabet::url);
    return rt.reply_json(200, index_page_body(reply, call->has_range_key, cursor));
  }
  auto code = static_cast<errc>(st.error_code());
  if (code == errc::unavailable && st.message().rfind("index_behind", 0) == 0)
    return rt.fail(typed(503, "index_behind", without_code(st.message())));
  if (code == errc::invalid_argument && st.message().rfind("bad_cursor", 0) == 0)
    return rt.fail(typed(400, "bad_cursor", without_code(st.message())));
  if (code == errc::invalid_argument) return rt.fail(error_of(st));
  // not_found (the indexer dropped it or has not got it yet), unavailable
  // (not active there any more): another replica may do.
  call->last_failure = st.message();
  try_next(rt, std::move(call));
}

void try_next(request_runtime& rt, std::shared_ptr<index_call> call) {
  if (call->next >= call->replicas.size()) {
    return rt.fail(net::http_error::from(errc::unavailable,
                                         "no indexer holding the index answered: " + call->last_failure));
  }
  uint64_t indexer = call->replicas[call->next++];
  std::string address = rt.snapshot()->indexer_address(indexer);
  if (address.empty()) {
    call->last_failure = "indexer " + std::to_string(indexer) + " is not live";
    return try_next(rt, std::move(call));
  }
  rt.resolve_address(
      address,
      [&rt, call](caf::strong_actor_ptr handle) {
        auto wait = call->query.after_size() > 0 ? rt.options().index_wait : std::chrono::milliseconds(0);
        call->query.set_wait_ms(static_cast<uint32_t>(rt.bounded(wait).count()));
        if (call->query.after_size() == 0) call->query.set_wait_ms(0);
        auto timeout = rt.bounded(rt.options().segment_timeout + wait);
        rt.note_sending();
        rt.self()
            ->request(caf::actor_cast<net::indexer_actor>(handle), timeout, call->query)
            .then(
                [&rt, call](pb::IndexQueryReply& reply) {
                  if (!rt.expire_if_due()) on_answer(rt, call, reply);
                },
                [&rt, call](caf::error& err) {
                  if (rt.expire_if_due()) return;
                  call->last_failure = caf::to_string(err);
                  try_next(rt, call);
                });
      },
      [&rt, call](std::string why) {
        call->last_failure = std::move(why);
        try_next(rt, call);
      });
}

void query_index(request_runtime& rt, bool refreshed) {
  const auto& req = rt.request();
  auto snap = rt.snapshot();
  const auto* ix = snap->index(rt.table().id(), req.name);
  if (!ix) {
    // Created a moment ago through another router: one newer rope settles it.
    if (!refreshed) return rt.refresh(snap->version(), [&rt] { query_index(rt, true); });
    return rt.fail(net::http_error::from(errc::not_found, "no index " + req.name + " on table " + req.table));
  }
  auto query = build_query(req, *ix, rt.table().id());
  if (!query) return rt.fail(query.error());
  auto call = std::make_shared<index_call>();
  call->query = std::move(*query);
  call->has_range_key = !rt.table().range_key().empty();
  for (const auto& r : ix->replicas())
    if (r.phase() == pb::INDEX_ACTIVE) call->replicas.push_back(r.indexer_id());
  if (call->replicas.empty()) {
    const auto* rep = representative(*ix);
    std::string progress = rep ? " (" + std::to_string(rep->items_done()) + " of ~" +
                                     std::to_string(rep->items_estimated()) + " items)"
                               : " (no indexer is alive)";
    return rt.fail(typed(503, "index_not_ready", "index " + req.name + " is still being built" + progress));
  }
  std::rotate(call->replicas.begin(),
              call->replicas.begin() + static_cast<std::ptrdiff_t>(rt.spread() % call->replicas.size()),
              call->replicas.end());
  try_next(rt, std::move(call));
}

}  // namespace

void handle_index_query(request_runtime& rt) { query_index(rt, false); }

}  // namespace ropekv::router
