#include "placement_group.hpp"

#include "shell.hpp"

namespace ropekv::chaos {

std::string placement_group_flag(const std::string& placement_bin) {
  // CAF prints --help on stderr; run_command merges both.
  auto help = run_command({placement_bin, "--help"}).output;
  return help.find("--peers=") != std::string::npos && help.find("--placement-id=") != std::string::npos ? "--peers"
                                                                                                           : "";
}

unsigned default_placements(const std::string& placement_bin) {
  return placement_group_flag(placement_bin).empty() ? 1 : 3;
}

}  // namespace ropekv::chaos
