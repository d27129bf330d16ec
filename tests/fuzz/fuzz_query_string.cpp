// Fuzz target: query-string parsing and per-kind parameter validation
// (libs/net percent_decode.cpp parse_query, query_params.cpp parse_params).
//
// Input: byte 0 picks the request kind and whether the path had a {rk};
// the rest is the query string (after '?').
// Invariants: no exception escapes; failures are 400 invalid_argument or
// 413 too_large; a parsed query re-encoded (percent_encode of each name
// and value, joined by '&') parses back to the same pairs, and then to the
// same typed parameters; typed parameters respect query_params.hpp's rules.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/net/percent_decode.hpp"
#include "ropekv/net/query_params.hpp"

namespace {

using namespace ropekv;
using net::api_kind;

constexpr api_kind kinds[] = {api_kind::put_item,    api_kind::delete_item, api_kind::get_item,
                              api_kind::query_items, api_kind::scan,        api_kind::index_query,
                              api_kind::get_table};

bool same_params(const net::api_params& a, const net::api_params& b) {
  return a.ttl_seconds == b.ttl_seconds && a.condition == b.condition &&
         a.if_version == b.if_version && a.consistency == b.consistency && a.as_of == b.as_of &&
         a.from == b.from && a.to == b.to && a.limit == b.limit && a.reverse == b.reverse &&
         a.cursor == b.cursor && a.local_index == b.local_index && a.eq == b.eq &&
         a.after == b.after && a.request_id == b.request_id;
}

void check_params(api_kind kind, const net::api_params& p) {
  ROPEKV_FUZZ_CHECK(p.limit >= 1 && p.limit <= net::max_limit, "limit range");
  ROPEKV_FUZZ_CHECK(p.after.size() <= net::max_after_tokens, "after token count");
  for (const auto& t : p.after) ROPEKV_FUZZ_CHECK(!t.empty(), "empty write token accepted");
  ROPEKV_FUZZ_CHECK(!p.ttl_seconds || *p.ttl_seconds <= net::max_ttl_seconds, "ttl range");
  ROPEKV_FUZZ_CHECK(!(p.if_version && p.condition != net::write_condition::none),
                    "if and if_version exclusive");
  ROPEKV_FUZZ_CHECK(!(p.eq && (p.from || p.to)), "eq exclusive with from/to");
  ROPEKV_FUZZ_CHECK(!p.request_id || (!p.request_id->empty() &&
                                      p.request_id->size() <= net::max_request_id_bytes),
                    "request_id size");
  if (kind != api_kind::index_query && !p.local_index) {
    if (p.from && p.to) ROPEKV_FUZZ_CHECK(*p.from <= *p.to, "from <= to");
    for (const auto* b : {&p.from, &p.to})
      ROPEKV_FUZZ_CHECK(!*b || (*b)->size() <= keys::max_range_key_bytes, "bound size");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  api_kind kind = kinds[data[0] % std::size(kinds)];
  bool has_range_key = data[0] & 0x80;
  std::string_view query = fuzz::as_text(data + 1, size - 1);

  auto pairs = net::parse_query(query);
  if (!pairs) {
    ROPEKV_FUZZ_CHECK(pairs.error().status == 400, "malformed query is not 400");
    return 0;
  }
  std::string canonical;
  for (const auto& [name, value] : *pairs) {
    if (!canonical.empty()) canonical += '&';
    canonical += net::percent_encode(name) + "=" + net::percent_encode(value);
  }
  auto again = net::parse_query(canonical);
  ROPEKV_FUZZ_CHECK(again.ok(), "canonical query rejected");
  ROPEKV_FUZZ_CHECK(*again == *pairs, "query round trip differs");

  auto params = net::parse_params(kind, has_range_key, *pairs);
  if (!params) {
    const auto& e = params.error();
    ROPEKV_FUZZ_CHECK(e.status == 400 || e.status == 413, "parameter error status");
    ROPEKV_FUZZ_CHECK(!e.message.empty(), "parameter error without message");
    return 0;
  }
  check_params(kind, *params);
  auto params_again = net::parse_params(kind, has_range_key, *again);
  ROPEKV_FUZZ_CHECK(params_again.ok() && same_params(*params, *params_again),
                    "re-encoded query gives other parameters");
  return 0;
}
