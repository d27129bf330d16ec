#include "chaos_cluster.hpp"

#include <signal.h>
#include <sys/mount.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "http_client.hpp"
#include "placement_group.hpp"

namespace ropekv::chaos {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr uint16_t placement_port = 7400, placement_metrics = 7401, owner_port = 7410, owner_metrics = 7411;
constexpr const char* faketime_lib = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "  " + l + "\n";
  return out;
}

template <class Pred>
bool poll_until(std::chrono::milliseconds bound, Pred pred) {
  auto deadline = steady::now() + bound;
  for (;;) {
    if (pred()) return true;
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

void append_words(std::vector<std::string>& argv, const std::string& words) {
  std::istringstream in(words);
  for (std::string w; in >> w;) argv.push_back(w);
}

}  // namespace

std::string to_string(role r) {
  switch (r) {
    case role::placement: return "placement";
    case role::owner: return "owner";
    case role::router: return "router";
  }
  return "?";
}

chaos_cluster::chaos_cluster(netns_fabric& net, std::string dir, cluster_spec spec)
    : net_(net), dir_(std::move(dir)), spec_(std::move(spec)) {
  if (spec_.placements == 0) spec_.placements = default_placements(ROPEKV_PLACEMENT_BIN);
  if (spec_.placements > 1 && placement_group_flag(ROPEKV_PLACEMENT_BIN).empty())
    throw std::runtime_error("this ropekv-placement has no --peers: it runs as one instance only");
  auto add = [&](role r, unsigned count) {
    for (unsigned i = 0; i < count; ++i) {
      member m;
      m.kind = r;
      m.index = i;
      m.name = to_string(r) + std::to_string(i + 1);
      m.node = net_.add_node(m.name);
      m.log = dir_ + "/" + m.name + ".log";
      if (r != role::router) m.data_dir = dir_ + "/" + m.name;
      members_.push_back(std::move(m));
    }
  };
  add(role::placement, spec_.placements);
  add(role::owner, spec_.owners);
  add(role::router, spec_.routers);
  for (auto& m : members_) {
    if (m.data_dir.empty()) continue;
    fs::create_directories(m.data_dir);
    if (m.kind != role::owner) continue;
    // A small filesystem of its own, so filling it touches nobody else.
    std::string opts = "size=" + spec_.disk_size + ",mode=0755";
    if (::mount("tmpfs", m.data_dir.c_str(), "tmpfs", 0, opts.c_str()) != 0)
      throw std::runtime_error("mount tmpfs on " + m.data_dir + " failed");
    net_.note_mount(m.data_dir);
    m.clock_file = dir_ + "/" + m.name + ".faketime";
    set_clock_offset(m, "+0");
  }
}

chaos_cluster::~chaos_cluster() {
  // Routers first (no new requests), then owners, then placement; paused
  // ones are continued so SIGTERM can reach them.
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
    if (it->paused && it->proc && it->proc->pid() > 0) ::kill(it->proc->pid(), SIGCONT);
    it->proc.reset();
  }
}

std::string chaos_cluster::placement_list() const {
  std::string s;
  for (unsigned i = 0; i < spec_.placements; ++i)
    s += (i ? "," : "") + net_.address(members_[i].node) + ":" + std::to_string(placement_port);
  return s;
}

