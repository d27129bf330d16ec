#include "test_util.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

namespace ropekv::store::test {

temp_dir::temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "ropekv-store-XXXXXX";
  std::string tmpl = base.string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = made;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

pb::Mutation make_put(uint32_t table, const std::string& hk, const std::string& rk,
                      const std::string& value, int64_t ts, const put_args& a) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* p = m.mutable_put();
  auto* it = p->mutable_item();
  it->set_table_id(table);
  it->set_hash_key(hk);
  it->set_range_key(rk);
  it->set_value(value);
  it->set_expires_at_ms(a.expires_ms);
  if (a.rk2) {
    it->set_rk2(*a.rk2);
    it->set_has_rk2(true);
  }
  p->set_condition(a.cond);
  p->set_expected_version(a.expected);
  return m;
}

pb::Mutation make_delete(uint32_t table, const std::string& hk, const std::string& rk, int64_t ts,
                         pb::Condition cond, uint64_t expected) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* d = m.mutable_delete_();
  d->set_table_id(table);
  d->set_hash_key(hk);
  d->set_range_key(rk);
  d->set_condition(cond);
  d->set_expected_version(expected);
  return m;
}

pb::Mutation make_rollback(uint32_t table, uint16_t partition, uint64_t to, int64_t ts) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* r = m.mutable_rollback();
  r->set_table_id(table);
  r->set_partition(partition);
  r->set_to_version(to);
  return m;
}

pb::Mutation make_noop(int64_t ts) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  m.mutable_noop();
  return m;
}

std::unique_ptr<segment_store> open_store(const std::string& path, store_options opts) {
  auto s = segment_store::open(path, opts);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  if (!s) return nullptr;
  return std::move(*s);
}

pb::MutationResult must_apply(segment_store& s, const pb::Mutation& m, uint64_t index) {
  auto r = s.apply(m, index);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r) return {};
  return *r;
}

uint16_t part(const std::string& hk) { return keys::partition_of(hk); }

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr) {
        out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = std::string("error: ") + sqlite3_errmsg(db);
      }
    } else {
      out = std::string("error: ") + sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

std::string raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return "cannot open";
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    out = err != nullptr ? err : "error";
    sqlite3_free(err);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace ropekv::store::test
