#pragma once
// bulk_env: what `load` and `export` need from their surroundings, so that
// command_runner wires real HTTP clients and a terminal check while tests
// can inject their own.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "pager.hpp"
#include "retry.hpp"

namespace ropekv::ctl {

struct bulk_env {
  /// A fresh transport per call: load gives each of its concurrent workers
  /// its own connection.
  std::function<fetch_fn()> make_fetch;
  bool terminal = false;   // stderr is a terminal: redraw progress in place
  size_t width = 80;       // its width in columns
  /// Size of stdin when it is a regular file (load -), for progress.
  std::optional<uint64_t> stdin_size;
  sleep_fn sleep;          // back-off pauses; empty: std::this_thread::sleep_for
};

}  // namespace ropekv::ctl
