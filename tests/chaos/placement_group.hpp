#pragma once
// placement_group: whether this build's ropekv-placement runs as a
// replicated group (issue 14 item 1: `--placement-id=N --peers=1@h:p,...`),
// read from its --help, so the chaos suite runs one placement where the
// group does not exist and three where it does, without a rebuild.
#include <string>

namespace ropekv::chaos {

/// "--peers" when the placement binary takes it; "" otherwise.
std::string placement_group_flag(const std::string& placement_bin);

/// 3 where the group exists, else 1.
unsigned default_placements(const std::string& placement_bin);

}  // namespace ropekv::chaos
