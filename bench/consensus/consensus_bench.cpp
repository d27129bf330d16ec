// consensus_bench: commits/s, fsyncs per commit and commit latency of a
// 3-replica group (real SQLite files, synchronous=FULL on the Raft log),
// with N proposers each keeping one proposal in flight. Prints ONE JSON
// object, including a same-run baseline with a single proposer (no group
// commit possible) and the raw cost of one durable SQLite commit.
//
//   consensus_bench [--proposers 64] [--seconds 5] [--warmup 1]
//                   [--payload 100] [--machine kv|store] [--dir PATH]
//                   [--no-baseline]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ropekv/consensus/in_memory_network.hpp"
#include "ropekv/consensus/replica.hpp"
#include "ropekv/consensus/sqlite_log.hpp"
#ifdef ROPEKV_BENCH_WITH_STORE
#include "ropekv/consensus/store_state_machine.hpp"
#include "ropekv/store/segment_store.hpp"
#endif

namespace rc = ropekv::consensus;
using ropekv::node_id;
using ropekv::result;
using ropekv::status;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  unsigned proposers = 64;
  double seconds = 5;
  double warmup = 1;
  size_t payload = 100;
  std::string machine = "kv";
  std::string dir;
  bool baseline = true;
};

uint64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now().time_since_epoch()).count();
}

// A small in-memory machine: what we measure is consensus, not the store.
class counter_machine final : public rc::state_machine {
 public:
  result<std::string> apply(uint64_t index, std::string_view command) override {
    for (unsigned char c : command) hash_ = (hash_ ^ c) * 1099511628211ULL;
    ++applied_;
    return std::string("ok");
  }
  uint64_t applied_index() const override { return 0; }
  result<std::string> snapshot() override { return std::to_string(hash_) + ":" + std::to_string(applied_); }
  status restore(uint64_t, std::string_view image) override {
    auto colon = image.find(':');
    hash_ = std::stoull(std::string(image.substr(0, colon)));
    applied_ = std::stoull(std::string(image.substr(colon + 1)));
    return {};
  }

 private:
  uint64_t hash_ = 1469598103934665603ULL;
  uint64_t applied_ = 0;
};

#ifdef ROPEKV_BENCH_WITH_STORE
class store_machine final : public rc::state_machine {
 public:
  explicit store_machine(const std::string& path) {
    auto s = ropekv::store::segment_store::open(path);
    if (!s) {
      std::fprintf(stderr, "store open: %s\n", s.error().message.c_str());
      std::exit(1);
    }
    store_ = std::move(*s);
    sm_ = std::make_unique<rc::store_state_machine>(*store_);
  }
  result<std::string> apply(uint64_t i, std::string_view c) override { return sm_->apply(i, c); }
  uint64_t applied_index() const override { return sm_->applied_index(); }
  result<std::string> snapshot() override { return sm_->snapshot(); }
  status restore(uint64_t i, std::string_view b) override { return sm_->restore(i, b); }
  bool batches() const override { return true; }
  status stage(uint64_t i, std::string_view c) override { return sm_->stage(i, c); }
  status flush(const result_sink& s) override { return sm_->flush(s); }

 private:
  std::unique_ptr<ropekv::store::segment_store> store_;
  std::unique_ptr<rc::store_state_machine> sm_;
};
#endif

std::string make_command(const options& o, uint64_t seq) {
#ifdef ROPEKV_BENCH_WITH_STORE
  if (o.machine == "store") {
    ropekv::pb::Mutation m;
    m.set_timestamp_us(static_cast<int64_t>(seq) + 1);
    auto* item = m.mutable_put()->mutable_item();
    item->set_table_id(1);
    item->set_hash_key("key" + std::to_string(seq % 10000));
    item->set_value("{\"v\":\"" + std::string(o.payload, 'x') + "\"}");
    return m.SerializeAsString();
  }
#endif
  std::string cmd = "k" + std::to_string(seq) + "=";
  cmd.resize(std::max(cmd.size(), o.payload), 'x');
  return cmd;
}

