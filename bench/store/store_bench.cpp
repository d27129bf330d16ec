// store_bench: throughput of the segment store next to a raw SQLite loop
// with the same pragmas and the same transaction shape, measured in the
// same run (interleaved rounds, so machine noise hits both sides alike), and
// the cost of a partition rollback at 10^3 vs 10^6 versions.
//
//   store_bench [--quick] [--dir=PATH]
//
// Prints one JSON object on stdout; progress goes to stderr.
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "raw_sqlite.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/store/segment_store.hpp"

namespace {

using namespace ropekv;
using clock_type = std::chrono::steady_clock;

struct config {
  bool quick = false;
  std::string dir;
  size_t puts = 20000;          // single-transaction puts, per side
  size_t gets = 200000;         // per side
  size_t batch_puts = 100000;   // per side, in transactions of batch_size
  size_t batch_size = 100;
  size_t range_items = 10000;   // items under one hash key
  size_t range_passes = 20;
  size_t rounds = 10;           // interleaving rounds
  size_t rollback_small = 1000;
  size_t rollback_large = 1000000;
  size_t rollbacks = 201;
};

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

std::string value_of(size_t i) {
  // ~200 bytes of JSON, as a small item would be.
  std::string v = "{\"id\":" + std::to_string(i) + ",\"name\":\"user-" + std::to_string(i) + "\",\"bio\":\"";
  v.append(200 - std::min<size_t>(v.size(), 190) - 2, 'x');
  v += "\"}";
  return v;
}

pb::Mutation put_of(const std::string& hk, const std::string& rk, const std::string& value, int64_t ts) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* it = m.mutable_put()->mutable_item();
  it->set_table_id(1);
  it->set_hash_key(hk);
  it->set_range_key(rk);
  it->set_value(value);
  return m;
}