std::vector<std::string> chaos_cluster::argv_of(const member& m) const {
  const std::string host = net_.address(m.node);
  std::vector<std::string> argv;
  switch (m.kind) {
    case role::placement:
      argv = {ROPEKV_PLACEMENT_BIN, "--host=" + host, "--port=" + std::to_string(placement_port),
              "--metrics-port=" + std::to_string(placement_metrics), "--data-dir=" + m.data_dir,
              "--down-after=120s", "--tick-interval=200ms", "--log-level=info"};
      if (spec_.placements > 1) {
        // The group: --placement-id=N --peers=1@host:port,2@host:port,...
        std::string peers;
        for (unsigned i = 0; i < spec_.placements; ++i)
          peers += (i ? "," : "") + std::to_string(i + 1) + "@" + net_.address(members_[i].node) + ":" +
                   std::to_string(placement_port);
        argv.push_back("--placement-id=" + std::to_string(m.index + 1));
        argv.push_back(placement_group_flag(ROPEKV_PLACEMENT_BIN) + "=" + peers);
      }
      break;
    case role::owner: {
      std::string n = std::to_string(m.index + 1);
      argv = {"/usr/bin/env"};
      if (spec_.faketime)
        argv.insert(argv.end(), {std::string("LD_PRELOAD=") + faketime_lib, "FAKETIME_TIMESTAMP_FILE=" + m.clock_file,
                                 "FAKETIME_CACHE_DURATION=1", "FAKETIME_DONT_FAKE_MONOTONIC=1"});
      append_words(argv, spec_.owner_env);
      for (std::string a : {std::string(ROPEKV_OWNER_BIN), "--host=" + host, "--port=" + std::to_string(owner_port),
                            "--metrics-port=" + std::to_string(owner_metrics), "--data-dir=" + m.data_dir,
                            "--placement=" + placement_list(), std::string("--dc=dc1"), "--rack=r" + n, "--host-label=host-" + n,
                            std::string("--heartbeat-ms=300"), std::string("--election-timeout-ms=600"),
                            std::string("--log-level=info")})
        argv.push_back(a);
      append_words(argv, spec_.owner_args);
      break;
    }
    case role::router:
      argv = {ROPEKV_ROUTER_BIN, "--http-host=" + host, "--http-port=" + std::to_string(router_port),
              "--placement=" + placement_list(), "--segment-timeout=1s",
              "--request-deadline=" + spec_.request_deadline, "--log-level=info",
              "--insecure"};  // auth is not what the chaos tests test
      break;
  }
  return net_.exec_in(m.node, argv);
}

::testing::AssertionResult chaos_cluster::restart(member& m) {
  if (m.paused) resume(m);
  m.proc.reset();
  try {
    m.proc = std::make_unique<integration::child_process>(argv_of(m), m.log);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << m.name << ": " << e.what();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult chaos_cluster::start(std::chrono::milliseconds bound) {
  for (auto& m : members_)
    if (auto r = restart(m); !r) return r;
  for (unsigned i = 0; i < spec_.routers; ++i) {
    integration::http_client c(address(router(i)), router_port, 2s);
    if (!poll_until(bound, [&] { return c.get("/readyz").status == 200; }))
      return ::testing::AssertionFailure() << router(i).name << ": /readyz never answered 200\n" << log_tails(20);
  }
  integration::http_client c(address(router(0)), router_port, 5s);
  bool registered = poll_until(bound, [&] {
    auto d = c.get("/v1/cluster").json();
    if (!d.IsObject() || !d.HasMember("nodes")) return false;
    unsigned alive = 0;
    for (const auto& n : d["nodes"].GetArray()) alive += n["alive"].GetBool() ? 1 : 0;
    return alive == spec_.owners;
  });
  if (!registered) return ::testing::AssertionFailure() << "not every owner registered\n" << log_tails(20);
  return ::testing::AssertionSuccess();
}

void chaos_cluster::kill9(member& m) {
  if (m.paused) resume(m);
  if (m.proc) m.proc->kill9();
}

int chaos_cluster::stop(member& m) {
  if (m.paused) resume(m);
  return m.proc ? m.proc->stop() : -1;
}

void chaos_cluster::pause(member& m) {
  if (!m.proc || !m.proc->running() || m.paused) return;
  ::kill(m.proc->pid(), SIGSTOP);
  m.paused = true;
}

void chaos_cluster::resume(member& m) {
  if (m.proc && m.proc->running()) ::kill(m.proc->pid(), SIGCONT);
  m.paused = false;
}

bool chaos_cluster::running(member& m) { return m.proc && m.proc->running(); }

std::vector<std::string> chaos_cluster::reap_unexpected() {
  std::vector<std::string> out;
  for (auto& m : members_) {
    // running() false: never started or stopped on purpose (pid reset).
    if (!m.proc || !m.proc->running() || !m.proc->exited()) continue;
    m.exits.push_back("exited by itself; log tail:\n" + tail(m.log, 15));
    out.push_back(m.name);
    (void)restart(m);
  }
  return out;
}

void chaos_cluster::set_clock_offset(member& owner, const std::string& offset) {
  // Written whole, then renamed: libfaketime never reads half a line.
  std::string tmp = owner.clock_file + ".tmp";
  std::ofstream(tmp) << offset << '\n';
  fs::rename(tmp, owner.clock_file);
}

std::string chaos_cluster::log_tails(size_t lines) const {
  std::string out;
  for (const auto& m : members_) out += "--- " + m.log + "\n" + tail(m.log, lines);
  return out;
}

}  // namespace ropekv::chaos
