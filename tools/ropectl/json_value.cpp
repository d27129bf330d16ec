#include "json_value.hpp"

#include <charconv>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ropekv::ctl {
namespace {

// SAX handler building a json_value tree with an explicit stack, so that
// the reader (iterative) and the builder never recurse on deep input.
class tree_builder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, tree_builder> {
 public:
  bool Null() { return put(json_value::make(json_value::kind::null)); }
  bool Bool(bool b) { return put(json_value::make(json_value::kind::boolean, b ? "true" : "false")); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return put(json_value::make(json_value::kind::number, std::string(s, n)));
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return put(json_value::make(json_value::kind::string, std::string(s, n)));
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    keys_.emplace_back(s, n);
    return true;
  }
  bool StartObject() { return open(json_value::kind::object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(json_value::kind::array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  json_value take() { return std::move(root_); }

 private:
  bool open(json_value::kind k) {
    stack_.push_back(json_value::make(k));
    return true;
  }
  bool close() {
    json_value done = std::move(stack_.back());
    stack_.pop_back();
    return put(std::move(done));
  }
  bool put(json_value v) {
    if (stack_.empty()) {
      root_ = std::move(v);
    } else if (stack_.back().is_object()) {
      stack_.back().add_member(std::move(keys_.back()), std::move(v));
      keys_.pop_back();
    } else {
      stack_.back().add_element(std::move(v));
    }
    return true;
  }

  std::vector<json_value> stack_;
  std::vector<std::string> keys_;
  json_value root_;
};

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

void write(const json_value& v, writer_t& w) {
  const auto size = [](const std::string& s) { return static_cast<rapidjson::SizeType>(s.size()); };
  switch (v.type()) {
    case json_value::kind::null: w.Null(); break;
    case json_value::kind::boolean: w.Bool(v.as_bool()); break;
    case json_value::kind::number: w.RawValue(v.text().data(), v.text().size(), rapidjson::kNumberType); break;
    case json_value::kind::string: w.String(v.text().data(), size(v.text())); break;
    case json_value::kind::array:
      w.StartArray();
      for (const auto& e : v.elements()) write(e, w);
      w.EndArray();
      break;
    case json_value::kind::object:
      w.StartObject();
      for (const auto& [k, m] : v.members()) {
        w.Key(k.data(), size(k));
        write(m, w);
      }
      w.EndObject();
      break;
  }
}

}  // namespace

result<json_value> json_value::parse(std::string_view text) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  tree_builder builder;
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag |
                             rapidjson::kParseStopWhenDoneFlag;
  rapidjson::ParseResult ok = reader.Parse<flags>(stream, builder);
  if (!ok) {
    std::string what = rapidjson::GetParseError_En(ok.Code());
    if (!what.empty() && what.back() == '.') what.pop_back();
    return make_error(errc::invalid_argument, what + " at offset " + std::to_string(ok.Offset()));
  }
  // kParseStopWhenDoneFlag lets us reject trailing garbage other than space.
  for (size_t i = stream.Tell(); i < text.size(); ++i) {
    char c = text[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
      return make_error(errc::invalid_argument, "trailing text at offset " + std::to_string(i));
  }
  return builder.take();
}

std::optional<uint64_t> json_value::as_uint64() const {
  if (kind_ != kind::number) return std::nullopt;
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || end != text_.data() + text_.size()) return std::nullopt;
  return v;
}

const json_value* json_value::find(std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

std::string json_value::to_json() const {
  rapidjson::StringBuffer buffer;
  writer_t w(buffer);
  write(*this, w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string json_value::to_display() const {
  switch (kind_) {
    case kind::null: return {};
    case kind::string: return text_;
    case kind::boolean:
    case kind::number: return text_;
    default: return to_json();
  }
}

result<std::string> compact_json(std::string_view text) {
  auto v = json_value::parse(text);
  if (!v) return std::move(v).error();
  return v->to_json();
}

}  // namespace ropekv::ctl
