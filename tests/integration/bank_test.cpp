// The bank test (issue 12): 100 accounts in a table of 6 segments on 3
// owners, concurrent transfers from several client threads through two
// routers, while owners are killed -9 one at a time, a router is killed -9
// (its clients move to the other) and the owners get a rolling restart.
//
// A transfer reads both balances in a transaction of two gets, then writes
// both new balances in one transaction with if_version conditions on both
// (no negative balance, no lost update), under a fresh request_id; an
// answer that does not tell the outcome is followed by the same request
// until one does. A reader takes strong snapshots of all 100 balances in
// one transaction of 100 gets: the total never changes. At the end the
// balances are exactly what the acknowledged transfers make of the initial
// ones (each applied exactly once), and the history of every transaction
// (reads with the versions they saw, writes with the versions they made)
// has no Adya anomaly (ropekv::history::check).
//
// The same checker must find lost updates in a deliberately broken client:
// strong GETs and unconditional PUTs, no transaction (so the checker can fail).
//
// ROPEKV_BANK_SECONDS (default 15: one round of faults) sets how long
// transfers run at least; rounds of faults repeat
// while it lasts (a soak: ROPEKV_BANK_SECONDS=600).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "ropekv/history/checker.hpp"
#include "txn_support.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using txn::op;

constexpr int accounts = 100;
constexpr int initial_balance = 100;
constexpr int clients = 4;
constexpr auto client_deadline = 2s;  // under the routers' 10 s: retries may overlap a first attempt
constexpr auto outcome_bound = 120s;  // longest a transfer may stay unknown

std::string account(int i) { return "acct-" + std::to_string(i); }
std::string hkey(const std::string& table, int i) { return table + "/" + account(i); }

/// What every thread shares: router ports, the recorded history, the
/// acknowledged transfers, failures.
struct bank_state {
  std::string table;
  std::vector<std::atomic<uint16_t>> ports;
  std::atomic<bool> stop{false};
  // Set by the snapshot reader after its snapshots lost to transfers a few
  // times in a row: clients start no new transfer while it is set (the
  // ones in flight go on), so a snapshot gets through.
  std::atomic<bool> hold{false};
  std::atomic<int> held_snapshots{0}, snapshot_conflicts{0};
  std::atomic<uint64_t> next_txn{1};
  std::atomic<int> committed{0}, canceled{0}, conflicts{0}, resent{0}, snapshots{0}, reads{0};
  std::mutex mu;
  history::history h;                // guarded by mu
  std::map<int, long> delta;         // account -> sum of acknowledged changes; guarded by mu
  std::vector<std::string> failures; // guarded by mu

  explicit bank_state(std::string t, unsigned routers) : table(std::move(t)), ports(routers) {}
  void fail(std::string why) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(std::move(why));
  }
  bool failed() {
    std::lock_guard lock(mu);
    return !failures.empty();
  }
  void record(history::transaction t) {
    t.id = next_txn++;
    std::lock_guard lock(mu);
    h.txns.push_back(std::move(t));
  }
};

/// A client of one router at a time; moves to another when its router
/// does not answer (killed) or is down.
class bank_client {
 public:
  bank_client(bank_state& s, unsigned preferred) : s_(s), router_(preferred % s.ports.size()) {}

  http_reply request(std::string_view method, const std::string& target, const std::string& body = {}) {
    for (unsigned tried = 0; tried < s_.ports.size(); ++tried) {
      uint16_t port = s_.ports[router_].load();
      if (port != 0) {
        if (!c_ || port_ != port) {
          c_ = std::make_unique<http_client>(port, client_deadline);
          port_ = port;
        }
        auto r = c_->request(method, target, body);
        if (r.status != 0) return r;
        // No answer: the router may be gone (or slow): try the next one next time.
        router_ = (router_ + 1) % s_.ports.size();
        return r;
      }
      router_ = (router_ + 1) % s_.ports.size();
    }
    std::this_thread::sleep_for(100ms);
    return {};
  }

 private:
  bank_state& s_;
  unsigned router_;
  std::unique_ptr<http_client> c_;
  uint16_t port_ = 0;
};

struct balance {
  int amount = 0;
  uint64_t version = 0;
};

