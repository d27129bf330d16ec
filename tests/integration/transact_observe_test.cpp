// What others see of a transaction, on a real cluster with one notifier
// (transact_fixture.hpp): readers never see half of one (two-get
// transactions and strong GETs against a writer of pairs), as_of reads at
// its version V see all of its writes and at V-1 none of them, and the
// notifier's change events of its writes carry its id ("txn") while those
// of single writes do not.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ws_client.hpp"
#include "transact_fixture.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using txn::op;
using txn::json_quote;
using transact = transact_suite<1>;

// Two items in different segments always written together with one value
// n. Readers see them equal in a two-get transaction, and strong GETs read
// one after the other never go backwards across the pair: a strong read of
// one item after another saw n sees at least n, and the writer's strong
// read of the secondary item right after a commit sees exactly n.
TEST_F(transact, readers_never_see_half_a_transaction) {
  std::string a = key_in("txa", 0, "pair-a"), b = key_in("txa", 3, "pair-b");
  ASSERT_EQ(run({op("put", "txa", a, put_item(0)), op("put", "txa", b, put_item(0))}).status, 200u);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0}, txn_reads{0}, get_reads{0};
  std::vector<std::string> failures;
  std::mutex mu;
  auto fail = [&](std::string why) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(std::move(why));
  };
  const uint16_t port = cluster_->router_port();
  auto value = [](const rapidjson::Value& item) { return item.IsObject() ? item["item"]["n"].GetInt() : -1; };
  std::thread writer([&] {
    http_client w(port, 30s);
    txn::request_ids ids("pair-w");
    for (int n = 1; !stop; ++n) {
      std::string body = txn::body({op("put", "txa", a, put_item(n)), op("put", "txa", b, put_item(n))}, ids.next());
      http_reply r;
      for (auto t0 = steady::now(); steady::now() - t0 < 30s;) {
        r = w.post("/v1/transact", body);
        if (txn::outcome_known(r) && r.error_code() != "conflict") break;
        std::this_thread::sleep_for(20ms);
      }
      if (r.status != 200) return fail("writer: " + status(r));
      ++commits;
      for (const auto& k : {b, a}) {
        auto g = txn::strong_get(w, "txa", k);
        if (g.status != 200 || g.item["n"].GetInt() != n)
          return fail("strong GET of " + k + " right after commit " + std::to_string(n) + ": " +
                      std::to_string(g.status) + " n=" + (g.status == 200 ? std::to_string(g.item["n"].GetInt()) : "-"));
      }
    }
  });
  std::vector<std::thread> readers;
  readers.emplace_back([&] {
    http_client rc(port, 30s);
    while (!stop) {
      auto r = rc.post("/v1/transact", txn::body({op("get", "txa", a), op("get", "txa", b)}));
      if (r.status == 409 && r.error_code() == "conflict") continue;
      if (r.status != 200) return fail("two-get transaction: " + status(r));
      auto d = r.json();
      int x = value(d["ops"][0]["item"]), y = value(d["ops"][1]["item"]);
      if (x != y) return fail("two-get transaction saw a=" + std::to_string(x) + " b=" + std::to_string(y));
      ++txn_reads;
      // A read transaction locks both partitions too (no-wait): leave the
      // writer room, or it mostly loses.
      std::this_thread::sleep_for(5ms);
    }
  });
  for (bool a_first : {true, false})
    readers.emplace_back([&, a_first] {
      http_client rc(port, 30s);
      const std::string& first = a_first ? a : b;
      const std::string& second = a_first ? b : a;
      while (!stop) {
        auto x = txn::strong_get(rc, "txa", first);
        auto y = txn::strong_get(rc, "txa", second);
        if (x.status != 200 || y.status != 200)
          return fail("strong GETs: " + std::to_string(x.status) + " " + std::to_string(y.status));
        int nx = x.item["n"].GetInt(), ny = y.item["n"].GetInt();
        if (ny < nx)
          return fail("strong GET of " + second + " saw " + std::to_string(ny) + " after " + first + " saw " +
                      std::to_string(nx));
        ++get_reads;
      }
    });
  for (auto t0 = steady::now(); steady::now() - t0 < 8s;) {
    std::this_thread::sleep_for(100ms);
    std::lock_guard lock(mu);
    if (!failures.empty()) break;
  }
  stop = true;
  writer.join();
  for (auto& t : readers) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  std::cout << "[ measure  ] " << commits << " pair commits, " << txn_reads << " two-get transactions, "
            << get_reads << " GET pairs\n";
  EXPECT_GE(commits.load(), 3);
  EXPECT_GE(txn_reads.load(), 3);
  EXPECT_GE(get_reads.load(), 3);
}
// All writes of a cross-segment transaction share one version V: an as_of
// read at V sees every one of them (the put over an old item, the new
// item, the delete), at V-1 none of them, on every participant; a later
// write does not change what as_of=V sees.
TEST_F(transact, as_of_its_version_sees_the_whole_transaction_and_below_it_none) {
  std::string a = key_in("txa", 0, "asof-a"), b = key_in("txa", 2, "asof-b"), d = key_in("txa", 3, "asof-d");
  uint64_t va = put("txa", a, item(1));
  uint64_t vd = put("txa", d, item(4));
  auto r = run({op("put", "txa", a, put_item(11)), op("put", "txa", b, put_item(12)), op("delete", "txa", d)});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto doc = r.json();
  const uint64_t v = doc["version"].GetUint64();
  for (int i : {0, 1, 2}) ASSERT_EQ(doc["ops"][i]["version"].GetUint64(), v) << r.body;
  ASSERT_GT(v, va);
  ASSERT_GT(v, vd);
  auto at = [&](const std::string& k, uint64_t version) {
    return get("txa", url_escape(k), "&as_of=" + std::to_string(version));
  };
  // At V: the transaction's state on all three segments.
  auto a_v = at(a, v), b_v = at(b, v), d_v = at(d, v);
  ASSERT_EQ(a_v.status, 200u);
  EXPECT_EQ(a_v.version, v);
  EXPECT_EQ(a_v.item["n"].GetInt(), 11);
  ASSERT_EQ(b_v.status, 200u);
  EXPECT_EQ(b_v.version, v);
  EXPECT_EQ(b_v.item["n"].GetInt(), 12);
  EXPECT_EQ(d_v.status, 404u) << "the transaction's delete is not visible at its version";
  // At V-1: the state before it, on all three.
  auto a_before = at(a, v - 1), b_before = at(b, v - 1), d_before = at(d, v - 1);
  ASSERT_EQ(a_before.status, 200u);
  EXPECT_EQ(a_before.version, va);
  EXPECT_EQ(a_before.item["n"].GetInt(), 1);
  EXPECT_EQ(b_before.status, 404u) << "an item the transaction created is visible before its version";
  ASSERT_EQ(d_before.status, 200u);
  EXPECT_EQ(d_before.version, vd);
  EXPECT_EQ(d_before.item["n"].GetInt(), 4);
  // A later write: the latest value moves on, as_of=V stays.
  uint64_t later = put("txa", a, item(21));
  EXPECT_GT(later, v);
  EXPECT_EQ(get("txa", url_escape(a)).item["n"].GetInt(), 21);
  auto a_again = at(a, v);
  ASSERT_EQ(a_again.status, 200u);
  EXPECT_EQ(a_again.version, v);
  EXPECT_EQ(a_again.item["n"].GetInt(), 11);
}

