#include "batch_request.hpp"

#include "ropekv/common/base64.hpp"
#include "json_members.hpp"
#include "ropekv/net/json_body.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::router {
namespace {

net::http_error at(size_t index, net::http_error err) {
  err.message = "ops[" + std::to_string(index) + "]: " + err.message;
  return err;
}

net::http_error bad(std::string message) {
  return net::http_error::from(errc::invalid_argument, std::move(message));
}

// A key given as "name" (JSON string) or "name_base64".
net::http_result<std::string> key_value(const json_member& m, bool base64) {
  if (m.type != json_type::string) return bad(m.name + " must be a string");
  auto text = json_string(m.value);
  if (!text) return bad(m.name + " is not a valid string");
  if (!base64) return std::move(*text);
  auto bytes = base64_decode(*text, base64_alphabet::standard);
  if (!bytes) return bad(m.name + " is not valid base64");
  return std::move(*bytes);
}

net::http_result<std::string> string_value(const json_member& m) {
  auto s = m.type == json_type::string ? json_string(m.value) : std::nullopt;
  if (!s) return bad(m.name + " must be a string");
  return std::move(*s);
}

net::http_result<uint64_t> uint_value(const json_member& m) {
  auto v = m.type == json_type::number ? json_uint64(m.value) : std::nullopt;
  if (!v) return bad(m.name + " must be a non-negative integer");
  return *v;
}

// Fields of one op before cross-checks.
struct raw_op {
  std::optional<std::string> op, hash_key, range_key, item;
  std::optional<std::string> condition, consistency;
  std::optional<uint64_t> if_version, ttl, as_of;
};

net::http_result<void> read_member(const json_member& m, raw_op& r) {
  auto set_once = [&](auto& slot, auto value) -> net::http_result<void> {
    if (slot) return bad(m.name + " given twice (or in both plain and base64 form)");
    slot = std::move(value);
    return {};
  };
  if (m.type == json_type::null) return {};  // null counts as absent, as in table specs
  if (m.name == "op" || m.name == "if" || m.name == "consistency") {
    auto s = string_value(m);
    if (!s) return std::move(s).error();
    auto& slot = m.name == "op" ? r.op : m.name == "if" ? r.condition : r.consistency;
    return set_once(slot, std::move(*s));
  }
  if (m.name == "hash_key" || m.name == "hash_key_base64" || m.name == "range_key" ||
      m.name == "range_key_base64") {
    auto k = key_value(m, m.name.ends_with("_base64"));
    if (!k) return std::move(k).error();
    return set_once(m.name.starts_with("hash") ? r.hash_key : r.range_key, std::move(*k));
  }
  if (m.name == "item") {
    if (m.type != json_type::object) return bad("item must be a JSON object");
    if (m.value.size() > net::max_item_bytes)
      return net::http_error::from(errc::too_large, "item is " + std::to_string(m.value.size()) +
                                                        " bytes; the limit is " +
                                                        std::to_string(net::max_item_bytes));
    return set_once(r.item, m.value);
  }
  if (m.name == "if_version" || m.name == "ttl" || m.name == "as_of") {
    auto v = uint_value(m);
    if (!v) return std::move(v).error();
    auto& slot = m.name == "if_version" ? r.if_version : m.name == "ttl" ? r.ttl : r.as_of;
    return set_once(slot, *v);
  }
  return bad("unknown member '" + net::printable(m.name) + "'");
}

net::http_result<batch_op> to_op(raw_op r, bool has_range_key, bool in_transaction) {
  batch_op op;
  if (!r.op) return bad("op is required");
  if (*r.op == "put") op.kind = batch_op_kind::put;
  else if (*r.op == "get") op.kind = batch_op_kind::get;
  else if (*r.op == "delete") op.kind = batch_op_kind::del;
  else if (*r.op == "check" && in_transaction) op.kind = batch_op_kind::check;
  else return bad(in_transaction ? "an operation is one of put, delete, check or get"
                                 : "op must be put, get or delete");
  const bool put = op.kind == batch_op_kind::put, get = op.kind == batch_op_kind::get;
  if (op.kind == batch_op_kind::check && !r.condition && !r.if_version)
    return bad("check needs if or if_version");
  if (in_transaction && get && (r.consistency || r.as_of))
    return bad("a transaction's get reads at the commit point: consistency and as_of do not apply");

  if (!r.hash_key) return bad("hash_key is required");
  if (auto ok = net::validate_hash_key(*r.hash_key); !ok) return std::move(ok).error();
  if (r.range_key) {
    if (!has_range_key) return bad("table has no range key; range_key does not apply");
    if (auto ok = net::validate_range_key(*r.range_key); !ok) return std::move(ok).error();
  } else if (has_range_key) {
    return bad("table has a range key; range_key is required");
  }
  op.hash_key = std::move(*r.hash_key);
  op.range_key = std::move(r.range_key);

  if (put != r.item.has_value()) return bad(put ? "put needs an item" : "item applies to put only");
  if (r.item) op.item_json = std::move(*r.item);
  if (get && (r.condition || r.if_version)) return bad("if/if_version apply to put and delete only");
  if (!put && r.ttl) return bad("ttl applies to put only");
  if (!get && (r.consistency || r.as_of)) return bad("consistency/as_of apply to get only");
  if (r.condition && r.if_version) return bad("if and if_version are mutually exclusive");
  if (r.condition) {
    if (*r.condition == "absent") op.write.condition = net::write_condition::absent;
    else if (*r.condition == "exists") op.write.condition = net::write_condition::exists;
    else return bad("if must be absent or exists");
  }
  op.write.if_version = r.if_version;
  if (r.ttl && *r.ttl > net::max_ttl_seconds)
    return bad("ttl exceeds " + std::to_string(net::max_ttl_seconds) + " s");
  op.write.ttl_seconds = r.ttl;
  if (r.consistency) {
    if (*r.consistency == "strong") op.consistency = net::read_consistency::strong;
    else if (*r.consistency == "eventual") op.consistency = net::read_consistency::eventual;
    else return bad("consistency must be strong or eventual");
  }
  op.as_of = r.as_of;
  return op;
}

}  // namespace