/// Balances of `which` read in one transaction of gets (nullopt if it did
/// not commit); recorded as a read-only transaction.
std::optional<std::vector<balance>> read_balances(bank_state& s, bank_client& c, const std::vector<int>& which,
                                                  const std::string& label) {
  std::vector<std::string> ops;
  for (int i : which) ops.push_back(op("get", s.table, account(i)));
  auto r = c.request("POST", "/v1/transact", txn::body(ops));
  if (r.status == 409 && r.error_code() == "conflict") ++s.conflicts;
  if (r.status != 200) return std::nullopt;
  auto d = r.json();
  std::vector<balance> out;
  history::transaction t;
  t.label = label;
  for (size_t j = 0; j < which.size(); ++j) {
    const auto& it = d["ops"][static_cast<rapidjson::SizeType>(j)]["item"];
    if (!it.IsObject()) {
      s.fail(label + ": account " + account(which[j]) + " missing: " + r.body.substr(0, 300));
      return std::nullopt;
    }
    out.push_back({it["item"]["balance"].GetInt(), it["version"].GetUint64()});
    t.reads.push_back({hkey(s.table, which[j]), out.back().version});
  }
  s.record(std::move(t));
  return out;
}

enum class transfer_result { committed, canceled, unknown };

/// Sends one transfer (the same request_id every time) until the outcome
/// is known: 200 committed, 409 transaction_canceled. A transaction's 409
/// conflict wrote nothing in that attempt, but an earlier attempt of the
/// same request may still be running inside a router: sent again too.
transfer_result transfer(bank_state& s, bank_client& c, int from, int to, const balance& bf, const balance& bt,
                         int amount, const std::string& rid) {
  std::string body = txn::body(
      {op("put", s.table, account(from),
          "\"item\":{\"balance\":" + std::to_string(bf.amount - amount) + "},\"if_version\":" + std::to_string(bf.version)),
       op("put", s.table, account(to),
          "\"item\":{\"balance\":" + std::to_string(bt.amount + amount) + "},\"if_version\":" + std::to_string(bt.version))},
      rid);
  history::transaction t;
  t.label = rid;
  t.reads = {{hkey(s.table, from), bf.version}, {hkey(s.table, to), bt.version}};
  bool sent_before = false;
  auto t0 = steady::now();
  for (int attempt = 0;; ++attempt) {
    auto r = c.request("POST", "/v1/transact", body);
    bool conflict = r.status == 409 && r.error_code() == "conflict";
    if (r.status == 200) {
      auto d = r.json();
      t.writes = {{hkey(s.table, from), d["ops"][0]["version"].GetUint64()},
                  {hkey(s.table, to), d["ops"][1]["version"].GetUint64()}};
      t.result = history::outcome::committed;
      {
        std::lock_guard lock(s.mu);
        s.delta[from] -= amount;
        s.delta[to] += amount;
      }
      s.record(std::move(t));
      ++s.committed;
      return transfer_result::committed;
    }
    if (r.status == 409 && r.error_code() == "transaction_canceled") {
      t.result = history::outcome::aborted;
      s.record(std::move(t));
      ++s.canceled;
      return transfer_result::canceled;
    }
    if (conflict) ++s.conflicts;
    if (!conflict && txn::outcome_known(r)) {
      s.fail("transfer " + rid + ": unexpected " + std::to_string(r.status) + " " + r.body);
      t.result = history::outcome::unknown;
      s.record(std::move(t));
      return transfer_result::unknown;
    }
    // A conflict on a first attempt is final (nothing of it can commit later).
    if (conflict && !sent_before) {
      t.result = history::outcome::aborted;
      s.record(std::move(t));
      return transfer_result::canceled;
    }
    sent_before = sent_before || !conflict;
    ++s.resent;
    if (steady::now() - t0 > outcome_bound) {
      s.fail("transfer " + rid + ": outcome unknown after " + std::to_string(outcome_bound.count()) +
             " s; last answer " + std::to_string(r.status) + " " + r.body);
      t.result = history::outcome::unknown;
      s.record(std::move(t));
      return transfer_result::unknown;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + 30 * std::min(attempt, 10)));
  }
}

