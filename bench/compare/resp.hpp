#pragma once
// RESP2 (Redis protocol): encoding a command, parsing one reply. Pure code.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropekv::bench::resp {

/// *N\r\n$len\r\narg\r\n... for the given arguments.
std::string encode_command(const std::vector<std::string>& args);

enum class kind { simple, error, integer, bulk, null_bulk, array, null_array };

struct reply {
  kind type = kind::simple;
  std::string text;            // simple / error / bulk payload, integer digits
  std::vector<reply> elements;  // array
};

struct parse_result {
  enum class state { complete, incomplete, malformed } status = state::incomplete;
  size_t consumed = 0;  // bytes of the reply when complete
  reply value;
};

/// Parses one reply at the start of `in`.
parse_result parse(std::string_view in);

}  // namespace ropekv::bench::resp