net::http_result<std::string> check_request_id(std::string_view id) {
  if (id.empty() || id.size() > net::max_request_id_bytes)
    return bad("request_id must hold 1.." + std::to_string(net::max_request_id_bytes) + " characters");
  for (char c : id)
    if (c < 0x20 || c > 0x7e) return bad("request_id must be printable ASCII");
  return std::string(id);
}

net::http_result<batch_op> parse_op(const std::vector<json_member>& members, std::string kind,
                                    bool has_range_key, bool in_transaction) {
  raw_op raw;
  raw.op = std::move(kind);
  for (const auto& m : members) {
    if (m.name == "op") return bad("unknown member 'op'");
    if (auto ok = read_member(m, raw); !ok) return std::move(ok).error();
  }
  return to_op(std::move(raw), has_range_key, in_transaction);
}

net::http_result<std::vector<batch_op>> parse_batch(std::string_view body, bool has_range_key,
                                                    std::optional<std::string>* request_id) {
  auto top = object_members(body);
  if (!top) return std::move(top).error();
  const json_member* ops = nullptr;
  for (const auto& m : *top) {
    if (m.name == "request_id" && request_id != nullptr) {
      auto s = string_value(m);
      if (!s) return std::move(s).error();
      auto id = check_request_id(*s);
      if (!id) return std::move(id).error();
      *request_id = std::move(*id);
      continue;
    }
    if (m.name != "ops") return bad("unknown member '" + net::printable(m.name) + "'");
    if (ops) return bad("ops given twice");
    ops = &m;
  }
  if (!ops || ops->type != json_type::array) return bad("ops must be an array of operations");
  auto elements = array_elements(ops->value);
  if (!elements) return std::move(elements).error();
  if (elements->empty() || elements->size() > max_batch_ops)
    return bad("ops must hold 1.." + std::to_string(max_batch_ops) + " operations");
  std::vector<batch_op> out;
  out.reserve(elements->size());
  for (size_t i = 0; i < elements->size(); ++i) {
    const json_member& e = (*elements)[i];
    if (e.type != json_type::object) return at(i, bad("an operation must be a JSON object"));
    auto members = object_members(e.value);
    if (!members) return at(i, std::move(members).error());
    raw_op raw;
    for (const auto& m : *members)
      if (auto ok = read_member(m, raw); !ok) return at(i, std::move(ok).error());
    auto op = to_op(std::move(raw), has_range_key, false);
    if (!op) return at(i, std::move(op).error());
    out.push_back(std::move(*op));
  }
  return out;
}

}  // namespace ropekv::router
