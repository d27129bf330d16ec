// Opening a store, and its small accessors (meta, counters).
#include "ropekv/store/segment_store.hpp"

#include "store_state.hpp"

namespace ropekv::store {

segment_store::segment_store(std::unique_ptr<detail::store_state> state) : s_(std::move(state)) {}

segment_store::~segment_store() = default;

result<std::unique_ptr<segment_store>> segment_store::open(const std::string& path,
                                                           store_options opts) {
  auto state = detail::open_state(path, opts);
  if (!state) return std::move(state).error();
  return std::unique_ptr<segment_store>(new segment_store(std::move(*state)));
}

segment_meta segment_store::meta() const { return s_->meta.seg; }

status segment_store::set_meta(const segment_meta& meta) {
  auto txn = detail::write_txn::begin(*s_->db);
  if (!txn) return std::move(txn).error();
  auto saved = s_->meta;
  saved.seg = meta;
  if (auto r = detail::save_meta(*s_->db, saved); !r) return r;
  if (auto r = txn->commit(); !r) return r;
  s_->meta = std::move(saved);
  return {};
}

uint64_t segment_store::last_position() const { return s_->meta.next_position - 1; }

int64_t segment_store::total_changes() const { return sqlite3_total_changes64(s_->db->handle()); }

const std::string& segment_store::path() const { return s_->path; }

}  // namespace ropekv::store
