#include "ropekv/index/attribute_path.hpp"

#include <rapidjson/document.h>

#include "ropekv/index/index_key.hpp"

namespace ropekv::index {
namespace {

ropekv::error bad_attribute(std::string why) {
  return make_error(errc::invalid_argument, "bad_attribute: " + std::move(why));
}

}  // namespace

result<attribute_path> attribute_path::parse(std::string_view text) {
  if (text.empty()) return bad_attribute("the attribute path is empty");
  if (text.size() > max_path_bytes) {
    return bad_attribute("the attribute path is over " + std::to_string(max_path_bytes) + " bytes");
  }
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return bad_attribute("the attribute path holds a control character");
  }
  attribute_path p;
  p.text_ = std::string(text);
  size_t begin = 0;
  while (true) {
    size_t dot = text.find('.', begin);
    std::string_view seg = text.substr(begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin);
    if (seg.empty()) return bad_attribute("empty segment in \"" + std::string(text) + "\"");
    if (p.segments_.size() == max_path_depth) {
      return bad_attribute("more than " + std::to_string(max_path_depth) + " segments");
    }
    p.segments_.emplace_back(seg);
    if (dot == std::string_view::npos) break;
    begin = dot + 1;
  }
  return p;
}

std::optional<std::string> extract_key(std::string_view item_json, const attribute_path& path,
                                       pb::IndexType type) {
  // Full precision: a number's key must be the double nearest to its text,
  // the same double parse_json_number gives a query value.
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(item_json.data(), item_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const rapidjson::Value* v = &doc;
  for (const auto& seg : path.segments()) {
    if (!v->IsObject()) return std::nullopt;
    auto m = v->FindMember(rapidjson::Value(rapidjson::StringRef(seg.data(), seg.size())));
    if (m == v->MemberEnd()) return std::nullopt;
    v = &m->value;
  }
  if (type == pb::INDEX_NUMBER) {
    if (!v->IsNumber()) return std::nullopt;
    return encode_number(v->GetDouble());
  }
  if (!v->IsString() || v->GetStringLength() > max_index_value_bytes) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

}  // namespace ropekv::index
