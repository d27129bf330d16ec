#include "netns_fabric.hpp"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

#include "shell.hpp"

namespace ropekv::chaos {
namespace {

namespace fs = std::filesystem;
constexpr const char* marker_root = "/run/ropekv-chaos";
constexpr const char* run_prefix = "rkc";
constexpr const char* nft_table = "ropekv_chaos";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

/// Namespace names (first word of each `ip netns list` line) starting with `prefix`.
std::vector<std::string> namespaces_with(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(run_command({"ip", "netns", "list"}).output)) {
    std::string name = l.substr(0, l.find(' '));
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  }
  return out;
}

/// kill -9 of every process in the namespace (by PID), then the namespace.
void remove_namespace(const std::string& ns) {
  for (const auto& pid : lines_of(run_command({"ip", "netns", "pids", ns}).output)) {
    try {
      ::kill(static_cast<pid_t>(std::stol(pid)), SIGKILL);
    } catch (const std::exception&) {
    }
  }
  run_command({"ip", "netns", "del", ns});
}

void remove_run(const std::string& prefix, const std::vector<std::string>& mounts) {
  for (const auto& ns : namespaces_with(prefix + "-")) remove_namespace(ns);
  for (const auto& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
  run_command({"ip", "link", "del", prefix + "br"});
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

}  // namespace

std::string netns_fabric::unavailable_reason() {
  if (geteuid() != 0) return "chaos suite needs root (network namespaces, bridges, nft, tc, mounts)";
  std::string probe = std::string(run_prefix) + "probe" + std::to_string(getpid() % 100000);
  auto r = run_command({"ip", "netns", "add", probe});
  if (!r.ok()) return "cannot create a network namespace (ip netns add): " + r.output;
  run_command({"ip", "netns", "del", probe});
  for (const char* tool : {"nft", "tc"})
    if (run_command({tool, "--version"}).code == -1 || run_command({"sh", "-c", std::string("command -v ") + tool}).code != 0)
      return std::string(tool) + " is not installed (scripts/setup installs it)";
  return "";
}

void netns_fabric::clean_leftovers() {
  std::error_code ec;
  std::set<std::string> live;
  for (const auto& entry : fs::directory_iterator(marker_root, ec)) {
    std::string prefix = entry.path().filename().string();
    auto pid_lines = read_lines(entry.path() / "pid");
    pid_t owner = pid_lines.empty() ? 0 : static_cast<pid_t>(std::stol(pid_lines[0]));
    if (owner > 0 && (::kill(owner, 0) == 0 || errno == EPERM)) {
      live.insert(prefix);
      continue;
    }
    remove_run(prefix, read_lines(entry.path() / "mounts"));
    fs::remove_all(entry.path(), ec);
  }
  // Namespaces of ours without a marker (the marker was lost): same treatment.
  for (const auto& ns : namespaces_with(run_prefix)) {
    std::string prefix = ns.substr(0, ns.find('-'));
    if (prefix.size() == 8 && !live.count(prefix)) remove_run(prefix, {});
  }
}

netns_fabric::netns_fabric() {
  std::random_device rd;
  std::mt19937 rng(rd());
  char hex[8];
  snprintf(hex, sizeof hex, "%05x", static_cast<unsigned>(rng() & 0xfffff));
  prefix_ = std::string(run_prefix) + hex;
  subnet_ = "10." + std::to_string(200 + rng() % 50) + "." + std::to_string(rng() % 256) + ".";
  bridge_ = prefix_ + "br";
  bridge_address_ = subnet_ + "1";
  fs::create_directories(marker_dir());
  std::ofstream(marker_dir() + "/pid") << getpid() << '\n';
  try {
    must_run({"ip", "link", "add", bridge_, "type", "bridge"});
    must_run({"ip", "addr", "add", bridge_address_ + "/24", "dev", bridge_});
    must_run({"ip", "link", "set", bridge_, "up"});
  } catch (...) {
    remove_run(prefix_, {});
    throw;
  }
}

netns_fabric::~netns_fabric() {
  remove_run(prefix_, mounts_);
  std::error_code ec;
  fs::remove_all(marker_dir(), ec);
}

std::string netns_fabric::marker_dir() const { return std::string(marker_root) + "/" + prefix_; }

void netns_fabric::note_mount(const std::string& path) {
  mounts_.push_back(path);
  std::ofstream(marker_dir() + "/mounts", std::ios::app) << path << '\n';
}

unsigned netns_fabric::add_node(const std::string& name) {
  unsigned i = size();
  node n;
  n.name = prefix_ + "-" + name;
  n.host_dev = prefix_ + "h" + std::to_string(i);
  n.dev = prefix_ + "n" + std::to_string(i);
  n.address = subnet_ + std::to_string(10 + i);
  nodes_.push_back(n);  // before the first command: the destructor removes it whatever fails
  must_run({"ip", "netns", "add", n.name});
  must_run({"ip", "link", "add", n.host_dev, "type", "veth", "peer", "name", n.dev});
  must_run({"ip", "link", "set", n.dev, "netns", n.name});
  must_run({"ip", "link", "set", n.host_dev, "master", bridge_});
  must_run({"ip", "link", "set", n.host_dev, "up"});
  must_run({"ip", "-n", n.name, "addr", "add", n.address + "/24", "dev", n.dev});
  must_run({"ip", "-n", n.name, "link", "set", n.dev, "up"});
  must_run({"ip", "-n", n.name, "link", "set", "lo", "up"});
  // An empty filter table now, so a partition later is one flush + one rule.
  must_run({"ip", "netns", "exec", n.name, "nft", "add", "table", "inet", nft_table});
  must_run({"ip", "netns", "exec", n.name, "nft", "add", "chain", "inet", nft_table, "input",
            "{ type filter hook input priority 0 ; policy accept ; }"});
  return i;
}

std::vector<std::string> netns_fabric::exec_in(unsigned node, std::vector<std::string> argv) const {
  std::vector<std::string> out{"/usr/sbin/ip", "netns", "exec", nodes_[node].name};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

void netns_fabric::drop_from(unsigned node, const std::vector<unsigned>& sources) {
  auto& n = nodes_[node];
  must_run({"ip", "netns", "exec", n.name, "nft", "flush", "chain", "inet", nft_table, "input"});
  n.rules = false;
  if (sources.empty()) return;
  std::string set = "{ ";
  for (size_t i = 0; i < sources.size(); ++i) set += (i ? ", " : "") + nodes_[sources[i]].address;
  set += " }";
  must_run({"ip", "netns", "exec", n.name, "nft", "add", "rule", "inet", nft_table, "input", "ip", "saddr", set,
            "drop"});
  n.rules = true;
}

void netns_fabric::netem(unsigned node, const std::string& spec) {
  auto& n = nodes_[node];
  std::vector<std::string> argv{"ip", "netns", "exec", n.name, "tc", "qdisc", "replace", "dev", n.dev, "root",
                                "netem"};
  std::istringstream words(spec);
  for (std::string w; words >> w;) argv.push_back(w);
  must_run(argv);
  n.netem = true;
}

void netns_fabric::heal() {
  for (unsigned i = 0; i < size(); ++i) {
    auto& n = nodes_[i];
    if (n.rules) drop_from(i, {});
    if (n.netem) run_command({"ip", "netns", "exec", n.name, "tc", "qdisc", "del", "dev", n.dev, "root"});
    n.netem = false;
  }
}

}  // namespace ropekv::chaos
