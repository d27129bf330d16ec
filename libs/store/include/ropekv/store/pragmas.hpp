#pragma once
// The connection pragmas the store runs on open. Public so that benchmarks
// comparing against raw SQLite can run exactly the same ones.
#include <string>
#include <vector>

#include "ropekv/store/types.hpp"

namespace ropekv::store {

/// Statements to run, in order, on a fresh connection.
std::vector<std::string> connection_pragmas(const store_options& opts);

}  // namespace ropekv::store
