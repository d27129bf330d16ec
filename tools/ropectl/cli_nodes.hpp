#pragma once
// cli_nodes: the part of the command-line grammar for node administration
// (`nodes`, `node drain|undrain ID`). Used by cli_parser only (CLI11 stays
// inside the parser's files).
#include <optional>
#include <string_view>

#include "command.hpp"

namespace CLI {
class App;
}

namespace ropekv::ctl {

/// Adds `nodes` and `node drain|undrain` (filling cmd).
void add_node_commands(CLI::App& app, command& cmd);

/// A duration as `node drain --timeout` takes it: seconds ("90", "2.5"),
/// or a number with a unit s, m or h ("90s", "10m", "1.5h"). Absent for
/// anything else, and for zero, negative or non-finite values.
std::optional<double> parse_duration_seconds(std::string_view text);

}  // namespace ropekv::ctl
