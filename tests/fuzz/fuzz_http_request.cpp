// Fuzz target: one HTTP request through the router's request layer
// (libs/net api_router: target split, percent-decoding, route matching,
// name/key validation, query parameters, bodies).
//
// Input: "METHOD TARGET\nBODY" (the request line the way Beast hands it to
// the server, then the body), so corpus files are readable requests.
// Invariants: no exception escapes; every failure is a typed client error
// (400/404/405/413 with a code, 405 with an Allow header); every success
// satisfies api_request.hpp's invariants; and the request routed again from
// its canonical, re-encoded path gives the same table, keys and kind.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/net/api_router.hpp"
#include "ropekv/net/percent_decode.hpp"

namespace {

using namespace ropekv;
using net::api_kind;

bool names_table(api_kind k) {
  switch (k) {
    case api_kind::list_tables: case api_kind::transact: case api_kind::list_hooks:
    case api_kind::put_hook: case api_kind::get_hook: case api_kind::delete_hook:
    case api_kind::cluster: case api_kind::drain_node: case api_kind::undrain_node:
    case api_kind::console: case api_kind::healthz: case api_kind::readyz:
    case api_kind::metrics:
    case api_kind::create_token: case api_kind::list_tokens: case api_kind::revoke_token:
      return false;
    default:
      return true;
  }
}

bool item_kind(api_kind k) {
  return k == api_kind::put_item || k == api_kind::get_item || k == api_kind::delete_item;
}

void check_error(const net::http_error& e) {
  ROPEKV_FUZZ_CHECK(fuzz::is_client_error(e.status), "request error is not a client error");
  ROPEKV_FUZZ_CHECK(!e.code.empty() && !e.message.empty(), "error without code or message");
  ROPEKV_FUZZ_CHECK((e.status == 405) == !e.allow.empty(), "Allow header iff 405");
}

// [A-Za-z0-9_.-]{3,255}, written out independently of validation.cpp.
bool is_name(std::string_view s) {
  if (s.size() < 3 || s.size() > 255) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void check_request(const net::api_request& r) {
  if (names_table(r.kind)) ROPEKV_FUZZ_CHECK(is_name(r.table), "table name invariant");
  if (item_kind(r.kind)) {
    ROPEKV_FUZZ_CHECK(!r.hash_key.empty() && r.hash_key.size() <= keys::max_hash_key_bytes,
                      "hash key size invariant");
    ROPEKV_FUZZ_CHECK(!r.range_key || r.range_key->size() <= keys::max_range_key_bytes,
                      "range key size invariant");
  }
  const auto& p = r.params;
  ROPEKV_FUZZ_CHECK(p.limit >= 1 && p.limit <= net::max_limit, "limit range");
  ROPEKV_FUZZ_CHECK(p.after.size() <= net::max_after_tokens, "after token count");
  ROPEKV_FUZZ_CHECK(!p.ttl_seconds || *p.ttl_seconds <= net::max_ttl_seconds, "ttl range");
  ROPEKV_FUZZ_CHECK(!(p.if_version && p.condition != net::write_condition::none),
                    "if and if_version exclusive");
  ROPEKV_FUZZ_CHECK(!(p.eq && (p.from || p.to)), "eq exclusive with from/to");
  ROPEKV_FUZZ_CHECK(!p.cursor || !p.cursor->empty(), "empty cursor means none");
}

// Re-encodes the item path of `r` and routes it again: decoding must be the
// exact inverse of percent_encode, whatever bytes the keys hold.
void check_reroute(net::http_method method, const net::api_request& r) {
  if (!item_kind(r.kind)) return;
  std::string target = "/v1/tables/" + net::percent_encode(r.table) + "/items/" +
                       net::percent_encode(r.hash_key);
  if (r.range_key) target += "/" + net::percent_encode(*r.range_key);
  auto again = net::route_request(method, target);
  ROPEKV_FUZZ_CHECK(again.ok(), "canonical re-encoded path rejected");
  ROPEKV_FUZZ_CHECK(again->kind == r.kind && again->table == r.table &&
                        again->hash_key == r.hash_key && again->range_key == r.range_key,
                    "re-routed request differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_text(data, size);

  // The percent codec alone: decode is the inverse of encode on any bytes.
  auto decoded = net::percent_decode(net::percent_encode(in));
  ROPEKV_FUZZ_CHECK(decoded.ok() && *decoded == in, "percent codec round trip");

  auto line_end = in.find('\n');
  std::string_view line = in.substr(0, line_end);
  std::string_view body = line_end == std::string_view::npos ? "" : in.substr(line_end + 1);
  auto space = line.find(' ');
  if (space == std::string_view::npos) return 0;

  net::http_request req;
  req.method_name = std::string(line.substr(0, space));
  req.method = net::parse_http_method(req.method_name);
  req.target = std::string(line.substr(space + 1));
  req.body = std::string(body);

  auto parsed = net::parse_request(req);
  if (!parsed) {
    check_error(parsed.error());
    return 0;
  }
  check_request(*parsed);
  check_reroute(req.method, *parsed);
  // Settling the table shape either way keeps the invariants or fails typed.
  for (bool has_range_key : {false, true}) {
    net::api_request copy = *parsed;
    auto settled = net::apply_table_shape(copy, has_range_key);
    if (!settled) check_error(settled.error());
    else check_request(copy);
  }
  return 0;
}
