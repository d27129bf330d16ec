#include "runner_output.hpp"

#include <ostream>

#include "exit_codes.hpp"
#include "output_formatter.hpp"
#include "json_value.hpp"

namespace ropekv::ctl {

int report_failure(const error& e, std::ostream& err) {
  if (e.code == errc::unavailable || e.code == errc::timeout) {
    err << "error: " << (e.code == errc::timeout ? "timeout" : "unreachable") << ": " << e.message << "\n";
  } else {
    err << "error: " << to_string(e.code) << ": " << e.message << "\n";
  }
  return exit_code_for(e);
}

int report_reply(unsigned status, const std::string& body, std::ostream& err) {
  err << format_error(status, body) << "\n";
  return exit_code_for_reply(status, body);
}

void print_json(const std::string& body, std::ostream& out) {
  if (body.empty()) return;
  auto compact = compact_json(body);
  out << (compact ? *compact : body);
  if (!compact && body.back() == '\n') return;
  out << "\n";
}

}  // namespace ropekv::ctl
