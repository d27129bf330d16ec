#include "exit_codes.hpp"

#include <array>
#include <utility>

#include "json_value.hpp"

namespace ropekv::ctl {
namespace {

// Codes of the router (errc's names, libs/net http_error, index and
// transaction codes) and of the notifier's error frames (docs/notifier.md).
constexpr std::array<std::pair<std::string_view, int>, 35> code_table{{
    {"invalid_argument", exit_usage},
    {"invalid_json", exit_usage},
    {"method_not_allowed", exit_usage},
    {"too_large", exit_usage},
    {"bad_cursor", exit_usage},
    {"bad_attribute", exit_usage},
    {"index_type_mismatch", exit_usage},
    {"malformed", exit_usage},
    {"bad_request", exit_usage},
    {"bad_token", exit_usage},
    {"frame_too_large", exit_usage},
    {"unknown_op", exit_usage},
    {"not_found", exit_not_found},
    {"unknown_table", exit_not_found},
    {"version_gone", exit_not_found},
    {"feed_compacted", exit_not_found},
    {"not_subscribed", exit_not_found},
    {"condition_failed", exit_conflict},
    {"already_exists", exit_conflict},
    {"index_exists", exit_conflict},
    {"conflict", exit_conflict},
    {"locked", exit_conflict},
    {"transaction_canceled", exit_conflict},
    {"duplicate_id", exit_conflict},
    {"unavailable", exit_unavailable},
    {"timeout", exit_unavailable},
    {"wrong_segment", exit_unavailable},
    {"not_leader", exit_unavailable},
    {"slow_consumer", exit_unavailable},
    {"too_many_requests", exit_unavailable},
    {"rate_limited", exit_unavailable},
    {"unauthenticated", exit_denied},
    {"unauthorized", exit_denied},
    {"forbidden", exit_denied},
    {"permission_denied", exit_denied},
}};

int for_status(unsigned status) {
  switch (status) {
    case 400:
    case 405:
    case 413:
    case 414:
    case 431: return exit_usage;
    case 404:
    case 410: return exit_not_found;
    case 409:
    case 412: return exit_conflict;
    case 401:
    case 403: return exit_denied;
    default: return is_retryable_status(status) || status == 408 ? exit_unavailable : exit_internal;
  }
}

}  // namespace

bool is_retryable_status(unsigned status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

int exit_code_for(unsigned status, std::string_view code) {
  for (const auto& [name, exit] : code_table)
    if (name == code) return exit;
  return status == 0 ? exit_internal : for_status(status);
}

int exit_code_for_reply(unsigned status, std::string_view body) {
  std::string code;
  if (auto doc = json_value::parse(body); doc && doc->is_object())
    if (const json_value* e = doc->find("error"); e && e->is_object())
      if (const json_value* c = e->find("code"); c && c->is_string()) code = c->text();
  return exit_code_for(status, code);
}

int exit_code_for(const error& e) {
  switch (e.code) {
    case errc::unavailable:
    case errc::timeout: return exit_unavailable;
    case errc::invalid_argument: return exit_usage;
    default: return exit_internal;
  }
}

std::string_view exit_code_help() {
  return "Exit status:\n"
         "  0  ok (watch: ended by ctrl-c or --count)\n"
         "  1  internal: an unexpected answer (500, not JSON)\n"
         "  2  usage: bad command line or input; the router refused the request (400, 413)\n"
         "  3  not found: no such table, item, index or hook (404, 410)\n"
         "  4  condition failed or conflict (409, 412)\n"
         "  5  unavailable or timed out, retryable: no answer, 429, 503 (watch: connection\n"
         "     lost, or --timeout without an event)\n"
         "  6  unauthenticated or forbidden (401, 403)\n"
         "  7  partial failure: load wrote some items but not all\n";
}

}  // namespace ropekv::ctl
