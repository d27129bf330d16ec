#include "items_walk.hpp"

namespace ropekv::router {

net::http_result<std::unique_ptr<items_walk>> start_walk(const walk_spec& spec,
                                                         const std::optional<std::string>& cursor) {
  std::optional<router_cursor> decoded;
  if (cursor) {
    auto c = decode_cursor(*cursor);
    if (!c) return std::move(c).error();
    if (c->kind != spec.kind || c->reverse != spec.reverse || c->table != spec.table)
      return net::http_error::from(errc::invalid_argument, "cursor belongs to another query");
    decoded = std::move(*c);
  }
  const router_cursor* c = decoded ? &*decoded : nullptr;
  if (spec.kind == walk_kind::index) return make_index_walk(spec, c);
  return make_segment_walk(spec, c);
}

}  // namespace ropekv::router
