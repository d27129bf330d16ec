// Global secondary indexes checked against the base table: random puts,
// updates (the indexed attribute changing value and type), deletes, TTL
// expiries and partition rollbacks, with kill -9 of an indexer and of a
// segment leader and a segment split in the middle of the run. At
// quiescence every replica of every index must equal the index computed
// from a full scan of the table (DESIGN §7, docs/indexes.md).
//
// ROPEKV_INDEX_MODEL_OPS sets the number of operations (default 900).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "http_client.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;

/// (attribute value as JSON text, hash key): what an index holds.
using entry_set = std::set<std::pair<std::string, std::string>>;

std::string json_text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string("\"") + v.GetString() + "\"";
  if (v.IsNumber()) return std::to_string(v.GetDouble());
  return "?";
}

/// What index `attribute` of `type` should hold, from a strong scan.
entry_set expected_from_scan(http_client& c, const std::string& table, const std::string& attribute, bool number) {
  entry_set out;
  std::string cursor;
  for (;;) {
    auto r = c.get("/v1/tables/" + table + "/scan?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) return out;
    auto d = r.json();
    for (const auto& it : d["items"].GetArray()) {
      const auto& item = it["item"];
      if (!item.HasMember(attribute.c_str())) continue;
      const auto& v = item[attribute.c_str()];
      if (number ? v.IsNumber() : v.IsString()) out.emplace(json_text(v), it["hash_key"].GetString());
    }
    if (!d.HasMember("cursor")) break;
    cursor = d["cursor"].GetString();
  }
  return out;
}

/// What the index answers (all pages), checking the order on the way.
std::optional<entry_set> index_contents(http_client& c, const std::string& table, const std::string& index,
                                        const std::string& attribute, bool number, std::string* why) {
  entry_set out;
  std::string cursor;
  std::optional<double> last_number;
  std::optional<std::string> last_string;
  for (;;) {
    auto r = c.get("/v1/tables/" + table + "/indexes/" + index + "/items?limit=97" +
                   (cursor.empty() ? "" : "&cursor=" + cursor));
    if (r.status != 200) {
      *why = std::to_string(r.status) + " " + r.body;
      return std::nullopt;
    }
    auto d = r.json();
    for (const auto& it : d["items"].GetArray()) {
      const auto& v = it["item"][attribute.c_str()];
      if (number) {
        if (last_number && v.GetDouble() < *last_number) *why = "out of numeric order";
        last_number = v.GetDouble();
      } else {
        std::string s = v.GetString();
        if (last_string && s < *last_string) *why = "out of byte order";
        last_string = s;
      }
      out.emplace(json_text(v), it["hash_key"].GetString());
    }
    if (!d.HasMember("cursor")) break;
    cursor = d["cursor"].GetString();
  }
  return out;
}

std::string random_value(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return std::to_string(static_cast<int>(rng() % 200) - 100);
    case 1: return std::to_string(static_cast<int>(rng() % 1000)) + ".5";
    case 2: return "\"s" + std::to_string(rng() % 50) + "\"";
    case 3: return "null";
    case 4: return "[1,2]";
    default: return std::to_string(rng() % 20);
  }
}

