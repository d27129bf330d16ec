#include "ropekv/net/query_params.hpp"

#include <string>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::net {
namespace {

enum param : uint32_t {
  p_ttl = 1u << 0,
  p_if = 1u << 1,
  p_if_version = 1u << 2,
  p_consistency = 1u << 3,
  p_as_of = 1u << 4,
  p_from = 1u << 5,
  p_to = 1u << 6,
  p_limit = 1u << 7,
  p_reverse = 1u << 8,
  p_cursor = 1u << 9,
  p_index = 1u << 10,
  p_eq = 1u << 11,
  p_after = 1u << 12,
  p_request_id = 1u << 13,
};

struct param_name {
  std::string_view name;
  param bit;
};

constexpr param_name param_names[] = {
    {"ttl", p_ttl},         {"if", p_if},           {"if_version", p_if_version},
    {"consistency", p_consistency}, {"as_of", p_as_of}, {"from", p_from},
    {"to", p_to},           {"limit", p_limit},     {"reverse", p_reverse},
    {"cursor", p_cursor},   {"index", p_index},     {"eq", p_eq},
    {"after", p_after},     {"request_id", p_request_id},
};

constexpr uint32_t query_set =
    p_consistency | p_as_of | p_from | p_to | p_limit | p_reverse | p_cursor | p_index;

uint32_t allowed_params(api_kind kind, bool has_range_key) {
  switch (kind) {
    case api_kind::put_item: return p_ttl | p_if | p_if_version | p_request_id;
    case api_kind::delete_item: return p_if | p_if_version | p_request_id;
    case api_kind::get_item: return has_range_key ? (p_consistency | p_as_of) : query_set;
    case api_kind::query_items: return query_set;
    case api_kind::scan: return p_consistency | p_as_of | p_limit | p_cursor;
    case api_kind::index_query:
      return p_eq | p_from | p_to | p_limit | p_reverse | p_cursor | p_after;
    default: return 0;
  }
}

std::string allowed_list(uint32_t allowed) {
  std::string out;
  for (const auto& p : param_names) {
    if (!(allowed & p.bit)) continue;
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out.empty() ? "none" : out;
}

http_error bad(std::string message) {
  return http_error::from(errc::invalid_argument, std::move(message));
}

// Applies one already-admitted parameter to `out`.
http_result<void> apply(param bit, const std::string& value, api_params& out) {
  switch (bit) {
    case p_ttl: {
      auto v = parse_uint64("ttl", value);
      if (!v) return std::move(v).error();
      if (*v > max_ttl_seconds) return bad("ttl exceeds " + std::to_string(max_ttl_seconds) + " s");
      out.ttl_seconds = *v;
      return {};
    }
    case p_if:
      if (value == "absent") out.condition = write_condition::absent;
      else if (value == "exists") out.condition = write_condition::exists;
      else return bad("if must be absent or exists");
      return {};
    case p_if_version: {
      auto v = parse_uint64("if_version", value);
      if (!v) return std::move(v).error();
      out.if_version = *v;
      return {};
    }
    case p_consistency:
      if (value == "strong") out.consistency = read_consistency::strong;
      else if (value == "eventual") out.consistency = read_consistency::eventual;
      else return bad("consistency must be strong or eventual");
      return {};
    case p_as_of: {
      auto v = parse_uint64("as_of", value);
      if (!v) return std::move(v).error();
      out.as_of = *v;
      return {};
    }
    case p_after: {
      // Comma-separated write tokens (base64url has no commas), also repeatable.
      size_t start = 0;
      for (;;) {
        size_t comma = value.find(',', start);
        auto token = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (token.empty()) return bad("after takes write tokens separated by commas");
        out.after.emplace_back(token);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (out.after.size() > max_after_tokens)
        return bad("after takes at most " + std::to_string(max_after_tokens) + " write tokens");
      return {};
    }
    case p_request_id:
      if (value.empty() || value.size() > max_request_id_bytes)
        return bad("request_id must hold 1.." + std::to_string(max_request_id_bytes) + " characters");
      for (char c : value)
        if (c < 0x20 || c > 0x7e) return bad("request_id must be printable ASCII");
      out.request_id = value;
      return {};
    case p_from: out.from = value; return {};
    case p_to: out.to = value; return {};
    case p_eq: out.eq = value; return {};
    case p_limit: {
      auto v = parse_uint64("limit", value);
      if (!v || *v < 1 || *v > max_limit) return bad("limit must be an integer in 1..1000");
      out.limit = static_cast<uint32_t>(*v);
      return {};
    }
    case p_reverse:
      if (value.empty() || value == "true" || value == "1") out.reverse = true;
      else if (value == "false" || value == "0") out.reverse = false;
      else return bad("reverse must be true or false");
      return {};
    case p_cursor:
      if (!value.empty()) out.cursor = value;
      return {};
    case p_index:
      if (value != "local") return bad("index must be local");
      out.local_index = true;
      return {};
  }
  return bad("unhandled parameter");
}

http_result<void> check_combinations(api_kind kind, const api_params& p) {
  if (p.condition != write_condition::none && p.if_version)
    return bad("if and if_version are mutually exclusive");
  if (p.eq && (p.from || p.to)) return bad("eq and from/to are mutually exclusive");
  // Index bounds (global, and local with index=local) are compared once
  // encoded for the index's type (9 < 10), by the router.
  if (kind != api_kind::index_query && !p.local_index && p.from && p.to && *p.from > *p.to)
    return bad("from must not be greater than to");
  bool item_range = kind != api_kind::index_query && !p.local_index;
  if (item_range) {
    for (const auto* bound : {&p.from, &p.to})
      if (*bound && (*bound)->size() > keys::max_range_key_bytes)
        return http_error::from(errc::too_large, "from/to longer than a range key (" +
                                                     std::to_string(keys::max_range_key_bytes) +
                                                     " bytes)");
  }
  return {};
}

}  // namespace

http_result<api_params> parse_params(api_kind kind, bool has_range_key,
                                     const query_pairs& pairs) {
  const uint32_t allowed = allowed_params(kind, has_range_key);
  uint32_t seen = 0;
  api_params out;
  for (const auto& [name, value] : pairs) {
    const param_name* match = nullptr;
    for (const auto& p : param_names)
      if (p.name == name) match = &p;
    if (!match || !(allowed & match->bit))
      return bad("unknown parameter '" + printable(name) + "' for " + std::string(to_string(kind)) +
                 "; accepted: " + allowed_list(allowed));
    if ((seen & match->bit) && match->bit != p_after)
      return bad("parameter '" + printable(name) + "' given twice");
    seen |= match->bit;
    if (auto applied = apply(match->bit, value, out); !applied) return std::move(applied).error();
  }
  if (auto combined = check_combinations(kind, out); !combined) return std::move(combined).error();
  return out;
}

bool has_range_query_params(const api_params& p) noexcept {
  return p.from || p.to || p.cursor || p.local_index || p.reverse || p.limit != default_limit;
}

}  // namespace ropekv::net
