// A router cut off from a group's quorum answers 503, never a stale strong
// read (issue 14, item 4), on a real cluster (1 placement, 3 owners, 1
// router on loopback, request deadline 3 s), with SIGSTOP standing in for
// a partition:
//  1. both followers of the table's one segment stopped: the leader is
//     alone; once its lease has lapsed strong reads and writes answer 503
//     within the router's deadline;
//  2. the stale leader: the leader stopped, the other two elect a new one
//     and take a write (v2); then those two are stopped and the old leader
//     continued — it still believes it leads with v1. Strong reads answer
//     503, never v1; eventual reads may answer (with v1: the API's
//     `consistency=eventual` promises nothing newer);
//  3. everything continued: strong reads answer v2 and writes succeed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "cluster_harness.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

double ms_since(steady::time_point t) { return std::chrono::duration<double, std::milli>(steady::now() - t).count(); }

/// SIGCONTs every owner it stopped when it goes, also when a test failed
/// (a stopped owner would only die of the harness's SIGKILL after 10 s).
class pauses {
 public:
  explicit pauses(cluster_harness& c) : c_(c) {}
  ~pauses() {
    for (unsigned i = 0; i < c_.owners(); ++i) cont(i);
  }
  void stop(unsigned i) {
    if (int pid = c_.owner_pid(i); pid > 0) ::kill(pid, SIGSTOP);
  }
  void cont(unsigned i) {
    if (int pid = c_.owner_pid(i); pid > 0) ::kill(pid, SIGCONT);
  }

 private:
  cluster_harness& c_;
};

struct read_result {
  unsigned status = 0;
  std::string code;
  std::string value;  // the item's "v" on 200
  double ms = 0;
};

read_result read(http_client& c, const std::string& consistency) {
  auto t0 = steady::now();
  auto r = c.get("/v1/tables/minor/items/x?consistency=" + consistency);
  read_result out{r.status, r.error_code(), "", ms_since(t0)};
  if (r.status == 200) out.value = r.json()["item"]["v"].GetString();
  return out;
}

TEST(minority_router, answers_503_never_a_stale_strong_read) {
  cluster_options opts;
  opts.request_deadline = "3s";
  cluster_harness cluster(opts);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.create_table("minor", R"({"hash_key":"k","segments":1})"));
  http_client c(cluster.router_port(), 20s);
  ASSERT_EQ(c.put("/v1/tables/minor/items/x", R"({"v":"v1"})").status, 200u);
  auto seg = cluster.segments("minor")->front();
  int leader = cluster.index_of(seg.leader_hint);
  ASSERT_GE(leader, 0);
  pauses p(cluster);
  const double deadline_ms = 3000, slack_ms = 1500;

  // 1. The leader alone.
  for (unsigned i = 0; i < 3; ++i)
    if (static_cast<int>(i) != leader) p.stop(i);
  std::this_thread::sleep_for(1s);  // past the lease (3/4 of the election timeout)
  for (int i = 0; i < 3; ++i) {
    auto r = read(c, "strong");
    EXPECT_EQ(r.status, 503u) << "strong read from a leader without quorum: " << r.status << ' ' << r.value;
    EXPECT_LT(r.ms, deadline_ms + slack_ms);
    if (i == 0) std::cerr << "leader alone: strong read answered " << r.status << ' ' << r.code << " in " << r.ms << " ms\n";
  }
  auto t0 = steady::now();
  auto w = c.put("/v1/tables/minor/items/y", R"({"v":"lost?"})");
  EXPECT_EQ(w.status, 503u) << w.body;
  EXPECT_LT(ms_since(t0), deadline_ms + slack_ms);
  for (unsigned i = 0; i < 3; ++i) p.cont(i);

  // 2. The stale leader: a new leader takes v2 while the old one is stopped.
  ASSERT_TRUE(cluster.wait_writable("minor"));
  seg = cluster.segments("minor")->front();
  leader = cluster.index_of(seg.leader_hint);
  ASSERT_GE(leader, 0);
  p.stop(leader);
  bool wrote = false;
  auto stopped_at = steady::now();
  while (!wrote && ms_since(stopped_at) < 20'000) wrote = c.put("/v1/tables/minor/items/x", R"({"v":"v2"})").status == 200;
  ASSERT_TRUE(wrote) << "the two followers did not take a write after the leader stopped";
  std::cerr << "new leader took v2 " << ms_since(stopped_at) << " ms after the old one stopped\n";
  for (unsigned i = 0; i < 3; ++i)
    if (static_cast<int>(i) != leader) p.stop(i);
  p.cont(leader);  // believes it leads, with v1
  int strong_503 = 0, stale = 0, eventual_ok = 0;
  auto minority_from = steady::now();
  while (ms_since(minority_from) < 8'000) {
    auto r = read(c, "strong");
    if (r.status == 200 && r.value == "v1") ++stale;
    if (r.status == 503) ++strong_503;
    EXPECT_TRUE(r.status == 503 || (r.status == 200 && r.value == "v2")) << r.status << ' ' << r.code << ' ' << r.value;
    EXPECT_LT(r.ms, deadline_ms + slack_ms);
    auto e = read(c, "eventual");
    if (e.status == 200) ++eventual_ok;
    EXPECT_TRUE(e.status == 200 || e.status == 503) << "eventual read: " << e.status;
  }
  EXPECT_EQ(stale, 0) << "strong reads served the stale v1";
  EXPECT_GE(strong_503, 2);
  std::cerr << "stale leader: " << strong_503 << " strong reads answered 503, " << stale << " stale; " << eventual_ok
            << " eventual reads answered 200\n";

  // 3. Healed.
  for (unsigned i = 0; i < 3; ++i) p.cont(i);
  ASSERT_TRUE(cluster.wait_writable("minor"));
  auto r = read(c, "strong");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.value, "v2");
  EXPECT_EQ(c.put("/v1/tables/minor/items/x", R"({"v":"v3"})").status, 200u);
}

}  // namespace
}  // namespace ropekv::integration
