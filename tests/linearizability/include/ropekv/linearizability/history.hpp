#pragma once
// The history model the linearizability checker consumes: one record per
// client operation against a register-per-key store (get, put, delete and
// their conditional forms). Plain values; nothing here is thread-safe or needs
// to be (history_recorder is the thread-safe way to build one).
//
// Invariants a well-formed history keeps:
//  - invoke_time <= return_time for every operation with a known outcome;
//  - times of all operations share one monotonic clock (any unit);
//  - an operation whose outcome is unknown (timed out, client crashed) has
//    `output == nullopt`; it may or may not have taken effect, at any moment
//    after its invocation. Its return_time is unknown_return by convention and
//    is ignored by the checker.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "ropekv/common/ids.hpp"

namespace ropekv::lin {

using client_id = tagged_id<struct client_id_tag>;

/// "Never returned": the return time of an operation with an unknown outcome.
inline constexpr int64_t unknown_return = std::numeric_limits<int64_t>::max();

enum class op_kind : uint8_t { get, put, del };

/// Precondition of a put or delete; `if_value` compares with op_input::expected.
enum class condition : uint8_t { always, if_absent, if_present, if_value };

/// What a client asked for. Build it with the helpers below.
struct op_input {
  op_kind kind = op_kind::get;
  condition cond = condition::always;
  std::string expected;  // if_value only
  std::string value;     // put only: the value written
};

/// What a client observed. `read` matters for a get (nullopt: key absent,
/// which is distinct from the empty string); `applied` for a put or delete
/// (false: its condition did not hold and nothing changed).
struct op_output {
  std::optional<std::string> read;
  bool applied = true;
};

struct operation {
  client_id client;
  std::string key;
  op_input input;
  std::optional<op_output> output;  // nullopt: outcome unknown
  int64_t invoke_time = 0;
  int64_t return_time = unknown_return;

  bool outcome_known() const noexcept { return output.has_value(); }
};

// Inputs.
op_input get();
op_input put(std::string value);
op_input put_if_absent(std::string value);
op_input put_if_present(std::string value);
op_input put_if_value(std::string expected, std::string value);
op_input del();
/// For stores that answer "not found" to deleting a missing key.
op_input del_if_present();
op_input del_if_value(std::string expected);

// Outputs.
op_output read_value(std::string value);
op_output read_absent();
op_output write_ok();
op_output write_failed();  // condition did not hold

/// One line for diagnostics, e.g. `c3 [10,20] put_if_value(k, "a", "b") -> ok`.
std::string to_string(const operation& op);

}  // namespace ropekv::lin
