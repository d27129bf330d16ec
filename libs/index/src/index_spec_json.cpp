#include "ropekv/index/index_spec_json.hpp"

#include <rapidjson/document.h>

#include <set>
#include <string>

#include "ropekv/index/attribute_path.hpp"

namespace ropekv::index {
namespace {

ropekv::error bad(std::string_view code, std::string_view why) {
  std::string msg(code);
  msg += ": ";
  msg += why;
  return make_error(errc::invalid_argument, std::move(msg));
}

std::string_view as_view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

}  // namespace

result<pb::IndexSpec> parse_index_spec(std::string_view body_json, std::string_view table,
                                       std::string_view name) {
  rapidjson::Document doc;
  doc.Parse(body_json.data(), body_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return bad("bad_json", "the index definition must be a JSON object");

  pb::IndexSpec spec;
  spec.set_table(std::string(table));
  spec.set_name(std::string(name));
  spec.set_type(pb::INDEX_STRING);
  spec.set_projection(pb::PROJECT_ALL);
  spec.set_unique(false);
  bool has_attribute = false;
  std::set<std::string_view> seen;
  for (const auto& m : doc.GetObject()) {
    std::string_view key = as_view(m.name);
    // A repeated member would make "which one counts" a parser detail.
    if (!seen.insert(key).second) return bad("bad_json", "member \"" + std::string(key) + "\" given twice");
    const auto& v = m.value;
    if (key == "attribute") {
      if (!v.IsString()) return bad("bad_attribute", "attribute must be a string");
      auto path = attribute_path::parse(as_view(v));
      if (!path) return std::move(path).error();
      spec.set_attribute(path->text());
      has_attribute = true;
    } else if (key == "type") {
      if (v.IsString() && as_view(v) == "string") {
        spec.set_type(pb::INDEX_STRING);
      } else if (v.IsString() && as_view(v) == "number") {
        spec.set_type(pb::INDEX_NUMBER);
      } else {
        return bad("bad_type", "type must be \"string\" or \"number\"");
      }
    } else if (key == "projection") {
      if (v.IsString() && as_view(v) == "keys") {
        spec.set_projection(pb::PROJECT_KEYS);
      } else if (v.IsString() && as_view(v) == "all") {
        spec.set_projection(pb::PROJECT_ALL);
      } else {
        return bad("bad_projection", "projection must be \"keys\" or \"all\"");
      }
    } else if (key == "unique") {
      if (!v.IsBool()) return bad("bad_unique", "unique must be true or false");
      spec.set_unique(v.GetBool());
    } else {
      return bad("bad_json", "unknown member \"" + std::string(key) + "\"");
    }
  }
  if (!has_attribute) return bad("bad_attribute", "attribute is required");
  return spec;
}

std::string_view type_name(pb::IndexType t) { return t == pb::INDEX_NUMBER ? "number" : "string"; }

std::string_view projection_name(pb::IndexProjection p) { return p == pb::PROJECT_KEYS ? "keys" : "all"; }

std::string_view phase_name(pb::IndexReplicaPhase p) {
  switch (p) {
    case pb::INDEX_BACKFILLING: return "backfilling";
    case pb::INDEX_ACTIVE: return "active";
    default: return "assigned";
  }
}

bool same_definition(const pb::IndexSpec& a, const pb::IndexSpec& b) {
  // table and name locate the index; these four decide its contents.
  return a.attribute() == b.attribute() && a.type() == b.type() && a.projection() == b.projection() &&
         a.unique() == b.unique();
}

}  // namespace ropekv::index
