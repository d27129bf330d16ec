// Owner-driven splits on a real cluster (1 placement, 3 owners, 1 router on
// loopback; docs/agency.md "Owner-driven splits"):
//  (a) with a split size of a few KiB, a table loaded past several split
//      sizes gets more segments (GET /v1/cluster) without any admin split;
//      every item stays readable, and a concurrent history of reads and
//      writes on a set of registers, taken across the splits, passes the
//      linearizability checker;
//  (b) one hot hash key under read load (load threshold low, size splits
//      off) is split between its range keys; its range query then returns
//      every item, in order, paging with cursors across the segments (both
//      directions), and the halves' leaders are reported.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "ropekv/linearizability/checker.hpp"
#include "ropekv/linearizability/history_recorder.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// A harness whose owners split on their own, with these split flags.
cluster_options with_owner_flags(const std::string& flags) {
  cluster_options o;
  o.owner_args = flags;
  return o;
}

template <class Pred>
bool poll_until(std::chrono::milliseconds bound, Pred pred) {
  auto until = steady::now() + bound;
  while (steady::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return pred();
}

size_t segment_count(cluster_harness& c, const std::string& table) {
  auto s = c.segments(table);
  return s ? s->size() : 0;
}

std::string item_path(const std::string& table, const std::string& hk, const std::string& rk = "") {
  return "/v1/tables/" + table + "/items/" + url_escape(hk) + (rk.empty() ? "" : "/" + url_escape(rk));
}

/// The "v" member of a GET item answer.
std::optional<std::string> value_of(const http_reply& r) {
  // Never throws: the register clients call it from their own threads.
  auto doc = r.json();
  if (!doc.IsObject() || !doc.HasMember("item") || !doc["item"].IsObject()) return std::nullopt;
  const auto& item = doc["item"];
  if (!item.HasMember("v") || !item["v"].IsString()) return std::nullopt;
  return std::string(item["v"].GetString());
}

/// Clients doing puts and gets on a few registers through the router,
/// every operation recorded for the linearizability checker. A write
/// without a definite answer stays unknown (it may have applied); a read
/// without one is dropped (it changed nothing).
class register_clients {
 public:
  register_clients(uint16_t port, std::string table, int keys) : port_(port), table_(std::move(table)), keys_(keys) {}
  ~register_clients() { stop(); }

  void start(int clients) {
    for (int c = 0; c < clients; ++c) threads_.emplace_back([this, c] { run(c); });
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  std::vector<lin::operation> history() const { return rec_.history(); }
  int failures() const { return failures_; }
  int ops() const { return ops_; }

 private:
  void run(int client) {
    http_client http(port_, 10s);
    lin::client_id id{static_cast<uint64_t>(client + 1)};
    for (uint64_t n = 0; !stop_; ++n) {
      std::string key = "reg" + std::to_string((n * 7 + static_cast<uint64_t>(client) * 3) % keys_);
      ++ops_;
      if (n % 3 == 0) {
        std::string v = "c" + std::to_string(client) + "-" + std::to_string(n);
        auto h = rec_.invoke(id, key, lin::put(v));
        auto r = http.put(item_path(table_, key), "{\"v\":\"" + v + "\"}");
        if (r.status == 200 || r.status == 201) {
          rec_.complete(h, lin::write_ok());
        } else {
          rec_.complete_unknown(h);
          ++failures_;
        }
      } else {
        auto h = rec_.invoke(id, key, lin::get());
        auto r = http.get(item_path(table_, key));
        auto v = r.status == 200 ? value_of(r) : std::nullopt;
        if (v) {
          rec_.complete(h, lin::read_value(*v));
        } else if (r.status == 404) {
          rec_.complete(h, lin::read_absent());
        } else {
          rec_.discard(h);
          ++failures_;
        }
      }
      // Paced: a few hundred operations per key keep the check fast.
      std::this_thread::sleep_for(5ms);
    }
  }

  uint16_t port_;
  std::string table_;
  int keys_;
  lin::history_recorder rec_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::atomic<int> ops_{0};
};

TEST(split_agency, a_growing_table_splits_by_size_and_stays_linearizable) {
  cluster_harness c(with_owner_flags("--split-bytes=8192 --split-ops-per-s=0 --split-check-interval-ms=500"));
  ASSERT_TRUE(c.start());
  // One segment to start with, so the growth is the owners' doing.
  ASSERT_TRUE(c.create_table("grow", R"({"hash_key":"id","segments":1})"));
  size_t before = segment_count(c, "grow");
  ASSERT_GE(before, 1u);

  register_clients regs(c.router_port(), "grow", 24);
  regs.start(3);
  // ~64 KiB of items: eight split sizes.
  http_client http(c.router_port(), 20s);
  std::map<std::string, std::string> written;
  const std::string pad(200, 'x');
  for (int i = 0; i < 300; ++i) {
    std::string key = "item" + std::to_string(i);
    std::string v = "v" + std::to_string(i) + pad;
    http_reply r;
    for (int attempt = 0; attempt < 5; ++attempt) {
      r = http.put(item_path("grow", key), "{\"v\":\"" + v + "\"}");
      if (r.status == 200 || r.status == 201) break;
      std::this_thread::sleep_for(200ms);
    }
    ASSERT_TRUE(r.status == 200 || r.status == 201) << key << ": " << r.status << " " << r.body;
    written[key] = v;
  }
  // Splits go on while the registers are read and written.
  bool grew = poll_until(60s, [&] { return segment_count(c, "grow") >= before + 3; });
  std::this_thread::sleep_for(2s);  // the history goes on past the last split seen
  regs.stop();
  size_t after = segment_count(c, "grow");
  EXPECT_TRUE(grew) << "segments: " << before << " -> " << after << "\n" << c.log_tails(40);
  std::cout << "segments of grow: " << before << " -> " << after << "; register ops " << regs.ops()
            << ", failed " << regs.failures() << std::endl;

  for (const auto& [key, v] : written) {
    auto r = http.get(item_path("grow", key));
    ASSERT_EQ(r.status, 200u) << key << ": " << r.body;
    EXPECT_EQ(value_of(r), v) << key;
  }
  auto history = regs.history();
  ASSERT_GT(history.size(), 100u);
  auto verdict = lin::check_history(history);
  EXPECT_TRUE(verdict.ok) << lin::to_string(verdict.outcome) << " key " << verdict.key << ": " << verdict.explanation;
}

/// Pages through one hash key's range query with `limit` per page.
std::vector<std::string> range_keys(http_client& http, const std::string& table, const std::string& hk,
                                    bool reverse, int limit, int* pages) {
  std::vector<std::string> out;
  std::string cursor;
  *pages = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    std::string target = item_path(table, hk) + "?limit=" + std::to_string(limit) + (reverse ? "&reverse=true" : "") +
                         (cursor.empty() ? "" : "&cursor=" + url_escape(cursor));
    auto r = http.get(target);
    EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
    if (r.status != 200) return out;
    ++*pages;
    auto doc = r.json();
    for (const auto& item : doc["items"].GetArray()) out.push_back(item["range_key"].GetString());
    if (!doc.HasMember("cursor") || doc["cursor"].IsNull()) return out;
    cursor = doc["cursor"].GetString();
  }
  ADD_FAILURE() << "query never ended";
  return out;
}

TEST(split_agency, a_hot_hash_key_is_split_between_its_range_keys) {
  cluster_harness c(with_owner_flags("--split-bytes=0 --split-ops-per-s=40 --split-check-interval-ms=500"));
  ASSERT_TRUE(c.start());
  ASSERT_TRUE(c.create_table("hot", R"({"hash_key":"device","range_key":"ts"})"));
  uint64_t table = c.table_id("hot");
  ASSERT_NE(table, 0u);
  http_client http(c.router_port(), 20s);
  std::vector<std::string> rks;
  for (int i = 0; i < 60; ++i) {
    char rk[8];
    std::snprintf(rk, sizeof rk, "t%03d", i);
    rks.push_back(rk);
    auto r = http.put(item_path("hot", "dev-hot", rk), "{\"v\":\"" + std::string(rk) + "\"}");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  }
  for (int i = 0; i < 10; ++i) {
    auto r = http.put(item_path("hot", "cold" + std::to_string(i), "a"), R"({"v":"c"})");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  }

  // Reads spread over the hot key's range keys, until a segment starts
  // strictly inside the hash key (a split between its range keys).
  const std::string hot_prefix = cluster_harness::rope_hex(table, "dev-hot");
  auto inside_split = [&] {
    auto segs = c.segments("hot");
    if (!segs) return false;
    for (const auto& s : *segs)
      if (s.start_hex.size() > hot_prefix.size() && s.start_hex.rfind(hot_prefix, 0) == 0) return true;
    return false;
  };
  std::atomic<bool> stop{false};
  std::atomic<int> read_failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      http_client h(c.router_port(), 10s);
      for (int n = t; !stop; n += 7) {
        auto r = h.get(item_path("hot", "dev-hot", rks[static_cast<size_t>(n) % rks.size()]));
        if (r.status != 200) ++read_failures;
      }
    });
  }
  bool split = poll_until(60s, inside_split);
  stop = true;
  for (auto& t : readers) t.join();
  ASSERT_TRUE(split) << c.log_tails(60);
  EXPECT_EQ(read_failures, 0);

  // The hot key's items now live on more than one segment.
  std::vector<segment_view> halves;
  auto segs = c.segments("hot");
  ASSERT_TRUE(segs);
  for (const auto& s : *segs) {
    bool starts_inside = s.start_hex.rfind(hot_prefix, 0) == 0 && s.start_hex.size() > hot_prefix.size();
    bool ends_inside = s.end_hex.rfind(hot_prefix, 0) == 0 && s.end_hex.size() > hot_prefix.size();
    if (starts_inside || ends_inside) halves.push_back(s);
  }
  ASSERT_GE(halves.size(), 2u);
  for (const auto& s : halves)
    std::cout << "segment " << s.id << " [" << s.start_hex << ", " << s.end_hex << ") leader " << s.leader_hint
              << std::endl;

  // Every item, in order, with cursors across the segments, both ways.
  int pages = 0;
  EXPECT_EQ(range_keys(http, "hot", "dev-hot", false, 7, &pages), rks);
  EXPECT_GE(pages, 9);
  auto reversed = rks;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(range_keys(http, "hot", "dev-hot", true, 7, &pages), reversed);
  // One page of everything crosses the boundary inside one request.
  EXPECT_EQ(range_keys(http, "hot", "dev-hot", false, 100, &pages), rks);
  for (const auto& rk : rks) {
    auto r = http.get(item_path("hot", "dev-hot", rk));
    ASSERT_EQ(r.status, 200u) << rk;
    EXPECT_EQ(value_of(r), rk);
  }
}

}  // namespace
}  // namespace ropekv::integration
