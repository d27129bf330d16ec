#include "store_state.hpp"

#include <limits>

namespace ropekv::store::detail {

result<std::unique_ptr<store_state>> open_state(const std::string& path, const store_options& opts) {
  auto db = database::open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return std::move(db).error();
  if (auto r = prepare_schema(**db, path, opts); !r) return std::move(r).error();
  auto s = std::make_unique<store_state>();
  s->path = path;
  s->opts = opts;
  s->db = std::move(*db);
  s->parts = std::make_unique<partition_cache>(*s->db);
  if (auto r = s->reload(); !r) return std::move(r).error();
  s->reset_scan_floor();
  return s;
}

status store_state::reload() {
  auto m = load_meta(*db);
  if (!m) return std::move(m).error();
  meta = std::move(*m);
  parts->clear();
  sweep_floor_ms = 0;
  if (auto r = locks.load(*db); !r) return r;
  return parts->load_voids();
}

result<std::optional<version_row>> store_state::latest(std::string_view key, uint64_t tp,
                                                       uint64_t as_of) {
  auto q = db->prepare("SELECT " RKV_ROW_COLS
                       " FROM kv_items WHERE key=?1 AND version<=?2 ORDER BY version DESC");
  if (!q) return std::move(q).error();
  uint64_t upper = as_of == 0 ? std::numeric_limits<int64_t>::max()
                              : std::min<uint64_t>(as_of, std::numeric_limits<int64_t>::max());
  q->bind_blob(1, key).bind_u64(2, upper);
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<version_row>{};
    if (parts->is_void(tp, q->u64(2))) continue;
    return std::optional<version_row>(read_row(*q));
  }
}

pb::MutationResult failed(errc code, std::string message) {
  pb::MutationResult r;
  r.set_error_code(static_cast<uint32_t>(code));
  r.set_error_message(std::move(message));
  return r;
}

}  // namespace ropekv::store::detail