void run_transfers(bank_state& s, unsigned id) {
  bank_client c(s, id);
  std::mt19937 rng(id * 7919 + 1);
  txn::request_ids ids("xfer" + std::to_string(id));
  while (!s.stop && !s.failed()) {
    while (s.hold && !s.stop) std::this_thread::sleep_for(5ms);
    int from = static_cast<int>(rng() % accounts), to = static_cast<int>(rng() % (accounts - 1));
    if (to >= from) ++to;
    auto b = read_balances(s, c, {from, to}, "read" + std::to_string(id));
    ++s.reads;
    if (!b) {
      std::this_thread::sleep_for(20ms);
      continue;
    }
    if ((*b)[0].amount < 0 || (*b)[1].amount < 0) s.fail("negative balance read");
    if ((*b)[0].amount == 0) continue;
    int amount = 1 + static_cast<int>(rng() % std::min(10, (*b)[0].amount));
    transfer(s, c, from, to, (*b)[0], (*b)[1], amount, ids.next());
  }
}

void run_snapshots(bank_state& s) {
  bank_client c(s, 0);
  std::vector<int> all;
  for (int i = 0; i < accounts; ++i) all.push_back(i);
  int lost = 0;
  while (!s.stop && !s.failed()) {
    // A transaction of 100 gets locks 100 partitions (no-wait): under
    // transfers on every account it mostly loses. After three losses in a
    // row, hold new transfers back until one gets through.
    if (lost >= 3) s.hold = true;
    auto b = read_balances(s, c, all, "snapshot");
    if (!b) {
      ++lost;
      ++s.snapshot_conflicts;
      std::this_thread::sleep_for(20ms);
      continue;
    }
    if (s.hold) ++s.held_snapshots;
    s.hold = false;
    lost = 0;
    long total = 0;
    for (const auto& x : *b) {
      total += x.amount;
      if (x.amount < 0) s.fail("negative balance in a snapshot");
    }
    if (total != long{accounts} * initial_balance)
      s.fail("snapshot total " + std::to_string(total) + " != " + std::to_string(accounts * initial_balance));
    ++s.snapshots;
    std::this_thread::sleep_for(200ms);
  }
  s.hold = false;
}

class bank : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_options opts;
    opts.routers = 2;
    opts.request_deadline = "10s";
    cluster_ = new cluster_harness(opts);
    auto started = cluster_->start();
    if (!started) startup_error_ = new std::string(started.message());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete startup_error_;
    startup_error_ = nullptr;
  }
  void SetUp() override {
    if (startup_error_) FAIL() << "cluster did not start: " << *startup_error_;
  }

  /// A table of `segments` with accounts 0..n-1 at `initial_balance`,
  /// written by one recorded transaction per account.
  static void open_accounts(bank_state& s, int n, int segments) {
    ASSERT_TRUE(cluster_->create_table(s.table, "{\"hash_key\":\"id\",\"segments\":" + std::to_string(segments) + "}"));
    http_client c(cluster_->router_port(), 30s);
    for (int i = 0; i < n; ++i) {
      http_reply r;
      for (auto t0 = steady::now(); steady::now() - t0 < 30s; std::this_thread::sleep_for(100ms))
        if ((r = c.put(txn::item_path(s.table, account(i)) + "?request_id=open-" + s.table + "-" + std::to_string(i),
                       "{\"balance\":" + std::to_string(initial_balance) + "}"))
                .status == 200)
          break;
      ASSERT_EQ(r.status, 200u) << r.body;
      history::transaction t;
      t.label = "open " + account(i);
      t.writes = {{hkey(s.table, i), r.json()["version"].GetUint64()}};
      s.record(std::move(t));
    }
  }

  static cluster_harness* cluster_;
  static std::string* startup_error_;
};
cluster_harness* bank::cluster_ = nullptr;
std::string* bank::startup_error_ = nullptr;

