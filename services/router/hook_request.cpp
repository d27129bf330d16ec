#include "hook_request.hpp"

#include <optional>
#include <set>

#include "json_members.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::router {
namespace {

net::http_error bad(std::string message) {
  return net::http_error::from(errc::invalid_argument, std::move(message));
}

net::http_result<std::string> string_member(const json_member& m) {
  auto s = m.type == json_type::string ? json_string(m.value) : std::nullopt;
  if (!s) return bad(m.name + " must be a string");
  return std::move(*s);
}

}  // namespace

net::http_result<pb::HookSpec> parse_hook_spec(const std::string& name, std::string_view json) {
  auto members = object_members(json);
  if (!members) return std::move(members).error();
  pb::HookSpec spec;
  spec.set_name(name);
  std::set<std::string> seen;
  bool has_url = false, has_table = false, has_secret = false;
  for (const auto& m : *members) {
    if (!seen.insert(m.name).second) return bad(m.name + " given twice");
    if (m.type == json_type::null) continue;  // absent (a required one is reported below)
    if (m.name == "url" || m.name == "table" || m.name == "secret") {
      auto s = string_member(m);
      if (!s) return std::move(s).error();
      if (m.name == "url") {
        spec.set_url(std::move(*s));
        has_url = true;
      } else if (m.name == "table") {
        if (auto ok = net::validate_table_name(*s); !ok) return std::move(ok).error();
        spec.set_table(std::move(*s));
        has_table = true;
      } else {
        spec.set_secret(std::move(*s));
        has_secret = true;
      }
    } else if (m.name == "prefix") {
      auto s = string_member(m);
      if (!s) return std::move(s).error();
      spec.set_prefix(std::move(*s));
    } else if (m.name == "events") {
      if (m.type != json_type::array) return bad("events must be an array of strings");
      auto elements = array_elements(m.value);
      if (!elements) return std::move(elements).error();
      for (const auto& e : *elements) {
        auto s = e.type == json_type::string ? json_string(e.value) : std::nullopt;
        if (!s) return bad("events must be an array of strings");
        spec.add_events(std::move(*s));
      }
    } else {
      return bad("unknown member " + m.name + " (url, table, events, prefix, secret)");
    }
  }
  if (!has_url) return bad("a hook needs a url");
  if (!has_table) return bad("a hook needs a table");
  if (!has_secret) return bad("a hook needs a secret (whsec_ + base64 of 24..64 bytes)");
  return spec;
}

}  // namespace ropekv::router
