// Fuzz target: change-feed resume tokens and write tokens (libs/feed),
// which clients hand back in `from` (WebSocket subscribe, feed reads) and
// `after=` (index queries).
//
// Input: byte 0 picks the mode: a resume token as text, a write token as
// text, or a sequence of advance() calls on a position built from the rest.
// Invariants: no exception escapes; bad text is invalid_argument
// "bad_token"; an accepted token re-encodes to a token that parses to the
// same position (and encodes the same again); advancing never moves any key
// back (the result covers the old position), reaches `position` inside the
// advanced range, and survives the token round trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "ropekv/feed/feed_position.hpp"
#include "ropekv/feed/write_token.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace {

using namespace ropekv;

bool is_bad_token(const ropekv::error& e) {
  return e.code == errc::invalid_argument && e.message.rfind("bad_token", 0) == 0;
}

void check_round_trip(const feed::feed_position& p) {
  ROPEKV_FUZZ_CHECK(p.cursors() >= 1, "position without cursors");
  std::string text = p.encode();
  auto again = feed::feed_position::parse(text);
  ROPEKV_FUZZ_CHECK(again.ok(), "own token rejected");
  ROPEKV_FUZZ_CHECK(*again == p, "token round trip changed the position");
  ROPEKV_FUZZ_CHECK(again->encode() == text, "token encoding not stable");
  // The lowest position over the whole table is a lower bound of every key.
  uint64_t low = p.lowest("", "");
  ROPEKV_FUZZ_CHECK(low <= p.at(p.table_start()), "lowest above a cursor");
}

void resume_token_text(std::string_view text) {
  auto p = feed::feed_position::parse(text);
  if (!p) {
    ROPEKV_FUZZ_CHECK(is_bad_token(p.error()), "bad resume token is not bad_token");
    return;
  }
  check_round_trip(*p);
}

void write_token_text(std::string_view text) {
  auto t = feed::parse_write_token(text);
  if (!t) {
    ROPEKV_FUZZ_CHECK(is_bad_token(t.error()), "bad write token is not bad_token");
    return;
  }
  ROPEKV_FUZZ_CHECK(t->format() == 1 && t->position() > 0, "write token invariants");
  auto again = feed::parse_write_token(feed::encode_write_token(t->table_id(), t->key(), t->position()));
  ROPEKV_FUZZ_CHECK(again.ok() && again->table_id() == t->table_id() && again->key() == t->key() &&
                        again->position() == t->position(),
                    "write token round trip");
}

// A key of `table`, or now and then one outside it (callers may pass any).
std::string take_key(FuzzedDataProvider& in, uint32_t table) {
  if (in.ConsumeIntegralInRange<int>(0, 15) == 0) return in.ConsumeRandomLengthString(8);
  return keys::table_prefix(table) + in.ConsumeRandomLengthString(12);
}

void advances(FuzzedDataProvider& in) {
  // Table ids below 0xFFFFFFFF: that one has no prefix_end (see docs/security.md).
  uint32_t table = in.ConsumeIntegralInRange<uint32_t>(0, 0xFFFFFFFE);
  auto p = feed::feed_position::uniform(table, in.ConsumeIntegralInRange<uint64_t>(0, 8));
  for (int step = 0; step < 16 && in.remaining_bytes() > 0; ++step) {
    std::string start = take_key(in, table);
    std::string end = in.ConsumeBool() ? std::string() : take_key(in, table);
    uint64_t position = in.ConsumeIntegralInRange<uint64_t>(0, 16);
    auto before = p;
    p.advance(start, end, position);
    ROPEKV_FUZZ_CHECK(p.covers(before), "advance moved a key back");
    std::string probe = take_key(in, table);
    bool inside = probe >= start && probe >= p.table_start() && probe < p.table_end() &&
                  (end.empty() || probe < end);
    if (inside) ROPEKV_FUZZ_CHECK(p.at(probe) >= position, "advanced range below position");
    check_round_trip(p);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: resume_token_text(rest); break;
    case 1: write_token_text(rest); break;
    case 2: {
      FuzzedDataProvider in(data + 1, size - 1);
      advances(in);
      break;
    }
  }
  return 0;
}
