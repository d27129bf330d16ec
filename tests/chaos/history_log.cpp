#include "history_log.hpp"

#include <cstdio>
#include <fstream>

namespace ropekv::chaos {

std::string to_string(outcome o) {
  switch (o) {
    case outcome::ok: return "ok";
    case outcome::fail: return "fail";
    case outcome::info: return "info";
  }
  return "info";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

int64_t history_log::now_ns() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - origin_).count();
}

void history_log::add(op_record r) {
  std::lock_guard lock(mu_);
  records_.push_back(std::move(r));
}

std::vector<op_record> history_log::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

void history_log::write_jsonl(const std::string& path) const {
  std::ofstream out(path);
  for (const auto& r : records()) {
    out << "{\"process\":" << json_string(r.process) << ",\"workload\":" << json_string(r.workload)
        << ",\"op\":" << json_string(r.op) << ",\"args\":{\"key\":" << json_string(r.key);
    if (!r.value.empty()) out << ",\"value\":" << json_string(r.value);
    if (r.op == "cas") out << ",\"expected\":" << (r.expect_absent ? "null" : json_string(r.expected));
    if (!r.args_json.empty()) out << ",\"more\":" << r.args_json;
    out << "},\"type\":" << json_string(to_string(r.result)) << ",\"status\":" << r.status;
    if (!r.error.empty()) out << ",\"error\":" << json_string(r.error);
    if (r.op == "read" && r.result == outcome::ok) out << ",\"read\":" << (r.read ? json_string(*r.read) : "null");
    if (!r.result_json.empty()) out << ",\"result\":" << r.result_json;
    out << ",\"start_ns\":" << r.start_ns << ",\"end_ns\":" << r.end_ns << "}\n";
  }
}

}  // namespace ropekv::chaos
