// ropekv-bench-partition [TABLE_ID]: for each hash key on stdin prints
// "<key> <partition> <hex of the partition's rope prefix>" (RopeKV's
// partition hash and key encoding, libs/keys), so that scripts/bench-compare
// can tell which segment of a table a hash key falls into.
#include <cstdio>
#include <iostream>
#include <string>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

int main(int argc, char** argv) {
  uint32_t table = argc > 1 ? static_cast<uint32_t>(std::stoul(argv[1])) : 0;
  std::string key;
  while (std::getline(std::cin, key)) {
    uint16_t p = ropekv::keys::partition_of(key);
    std::string hex;
    for (unsigned char c : ropekv::keys::partition_prefix(table, p)) {
      char b[3];
      std::snprintf(b, sizeof b, "%02x", c);
      hex += b;
    }
    std::cout << key << ' ' << p << ' ' << hex << '\n';
  }
  return 0;
}
