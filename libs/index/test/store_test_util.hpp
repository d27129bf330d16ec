#pragma once
// Helpers shared by the index_store tests: temp dirs, descriptors, items,
// feed events and tokens.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "ropekv/index/index_store.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::index::test {

namespace fs = std::filesystem;

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "index_store_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const char* name = "index.db") const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

inline constexpr uint32_t table = 7;

inline pb::IndexDescriptor descriptor(uint32_t id, std::string attribute, pb::IndexType type = pb::INDEX_STRING,
                                      pb::IndexProjection projection = pb::PROJECT_ALL, bool unique = false) {
  pb::IndexDescriptor d;
  d.set_id(id);
  d.set_table_id(table);
  auto* s = d.mutable_spec();
  s->set_table("t");
  s->set_name("ix" + std::to_string(id));
  s->set_attribute(std::move(attribute));
  s->set_type(type);
  s->set_projection(projection);
  s->set_unique(unique);
  return d;
}

inline std::unique_ptr<index_store> open_ok(const std::string& path, const pb::IndexDescriptor& d) {
  auto s = index_store::open(path, d);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? std::move(*s) : nullptr;
}

inline pb::Item item(std::string hk, std::string rk, std::string value, uint64_t version, int64_t expires = 0) {
  pb::Item it;
  it.set_table_id(table);
  it.set_hash_key(std::move(hk));
  it.set_range_key(std::move(rk));
  it.set_value(std::move(value));
  it.set_version(version);
  it.set_expires_at_ms(expires);
  return it;
}

/// The base key the store files `it` under.
inline std::string pk_of(const pb::Item& it) {
  return keys::encode(keys::make_key(table, it.hash_key(), it.range_key()));
}

inline pb::ChangeEvent event(pb::ChangeKind kind, const pb::Item& it) {
  pb::ChangeEvent ev;
  ev.set_kind(kind);
  *ev.mutable_item() = it;
  if (kind == pb::CHANGE_DELETE || kind == pb::CHANGE_EXPIRED) ev.mutable_item()->clear_value();
  ev.set_partition(keys::make_key(table, it.hash_key()).partition);
  ev.set_version(it.version());
  return ev;
}

inline pb::ChangeEvent put(std::string hk, std::string value, uint64_t version, int64_t expires = 0) {
  return event(pb::CHANGE_UPDATE, item(std::move(hk), "", std::move(value), version, expires));
}

inline pb::ChangeEvent del(std::string hk, uint64_t version, pb::ChangeKind kind = pb::CHANGE_DELETE) {
  return event(kind, item(std::move(hk), "", "", version));
}

inline pb::FeedToken token(uint64_t position) {
  pb::FeedToken t;
  t.set_format(1);
  t.set_table_id(table);
  auto* c = t.add_cursors();
  c->set_start_key(keys::table_prefix(table));
  c->set_position(position);
  return t;
}

/// query_args, built by name: args().eq(k).limit(5). (Designated
/// initializers would leave members out, which -Wextra reports.)
struct args : query_args {
  args& eq(std::string v) { query_args::eq = std::move(v); return *this; }
  args& from(std::string v) { query_args::from = std::move(v); return *this; }
  args& to(std::string v) { query_args::to = std::move(v); return *this; }
  args& reverse(bool v = true) { query_args::reverse = v; return *this; }
  args& limit(size_t v) { query_args::limit = v; return *this; }
  args& cursor(std::string v) { query_args::cursor = std::move(v); return *this; }
  args& now(int64_t v) { query_args::now_ms = v; return *this; }
};

/// A range not yet scanned.
inline backfill_range range(std::string start, std::string end) {
  backfill_range r;
  r.start = std::move(start);
  r.end = std::move(end);
  return r;
}

inline bool same_message(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

}  // namespace ropekv::index::test
