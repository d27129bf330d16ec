#pragma once
// ropekv-txn-bench's pure parts, unit-tested (test/txn_plan_test.cpp): which
// segment a hash key lands on, hash keys chosen to land on given segments,
// the request bodies, and the check of a POST /v1/transact answer.
//
// A table's segments cut the rope by key range; an item's rope key starts
// with table id (u32 BE) + partition (u16 BE, keys::partition_of) + the
// escaped hash key (keys::hash_key_prefix), so whether a hash key falls in
// [start, end) of a segment is decided by that prefix alone (segments are
// never cut inside one hash key's items by the default layout, and a cut
// inside would only make the choice approximate, never wrong for the
// router, which routes each op by its full key).
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace ropekv::bench::transact {

/// One segment of the benchmarked table, as GET /v1/cluster shows it
/// (start_key/end_key decoded from hex; an empty end is +infinity).
struct segment_range {
  uint64_t id = 0;
  std::string start;
  std::string end;
};

/// Bytes of a hex string (either case); nullopt when it is not hex.
std::optional<std::string> hex_decode(std::string_view hex);

/// The rope prefix of every item of `hash_key` in table `table_id`.
std::string rope_prefix(uint32_t table_id, std::string_view hash_key);

/// The segments of one table, in rope order. Immutable after construction.
class segment_map {
 public:
  segment_map() = default;
  segment_map(uint32_t table_id, std::vector<segment_range> segments);  // any order

  size_t size() const { return segments_.size(); }
  uint32_t table_id() const { return table_id_; }
  const std::vector<segment_range>& segments() const { return segments_; }
  /// Index (in rope order) of the segment holding `hash_key`; -1 when none does.
  int segment_of(std::string_view hash_key) const;
  /// Empty when the segments are disjoint and contiguous, else why not.
  std::string check() const;

 private:
  uint32_t table_id_ = 0;
  std::vector<segment_range> segments_;
};

/// Hash keys that land on a chosen segment. Fresh keys (key_space 0):
/// prefix + running number, numbers skipped until one lands there, so no
/// key is ever used twice by one source (give each connection its own
/// prefix). Random keys (key_space N): "k<i>" with i uniform in [0, N),
/// drawn from the keys of that segment. Owned by one connection.
class key_source {
 public:
  key_source(const segment_map& map, std::string prefix, uint64_t key_space, uint64_t seed);

  /// A hash key on segment `segment` (index in rope order). Empty when the
  /// segment holds no key of the key space.
  std::string key_in(size_t segment);
  /// Candidates tried so far (fresh keys): the cost of the choice.
  uint64_t tried() const { return tried_; }

 private:
  const segment_map* map_;
  std::string prefix_;
  uint64_t next_ = 0;
  uint64_t tried_ = 0;
  std::vector<std::vector<std::string>> pools_;  // random keys, by segment
  std::mt19937_64 rng_;
};

/// The `span` distinct segments (indices of a map of `segments`) that
/// transaction number `seq` touches: consecutive from seq mod segments,
/// so that every segment takes the same share. Op i goes to the
/// (i mod span)-th of them.
std::vector<size_t> segments_for(uint64_t seq, unsigned span, size_t segments);

/// {"v":"xxx…"}: an item of exactly `bytes` bytes of JSON (at least 8).
std::string item_body(unsigned bytes);

/// {"request_id":…?,"ops":[{"put":{"table":T,"hash_key":K,"item":ITEM}},…]}
std::string txn_body(std::string_view table, const std::vector<std::string>& hash_keys, std::string_view item,
                     std::string_view request_id = {});

/// What a 200 answer to a transaction of `ops` puts said.
struct txn_answer {
  uint64_t version = 0;
  std::vector<uint64_t> op_versions;
  /// Ops the answer gave no version (services/router/transact_handler.cpp
  /// documents one per write): taken as the transaction's version, counted
  /// and reported, since the read-back still checks what was written.
  unsigned ops_without_version = 0;
};

/// The answer parsed and checked: status 200, "deduplicated":false, one
/// "put" entry per op of the table, a version (when given) at least the
/// transaction's... or why not (the first problem found).
struct txn_check {
  std::optional<txn_answer> answer;
  std::string problem;
};
txn_check check_txn_answer(unsigned status, std::string_view body, size_t ops, std::string_view table);

/// The version of a GET /v1/tables/T/items/K answer (200, with "item"); nullopt otherwise.
std::optional<uint64_t> item_version(unsigned status, std::string_view body);

/// The version of a PUT /v1/tables/T/items/K answer (2xx, {"version":V,…}); nullopt otherwise.
std::optional<uint64_t> put_version(unsigned status, std::string_view body);

}  // namespace ropekv::bench::transact
