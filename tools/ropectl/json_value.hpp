#pragma once
// json_value: a read-only JSON tree for responses, built with RapidJSON's
// SAX reader.
//
// Why not rapidjson::Document: items may hold integers beyond 2^64 or
// decimals beyond double precision, and the router keeps them verbatim
// (libs/net json_body.hpp). A Document would round them through double when
// ropectl prints an item; here numbers keep their source text, so printing
// a parsed value gives back exactly what the server sent (compacted).
// Strings are kept as the bytes the JSON escapes decode to; no UTF-8 check,
// since keys echoed by the server may be arbitrary bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

class json_value {
 public:
  enum class kind : uint8_t { null, boolean, number, string, array, object };

  json_value() = default;
  static json_value make(kind k, std::string text = {}) {
    json_value v;
    v.kind_ = k;
    v.text_ = std::move(text);
    return v;
  }

  /// Parses one JSON document; errc::invalid_argument with the offset on
  /// malformed text.
  static result<json_value> parse(std::string_view text);

  kind type() const noexcept { return kind_; }
  bool is_object() const noexcept { return kind_ == kind::object; }
  bool is_array() const noexcept { return kind_ == kind::array; }
  bool is_string() const noexcept { return kind_ == kind::string; }
  bool is_number() const noexcept { return kind_ == kind::number; }
  bool is_null() const noexcept { return kind_ == kind::null; }

  /// String bytes, number text, "true"/"false"; empty otherwise.
  const std::string& text() const noexcept { return text_; }
  /// The number as uint64 when it is a plain non-negative integer that fits.
  std::optional<uint64_t> as_uint64() const;
  bool as_bool() const noexcept { return kind_ == kind::boolean && text_ == "true"; }

  /// Member of an object (first match); nullptr when absent or not an object.
  const json_value* find(std::string_view key) const;
  const std::vector<std::pair<std::string, json_value>>& members() const { return members_; }
  const std::vector<json_value>& elements() const { return elements_; }

  void add_member(std::string key, json_value v) { members_.emplace_back(std::move(key), std::move(v)); }
  void add_element(json_value v) { elements_.push_back(std::move(v)); }

  /// Compact JSON text; numbers as received.
  std::string to_json() const;
  /// Human rendering of a scalar: strings unquoted, null as "", others as JSON.
  std::string to_display() const;

 private:
  kind kind_ = kind::null;
  std::string text_;
  std::vector<std::pair<std::string, json_value>> members_;
  std::vector<json_value> elements_;
};

/// Re-serializes JSON text compactly on one line, numbers verbatim.
result<std::string> compact_json(std::string_view text);

}  // namespace ropekv::ctl
