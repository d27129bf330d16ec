#pragma once
// load_records: the input of `ropectl load` -> items to write, one per
// JSONL line or CSV record. Pure apart from reading the stream, so every
// rule below is unit-tested on strings.
//
// JSONL, one JSON object per line (blank lines skipped), in either form:
//  - an export line (what `ropectl export` writes, the router's item
//    shape): {"hash_key"|"hash_key_base64", "range_key"|"range_key_base64"?,
//    "item":{...}, ...}; recognized by an object "item" next to a hash key;
//    other members (version, expires_at_ms) are ignored;
//  - a plain item: the line is the item, and its keys are the values of
//    the attributes named by the key columns (default: the table's own
//    hash_key / range_key names); a string is taken as its bytes, a number
//    as its text (42 -> "42"); the item keeps those attributes.
// CSV (csv_reader.hpp): the first record is the header and names the
// attributes; the key columns as for plain JSONL. Values: an empty
// unquoted field leaves the attribute out; an unquoted field that is a
// JSON number (-12, 3.5, 1e3) becomes a number, anything else a string; a
// quoted field is always a string ("42" stays "42"); with csv_strings
// every value is a string. Keys are the column's text as written.
//
// Per-item errors (a line that is not an object, a missing or empty key,
// a key or item over the router's limit) are values, not stream errors:
// load counts them as failed and goes on. Stream errors (CSV syntax, a
// header without the hash key column) stop the load.
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "csv_reader.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

struct load_item {
  std::string hash_key;                  // bytes
  std::optional<std::string> range_key;  // bytes; present iff the table has a range key
  std::string item_json;                 // one JSON object, compact
  uint64_t line = 0;                     // where it came from (1-based)
};

/// A record that could not become an item.
struct bad_record {
  uint64_t line = 0;
  std::string message;  // starts with "line N: "
};

/// The attributes that hold the keys; `range` present iff the table has a
/// range key.
struct key_columns {
  std::string hash;
  std::optional<std::string> range;
};

/// True for JSON number syntax (RFC 8259): -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
bool is_json_number(std::string_view text);

/// One JSONL line (without its line break) -> an item or why not.
std::variant<load_item, bad_record> parse_jsonl_line(std::string_view line, uint64_t line_no,
                                                     const key_columns& keys);

/// Maps CSV records to items by a header.
class csv_items {
 public:
  /// errc::invalid_argument when the header lacks a key column or names a
  /// column twice.
  static result<csv_items> make(const csv_record& header, const key_columns& keys, bool all_strings);

  std::variant<load_item, bad_record> item(const csv_record& record) const;

 private:
  std::vector<std::string> names_;
  size_t hash_ = 0;
  std::optional<size_t> range_;
  bool all_strings_ = false;
};

/// One step of reading: an item, a bad record, or the end; `bytes` is what
/// the step consumed from the stream (line breaks and skipped lines
/// included), for progress against the input's size.
struct read_step {
  std::variant<std::monostate, load_item, bad_record> value;  // monostate: end of input
  uint64_t bytes = 0;
  bool end() const { return std::holds_alternative<std::monostate>(value); }
};

/// Reads items from a stream in one format.
class load_reader {
 public:
  enum class format : uint8_t { jsonl, csv };

  /// For CSV, reads the header now: errc::invalid_argument when it is
  /// missing or unusable.
  static result<std::unique_ptr<load_reader>> open(format f, std::istream& in, key_columns keys,
                                                   bool csv_strings);
  /// errc::invalid_argument on a stream error (the load stops).
  result<read_step> next();

 private:
  load_reader(format f, std::istream& in, key_columns keys) : format_(f), in_(in), csv_(in), keys_(std::move(keys)) {}

  format format_;
  std::istream& in_;
  csv_reader csv_;
  key_columns keys_;
  std::optional<csv_items> columns_;
  uint64_t line_ = 0;
  uint64_t header_bytes_ = 0;  // CSV: the header's bytes, reported with the first step
};

/// "jsonl" / "csv" when given, else by the file name: *.csv is CSV,
/// anything else (and "-") JSONL. errc::invalid_argument for another
/// --format.
result<load_reader::format> choose_format(const std::optional<std::string>& format, const std::string& file);

}  // namespace ropekv::ctl
