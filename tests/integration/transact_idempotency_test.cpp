// request_id de-duplication through the router's HTTP API of a real
// cluster (transact_fixture.hpp): retries of PUT, DELETE, batch and
// transact with the same request_id apply once and answer the first
// outcome; the same id for another request answers 400.
#include <gtest/gtest.h>

#include <string>
#include <vector>
#include "transact_fixture.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using txn::op;
using txn::json_quote;
using transact = transact_suite<0>;

TEST_F(transact, put_and_delete_with_a_request_id_apply_once) {
  std::string k = url_escape(key_in("txa", 3, "idem-"));
  std::string url = "/v1/tables/txa/items/" + k;
  auto first = retried("PUT", url + "?if=absent&request_id=put-once-1", item(1));
  ASSERT_EQ(first.status, 200u) << first.body;
  uint64_t v = first.json()["version"].GetUint64();
  EXPECT_TRUE(first.json()["created"].GetBool());
  // The retry answers the first outcome, not 412 (the item exists now).
  auto again = retried("PUT", url + "?if=absent&request_id=put-once-1", item(1));
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.json()["version"].GetUint64(), v);
  EXPECT_TRUE(again.json()["created"].GetBool());
  EXPECT_EQ(get("txa", k).version, v);
  // The same id for another request: 400 (another body, another key, another method).
  EXPECT_EQ(retried("PUT", url + "?if=absent&request_id=put-once-1", item(2)).status, 400u);
  EXPECT_EQ(retried("PUT", url + "?request_id=put-once-1", item(1)).status, 400u);
  // (ids are kept by the segment that applied the write: another key of
  // the same segment is recognised; docs/transactions.md)
  std::string other = url_escape(key_in("txa", 3, "idem-other-"));
  EXPECT_EQ(retried("PUT", "/v1/tables/txa/items/" + other + "?if=absent&request_id=put-once-1", item(1)).status, 400u);
  EXPECT_EQ(retried("DELETE", url + "?request_id=put-once-1").status, 400u);
  EXPECT_EQ(get("txa", k).version, v);
  EXPECT_EQ(get("txa", other).status, 404u);
  // A conditional update retried: applied once.
  std::string cond = url + "?if_version=" + std::to_string(v) + "&request_id=put-once-2";
  auto upd = retried("PUT", cond, item(2));
  ASSERT_EQ(upd.status, 200u) << upd.body;
  uint64_t v2 = upd.json()["version"].GetUint64();
  auto upd2 = retried("PUT", cond, item(2));
  ASSERT_EQ(upd2.status, 200u) << upd2.body;
  EXPECT_EQ(upd2.json()["version"].GetUint64(), v2);
  EXPECT_FALSE(upd2.json()["created"].GetBool());
  // DELETE: the retry answers 200 with the delete's version, not 404.
  auto del = retried("DELETE", url + "?request_id=del-once-1");
  ASSERT_EQ(del.status, 200u) << del.body;
  uint64_t dv = del.json()["version"].GetUint64();
  EXPECT_GT(dv, v2);
  auto del2 = retried("DELETE", url + "?request_id=del-once-1");
  ASSERT_EQ(del2.status, 200u) << del2.body;
  EXPECT_EQ(del2.json()["version"].GetUint64(), dv);
  EXPECT_EQ(get("txa", k).status, 404u);
  // A failed conditional write is an outcome too: its retry answers 412 again
  // even once the condition would hold.
  auto f = retried("PUT", url + "?if=exists&request_id=put-fail-1", item(3));
  EXPECT_EQ(f.status, 412u) << f.body;
  put("txa", k, item(4));
  auto f2 = retried("PUT", url + "?if=exists&request_id=put-fail-1", item(3));
  EXPECT_TRUE(f2.status == 412u || f2.status == 200u) << f2.body;
  // Malformed ids.
  EXPECT_EQ(c().put(url + "?request_id=", item(1)).status, 400u);
  EXPECT_EQ(c().put(url + "?request_id=" + std::string(129, 'x'), item(1)).status, 400u);
  EXPECT_EQ(c().put(url + "?request_id=%01x", item(1)).status, 400u);
  EXPECT_EQ(c().get(url + "?request_id=x").status, 400u);
}

TEST_F(transact, batch_with_a_request_id_applies_each_op_once) {
  std::string a = key_in("txa", 0, "bid-a"), b = key_in("txa", 3, "bid-b");
  std::string body = R"({"request_id":"batch-once-1","ops":[{"op":"put","hash_key":)" + json_quote(a) +
                     R"(,"item":{"n":1},"if":"absent"},{"op":"put","hash_key":)" + json_quote(b) +
                     R"(,"item":{"n":2},"if":"absent"}]})";
  auto first = retried("POST", "/v1/tables/txa/batch", body);
  ASSERT_EQ(first.status, 200u) << first.body;
  auto d1 = first.json();
  ASSERT_EQ(d1["results"][0]["status"].GetUint(), 200u) << first.body;
  ASSERT_EQ(d1["results"][1]["status"].GetUint(), 200u) << first.body;
  auto again = retried("POST", "/v1/tables/txa/batch", body);
  ASSERT_EQ(again.status, 200u) << again.body;
  auto d2 = again.json();
  for (int i : {0, 1}) {
    EXPECT_EQ(d2["results"][i]["status"].GetUint(), 200u) << again.body;
    EXPECT_EQ(d2["results"][i]["result"]["version"].GetUint64(), d1["results"][i]["result"]["version"].GetUint64());
  }
  EXPECT_EQ(get("txa", url_escape(a)).version, d1["results"][0]["result"]["version"].GetUint64());
  // The same id for another batch: 400.
  std::string other = R"({"request_id":"batch-once-1","ops":[{"op":"put","hash_key":)" + json_quote(a) +
                      R"(,"item":{"n":9}}]})";
  // Ops of a batch run independently: the op answers 400 (or the whole batch).
  auto bad = retried("POST", "/v1/tables/txa/batch", other);
  if (bad.status == 200)
    EXPECT_EQ(bad.json()["results"][0]["status"].GetUint(), 400u) << bad.body;
  else
    EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_EQ(get("txa", url_escape(a)).item["n"].GetInt(), 1);
}

