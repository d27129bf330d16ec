#include "ropekv/net/api_request.hpp"

namespace ropekv::net {

std::string_view to_string(api_kind kind) noexcept {
  switch (kind) {
    case api_kind::create_table: return "create_table";
    case api_kind::list_tables: return "list_tables";
    case api_kind::get_table: return "get_table";
    case api_kind::delete_table: return "delete_table";
    case api_kind::put_item: return "put_item";
    case api_kind::get_item: return "get_item";
    case api_kind::delete_item: return "delete_item";
    case api_kind::query_items: return "query_items";
    case api_kind::scan: return "scan";
    case api_kind::batch: return "batch";
    case api_kind::transact: return "transact";
    case api_kind::get_partition: return "get_partition";
    case api_kind::rollback_partition: return "rollback_partition";
    case api_kind::list_indexes: return "list_indexes";
    case api_kind::put_index: return "put_index";
    case api_kind::get_index: return "get_index";
    case api_kind::delete_index: return "delete_index";
    case api_kind::index_query: return "index_query";
    case api_kind::list_hooks: return "list_hooks";
    case api_kind::put_hook: return "put_hook";
    case api_kind::get_hook: return "get_hook";
    case api_kind::delete_hook: return "delete_hook";
    case api_kind::cluster: return "cluster";
    case api_kind::split_table: return "split_table";
    case api_kind::drain_node: return "drain_node";
    case api_kind::undrain_node: return "undrain_node";
    case api_kind::create_token: return "create_token";
    case api_kind::list_tokens: return "list_tokens";
    case api_kind::revoke_token: return "revoke_token";
    case api_kind::console: return "console";
    case api_kind::healthz: return "healthz";
    case api_kind::readyz: return "readyz";
    case api_kind::metrics: return "metrics";
  }
  return "unknown";
}

}  // namespace ropekv::net
