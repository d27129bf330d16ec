#include "json_members.hpp"

#include <charconv>

#include <rapidjson/document.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ropekv::router {
namespace {

// SAX handler: depth 0 is outside the container, 1 inside it. Every value
// that starts at depth 1 is written to its own writer and becomes one member.
class splitter {
 public:
  explicit splitter(bool want_object) : want_object_(want_object) {}

  bool Null() { return scalar(json_type::null, [](auto& w) { return w.Null(); }); }
  bool Bool(bool b) { return scalar(json_type::boolean, [b](auto& w) { return w.Bool(b); }); }
  bool Int(int) { return false; }  // numbers arrive as RawNumber only
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return scalar(json_type::number, [s, n](auto& w) { return w.RawValue(s, n, rapidjson::kNumberType); });
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return scalar(json_type::string, [s, n](auto& w) { return w.String(s, n); });
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (depth_ == 1) {
      pending_name_.assign(s, n);
      return true;
    }
    return writer_.Key(s, n);
  }
  bool StartObject() { return open(json_type::object, true); }
  bool EndObject(rapidjson::SizeType) { return close(true); }
  bool StartArray() { return open(json_type::array, false); }
  bool EndArray(rapidjson::SizeType) { return close(false); }

  std::vector<json_member> take() { return std::move(out_); }
  bool wrong_container() const { return wrong_container_; }

 private:
  template <class F>
  bool scalar(json_type type, F write) {
    if (depth_ == 0) {
      wrong_container_ = true;
      return false;
    }
    if (depth_ == 1) begin(type);
    if (!write(writer_)) return false;
    if (depth_ == 1) finish();
    return true;
  }
  bool open(json_type type, bool object) {
    if (depth_ == 0) {
      if (object != want_object_) {
        wrong_container_ = true;
        return false;
      }
      depth_ = 1;
      return true;
    }
    if (depth_ == 1) begin(type);
    ++depth_;
    return object ? writer_.StartObject() : writer_.StartArray();
  }
  bool close(bool object) {
    if (depth_ == 1) {
      depth_ = 0;
      return true;
    }
    --depth_;
    bool ok = object ? writer_.EndObject() : writer_.EndArray();
    if (depth_ == 1) finish();
    return ok;
  }
  void begin(json_type type) {
    buffer_.Clear();
    writer_.Reset(buffer_);
    current_ = json_member{std::move(pending_name_), {}, type};
    pending_name_.clear();
  }
  void finish() {
    current_.value.assign(buffer_.GetString(), buffer_.GetSize());
    out_.push_back(std::move(current_));
  }

  bool want_object_;
  int depth_ = 0;
  bool wrong_container_ = false;
  std::string pending_name_;
  json_member current_;
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_{buffer_};
  std::vector<json_member> out_;
};

net::http_result<std::vector<json_member>> split(std::string_view json, bool object) {
  splitter handler(object);
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(json.data(), json.size());
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag |
                             rapidjson::kParseValidateEncodingFlag;
  auto ok = reader.Parse<flags>(ms, handler);
  if (handler.wrong_container())
    return net::http_error::from(errc::invalid_argument,
                                 object ? "expected a JSON object" : "expected a JSON array");
  if (ok.IsError())
    return net::http_error::invalid_json("malformed JSON at offset " + std::to_string(ok.Offset()));
  return handler.take();
}

}  // namespace

net::http_result<std::vector<json_member>> object_members(std::string_view json) {
  return split(json, true);
}

net::http_result<std::vector<json_member>> array_elements(std::string_view json) {
  return split(json, false);
}

std::optional<std::string> json_string(std::string_view json_text) {
  if (json_text.empty() || json_text.front() != '"') return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(json_text.data(), json_text.size());
  if (doc.HasParseError() || !doc.IsString()) return std::nullopt;
  return std::string(doc.GetString(), doc.GetStringLength());
}

std::optional<uint64_t> json_uint64(std::string_view json_text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(json_text.data(), json_text.data() + json_text.size(), v);
  if (ec != std::errc{} || end != json_text.data() + json_text.size() || json_text.empty())
    return std::nullopt;
  if (json_text.size() > 1 && json_text[0] == '0') return std::nullopt;  // JSON has no leading zeros
  return v;
}

}  // namespace ropekv::router
