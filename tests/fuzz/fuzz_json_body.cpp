// Fuzz target: client JSON bodies of the v1 API (libs/net json_body.cpp,
// request_body.cpp): the normalizer every body goes through, and the
// table-spec, rollback and item parsers built on it.
//
// Invariants: no exception escapes; failures are typed (400 invalid_json /
// invalid_argument, 413 too_large); normalization is idempotent (the
// normalized text normalizes to itself, so what the router stores is what
// a reader gets back); parsed specs respect request_body.hpp's rules.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "ropekv/net/json_body.hpp"
#include "ropekv/net/request_body.hpp"

namespace {

using namespace ropekv;

void check_error(const net::http_error& e) {
  ROPEKV_FUZZ_CHECK(e.status == 400 || e.status == 413, "body error status");
  ROPEKV_FUZZ_CHECK(e.code == "invalid_json" || e.code == "invalid_argument" ||
                        e.code == "too_large",
                    "body error code");
}

void check_table_spec(const net::table_spec& s) {
  auto name_ok = [](const std::string& n) { return !n.empty() && n.size() <= 255; };
  ROPEKV_FUZZ_CHECK(name_ok(s.hash_key), "hash_key attribute size");
  ROPEKV_FUZZ_CHECK(!s.range_key || (name_ok(*s.range_key) && *s.range_key != s.hash_key),
                    "range_key distinct");
  ROPEKV_FUZZ_CHECK(!s.local_index || (s.range_key && name_ok(*s.local_index) &&
                                       *s.local_index != s.hash_key &&
                                       *s.local_index != *s.range_key),
                    "local_index needs a distinct range_key");
  ROPEKV_FUZZ_CHECK(s.replication == 1 || s.replication == 3 || s.replication == 5,
                    "replication 1, 3 or 5");
  ROPEKV_FUZZ_CHECK(!s.default_ttl || (*s.default_ttl > 0 && *s.default_ttl <= net::max_ttl_seconds),
                    "default_ttl range");
  ROPEKV_FUZZ_CHECK(!s.segments || (*s.segments >= 1 && *s.segments <= net::max_initial_segments),
                    "segments range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = fuzz::as_text(data, size);

  auto normalized = net::normalize_json_object(body);
  if (normalized) {
    const std::string& text = normalized->json;
    ROPEKV_FUZZ_CHECK(!text.empty() && text.front() == '{' && text.back() == '}',
                      "normalized body is not an object");
    auto again = net::normalize_json_object(text);
    ROPEKV_FUZZ_CHECK(again.ok(), "normalized body rejected");
    ROPEKV_FUZZ_CHECK(again->json == text, "normalization not idempotent");
  } else {
    check_error(normalized.error());
  }

  auto item = net::parse_item_body(body);
  if (item) {
    ROPEKV_FUZZ_CHECK(normalized.ok() && item->json == normalized->json,
                      "item body differs from its normalized form");
    ROPEKV_FUZZ_CHECK(item->json.size() <= net::max_item_bytes, "item over its limit accepted");
  } else {
    check_error(item.error());
  }

  auto spec = net::parse_table_spec(body);
  if (spec) check_table_spec(*spec);
  else check_error(spec.error());

  auto rollback = net::parse_rollback_spec(body);
  if (!rollback) check_error(rollback.error());
  return 0;
}
