#include "ropekv/keys/partition.hpp"

#include <xxhash.h>

namespace ropekv::keys {

uint16_t partition_of(std::string_view hash_key) noexcept {
  return static_cast<uint16_t>(XXH64(hash_key.data(), hash_key.size(), 0) >> 48);
}

}  // namespace ropekv::keys