TEST_F(bank, transfers_through_owner_and_router_kills_keep_the_total_and_apply_once) {
  const auto run_for = [] {
    const char* e = std::getenv("ROPEKV_BANK_SECONDS");
    return std::chrono::seconds(e ? std::stoi(e) : 15);
  }();
  bank_state s("bank", cluster_->routers());
  ASSERT_NO_FATAL_FAILURE(open_accounts(s, accounts, 6));
  {
    auto segs = cluster_->segments("bank");
    ASSERT_TRUE(segs && segs->size() == 6);
    std::set<std::string> starts;
    uint64_t table = cluster_->table_id("bank");
    std::set<uint64_t> used;
    for (int i = 0; i < accounts; ++i) {
      auto k = cluster_harness::rope_hex(table, account(i));
      for (const auto& seg : *segs)
        if (k >= seg.start_hex && (seg.end_hex.empty() || k < seg.end_hex)) used.insert(seg.id);
    }
    ASSERT_GE(used.size(), 4u) << "accounts should spread over the segments";
  }
  for (unsigned i = 0; i < cluster_->routers(); ++i) s.ports[i] = cluster_->router_port(i);

  std::vector<std::thread> threads;
  for (unsigned i = 0; i < clients; ++i) threads.emplace_back([&s, i] { run_transfers(s, i); });
  threads.emplace_back([&s] { run_snapshots(s); });

  auto t0 = steady::now();
  auto at = [&] { return std::chrono::duration<double>(steady::now() - t0).count(); };
  auto log = [&](const std::string& what) {
    std::cout << "[ fault    ] " << at() << " s: " << what << " (" << s.committed << " transfers, " << s.snapshots
              << " snapshots)" << std::endl;
  };
  auto pause = [&](std::chrono::milliseconds d) {
    for (auto until = steady::now() + d; steady::now() < until && !s.failed();) std::this_thread::sleep_for(100ms);
  };
  auto all_alive = [&] {
    for (auto t1 = steady::now(); steady::now() - t1 < 60s; std::this_thread::sleep_for(200ms))
      if (cluster_->alive_nodes().size() == cluster_->owners()) return true;
    return false;
  };
  int faults = 0;
  for (unsigned round = 0; (round == 0 || steady::now() - t0 < run_for) && !s.failed(); ++round) {
    // kill -9 of the owner leading one of the table's segments, restarted.
    pause(3s);
    auto segs = cluster_->segments("bank");
    int victim = segs && !segs->empty() ? cluster_->index_of((*segs)[round % segs->size()].leader_hint) : -1;
    if (victim < 0) victim = static_cast<int>(round % cluster_->owners());
    log("kill -9 owner " + std::to_string(victim + 1));
    cluster_->kill9_owner(static_cast<unsigned>(victim));
    ++faults;
    pause(3s);
    ASSERT_TRUE(cluster_->start_owner(static_cast<unsigned>(victim)));
    log("owner " + std::to_string(victim + 1) + " restarted");
    ASSERT_TRUE(all_alive());
    // kill -9 of a router: its clients move to the other one.
    pause(3s);
    unsigned r = round % cluster_->routers();
    log("kill -9 router " + std::to_string(r + 1));
    s.ports[r] = 0;
    cluster_->kill9_router(r);
    ++faults;
    pause(3s);
    ASSERT_TRUE(cluster_->start_router(r));
    s.ports[r] = cluster_->router_port(r);
    log("router " + std::to_string(r + 1) + " restarted");
    // Rolling restart of the owners (SIGTERM, start, wait until it is back).
    pause(2s);
    for (unsigned o = 0; o < cluster_->owners() && !s.failed(); ++o) {
      log("rolling restart: owner " + std::to_string(o + 1));
      EXPECT_EQ(cluster_->stop_owner(o), 0) << "owner " << o + 1 << " did not stop cleanly";
      ASSERT_TRUE(cluster_->start_owner(o));
      ASSERT_TRUE(all_alive());
      ++faults;
      pause(2s);
    }
  }
  // Transfers on a healed cluster for a moment, then stop.
  ASSERT_TRUE(cluster_->wait_writable("bank", 60s));
  pause(2s);
  log("stopping clients");
  s.stop = true;
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(s.mu);
    for (const auto& f : s.failures) ADD_FAILURE() << f;
  }
  std::cout << "[ measure  ] " << faults << " faults; transfers: " << s.committed << " committed, " << s.canceled
            << " canceled; " << s.conflicts << " conflicts, " << s.resent << " re-sent; " << s.reads
            << " reads; " << s.snapshots << " snapshots (" << s.held_snapshots << " with new transfers held back, "
            << s.snapshot_conflicts << " lost)\n";
  EXPECT_GT(s.committed.load(), 20);
  EXPECT_GT(s.snapshots.load(), 3);

  // Final balances: the initial ones plus every acknowledged transfer, once.
  bank_client c(s, 0);
  std::vector<int> all;
  for (int i = 0; i < accounts; ++i) all.push_back(i);
  std::optional<std::vector<balance>> final;
  for (auto t1 = steady::now(); !final && steady::now() - t1 < 60s; std::this_thread::sleep_for(200ms))
    final = read_balances(s, c, all, "final");
  ASSERT_TRUE(final) << "no final snapshot";
  long total = 0;
  std::map<std::string, uint64_t> last_write;
  for (const auto& t : s.h.txns)
    if (t.result == history::outcome::committed)
      for (const auto& w : t.writes) last_write[w.key] = std::max(last_write[w.key], w.version);
  for (int i = 0; i < accounts; ++i) {
    total += (*final)[i].amount;
    EXPECT_EQ((*final)[i].amount, initial_balance + s.delta[i]) << account(i);
    EXPECT_EQ((*final)[i].version, last_write[hkey(s.table, i)]) << account(i) << ": a write nobody acknowledged";
  }
  EXPECT_EQ(total, long{accounts} * initial_balance);

  auto res = history::check(s.h);
  std::cout << "[ measure  ] history: " << s.h.txns.size() << " transactions, " << res.committed << " committed, "
            << res.edges << " dependency edges\n";
  EXPECT_TRUE(res.ok()) << res.report(20);
}