TEST_F(transact, transact_with_a_request_id_commits_once) {
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "across segments" : "one segment");
    std::string p = spread ? "tid-s-" : "tid-1-";
    std::string a = key_in("txa", 0, p + "a"), b = key_in("txa", spread ? 2 : 0, p + "b");
    std::string id = p + "request";
    std::string body = txn::body({op("put", "txa", a, put_item(1, "\"if\":\"absent\"")),
                                  op("put", "txa", b, put_item(2, "\"if\":\"absent\""))},
                                 id);
    auto first = post_txn(body);
    ASSERT_EQ(first.status, 200u) << first.body;
    auto d1 = first.json();
    EXPECT_FALSE(d1["deduplicated"].GetBool());
    uint64_t v = d1["version"].GetUint64();
    auto again = post_txn(body);
    ASSERT_EQ(again.status, 200u) << again.body;  // not canceled: the items exist now
    auto d2 = again.json();
    EXPECT_TRUE(d2["deduplicated"].GetBool()) << again.body;
    EXPECT_EQ(d2["version"].GetUint64(), v);
    ASSERT_EQ(d2["ops"].Size(), 2u);
    EXPECT_EQ(d2["ops"][0]["version"].GetUint64(), v);
    EXPECT_EQ(d2["ops"][1]["version"].GetUint64(), v);
    EXPECT_EQ(get("txa", url_escape(a)).version, v);
    EXPECT_EQ(get("txa", url_escape(b)).version, v);
    // The same id for another transaction: 400, nothing written (a
    // two-phase one's id: the test below).
    if (!spread) {
      auto other = post_txn(txn::body({op("put", "txa", a, put_item(5))}, id));
      EXPECT_EQ(other.status, 400u) << other.body;
      EXPECT_EQ(get("txa", url_escape(a)).version, v);
    }
    // A get's item is part of the outcome a retry gets back.
    std::string gid = p + "reader";
    std::string gbody = txn::body({op("get", "txa", a), op("put", "txa", key_in("txa", spread ? 3 : 0, p + "w"), put_item(3))}, gid);
    auto g1 = post_txn(gbody);
    ASSERT_EQ(g1.status, 200u) << g1.body;
    put("txa", a, item(6));
    auto g2 = post_txn(gbody);
    ASSERT_EQ(g2.status, 200u) << g2.body;
    EXPECT_TRUE(g2.json()["deduplicated"].GetBool());
    EXPECT_EQ(g2.json()["ops"][0]["item"]["version"].GetUint64(), v) << g2.body;
    EXPECT_EQ(g2.json()["ops"][0]["item"]["item"]["n"].GetInt(), 1) << g2.body;
    // A canceled transaction may run again under its id.
    std::string cid = p + "canceled";
    std::string cbody = txn::body({op("put", "txa", a, put_item(7, "\"if\":\"absent\"")),
                                   op("put", "txa", b, put_item(8))},
                                  cid);
    auto c1 = post_txn(cbody);
    ASSERT_EQ(c1.status, 409u) << c1.body;
    EXPECT_EQ(c1.error_code(), "transaction_canceled");
    ASSERT_EQ(retried("DELETE", "/v1/tables/txa/items/" + url_escape(a) + "?request_id=" + p + "del").status, 200u);
    auto c2 = post_txn(cbody);
    ASSERT_EQ(c2.status, 200u) << c2.body;
    EXPECT_FALSE(c2.json()["deduplicated"].GetBool());
    EXPECT_EQ(get("txa", url_escape(b)).item["n"].GetInt(), 8);
  }
}

// A committed two-phase transaction's request_id, reused for another
// transaction with its op 0 in the same segment (one-phase or two-phase),
// answers 400 and writes nothing (the router's fingerprint of the whole
// request is kept with the outcome).
TEST_F(transact, reusing_a_two_phase_transactions_request_id_answers_400) {
  std::string a = key_in("txa", 1, "reuse-a"), b = key_in("txa", 2, "reuse-b");
  std::string id = "reuse-two-phase";
  auto first = post_txn(txn::body({op("put", "txa", a, put_item(1)), op("put", "txa", b, put_item(2))}, id));
  ASSERT_EQ(first.status, 200u) << first.body;
  uint64_t v = first.json()["version"].GetUint64();
  auto one_phase = post_txn(txn::body({op("put", "txa", a, put_item(3))}, id));
  EXPECT_EQ(one_phase.status, 400u) << one_phase.body;
  auto two_phase = post_txn(txn::body({op("put", "txa", a, put_item(4)), op("put", "txa", key_in("txa", 3, "reuse-c"), put_item(5))}, id));
  EXPECT_EQ(two_phase.status, 400u) << two_phase.body;
  EXPECT_EQ(get("txa", url_escape(a)).version, v);
}

}  // namespace
}  // namespace ropekv::integration
