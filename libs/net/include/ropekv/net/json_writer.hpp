#pragma once
// json_writer: a thin RapidJSON writer for response bodies.
//
// Strings are written from arbitrary bytes with their exact length (embedded
// NULs become \u0000). Bytes that are not UTF-8 are written as they are, so
// callers that echo user keys which may be binary should encode them first.
// Chained calls; take() returns the text and leaves the writer empty.
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ropekv::net {

class json_writer {
 public:
  json_writer() : writer_(buffer_) {}
  json_writer(const json_writer&) = delete;
  json_writer& operator=(const json_writer&) = delete;

  json_writer& begin_object() { writer_.StartObject(); return *this; }
  json_writer& end_object() { writer_.EndObject(); return *this; }
  json_writer& begin_array() { writer_.StartArray(); return *this; }
  json_writer& end_array() { writer_.EndArray(); return *this; }

  json_writer& key(std::string_view k);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(uint64_t v) { writer_.Uint64(v); return *this; }
  json_writer& value(int64_t v) { writer_.Int64(v); return *this; }
  json_writer& value(unsigned v) { writer_.Uint(v); return *this; }
  json_writer& value(int v) { writer_.Int(v); return *this; }
  /// NaN and infinities have no JSON form: written as null.
  json_writer& value(double v);
  json_writer& value(bool v) { writer_.Bool(v); return *this; }
  json_writer& null() { writer_.Null(); return *this; }
  /// Splices already-valid JSON text (e.g. a stored item) as one value.
  json_writer& raw(std::string_view json);

  /// key + value in one call.
  template <class T>
  json_writer& field(std::string_view k, const T& v) { key(k); return value(v); }

  /// True once the top-level value is closed.
  bool complete() const { return writer_.IsComplete(); }

  std::string take();

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace ropekv::net
