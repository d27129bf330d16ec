#include "runner_output.hpp"

#include <ostream>

#include "cli_parser.hpp"
#include "json_value.hpp"

namespace ropekv::ctl {

int report_failure(const error& e, std::ostream& err) {
  if (e.code == errc::unavailable || e.code == errc::timeout) {
    err << "error: " << (e.code == errc::timeout ? "timeout" : "unreachable") << ": " << e.message << "\n";
    return exit_unreachable;
  }
  err << "error: " << to_string(e.code) << ": " << e.message << "\n";
  return exit_failed;
}

void print_json(const std::string& body, std::ostream& out) {
  if (body.empty()) return;
  auto compact = compact_json(body);
  out << (compact ? *compact : body);
  if (!compact && body.back() == '\n') return;
  out << "\n";
}

}  // namespace ropekv::ctl
