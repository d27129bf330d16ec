#pragma once
// The placement group's addresses as clients take them: "--placement
// a:p,b:p,c:p" (or ROPEKV_PLACEMENT). A client connects to the first one;
// when that connection fails or goes down it rotates the list and tries
// the next. Any instance accepts every request (it forwards to the leader),
// so a client only has to find one that is alive. One address keeps the
// old single-placement behaviour.
#include <string>

namespace ropekv::net {

/// The address to use now: the list's first entry.
inline std::string current_placement(const std::string& list) {
  auto comma = list.find(',');
  return comma == std::string::npos ? list : list.substr(0, comma);
}

/// Moves the first address to the end (after a failure with it).
inline void rotate_placement(std::string& list) {
  auto comma = list.find(',');
  if (comma == std::string::npos) return;
  list = list.substr(comma + 1) + "," + list.substr(0, comma);
}

}  // namespace ropekv::net