// A broken client: strong GETs and unconditional PUTs, no transaction.
// Concurrent transfers over few accounts lose updates; the checker must
// say so on the recorded history (the check above can fail).
TEST_F(bank, checker_finds_lost_updates_of_a_client_without_transactions) {
  constexpr int few = 8;
  bank_state s("bank_broken", cluster_->routers());
  ASSERT_NO_FATAL_FAILURE(open_accounts(s, few, 4));
  for (unsigned i = 0; i < cluster_->routers(); ++i) s.ports[i] = cluster_->router_port(i);
  auto broken_client = [&s](unsigned id) {
    bank_client c(s, id);
    std::mt19937 rng(id + 11);
    while (!s.stop) {
      int from = static_cast<int>(rng() % few), to = static_cast<int>(rng() % (few - 1));
      if (to >= from) ++to;
      history::transaction t;
      t.label = "broken" + std::to_string(id);
      balance b[2];
      bool ok = true;
      int idx = 0;
      for (int a : {from, to}) {
        auto r = c.request("GET", txn::item_path(s.table, account(a)) + "?consistency=strong");
        if (r.status != 200) {
          ok = false;
          break;
        }
        auto d = r.json();
        b[idx++] = {d["item"]["balance"].GetInt(), d["version"].GetUint64()};
        t.reads.push_back({hkey(s.table, a), d["version"].GetUint64()});
      }
      if (!ok) continue;
      int amount = 1 + static_cast<int>(rng() % 5);
      idx = 0;
      for (auto [a, v] : {std::pair{from, b[0].amount - amount}, std::pair{to, b[1].amount + amount}}) {
        auto r = c.request("PUT", txn::item_path(s.table, account(a)), "{\"balance\":" + std::to_string(v) + "}");
        if (r.status != 200) {
          t.result = history::outcome::unknown;
          break;
        }
        t.writes.push_back({hkey(s.table, a), r.json()["version"].GetUint64()});
      }
      ++s.committed;
      s.record(std::move(t));
    }
  };
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < clients; ++i) threads.emplace_back(broken_client, i);
  history::check_result res;
  for (auto t0 = steady::now(); steady::now() - t0 < 60s;) {
    std::this_thread::sleep_for(3s);
    history::history copy;
    {
      std::lock_guard lock(s.mu);
      copy = s.h;
    }
    res = history::check(copy);
    if (res.has(history::anomaly_kind::g_single) || res.has(history::anomaly_kind::g2_item)) break;
  }
  s.stop = true;
  for (auto& t : threads) t.join();
  std::cout << "[ measure  ] broken client: " << s.committed << " transfers, " << res.anomalies.size()
            << " anomalies; first:\n"
            << res.report(3);
  EXPECT_TRUE(res.has(history::anomaly_kind::g_single) || res.has(history::anomaly_kind::g2_item)) << res.report();
  EXPECT_NE(res.report(1000).find("lost update"), std::string::npos) << res.report();
}

}  // namespace
}  // namespace ropekv::integration
