#pragma once
// Order-preserving encoding of rope keys (DESIGN §3).
//
// An item's place on the rope is the tuple (table id, partition, hash key,
// range key). encode() maps it to bytes whose memcmp order equals the tuple
// order, so SQLite BLOB comparison, std::string comparison and the rope all
// agree. This encoding is part of the on-disk format: never change it.
//
//   table id   u32 big-endian
//   partition  u16 big-endian
//   hash key   escaped bytes, then terminator 00 01
//   range key  escaped bytes, then terminator 00 01
//
// Escaping writes 00 as 00 FF; the terminator 00 01 sorts below every escaped
// byte, so a string sorts before every string it is a prefix of.
#include <cstdint>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::keys {

inline constexpr size_t max_hash_key_bytes = 2048;
inline constexpr size_t max_range_key_bytes = 1024;
inline constexpr uint32_t partitions_per_table = 65536;

struct item_key {
  uint32_t table = 0;
  uint16_t partition = 0;
  std::string hash_key;
  std::string range_key;
  friend auto operator<=>(const item_key&, const item_key&) = default;
};

/// Full encoding of an item's rope position.
std::string encode(const item_key& key);

/// Inverse of encode(); errc::corrupt on bytes encode() cannot produce.
result<item_key> decode(std::string_view bytes);

/// Builds item_key with the partition computed from the hash key.
item_key make_key(uint32_t table, std::string hash_key, std::string range_key = {});

// Prefixes and bounds, for ranges over the rope. Every key of the named
// table / partition / hash key starts with the returned prefix, and nothing
// else does.
std::string table_prefix(uint32_t table);
std::string partition_prefix(uint32_t table, uint16_t partition);
std::string hash_key_prefix(uint32_t table, uint16_t partition, std::string_view hash_key);

/// Smallest byte string greater than every string starting with `prefix`
/// (empty when none exists, i.e. prefix is all FF: read it as +infinity).
std::string prefix_end(std::string_view prefix);

/// Appends the escaped form of `bytes` plus terminator.
void append_escaped(std::string& out, std::string_view bytes);

}  // namespace ropekv::keys
