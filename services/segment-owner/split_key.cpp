#include "split_key.hpp"

#include <algorithm>
#include <map>

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::segment_owner {

std::optional<std::string> weighted_median(std::vector<weighted_key> keys) {
  std::map<std::string, double> merged;
  double total = 0;
  for (auto& k : keys) {
    if (k.weight <= 0) continue;
    merged[std::move(k.key)] += k.weight;
    total += k.weight;
  }
  if (merged.size() < 2 || total <= 0) return std::nullopt;
  double before = 0;
  auto it = merged.begin();
  before += it->second;  // the smallest key always stays left
  for (++it; it != merged.end(); ++it) {
    // Split at the first key where the left side holds at least half, or
    // where taking this key too would overshoot half by more than leaving
    // it out (the split nearest to equal halves).
    double with = before + it->second;
    if (before >= total / 2 || (with > total / 2 && with - total / 2 > total / 2 - before)) return it->first;
    before = with;
  }
  // Every key but the last was needed to reach half: split before the last.
  return std::prev(merged.end())->first;
}

std::optional<std::string> choose_split_key(const std::vector<weighted_key>& keys, double dominant_share) {
  // Weight per hash key (by its prefix), and the items of each.
  std::map<std::string, std::vector<weighted_key>> by_hash;
  double total = 0;
  for (const auto& k : keys) {
    if (k.weight <= 0) continue;
    auto decoded = keys::decode(k.key);
    if (!decoded) continue;
    by_hash[keys::hash_key_prefix(decoded->table, decoded->partition, decoded->hash_key)].push_back(k);
    total += k.weight;
  }
  if (by_hash.empty() || total <= 0) return std::nullopt;
  const std::vector<weighted_key>* top = nullptr;
  double top_weight = 0;
  std::vector<weighted_key> prefixes;
  for (const auto& [prefix, items] : by_hash) {
    double w = 0;
    for (const auto& i : items) w += i.weight;
    prefixes.push_back({prefix, w});
    if (w > top_weight) {
      top_weight = w;
      top = &items;
    }
  }
  if (by_hash.size() == 1 || top_weight >= dominant_share * total) {
    // Between the range keys of the hash key that dominates: a key of
    // that hash key itself, never its first, so both halves get some.
    if (auto inside = weighted_median(*top)) return inside;
    if (by_hash.size() == 1) return std::nullopt;  // one item: nothing divides it
  }
  // Between hash keys: the prefix of the hash key the median falls in.
  // It sorts after every key of the hash keys before it, so it is
  // strictly above the smallest key and at most the key it prefixes.
  return weighted_median(std::move(prefixes));
}

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace ropekv::segment_owner
