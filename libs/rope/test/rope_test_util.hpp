#pragma once
// Helpers shared by the rope tests: building segments, checking invariants,
// random keys.
#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "ropekv/rope/rope.hpp"

namespace ropekv::rope {

// Readable failure output: keys in hex, since they are binary.
inline void PrintTo(const segment& s, std::ostream* os) {
  auto hex = [os](const std::string& k) {
    static constexpr char digits[] = "0123456789abcdef";
    *os << '"';
    for (unsigned char c : k) *os << digits[c >> 4] << digits[c & 15];
    *os << '"';
  };
  *os << "{id " << s.id.value << " [";
  hex(s.start);
  *os << ", ";
  hex(s.end);
  *os << ") epoch " << s.epoch << " bytes " << s.stats.bytes << "}";
}

}  // namespace ropekv::rope

namespace ropekv::rope::testing {

inline segment make_segment(uint64_t id, std::string start, std::string end,
                            uint64_t bytes = 0) {
  segment s;
  s.id = segment_id{id};
  s.start = std::move(start);
  s.end = std::move(end);
  s.epoch = 1;
  s.replicas = {node_id{1}, node_id{2}, node_id{3}};
  s.leader_hint = node_id{1};
  s.stats.bytes = bytes;
  s.stats.items = bytes / 10;
  return s;
}

/// Cover and no overlap, checked on the rope alone (no model), plus that
/// every segment is found by its id and the cached total adds up.
inline ::testing::AssertionResult covers_keyspace(const rope& r) {
  std::vector<segment> segs = r.segments();
  if (segs.size() != r.size()) return ::testing::AssertionFailure() << "size() disagrees";
  if (segs.empty()) return ::testing::AssertionFailure() << "no segments";
  if (!segs.front().start.empty()) return ::testing::AssertionFailure() << "first start not \"\"";
  if (!segs.back().end.empty()) return ::testing::AssertionFailure() << "last end not \"\"";
  segment_stats sum;
  for (size_t i = 0; i < segs.size(); ++i) {
    if (i + 1 < segs.size() && segs[i].end != segs[i + 1].start) {
      return ::testing::AssertionFailure() << "gap or overlap after position " << i;
    }
    if (i + 1 < segs.size() && !(segs[i].start < segs[i].end)) {
      return ::testing::AssertionFailure() << "empty segment at position " << i;
    }
    const segment* by_id = r.find(segs[i].id);
    if (!by_id || *by_id != segs[i]) {
      return ::testing::AssertionFailure() << "find() misses segment " << segs[i].id.value;
    }
    sum += segs[i].stats;
  }
  if (!(sum == r.total())) return ::testing::AssertionFailure() << "total() disagrees";
  return ::testing::AssertionSuccess();
}

/// Short keys over an alphabet with the byte values where signed and
/// unsigned order differ, so a signed comparison anywhere would show.
inline std::string random_key(std::mt19937_64& rng, size_t max_len = 4) {
  static constexpr char alphabet[] = {'\x00', '\x01', 'a', 'b', '\x7f', '\x80', '\xfe', '\xff'};
  std::string k(rng() % (max_len + 1), '\0');
  for (char& c : k) c = alphabet[rng() % sizeof(alphabet)];
  return k;
}

/// Fixed-width big-endian key for position i: sorts like i.
inline std::string numbered_key(uint64_t i) {
  std::string k(8, '\0');
  for (int b = 0; b < 8; ++b) k[7 - b] = static_cast<char>(i >> (8 * b));
  return k;
}

/// A rope of n segments [numbered_key(i), numbered_key(i+1)), ids 1..n.
inline rope numbered_rope(size_t n) {
  std::vector<segment> segs;
  for (size_t i = 0; i < n; ++i) {
    segs.push_back(make_segment(i + 1, i == 0 ? "" : numbered_key(i),
                                i + 1 == n ? "" : numbered_key(i + 1), 100 + i % 7));
  }
  auto r = rope::from_segments(std::move(segs));
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

}  // namespace ropekv::rope::testing