TEST(index_model, every_replica_equals_the_index_of_a_full_scan_after_kills_splits_and_rollbacks) {
  const char* env = std::getenv("ROPEKV_INDEX_MODEL_OPS");
  const int ops = env ? std::atoi(env) : 900;
  cluster_options o;
  o.indexers = 2;
  o.placement_args = "--indexer-timeout=2s";
  o.indexer_args = "--heartbeat=200ms --feed-wait=300ms --scan-page=50";
  cluster_harness cluster(o);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.create_table("model", R"({"hash_key":"id","segments":2})"));
  http_client c(cluster.router_port(), 30s);
  // One index before any data (pure tailing), one created mid-run (backfill
  // while writes go on).
  ASSERT_EQ(c.put("/v1/tables/model/indexes/by_v", R"({"attribute":"v","type":"number"})").status, 201u);

  std::mt19937_64 rng(20261207);
  std::map<std::string, std::vector<uint64_t>> versions;  // acknowledged versions per key (for rollbacks)
  auto key = [&] { return "k" + std::to_string(rng() % 150); };
  for (int i = 0; i < ops; ++i) {
    if (i == ops / 5) {
      ASSERT_EQ(c.put("/v1/tables/model/indexes/by_w", R"({"attribute":"w","type":"string"})").status, 201u);
    }
    if (i == ops / 3) cluster.kill9_indexer(0);
    if (i == ops / 3 + 60) ASSERT_TRUE(cluster.start_indexer(0));
    if (i == ops / 2) {
      auto segs = cluster.segments("model");
      ASSERT_TRUE(segs && !segs->empty());
      int victim = cluster.index_of((*segs)[0].leader_hint);
      ASSERT_GE(victim, 0);
      cluster.kill9_owner(static_cast<unsigned>(victim));
      std::this_thread::sleep_for(1500ms);
      ASSERT_TRUE(cluster.start_owner(static_cast<unsigned>(victim)));
    }
    if (i == 2 * ops / 3) {
      auto split = c.post("/v1/tables/model/split", R"({"at_hash_key":"k70"})");
      ASSERT_EQ(split.status, 200u) << split.body;
    }
    std::string k = key();
    unsigned dice = static_cast<unsigned>(rng() % 100);
    http_reply r;
    if (dice < 70) {
      std::string body = "{\"v\":" + random_value(rng) + ",\"w\":" + random_value(rng) + "}";
      r = c.put("/v1/tables/model/items/" + k + (dice < 8 ? "?ttl=1" : ""), body);
    } else if (dice < 90) {
      r = c.del("/v1/tables/model/items/" + k);
      if (r.status == 404) continue;
    } else if (dice < 94 && versions[k].size() >= 2) {
      // Back to an earlier version of this key: the index must follow.
      const auto& vs = versions[k];
      uint64_t to = vs[rng() % (vs.size() - 1)];
      unsigned p = keys::partition_of(k);
      r = c.post("/v1/tables/model/partitions/" + std::to_string(p) + "/rollback",
                 "{\"to_version\":" + std::to_string(to) + "}");
      if (r.status == 410 || r.status == 400) continue;  // history gone / nothing to roll back
    } else {
      continue;
    }
    ASSERT_TRUE(r.status == 200) << "op " << i << ": " << r.status << " " << r.body;
    auto d = r.json();
    if (d.HasMember("version")) versions[k].push_back(d["version"].GetUint64());
  }
  std::this_thread::sleep_for(1500ms);  // the ttl=1 items expire

  for (auto [index, attribute, number] : {std::tuple{"by_v", "v", true}, std::tuple{"by_w", "w", false}}) {
    entry_set want = expected_from_scan(c, "model", attribute, number);
    std::string why;
    std::optional<entry_set> got;
    // Eventual: poll until it matches; then ask enough times to reach both replicas.
    auto until = std::chrono::steady_clock::now() + 90s;
    int matched = 0;
    while (std::chrono::steady_clock::now() < until && matched < 6) {
      why.clear();
      got = index_contents(c, "model", index, attribute, number, &why);
      if (got && *got == want && why.empty()) ++matched;
      else std::this_thread::sleep_for(200ms);
    }
    EXPECT_GE(matched, 6) << index << ": " << why << " want " << want.size() << " got "
                          << (got ? got->size() : 0);
    auto ix = c.get("/v1/tables/model/indexes/" + std::string(index)).json();
    int active = 0;
    for (const auto& rep : ix["replicas"].GetArray()) active += rep["state"] == "active";
    EXPECT_EQ(active, 2) << c.get("/v1/tables/model/indexes/" + std::string(index)).body;
  }
}

}  // namespace
}  // namespace ropekv::integration
