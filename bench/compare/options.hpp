#pragma once
// Command line of ropekv-loadgen -> run_spec. Pure code.
#include <string>
#include <vector>

#include "workload.hpp"

namespace ropekv::bench {

/// Throws std::invalid_argument with a message on a bad command line.
run_spec parse_options(const std::vector<std::string>& argv);
extern const char* const usage_text;

}  // namespace ropekv::bench