void checkpoint(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

void apply_all(store::segment_store& s, std::vector<pb::Mutation>& ms, size_t batch) {
  std::vector<store::indexed_mutation> b;
  for (size_t i = 0; i < ms.size(); i += batch) {
    b.clear();
    for (size_t j = i; j < std::min(ms.size(), i + batch); ++j) b.push_back({&ms[j], 0});
    must(s.apply_batch(b), "apply_batch");
  }
}

struct pair_rate {
  double store = 0, raw = 0;
};

// One put per transaction on both sides, interleaved by rounds.
pair_rate bench_puts(const config& c, store::segment_store& s, bench::raw_sqlite& raw, int64_t& ts) {
  clock_type::duration ts_store{}, ts_raw{};
  size_t per_round = c.puts / c.rounds;
  for (size_t r = 0; r < c.rounds; ++r) {
    std::vector<pb::Mutation> ms;
    std::vector<std::string> raw_keys, values;
    for (size_t i = 0; i < per_round; ++i) {
      size_t n = r * per_round + i;
      std::string hk = "user" + std::to_string(n);
      values.push_back(value_of(n));
      ms.push_back(put_of(hk, "profile", values.back(), ts++));
      raw_keys.push_back(keys::encode(keys::make_key(1, hk, "profile")));
    }
    auto t0 = clock_type::now();
    for (size_t i = 0; i < per_round; ++i) {
      raw.begin();
      raw.insert(raw_keys[i], values[i]);
      raw.commit();
    }
    auto t1 = clock_type::now();
    for (auto& m : ms) {
      auto res = must(s.apply(m), "put");
      if (res.error_code() != 0) die("put failed: " + res.error_message());
    }
    auto t2 = clock_type::now();
    ts_raw += t1 - t0;
    ts_store += t2 - t1;
  }
  size_t n = per_round * c.rounds;
  return {n / seconds(ts_store), n / seconds(ts_raw)};
}

pair_rate bench_gets(const config& c, store::segment_store& s, bench::raw_sqlite& raw) {
  clock_type::duration ts_store{}, ts_raw{};
  std::mt19937_64 rng(42);
  size_t keyspace = (c.puts / c.rounds) * c.rounds;
  size_t per_round = c.gets / c.rounds;
  store::read_options ro;
  ro.now_us = 0;
  std::string value;
  size_t sink = 0;
  for (size_t r = 0; r < c.rounds; ++r) {
    std::vector<std::string> hks, raw_keys;
    for (size_t i = 0; i < per_round; ++i) {
      hks.push_back("user" + std::to_string(rng() % keyspace));
      raw_keys.push_back(keys::encode(keys::make_key(1, hks.back(), "profile")));
    }
    auto t0 = clock_type::now();
    for (auto& k : raw_keys) {
      if (!raw.select(k, value)) die("raw select missed");
      sink += value.size();
    }
    auto t1 = clock_type::now();
    for (auto& hk : hks) {
      auto it = must(s.get(1, hk, "profile", ro), "get");
      sink += it.value().size();
    }
    auto t2 = clock_type::now();
    ts_raw += t1 - t0;
    ts_store += t2 - t1;
  }
  if (sink == 0) die("nothing read");
  size_t n = per_round * c.rounds;
  return {n / seconds(ts_store), n / seconds(ts_raw)};
}

// Group commits of batch_size puts per transaction on both sides.
pair_rate bench_batched(const config& c, store::segment_store& s, bench::raw_sqlite& raw, int64_t& ts) {
  clock_type::duration ts_store{}, ts_raw{};
  size_t per_round = c.batch_puts / c.rounds;
  for (size_t r = 0; r < c.rounds; ++r) {
    std::vector<pb::Mutation> ms;
    std::vector<std::string> raw_keys, values;
    for (size_t i = 0; i < per_round; ++i) {
      size_t n = r * per_round + i;
      std::string hk = "batch" + std::to_string(n);
      values.push_back(value_of(n));
      ms.push_back(put_of(hk, "profile", values.back(), ts++));
      raw_keys.push_back(keys::encode(keys::make_key(1, hk, "profile")));
    }
    auto t0 = clock_type::now();
    for (size_t i = 0; i < per_round; i += c.batch_size) {
      raw.begin();
      for (size_t j = i; j < std::min(per_round, i + c.batch_size); ++j) raw.insert(raw_keys[j], values[j]);
      raw.commit();
    }
    auto t1 = clock_type::now();
    apply_all(s, ms, c.batch_size);
    auto t2 = clock_type::now();
    ts_raw += t1 - t0;
    ts_store += t2 - t1;
  }
  size_t n = per_round * c.rounds;
  return {n / seconds(ts_store), n / seconds(ts_raw)};
}

double bench_range(const config& c, store::segment_store& s, int64_t& ts) {
  std::vector<pb::Mutation> ms;
  for (size_t i = 0; i < c.range_items; ++i) {
    char rk[32];
    std::snprintf(rk, sizeof rk, "r%08zu", i);
    ms.push_back(put_of("range-hk", rk, value_of(i), ts++));
  }
  apply_all(s, ms, 1000);
  size_t items = 0;
  auto t0 = clock_type::now();
  for (size_t pass = 0; pass < c.range_passes; ++pass) {
    store::range_query q;
    q.table = 1;
    q.hash_key = "range-hk";
    q.limit = 100;
    q.reverse = pass % 2 == 1;
    for (;;) {
      auto p = must(s.range(q), "range");
      items += p.items.size();
      if (p.next_cursor.empty()) break;
      q.cursor = std::move(p.next_cursor);
    }
  }
  auto t1 = clock_type::now();
  if (items != c.range_items * c.range_passes) die("range returned " + std::to_string(items));
  return items / seconds(t1 - t0);
}

double bench_scan(store::segment_store& s, size_t& total) {
  store::scan_query q;
  q.limit = 1000;
  total = 0;
  auto t0 = clock_type::now();
  for (;;) {
    auto p = must(s.scan(q), "scan");
    total += p.items.size();
    if (p.next_cursor.empty()) break;
    q.cursor = std::move(p.next_cursor);
  }
  return total / seconds(clock_type::now() - t0);
}

// A store whose partition of hash key "rb" holds `versions` versions.
std::unique_ptr<store::segment_store> rollback_store(const std::string& path, size_t versions) {
  auto s = must(store::segment_store::open(path), "open");
  std::vector<pb::Mutation> ms;
  const size_t chunk = 20000;
  for (size_t i = 0; i < versions; i += chunk) {
    ms.clear();
    for (size_t j = i; j < std::min(versions, i + chunk); ++j) {
      ms.push_back(put_of("rb", std::to_string(j), "{\"v\":1}", 1'000'000'000 + static_cast<int64_t>(j)));
    }
    apply_all(*s, ms, chunk);
  }
  checkpoint(path);
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median microseconds of apply(Rollback), alternating the two stores.
std::pair<double, double> bench_rollback(const config& c, store::segment_store& small,
                                         store::segment_store& large) {
  uint16_t partition = keys::partition_of("rb");
  std::vector<double> us_small, us_large;
  auto one = [&](store::segment_store& s, size_t k, std::vector<double>* out) {
    auto info = must(s.partition(1, partition), "partition");
    pb::Mutation m;
    m.set_timestamp_us(2'000'000'000 + static_cast<int64_t>(k));
    m.mutable_rollback()->set_table_id(1);
    m.mutable_rollback()->set_partition(partition);
    m.mutable_rollback()->set_to_version(info.head_version - 1);  // void the newest version
    auto t0 = clock_type::now();
    auto r = must(s.apply(m), "rollback");
    auto t1 = clock_type::now();
    if (r.error_code() != 0) die("rollback failed: " + r.error_message());
    if (out) out->push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  };
  for (size_t k = 0; k < 5; ++k) {  // warm caches on both
    one(small, k, nullptr);
    one(large, k, nullptr);
  }
  for (size_t k = 5; k < c.rollbacks + 5; ++k) {
    one(small, k, &us_small);
    one(large, k, &us_large);
  }
  return {median(us_small), median(us_large)};
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      c.quick = true;
      c.puts = 500;
      c.gets = 5000;
      c.batch_puts = 2000;
      c.range_items = 1000;
      c.range_passes = 2;
      c.rounds = 5;
      c.rollback_large = 10000;
      c.rollbacks = 21;
    } else if (a.rfind("--dir=", 0) == 0) {
      c.dir = a.substr(6);
    } else {
      die("usage: store_bench [--quick] [--dir=PATH]");
    }
  }
  std::string base = c.dir.empty() ? std::filesystem::temp_directory_path().string() : c.dir;
  std::string tmpl = base + "/store-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp in " + base);
  std::string dir = tmpl;

  store::store_options opts;  // WAL, synchronous=NORMAL: same pragmas on both sides
  int64_t ts = 1'700'000'000'000'000;
  auto s = must(store::segment_store::open(dir + "/store.db", opts), "open");
  bench::raw_sqlite raw(dir + "/raw.db", opts);

  std::fprintf(stderr, "puts...\n");
  auto put = bench_puts(c, *s, raw, ts);
  std::fprintf(stderr, "gets...\n");
  auto get = bench_gets(c, *s, raw);
  std::fprintf(stderr, "batched puts...\n");
  auto batched = bench_batched(c, *s, raw, ts);
  std::fprintf(stderr, "range...\n");
  double range = bench_range(c, *s, ts);
  std::fprintf(stderr, "scan...\n");
  size_t scanned = 0;
  double scan = bench_scan(*s, scanned);
  s.reset();
  std::fprintf(stderr, "rollback stores (%zu and %zu versions)...\n", c.rollback_small, c.rollback_large);
  auto small = rollback_store(dir + "/rb_small.db", c.rollback_small);
  auto large = rollback_store(dir + "/rb_large.db", c.rollback_large);
  auto [rb_small, rb_large] = bench_rollback(c, *small, *large);
  small.reset();
  large.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);

  std::printf(
      "{\"quick\":%s,\"synchronous\":\"NORMAL\",\"journal_mode\":\"WAL\",\"value_bytes\":%zu,"
      "\"puts\":%zu,\"gets\":%zu,"
      "\"put_per_s\":%.0f,\"get_per_s\":%.0f,\"range_items_per_s\":%.0f,\"scan_items_per_s\":%.0f,"
      "\"scan_items\":%zu,"
      "\"raw_sqlite_insert_per_s\":%.0f,\"raw_sqlite_select_per_s\":%.0f,"
      "\"put_ratio\":%.3f,\"get_ratio\":%.3f,"
      "\"batch_size\":%zu,\"put_batch_per_s\":%.0f,\"raw_sqlite_batch_insert_per_s\":%.0f,"
      "\"put_batch_ratio\":%.3f,"
      "\"rollback_versions_small\":%zu,\"rollback_versions_large\":%zu,"
      "\"rollback_us_1e3\":%.1f,\"rollback_us_1e6\":%.1f,\"rollback_ratio\":%.3f}\n",
      c.quick ? "true" : "false", value_of(0).size(), c.puts, c.gets, put.store, get.store, range, scan,
      scanned, put.raw, get.raw, put.store / put.raw, get.store / get.raw, c.batch_size, batched.store,
      batched.raw, batched.store / batched.raw, c.rollback_small, c.rollback_large, rb_small, rb_large,
      rb_large / rb_small);
  return 0;
}
