#pragma once
// Where an owner splits a segment it finds too large or too hot (DESIGN
// §3, §6): the weighted median of the segment's keys, where the weight is
// an item's bytes (size median, from a scan) or how often the key was
// sampled among the requests (load-weighted median).
//
// Hash keys first: the split goes between two hash keys (at the prefix of
// the hash key the median falls in, so each hash key stays whole in one
// half), unless one hash key alone holds at least `dominant_share` of the
// weight -- then no boundary between hash keys can balance the halves, and
// the split goes between that hash key's range keys (DESIGN §3: a single
// hot hash key is not a ceiling).
//
// Pure functions, no I/O; unit-tested in test/split_key_test.cpp.
#include <optional>
#include <string>
#include <vector>

namespace ropekv::segment_owner {

struct weighted_key {
  std::string key;  // encoded rope key (keys::encode) of an item
  double weight = 1;
};

/// The key at which the weight strictly before it first reaches half of
/// the total, among the distinct keys in order (duplicates add up); never
/// the smallest key, so both halves hold something. nullopt when there
/// are fewer than two distinct keys or no positive weight.
std::optional<std::string> weighted_median(std::vector<weighted_key> keys);

/// The split key for a segment whose keys (all inside it) carry these
/// weights: a hash-key boundary, or a key between the range keys of a
/// dominating hash key (see above). The result is strictly greater than the
/// smallest key given and at most the largest, so it lies strictly inside
/// any segment holding them all. nullopt: no split point divides the weight
/// (fewer than two distinct keys, or one key that cannot be divided).
/// Keys that are not valid encodings are ignored.
std::optional<std::string> choose_split_key(const std::vector<weighted_key>& keys, double dominant_share = 0.5);

/// Lower-case hex, for logs.
std::string to_hex(const std::string& bytes);

}  // namespace ropekv::segment_owner
