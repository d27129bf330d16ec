#include "ropekv/net/json_body.hpp"

#include <string>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ropekv::net {
namespace {

using rapidjson::SizeType;

// Whether decoded text holds a UTF-16 surrogate (U+D800..U+DFFF, UTF-8 ED A0..BF xx).
// RapidJSON 1.1.0 turns a lone low-surrogate escape ("\udc00") into those
// bytes although they are not UTF-8; stored, they would make every later
// response holding the item invalid JSON (found by tests/fuzz/fuzz_json_body).
bool has_surrogate(const char* str, SizeType length) {
  for (SizeType i = 0; i + 1 < length; ++i)
    if (static_cast<unsigned char>(str[i]) == 0xED && static_cast<unsigned char>(str[i + 1]) >= 0xA0)
      return true;
  return false;
}

// Forwards SAX events to a writer, enforcing "object at the top" and depth.
class forwarding_handler {
 public:
  enum class stop_reason { none, not_object, too_deep, surrogate };

  forwarding_handler(rapidjson::Writer<rapidjson::StringBuffer>& writer, size_t max_depth)
      : writer_(writer), max_depth_(max_depth) {}

  stop_reason reason() const noexcept { return reason_; }

  bool Null() { return scalar() && writer_.Null(); }
  bool Bool(bool b) { return scalar() && writer_.Bool(b); }
  // With kParseNumbersAsStringsFlag every number arrives as RawNumber; the
  // typed callbacks exist only to satisfy the handler concept.
  bool Int(int i) { return scalar() && writer_.Int(i); }
  bool Uint(unsigned u) { return scalar() && writer_.Uint(u); }
  bool Int64(int64_t i) { return scalar() && writer_.Int64(i); }
  bool Uint64(uint64_t u) { return scalar() && writer_.Uint64(u); }
  bool Double(double d) { return scalar() && writer_.Double(d); }
  bool RawNumber(const char* str, SizeType length, bool) {
    // Writer::RawNumber of RapidJSON 1.1.0 quotes its argument; RawValue does not.
    return scalar() && writer_.RawValue(str, length, rapidjson::kNumberType);
  }
  bool String(const char* str, SizeType length, bool) {
    return scalar() && utf8(str, length) && writer_.String(str, length);
  }
  bool Key(const char* str, SizeType length, bool) {
    return utf8(str, length) && writer_.Key(str, length);
  }
  bool StartObject() { return open(true) && writer_.StartObject(); }
  bool EndObject(SizeType) { --depth_; return writer_.EndObject(); }
  bool StartArray() { return open(false) && writer_.StartArray(); }
  bool EndArray(SizeType) { --depth_; return writer_.EndArray(); }

 private:
  bool utf8(const char* str, SizeType length) {
    if (!has_surrogate(str, length)) return true;
    reason_ = stop_reason::surrogate;
    return false;
  }
  // A scalar at depth 0 is a top-level non-object.
  bool scalar() {
    if (depth_ == 0) { reason_ = stop_reason::not_object; return false; }
    return true;
  }
  bool open(bool is_object) {
    if (depth_ == 0 && !is_object) { reason_ = stop_reason::not_object; return false; }
    if (++depth_ > max_depth_) { reason_ = stop_reason::too_deep; return false; }
    return true;
  }

  rapidjson::Writer<rapidjson::StringBuffer>& writer_;
  size_t max_depth_;
  size_t depth_ = 0;
  stop_reason reason_ = stop_reason::none;
};

}  // namespace

http_result<json_object_text> normalize_json_object(std::string_view body, size_t max_depth) {
  if (body.find('\0') != std::string_view::npos)
    return http_error::invalid_json("body contains a NUL byte");
  rapidjson::StringBuffer buffer;
  buffer.Reserve(body.size());
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  forwarding_handler handler(writer, max_depth);
  rapidjson::MemoryStream stream(body.data(), body.size());
  rapidjson::Reader reader;
  constexpr unsigned flags = rapidjson::kParseIterativeFlag |
                             rapidjson::kParseValidateEncodingFlag |
                             rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::ParseResult parsed = reader.Parse<flags>(stream, handler);
  if (!parsed) {
    switch (handler.reason()) {
      case forwarding_handler::stop_reason::not_object:
        return http_error::from(errc::invalid_argument, "body must be a JSON object");
      case forwarding_handler::stop_reason::too_deep:
        return http_error::from(errc::invalid_argument,
                                "JSON nesting deeper than " + std::to_string(max_depth));
      case forwarding_handler::stop_reason::surrogate:
        return http_error::invalid_json("string holds a lone UTF-16 surrogate escape (at byte " +
                                        std::to_string(parsed.Offset()) + ")");
      case forwarding_handler::stop_reason::none: break;
    }
    if (parsed.Code() == rapidjson::kParseErrorDocumentEmpty)
      return http_error::invalid_json("body is empty; a JSON object is required");
    return http_error::invalid_json(std::string(rapidjson::GetParseError_En(parsed.Code())) +
                                    " (at byte " + std::to_string(parsed.Offset()) + ")");
  }
  return json_object_text{std::string(buffer.GetString(), buffer.GetSize())};
}

}  // namespace ropekv::net