struct run_result {
  double seconds = 0;
  uint64_t commits = 0;
  uint64_t failures = 0;
  uint64_t fsyncs = 0;
  uint64_t leader_fsyncs = 0;
  uint64_t batches = 0;
  std::vector<uint32_t> latencies_us;
};

// One group of three replicas in `dir`. Each replica runs on its own thread
// (as each segment actor runs detached in the services), so the replicas'
// fsyncs overlap; the in-memory network wakes an idle thread when a message
// arrives for it. Proposers live on the leader's thread: a completion
// callback frees a slot that the same thread refills before its next poll.
class group {
 public:
  group(const options& o, const std::string& dir) : o_(o), net_(1) {
    net_.set_faults({0.0, 0, 0});
    std::vector<rc::member> members;
    for (unsigned i = 0; i < 3; ++i) members.push_back({node_id{i + 1}, "n" + std::to_string(i + 1)});
    for (unsigned i = 0; i < 3; ++i) {
      auto n = std::make_unique<node>();
      n->id = node_id{i + 1};
      std::string path = dir + "/segment-" + std::to_string(i + 1) + ".db";
#ifdef ROPEKV_BENCH_WITH_STORE
      if (o.machine == "store") n->sm = std::make_unique<store_machine>(path);
#endif
      if (!n->sm) n->sm = std::make_unique<counter_machine>();
      n->ep = net_.endpoint(n->id);
      auto log = rc::sqlite_log::open(path, rc::sqlite_log_options{true});
      if (!log) die(log.error().message);
      rc::replica_options ro;
      ro.id = n->id;
      ro.address = "n" + std::to_string(i + 1);
      ro.snapshot_threshold = 100000;  // snapshots are not what we measure
      ro.snapshot_trailing = 1000;
      ro.io.seed = 100 + i;
      auto r = rc::replica::open(ro, std::move(*log), *n->ep, *n->sm, now_us() / 1000);
      if (!r) die(r.error().message);
      n->r = std::move(*r);
      if (auto st = n->r->bootstrap(members); !st) die(st.error().message);
      if (auto st = n->r->start(); !st) die(st.error().message);
      rc::replica* target = n->r.get();
      node* np = n.get();
      net_.attach(
          n->id, [target](node_id from, std::string b) { target->receive(from, b); },
          [np] {
            std::lock_guard lock(np->mu);
            np->woken = true;
            np->cv.notify_one();
          });
      nodes_.push_back(std::move(n));
    }
  }

  ~group() {
    stop_ = true;
    for (auto& n : nodes_) {
      if (n->thread.joinable()) n->thread.join();
    }
    for (auto& n : nodes_) n->r->close();
  }

