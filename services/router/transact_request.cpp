#include "transact_request.hpp"

#include <xxhash.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "batch_request.hpp"
#include "json_members.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::router {
namespace {

net::http_error bad(std::string message) {
  return net::http_error::from(errc::invalid_argument, std::move(message));
}

net::http_error at(size_t index, net::http_error err) {
  err.message = "ops[" + std::to_string(index) + "]: " + err.message;
  return err;
}

// {"<kind>": {"table": …, fields…}} -> the kind, the table name and the other fields.
struct op_parts {
  std::string kind;
  std::string table;
  std::vector<json_member> fields;
};

net::http_result<op_parts> split_op(const json_member& element) {
  if (element.type != json_type::object) return bad("an operation must be a JSON object");
  auto outer = object_members(element.value);
  if (!outer) return std::move(outer).error();
  if (outer->size() != 1 || (*outer)[0].type != json_type::object)
    return bad("an operation is one object member: put, delete, check or get");
  op_parts parts;
  parts.kind = (*outer)[0].name;
  auto inner = object_members((*outer)[0].value);
  if (!inner) return std::move(inner).error();
  bool have_table = false;
  for (auto& m : *inner) {
    if (m.name != "table") {
      parts.fields.push_back(std::move(m));
      continue;
    }
    auto name = m.type == json_type::string ? json_string(m.value) : std::nullopt;
    if (!name || name->empty()) return bad("table must be a table name");
    if (have_table) return bad("table given twice");
    parts.table = std::move(*name);
    have_table = true;
  }
  if (!have_table) return bad("table is required");
  return parts;
}

pb::TxnOp to_txn_op(const pb::TableSchema& table, batch_op& op, int64_t now_ms,
                    net::http_result<void>& error) {
  pb::TxnOp out;
  std::string rk = op.range_key.value_or("");
  switch (op.kind) {
    case batch_op_kind::put: {
      auto m = build_put(table, op.hash_key, rk, std::move(op.item_json), op.write, now_ms);
      if (!m) {
        error = std::move(m).error();
        break;
      }
      *out.mutable_put() = std::move(*m->mutable_put());
      break;
    }
    case batch_op_kind::del:
      *out.mutable_delete_() = std::move(*build_delete(table, op.hash_key, rk, op.write).mutable_delete_());
      break;
    case batch_op_kind::check: {
      auto* c = out.mutable_check();
      c->set_table_id(table.id());
      c->set_hash_key(op.hash_key);
      c->set_range_key(rk);
      auto [cond, expected] = condition_of(op.write);
      c->set_condition(cond);
      c->set_expected_version(expected);
      break;
    }
    case batch_op_kind::get: {
      auto* g = out.mutable_get();
      g->set_table_id(table.id());
      g->set_hash_key(op.hash_key);
      g->set_range_key(rk);
      break;
    }
  }
  return out;
}

}  // namespace

net::http_result<txn_request> parse_transact(std::string_view body, const routing_snapshot& snap,
                                             const txn_limits& limits, int64_t now_ms) {
  if (body.size() > limits.max_bytes)
    return net::http_error::from(errc::too_large, "transaction body is " + std::to_string(body.size()) +
                                                      " bytes; the limit is " +
                                                      std::to_string(limits.max_bytes));
  auto top = object_members(body);
  if (!top) return std::move(top).error();
  txn_request req;
  const json_member* ops = nullptr;
  for (const auto& m : *top) {
    if (m.name == "request_id") {
      auto s = m.type == json_type::string ? json_string(m.value) : std::nullopt;
      if (!s) return bad("request_id must be a string");
      auto id = check_request_id(*s);
      if (!id) return std::move(id).error();
      req.request_id = std::move(*id);
    } else if (m.name == "ops") {
      if (ops) return bad("ops given twice");
      ops = &m;
    } else {
      return bad("unknown member '" + net::printable(m.name) + "'");
    }
  }
  if (!ops || ops->type != json_type::array) return bad("ops must be an array of operations");
  auto elements = array_elements(ops->value);
  if (!elements) return std::move(elements).error();
  if (elements->empty() || elements->size() > limits.max_ops)
    return bad("ops must hold 1.." + std::to_string(limits.max_ops) + " operations");
  std::set<std::string> keys;
  for (size_t i = 0; i < elements->size(); ++i) {
    auto parts = split_op((*elements)[i]);
    if (!parts) return at(i, std::move(parts).error());
    auto table = find_table(snap, parts->table);
    if (!table) return at(i, std::move(table).error());
    bool has_rk = !(*table)->range_key().empty();
    auto op = parse_op(parts->fields, parts->kind, has_rk, true);
    if (!op) return at(i, std::move(op).error());
    txn_op t;
    t.kind = parts->kind;
    t.table_name = parts->table;
    t.table_has_range_key = has_rk;
    t.key = item_key((*table)->id(), op->hash_key, op->range_key.value_or(""));
    t.tp = (uint64_t{(*table)->id()} << 16) | keys::partition_of(op->hash_key);
    if (!keys.insert(t.key).second)
      return at(i, bad("two operations on one item (table " + parts->table + "): a transaction "
                       "touches each item once"));
    net::http_result<void> built;
    t.op = to_txn_op(**table, *op, now_ms, built);
    if (!built) return at(i, std::move(built).error());
    t.op.set_index(static_cast<uint32_t>(i));
    req.ops.push_back(std::move(t));
  }
  std::string canonical;
  for (const auto& op : req.ops) {
    pb::TxnOp c = op.op;
    if (c.has_put()) c.mutable_put()->mutable_item()->clear_expires_at_ms();
    c.AppendToString(&canonical);
  }
  // Never 0: the store reads 0 as "not known".
  req.fingerprint = std::max<uint64_t>(1, XXH64(canonical.data(), canonical.size(), 0));
  return req;
}

net::http_result<std::vector<txn_participant>> plan_transaction(const txn_request& req,
                                                                const routing_snapshot& snap) {
  std::vector<txn_participant> out;
  std::map<uint64_t, size_t> by_segment;
  for (size_t i = 0; i < req.ops.size(); ++i) {
    auto t = target_for_key(snap, req.ops[i].key);
    if (!t) return std::move(t).error();
    auto [it, fresh] = by_segment.emplace(t->segment.value, out.size());
    if (fresh) out.push_back(txn_participant{std::move(*t), {}, i == 0});
    out[it->second].ops.push_back(i);
  }
  return out;
}

std::vector<pb::TxnOpResult> committed_results(const std::vector<pb::TxnOpResult>& prepared,
                                               uint64_t commit_version) {
  std::vector<pb::TxnOpResult> out = prepared;
  for (auto& r : out)
    if (r.writes()) r.set_version(commit_version + r.version_offset());
  return out;
}

}  // namespace ropekv::router
