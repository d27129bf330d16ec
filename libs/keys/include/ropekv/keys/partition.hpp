#pragma once
// Partition function (DESIGN §2): top 16 bits of xxHash64(hash key, seed 0).
// Part of the on-disk format: golden vectors in partition_test pin it.
#include <cstdint>
#include <string_view>

namespace ropekv::keys {

uint16_t partition_of(std::string_view hash_key) noexcept;

}  // namespace ropekv::keys
