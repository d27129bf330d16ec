// Fuzz target: the rope key codec (libs/keys key_codec.cpp), which is part
// of the on-disk format and decodes keys that arrive from other processes
// (segment cursors, feed tokens, split points).
//
// Invariants: no exception escapes; decode() rejects with errc::corrupt or
// yields a key that encodes back to exactly the input bytes (the encoding
// is canonical); for keys built from the input, decode(encode(k)) == k, the
// memcmp order of encodings equals the tuple order, and the table /
// partition / hash-key prefixes bound the key as documented.
#include <cstddef>
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace {

using namespace ropekv;

keys::item_key take_key(FuzzedDataProvider& in) {
  keys::item_key k;
  // Small tables and partitions collide often, so the order check compares
  // keys that differ only in their strings too.
  k.table = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint32_t>(0, 3) : in.ConsumeIntegral<uint32_t>();
  k.partition = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint16_t>(0, 3) : in.ConsumeIntegral<uint16_t>();
  k.hash_key = in.ConsumeRandomLengthString(64);
  k.range_key = in.ConsumeRandomLengthString(64);
  return k;
}

int sign(int v) { return (v > 0) - (v < 0); }

int order(const keys::item_key& a, const keys::item_key& b) {
  auto c = a <=> b;
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void check_prefixes(const keys::item_key& k, const std::string& enc) {
  const std::string prefixes[] = {keys::table_prefix(k.table),
                                  keys::partition_prefix(k.table, k.partition),
                                  keys::hash_key_prefix(k.table, k.partition, k.hash_key)};
  for (const auto& p : prefixes) {
    ROPEKV_FUZZ_CHECK(starts_with(enc, p), "key outside its own prefix");
    std::string end = keys::prefix_end(p);
    ROPEKV_FUZZ_CHECK(end.empty() || enc < end, "key at or beyond prefix_end");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view raw = fuzz::as_text(data, size);
  auto decoded = keys::decode(raw);
  if (decoded) {
    ROPEKV_FUZZ_CHECK(keys::encode(*decoded) == raw, "encode(decode(x)) != x");
  } else {
    ROPEKV_FUZZ_CHECK(decoded.error().code == errc::corrupt, "decode error is not corrupt");
  }

  FuzzedDataProvider in(data, size);
  keys::item_key a = take_key(in);
  keys::item_key b = take_key(in);
  std::string ea = keys::encode(a);
  std::string eb = keys::encode(b);
  auto back = keys::decode(ea);
  ROPEKV_FUZZ_CHECK(back.ok() && *back == a, "decode(encode(k)) != k");
  ROPEKV_FUZZ_CHECK(sign(ea.compare(eb)) == order(a, b), "byte order differs from tuple order");
  check_prefixes(a, ea);
  check_prefixes(b, eb);
  return 0;
}
