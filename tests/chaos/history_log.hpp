#pragma once
// history_log: the history of one chaos run, as Jepsen keeps it — one
// record per client operation: which process, which op with which
// arguments, what came back, and when it started and ended (ns since the
// run started, one monotonic clock for every thread). Outcomes follow
// Jepsen: ok (happened), fail (certainly did not happen), info (unknown:
// it may have happened, at any time after its start).
//
// Thread-safe: client threads append concurrently. Written out as JSON
// lines (history.jsonl); the checkers read the records back from memory.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ropekv::chaos {

enum class outcome { ok, fail, info };
std::string to_string(outcome o);

struct op_record {
  std::string process;   // "register-2", "set-0", "bank-1"
  std::string workload;  // register | set | bank
  std::string op;        // read | write | cas | add | transfer | snapshot
  std::string key;
  std::string value;     // write / cas / add: what was written
  std::string expected;  // cas: the value it expects ("" with expect_absent)
  bool expect_absent = false;  // cas on a key read as absent (if=absent)
  std::optional<std::string> read;  // read: the value seen (nullopt: absent)
  std::string args_json;    // anything else the op was given (JSON object text, may be empty)
  std::string result_json;  // what came back beyond the status (JSON text, may be empty)
  outcome result = outcome::info;
  unsigned status = 0;      // HTTP status, 0: no answer
  std::string error;        // error.code of an error answer
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

class history_log {
 public:
  history_log() : origin_(std::chrono::steady_clock::now()) {}

  /// Nanoseconds since the run started.
  int64_t now_ns() const;
  void add(op_record r);
  std::vector<op_record> records() const;
  /// One JSON object per line, in completion order.
  void write_jsonl(const std::string& path) const;

 private:
  std::chrono::steady_clock::time_point origin_;
  mutable std::mutex mu_;
  std::vector<op_record> records_;
};

/// A JSON string literal (quotes included), with control bytes escaped.
std::string json_string(const std::string& s);

}  // namespace ropekv::chaos
