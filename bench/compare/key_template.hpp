#pragma once
// Request templates: a path or body with placeholders, expanded per request
// with a key drawn from the key space. Pure code.
//
//   {key}         the key (raw bytes)
//   {b64:TEXT}    standard base64 of TEXT (after {key} was substituted)
//   {b64end:TEXT} base64 of the smallest string greater than every string
//                 with prefix TEXT (last byte below 0xff incremented), i.e. an
//                 etcd range_end for the prefix TEXT
//
// Keys are `prefix + index` for index in [0, count), or lines of a file.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace ropekv::bench {

std::string base64_encode(std::string_view in);
/// Smallest string greater than every string starting with `prefix`; empty
/// when there is none (all bytes 0xff).
std::string prefix_end(std::string_view prefix);

class key_space {
 public:
  key_space(std::string prefix, uint64_t count);
  explicit key_space(std::vector<std::string> keys);

  uint64_t size() const noexcept { return explicit_.empty() ? count_ : explicit_.size(); }
  /// The i-th key (i taken modulo size()).
  std::string at(uint64_t i) const;

 private:
  std::string prefix_;
  uint64_t count_ = 0;
  std::vector<std::string> explicit_;
};

/// Picks keys: uniformly at random, or in order (each key once per lap, for
/// preloading) from a shared counter.
class key_picker {
 public:
  key_picker(const key_space& space, bool sequential, uint64_t seed)
      : space_(space), sequential_(sequential), rng_(seed) {}
  std::string next(uint64_t& shared_counter);

 private:
  const key_space& space_;
  bool sequential_;
  std::mt19937_64 rng_;
};

/// Parsed once; expand() is linear in the output (no re-scanning), so large
/// batch bodies with many {b64:...} calls stay cheap for the generator.
class request_template {
 public:
  explicit request_template(std::string text);
  std::string expand(std::string_view key) const;
  bool uses_key() const noexcept { return uses_key_; }

  struct part {
    enum class kind { literal, key, b64, b64end } type = kind::literal;
    std::string text;            // literal
    std::vector<part> children;  // b64 / b64end: the TEXT inside
  };

 private:
  std::vector<part> parts_;
  bool uses_key_ = false;
};

}  // namespace ropekv::bench
