// snapshot(), digest(), install() and restore(): the store as bytes, and
// back. The digest is the checksum of the canonical snapshot stream, so two
// stores have equal digests exactly when their snapshots are equal.
#include "ropekv/store/segment_store.hpp"
#include "snapshot_io.hpp"

namespace ropekv::store {

result<std::string> segment_store::snapshot() {
  std::string out;
  detail::record_writer w(&out);
  auto r = detail::export_records(*s_, [&](pb::StoreRecord& rec) -> status {
    w.write(rec);
    return {};
  });
  if (!r) return std::move(r).error();
  w.finish();
  return out;
}

result<uint64_t> segment_store::digest() {
  detail::record_writer w(nullptr);
  auto r = detail::export_records(*s_, [&](pb::StoreRecord& rec) -> status {
    w.write(rec);
    return {};
  });
  if (!r) return std::move(r).error();
  return w.finish();
}

status segment_store::install(std::string_view bytes) {
  auto& s = *s_;
  auto inst = detail::installer::begin(*s.db);
  if (!inst) return std::move(inst).error();
  auto r = detail::read_records(bytes, [&](pb::StoreRecord& rec) -> status {
    auto a = inst->add(rec);
    if (!a && a.error().code == errc::internal) {
      // A constraint violation here means duplicate or inconsistent records.
      return make_error(errc::corrupt, "snapshot contents inconsistent: " + a.error().message);
    }
    return a;
  });
  if (r) r = inst->commit();
  if (!r) {
    auto err = std::move(r).error();
    inst->abort();
    if (auto re = s.reload(); !re) err.message += "; reload failed: " + re.error().message;
    return err;
  }
  if (auto re = s.reload(); !re) return re;
  s.reset_scan_floor();
  return {};
}

result<std::unique_ptr<segment_store>> segment_store::restore(const std::string& path,
                                                              std::string_view bytes,
                                                              store_options opts) {
  auto store = open(path, opts);
  if (!store) return store;
  if (auto r = (*store)->install(bytes); !r) return std::move(r).error();
  return store;
}

}  // namespace ropekv::store
