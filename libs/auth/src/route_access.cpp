#include "ropekv/auth/route_access.hpp"

#include <rapidjson/document.h>

#include <string>

namespace ropekv::auth {
namespace {

using k = net::api_kind;

const std::string* body_text(const net::api_request& r) {
  const auto* j = std::get_if<net::json_object_text>(&r.body);
  return j ? &j->json : nullptr;
}

std::vector<requirement> batch_needs(const net::api_request& r) {
  rapidjson::Document d;
  const auto* text = body_text(r);
  bool reads_only = false;
  if (text && !d.Parse(text->data(), text->size()).HasParseError() && d.IsObject()) {
    auto ops = d.FindMember("ops");
    if (ops != d.MemberEnd() && ops->value.IsArray() && !ops->value.Empty()) {
      reads_only = true;
      for (const auto& op : ops->value.GetArray()) {
        bool get = false;
        if (op.IsObject()) {
          auto kind = op.FindMember("op");
          get = kind != op.MemberEnd() && kind->value.IsString() &&
                std::string_view(kind->value.GetString(), kind->value.GetStringLength()) == "get";
        }
        if (!get) reads_only = false;
      }
    }
  }
  return {{reads_only ? access::read : access::write, r.table}};
}

std::vector<requirement> transact_needs(const net::api_request& r) {
  std::vector<requirement> out;
  rapidjson::Document d;
  const auto* text = body_text(r);
  if (!text || d.Parse(text->data(), text->size()).HasParseError() || !d.IsObject())
    return {{access::write, "*"}};
  auto ops = d.FindMember("ops");
  if (ops == d.MemberEnd() || !ops->value.IsArray()) return {{access::write, "*"}};
  for (const auto& op : ops->value.GetArray()) {
    if (!op.IsObject() || op.MemberCount() != 1) return {{access::write, "*"}};
    const auto& m = *op.MemberBegin();
    std::string_view verb(m.name.GetString(), m.name.GetStringLength());
    if (!m.value.IsObject()) return {{access::write, "*"}};
    auto table = m.value.FindMember("table");
    if (table == m.value.MemberEnd() || !table->value.IsString()) return {{access::write, "*"}};
    std::string name(table->value.GetString(), table->value.GetStringLength());
    out.push_back({verb == "get" ? access::read : access::write, std::move(name)});
  }
  if (out.empty()) return {{access::write, "*"}};
  return out;
}

std::vector<requirement> hook_needs(const net::api_request& r) {
  rapidjson::Document d;
  const auto* text = body_text(r);
  if (text && !d.Parse(text->data(), text->size()).HasParseError() && d.IsObject()) {
    auto t = d.FindMember("table");
    if (t != d.MemberEnd() && t->value.IsString())
      return {{access::admin, std::string(t->value.GetString(), t->value.GetStringLength())}};
  }
  return {{access::admin, "*"}};
}

}  // namespace

bool is_open(net::api_kind kind) noexcept {
  switch (kind) {
    case k::healthz:
    case k::readyz:
    case k::metrics:
    case k::console: return true;
    default: return false;
  }
}

std::vector<requirement> requirements(const net::api_request& r) {
  switch (r.kind) {
    case k::healthz:
    case k::readyz:
    case k::metrics:
    case k::console: return {{access::open, {}}};
    case k::list_tables: return {{access::authenticated, {}}};
    case k::get_table:
    case k::get_item:
    case k::query_items:
    case k::scan:
    case k::get_partition:
    case k::list_indexes:
    case k::get_index:
    case k::index_query: return {{access::read, r.table}};
    case k::put_item:
    case k::delete_item: return {{access::write, r.table}};
    case k::batch: return batch_needs(r);
    case k::transact: return transact_needs(r);
    case k::create_table:
    case k::delete_table:
    case k::rollback_partition:
    case k::split_table:
    case k::put_index:
    case k::delete_index: return {{access::admin, r.table}};
    case k::put_hook: return hook_needs(r);
    // A hook's table is known to placement only: listing, reading or
    // deleting hooks needs admin on every table.
    case k::list_hooks:
    case k::get_hook:
    case k::delete_hook: return {{access::admin, "*"}};
    case k::cluster: return {{access::cluster_read, {}}};
    case k::drain_node:
    case k::undrain_node:
    case k::create_token:
    case k::list_tokens:
    case k::revoke_token: return {{access::cluster_admin, {}}};
  }
  // A kind added without a rule here: only cluster-admin may use it.
  return {{access::cluster_admin, {}}};
}

}  // namespace ropekv::auth
