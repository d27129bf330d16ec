#include "chaos_run.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "report.hpp"
#include "workloads.hpp"

namespace ropekv::chaos {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::string make_run_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ropekv-chaos-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

/// Every router ready, and a write then a strong read of it through each
/// router on keys of every segment-ish spread; true when all pass.
bool serves(chaos_cluster& cluster, unsigned round) {
  for (unsigned i = 0; i < cluster.spec().routers; ++i) {
    integration::http_client c(cluster.address(cluster.router(i)), chaos_cluster::router_port, 4s);
    if (c.get("/readyz").status != 200) return false;
    for (int k = 0; k < 8; ++k) {
      std::string path = std::string("/v1/tables/") + register_table + "/items/heal-" + std::to_string(k);
      std::string v = "h" + std::to_string(round) + "-" + std::to_string(i);
      if (c.put(path, "{\"v\":\"" + v + "\"}").status != 200) return false;
      auto r = c.get(path + "?consistency=strong");
      if (r.status != 200 || r.body.find(v) == std::string::npos) return false;
    }
  }
  return true;
}

}  // namespace

run_options options_from_env() {
  run_options o;
  if (const char* s = std::getenv("ROPEKV_CHAOS_SECONDS"); s && *s) o.seconds = static_cast<unsigned>(std::stoul(s));
  if (const char* s = std::getenv("ROPEKV_CHAOS_NEMESIS"); s && *s) o.kinds = parse_nemesis_kinds(s);
  if (const char* s = std::getenv("ROPEKV_CHAOS_SEED"); s && *s) o.seed = std::stoull(s);
  if (const char* s = std::getenv("ROPEKV_CHAOS_REPORT_DIR"); s && *s) o.report_dir = s;
  if (const char* s = std::getenv("ROPEKV_CHAOS_PLACEMENTS"); s && *s)
    o.cluster.placements = static_cast<unsigned>(std::stoul(s));
  return o;
}

run_result run_chaos(const run_options& options) {
  run_result out;
  out.run_dir = make_run_dir();
  out.report_dir = options.report_dir.empty() ? out.run_dir + "/chaos-report" : options.report_dir;
  fs::create_directories(out.report_dir);
  history_log log;
  netns_fabric net;
  cluster_spec spec = options.cluster;
  spec.faketime = std::find(options.kinds.begin(), options.kinds.end(), "clock") != options.kinds.end();
  chaos_cluster cluster(net, out.run_dir, spec);
  nemesis faults(cluster, net, log, options.seed);
  std::atomic<bool> stop{false};
  workload_env env;
  for (unsigned i = 0; i < options.cluster.routers; ++i) env.routers.push_back(cluster.address(cluster.router(i)));
  env.port = chaos_cluster::router_port;
  env.log = &log;
  env.stop = &stop;
  env.seed = options.seed;

  std::vector<std::string> run_problems;  // the nemesis's own failures
  auto finish = [&] {
    for (auto& m : cluster.members())
      for (const auto& e : m.exits) out.crashes.push_back(m.name + ": " + e);
    out.timeline = faults.timeline();
    if (out.setup_error.empty()) out.v = check_all(log.records());
    out.v.problems.insert(out.v.problems.end(), run_problems.begin(), run_problems.end());
    for (const auto& c : out.crashes) out.v.problems.push_back("process crashed: " + c.substr(0, 600));
    if (!out.setup_error.empty()) out.v.problems.push_back("setup: " + out.setup_error);
    if (out.setup_error.empty() && !out.healed)
      out.v.problems.push_back("cluster did not serve again within " + std::to_string(options.heal_bound.count()) +
                               " s after the faults stopped");
    out.v.valid = out.v.valid && out.v.problems.empty();
    write_report(out.report_dir, log, out, cluster.log_tails(40));
  };

  if (auto started = cluster.start(); !started) {
    out.setup_error = started.message();
    finish();
    return out;
  }
  if (auto tables = create_tables(env); !tables) {
    out.setup_error = tables.message();
    finish();
    return out;
  }
  std::vector<std::thread> clients;
  for (unsigned i = 0; i < options.register_clients; ++i) clients.emplace_back(run_register_client, std::cref(env), i);
  for (unsigned i = 0; i < options.set_clients; ++i) clients.emplace_back(run_set_client, std::cref(env), i);
  for (unsigned i = 0; i < options.bank_clients; ++i) clients.emplace_back(run_bank_client, std::cref(env), i);

  std::this_thread::sleep_for(2s);  // a calm start, for the plot's baseline
  const auto until = steady::now() + std::chrono::seconds(options.seconds);
  try {
    for (size_t n = 0; n < options.kinds.size() || steady::now() < until; ++n) {
      const auto& kind = options.kinds[n % options.kinds.size()];
      std::cerr << "chaos: nemesis " << kind << " at " << log.now_ns() / 1'000'000 << " ms\n";
      try {
        faults.run(kind, options.fault);
      } catch (const std::exception& e) {
        // A kernel without sch_netem (no modules, some containers) cannot
        // delay packets: said in the report, not counted as a failed run.
        if (kind != "netem" || std::string(e.what()).find("qdisc kind is unknown") == std::string::npos) throw;
        out.unsupported.push_back("netem: this kernel has no sch_netem qdisc");
        faults.heal_all();
      }
      for (const auto& name : cluster.reap_unexpected()) std::cerr << "chaos: " << name << " exited by itself\n";
      std::this_thread::sleep_for(options.gap);
    }
  } catch (const std::exception& e) {
    run_problems.push_back(std::string("nemesis failed: ") + e.what());
  }
  faults.heal_all();
  const auto healing = steady::now();
  for (unsigned round = 0; steady::now() - healing < options.heal_bound; ++round) {
    if (serves(cluster, round)) {
      out.healed = true;
      break;
    }
    std::this_thread::sleep_for(250ms);
  }
  out.heal_seconds = std::chrono::duration<double>(steady::now() - healing).count();
  // A little load on the healed cluster, then the clients stop.
  std::this_thread::sleep_for(2s);
  stop = true;
  for (auto& t : clients) t.join();
  for (const auto& name : cluster.reap_unexpected()) std::cerr << "chaos: " << name << " exited by itself\n";
  read_final_state(env);
  finish();
  return out;
}

}  // namespace ropekv::chaos