// The notifier's change events of a transaction's writes carry "txn", its
// id in hex, the same on each of its events (one-phase and two-phase) and
// another for another transaction; single PUTs and DELETEs carry none.
TEST_F(transact, change_events_of_a_transaction_carry_its_id) {
  ASSERT_GE(cluster_->notifiers(), 1u);
  ws_client ws(cluster_->notifier_port(0));
  ASSERT_TRUE(ws.send(R"({"op":"subscribe","id":"txev","table":"txa","prefix":"txev-"})"));
  auto subscribed = ws.read_json(20s);
  ASSERT_TRUE(subscribed.IsObject()) << "no answer to subscribe";
  ASSERT_STREQ(subscribed["op"].GetString(), "subscribed");

  // Two-phase over segments 0 and 2, one-phase in segment 1, single writes in 3.
  std::string a = key_in("txa", 0, "txev-a"), b = key_in("txa", 2, "txev-b"), c = key_in("txa", 1, "txev-c"),
              d = key_in("txa", 1, "txev-d"), s = key_in("txa", 3, "txev-s");
  auto two = run({op("put", "txa", a, put_item(1)), op("put", "txa", b, put_item(2))});
  ASSERT_EQ(two.status, 200u) << two.body;
  auto one = run({op("put", "txa", c, put_item(3)), op("put", "txa", d, put_item(4))});
  ASSERT_EQ(one.status, 200u) << one.body;
  uint64_t vs = put("txa", s, item(5));
  auto del = retried("DELETE", "/v1/tables/txa/items/" + url_escape(s) + "?request_id=" + ids_.next());
  ASSERT_EQ(del.status, 200u) << del.body;
  auto two_ops = two.json(), one_ops = one.json();
  const uint64_t va = two_ops["ops"][0]["version"].GetUint64(), vb = two_ops["ops"][1]["version"].GetUint64(),
                 vc = one_ops["ops"][0]["version"].GetUint64(), vd = one_ops["ops"][1]["version"].GetUint64(),
                 vdel = del.json()["version"].GetUint64();
  const std::set<std::pair<std::string, uint64_t>> want = {{a, va}, {b, vb}, {c, vc}, {d, vd}, {s, vs}, {s, vdel}};

  // (key, version) -> the event's "txn" ("" when it has none).
  std::map<std::pair<std::string, uint64_t>, std::string> txn_of;
  for (auto until = steady::now() + 30s; txn_of.size() < want.size() && steady::now() < until;) {
    auto f = ws.read_json(std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()));
    if (!f.IsObject()) break;
    if (std::string(f["op"].GetString()) != "event") continue;
    std::pair<std::string, uint64_t> at{f["hash_key"].GetString(), f["version"].GetUint64()};
    if (!want.count(at)) continue;
    txn_of[at] = f.HasMember("txn") ? f["txn"].GetString() : "";
  }
  for (const auto& at : want)
    ASSERT_TRUE(txn_of.count(at)) << "no event for " << at.first << " at " << at.second;

  auto txn_at = [&](const std::string& k, uint64_t v) { return txn_of[{k, v}]; };
  std::string two_id = txn_at(a, va), one_id = txn_at(c, vc);
  for (const auto& id : {two_id, one_id}) {
    EXPECT_FALSE(id.empty()) << "a transaction's event without \"txn\"";
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
  EXPECT_EQ(txn_at(b, vb), two_id) << "two-phase: another id";
  EXPECT_EQ(txn_at(d, vd), one_id) << "one-phase: another id";
  EXPECT_NE(one_id, two_id);
  EXPECT_EQ(txn_at(s, vs), "") << "a single PUT's event has \"txn\"";
  EXPECT_EQ(txn_at(s, vdel), "") << "a single DELETE's event has \"txn\"";
}

}  // namespace
}  // namespace ropekv::integration
