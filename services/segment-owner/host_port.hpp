#pragma once
// "host:port" as NodeDescriptor.address and --placement carry it.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace ropekv::segment_owner {

struct host_port {
  std::string host;
  uint16_t port = 0;
};

/// nullopt unless `address` is host:port with a non-zero port ("[::1]:p"
/// loses its brackets).
inline std::optional<host_port> parse_host_port(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) return std::nullopt;
  host_port out;
  out.host = address.substr(0, colon);
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  auto [end, ec] = std::from_chars(first, last, out.port);
  if (ec != std::errc{} || end != last || out.port == 0) return std::nullopt;
  return out;
}

}  // namespace ropekv::segment_owner
