#pragma once
// csv_reader: RFC 4180 records from a stream, for `ropectl load FILE.csv`.
//
// Fields are separated by ',' and records by "\n" or "\r\n"; a field in
// double quotes may hold commas, line breaks and "" (one quote). Whether a
// field was quoted is kept: load types an unquoted 42 as a number and a
// quoted "42" as a string (load_records.hpp). Each record counts the bytes
// it took from the stream (for progress against the file size) and the
// line it started on (for error messages). A blank line is skipped.
//
// Errors (errc::invalid_argument, naming the line): a quote inside an
// unquoted field, text after a closing quote, a quoted field that never
// ends. The reader cannot resynchronize after one: the caller stops.
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

struct csv_field {
  std::string text;
  bool quoted = false;
};

struct csv_record {
  std::vector<csv_field> fields;
  uint64_t line = 0;   // 1-based line the record starts on
  uint64_t bytes = 0;  // bytes consumed, line break included
};

class csv_reader {
 public:
  explicit csv_reader(std::istream& in) : in_(in) {}

  /// The next record; nullopt at the end of the stream.
  result<std::optional<csv_record>> next();

 private:
  std::istream& in_;
  uint64_t line_ = 1;
};

}  // namespace ropekv::ctl