  run_result run(unsigned proposers) {
    proposers_ = proposers;
    for (auto& n : nodes_) n->thread = std::thread([this, p = n.get()] { loop(*p); });
    // Elect a leader first (the election timeout is real time here).
    uint64_t deadline = now_us() + 10'000'000;
    while (!any_leader() && now_us() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!any_leader()) die("no leader elected");
    proposing_ = true;
    sleep_s(o_.warmup);
    uint64_t from = now_us();
    measuring_ = true;
    sleep_s(o_.seconds);
    measuring_ = false;
    uint64_t to = now_us();
    proposing_ = false;
    // Let what is in flight complete so no callback outlives the run.
    uint64_t drain = now_us() + 5'000'000;
    while (now_us() < drain && !drained()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop_ = true;
    for (auto& n : nodes_) n->thread.join();

    run_result out;
    out.seconds = (to - from) / 1e6;
    for (auto& n : nodes_) {
      out.commits += n->commits;
      out.failures += n->failures;
      out.fsyncs += n->fsyncs;
      out.batches += n->batches;
      if (n->led) out.leader_fsyncs += n->fsyncs;
      out.latencies_us.insert(out.latencies_us.end(), n->latencies.begin(), n->latencies.end());
    }
    return out;
  }

 private:
  struct node {
    node_id id;
    std::unique_ptr<rc::state_machine> sm;
    std::unique_ptr<rc::transport> ep;
    std::unique_ptr<rc::replica> r;
    std::thread thread;
    std::mutex mu;
    std::condition_variable cv;
    bool woken = false;
    std::atomic<bool> leader{false};
    std::atomic<unsigned> in_flight{0};
    // Touched only by this node's thread until it is joined.
    uint64_t seq = 0;
    bool seen_measuring = false;
    bool done_measuring = false;
    bool led = false;
    uint64_t fsyncs_at = 0, batches_at = 0;
    uint64_t commits = 0, failures = 0, fsyncs = 0, batches = 0;
    std::vector<uint32_t> latencies;
  };

  [[noreturn]] static void die(const std::string& why) {
    std::fprintf(stderr, "consensus_bench: %s\n", why.c_str());
    std::exit(1);
  }
  static void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(s * 1e6))); }

  bool any_leader() const {
    for (auto& n : nodes_) {
      if (n->leader) return true;
    }
    return false;
  }
  bool drained() const {
    for (auto& n : nodes_) {
      if (n->in_flight != 0) return false;
    }
    return true;
  }

  void loop(node& n) {
    while (!stop_) {
      uint64_t ms = now_us() / 1000;
      net_.deliver_to(n.id, ms);
      bool did = n.r->poll(ms);
      n.leader = n.r->is_leader();
      account(n);
      if (n.leader && proposing_) did = top_up(n) || did;
      if (!did && !n.r->io().has_pending_work()) {
        std::unique_lock lock(n.mu);
        n.cv.wait_for(lock, std::chrono::milliseconds(1), [&] { return n.woken; });
        n.woken = false;
      }
    }
  }

  // Per-node counter deltas over the measured window, read on its thread.
  void account(node& n) {
    bool m = measuring_;
    if (m && !n.seen_measuring) {
      n.seen_measuring = true;
      auto s = n.r->stats();
      n.fsyncs_at = s.fsyncs;
      n.batches_at = s.apply_batches;
    }
    if (m && n.leader) n.led = true;
    if (!m && n.seen_measuring && !n.done_measuring) {
      n.done_measuring = true;
      auto s = n.r->stats();
      n.fsyncs = s.fsyncs - n.fsyncs_at;
      n.batches = s.apply_batches - n.batches_at;
    }
  }

  bool top_up(node& n) {
    bool any = false;
    while (n.in_flight < proposers_) {
      uint64_t started = now_us();
      auto st = n.r->propose(make_command(o_, n.seq++), [this, &n, started](result<std::string> r) {
        --n.in_flight;
        if (!measuring_) return;
        if (r) {
          ++n.commits;
          n.latencies.push_back(static_cast<uint32_t>(std::min<uint64_t>(now_us() - started, UINT32_MAX)));
        } else {
          ++n.failures;
        }
      });
      if (!st) break;
      ++n.in_flight;
      any = true;
    }
    return any;
  }

  const options& o_;
  rc::in_memory_network net_;
  std::vector<std::unique_ptr<node>> nodes_;
  unsigned proposers_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> proposing_{false};
  std::atomic<bool> measuring_{false};
};

