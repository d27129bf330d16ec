// Fuzz target: the router's JSON bodies that become items and write
// requests: POST /v1/tables/{t}/batch (services/router batch_request.cpp)
// and POST /v1/transact (transact_request.cpp), over the JSON member
// reader both share (json_members.cpp).
//
// Input: byte 0 picks batch (on a table with or without a range key) or
// transact (against a routing snapshot with both kinds of table); the rest
// is the body.
// Invariants: no exception escapes; failures are typed client errors
// (400/404/413, never 500); accepted batches hold 1..100 ops whose keys fit
// their limits and the table's shape, and whose items are normalized JSON
// objects; accepted transactions hold distinct items, each op's encoded key
// decodes to its table and keys, and its partition matches the key.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "batch_request.hpp"
#include "fuzz_check.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/net/json_body.hpp"
#include "ropekv/rope/rope.hpp"
#include "routing_snapshot.hpp"
#include "transact_request.hpp"

namespace {

using namespace ropekv;

void check_error(const net::http_error& e) {
  ROPEKV_FUZZ_CHECK(fuzz::is_client_error(e.status), "body error is not a client error");
  ROPEKV_FUZZ_CHECK(!e.code.empty() && !e.message.empty(), "error without code or message");
}

void check_keys(const std::string& hk, const std::optional<std::string>& rk, bool has_rk) {
  ROPEKV_FUZZ_CHECK(!hk.empty() && hk.size() <= keys::max_hash_key_bytes, "hash key size");
  ROPEKV_FUZZ_CHECK(rk.has_value() == has_rk, "range key presence differs from the table shape");
  ROPEKV_FUZZ_CHECK(!rk || rk->size() <= keys::max_range_key_bytes, "range key size");
}

void batch(std::string_view body, bool has_rk) {
  std::optional<std::string> request_id;
  auto ops = router::parse_batch(body, has_rk, &request_id);
  if (!ops) return check_error(ops.error());
  ROPEKV_FUZZ_CHECK(!ops->empty() && ops->size() <= router::max_batch_ops, "batch op count");
  ROPEKV_FUZZ_CHECK(!request_id || router::check_request_id(*request_id).ok(), "request_id rule");
  for (const auto& op : *ops) {
    ROPEKV_FUZZ_CHECK(op.kind != router::batch_op_kind::check, "check op in a batch");
    check_keys(op.hash_key, op.range_key, has_rk);
    if (op.kind == router::batch_op_kind::put) {
      auto item = net::normalize_json_object(op.item_json);
      ROPEKV_FUZZ_CHECK(item.ok() && item->json == op.item_json, "put item is not a normalized object");
    }
  }
}

const router::routing_snapshot& snapshot() {
  static const router::routing_snapshot snap = [] {
    router::routing_snapshot s;
    // One segment over the whole rope: the router is ready (a router
    // without a rope answers 503 before looking at the body).
    rope::segment everything;
    everything.id = segment_id{1};
    everything.epoch = 1;
    s.rope = rope::rope::initial(everything);
    pb::TableSchema plain;
    plain.set_id(1);
    plain.set_name("plain");
    plain.set_hash_key("id");
    plain.set_replication(3);
    pb::TableSchema ranged = plain;
    ranged.set_id(2);
    ranged.set_name("ranged");
    ranged.set_range_key("at");
    for (const auto& t : {plain, ranged}) {
      s.tables_by_name.emplace(t.name(), t);
      s.tables_by_id.emplace(t.id(), t);
    }
    return s;
  }();
  return snap;
}

void transact(std::string_view body) {
  router::txn_limits limits;
  limits.max_ops = 16;
  limits.max_bytes = 64 * 1024;
  auto req = router::parse_transact(body, snapshot(), limits, 1'700'000'000'000);
  if (!req) return check_error(req.error());
  ROPEKV_FUZZ_CHECK(!req->ops.empty() && req->ops.size() <= limits.max_ops, "txn op count");
  ROPEKV_FUZZ_CHECK(req->fingerprint != 0, "fingerprint 0");
  std::set<std::string> seen;
  for (const auto& op : req->ops) {
    ROPEKV_FUZZ_CHECK(seen.insert(op.key).second, "two ops on one item");
    const pb::TableSchema* table = snapshot().table(op.table_name);
    ROPEKV_FUZZ_CHECK(table != nullptr, "op on an unknown table");
    auto key = keys::decode(op.key);
    ROPEKV_FUZZ_CHECK(key.ok() && key->table == table->id(), "op key does not decode to its table");
    ROPEKV_FUZZ_CHECK(key->partition == keys::partition_of(key->hash_key), "op key partition");
    ROPEKV_FUZZ_CHECK(op.tp == ((uint64_t{table->id()} << 16) | key->partition), "op table-partition");
    std::optional<std::string> rk;
    if (op.table_has_range_key) rk = key->range_key;
    else ROPEKV_FUZZ_CHECK(key->range_key.empty(), "range key on a table without one");
    check_keys(key->hash_key, rk, !table->range_key().empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: batch(body, false); break;
    case 1: batch(body, true); break;
    case 2: transact(body); break;
  }
  return 0;
}
