#include "hook_secret.hpp"

#include <random>

#include "ropekv/common/base64.hpp"

namespace ropekv::ctl {

std::string generate_hook_secret() {
  constexpr size_t secret_bytes = 32;
  std::random_device device;  // non-deterministic by construction: never a seeded PRNG
  std::string bytes;
  bytes.reserve(secret_bytes);
  while (bytes.size() < secret_bytes) {
    auto word = device();
    for (size_t i = 0; i < sizeof word && bytes.size() < secret_bytes; ++i)
      bytes.push_back(static_cast<char>((word >> (8 * i)) & 0xff));
  }
  return "whsec_" + base64_encode(bytes, base64_alphabet::standard);
}

}  // namespace ropekv::ctl