uint32_t percentile(std::vector<uint32_t>& v, double p) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// Median microseconds per durable single-row commit on this disk (the cost
// a system without group commit would pay per entry, per replica).
double durable_commit_us(const std::string& dir) {
  auto log = rc::sqlite_log::open(dir + "/baseline.db", rc::sqlite_log_options{true});
  if (!log) return -1;
  // Grow the WAL past the auto-checkpoint first: in steady state commits
  // overwrite WAL space instead of growing the file (as in the runs), and
  // growing costs an extra metadata flush per fsync.
  std::string big(4096, 'w');
  if (!(*log)->begin()) return -1;
  for (int i = 1; i <= 2000; ++i) {
    if (!(*log)->put_entry(i, 1, 1, big)) return -1;
  }
  if (!(*log)->commit()) return -1;
  // Median of 200: disk latency here is bursty.
  std::vector<uint32_t> us;
  for (int i = 2001; i <= 2200; ++i) {
    uint64_t t0 = now_us();
    if (!(*log)->begin() || !(*log)->put_entry(i, 1, 1, "x") || !(*log)->commit()) return -1;
    us.push_back(static_cast<uint32_t>(now_us() - t0));
  }
  return percentile(us, 0.5);
}

std::string make_dir(const options& o, const std::string& name) {
  std::string base = o.dir;
  if (base.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "consensus-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    base = tmpl;
  }
  std::string dir = base + "/" + name;
  std::filesystem::create_directories(dir);
  return dir;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--proposers") o.proposers = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--seconds") o.seconds = std::stod(next());
    else if (a == "--warmup") o.warmup = std::stod(next());
    else if (a == "--payload") o.payload = std::stoul(next());
    else if (a == "--machine") o.machine = next();
    else if (a == "--dir") o.dir = next();
    else if (a == "--no-baseline") o.baseline = false;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      std::exit(2);
    }
  }
#ifndef ROPEKV_BENCH_WITH_STORE
  if (o.machine == "store") {
    std::fprintf(stderr, "built without libs/store\n");
    std::exit(2);
  }
#endif
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse(argc, argv);
  std::string root = make_dir(o, "");
  double commit_us = durable_commit_us(root);

  run_result main_run;
  {
    group g(o, make_dir(o, "main"));
    main_run = g.run(o.proposers);
  }
  std::optional<run_result> single;
  if (o.baseline && o.proposers > 1) {
    options b = o;
    b.seconds = std::min(o.seconds, 2.0);
    b.warmup = 0.5;
    group g(b, make_dir(o, "baseline"));
    single = g.run(1);
  }

  auto rate = [](const run_result& r) { return r.seconds > 0 ? r.commits / r.seconds : 0.0; };
  double cps = rate(main_run);
  double fpc = main_run.commits ? static_cast<double>(main_run.fsyncs) / main_run.commits : 0.0;
  double lfpc = main_run.commits ? static_cast<double>(main_run.leader_fsyncs) / main_run.commits : 0.0;
  double per_batch = main_run.batches ? static_cast<double>(main_run.commits) / main_run.batches : 0.0;
  std::printf("{\"bench\":\"consensus\",\"replicas\":3,\"proposers\":%u,\"machine\":\"%s\",\"payload_bytes\":%zu,"
              "\"seconds\":%.2f,\"commits\":%" PRIu64 ",\"failures\":%" PRIu64 ",\"commits_per_s\":%.0f,"
              "\"fsyncs_per_commit\":%.4f,\"leader_fsyncs_per_commit\":%.4f,\"entries_per_batch\":%.1f,"
              "\"p50_commit_us\":%u,\"p99_commit_us\":%u,\"durable_commit_us\":%.0f",
              o.proposers, o.machine.c_str(), o.payload, main_run.seconds, main_run.commits, main_run.failures,
              cps, fpc, lfpc, per_batch, percentile(main_run.latencies_us, 0.50),
              percentile(main_run.latencies_us, 0.99), commit_us);
  if (single) {
    double sfpc = single->commits ? static_cast<double>(single->fsyncs) / single->commits : 0.0;
    std::printf(",\"baseline_1_proposer\":{\"commits_per_s\":%.0f,\"fsyncs_per_commit\":%.3f,"
                "\"p50_commit_us\":%u,\"p99_commit_us\":%u}",
                rate(*single), sfpc, percentile(single->latencies_us, 0.50), percentile(single->latencies_us, 0.99));
  }
  std::printf("}\n");
  if (o.dir.empty()) std::filesystem::remove_all(root);
  return 0;
}
