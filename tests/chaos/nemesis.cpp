#include "nemesis.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

#include "http_client.hpp"

namespace ropekv::chaos {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::vector<std::string> partition_kinds{"partition-majority", "partition-leader", "partition-bridge",
                                                "partition-oneway"};

uint64_t node_id_of(const chaos_cluster::member& owner) {
  std::ifstream in(owner.data_dir + "/node.id");
  uint64_t id = 0;
  in >> id;
  return id;
}

}  // namespace

std::vector<std::string> all_nemesis_kinds() {
  auto kinds = partition_kinds;
  // Not "clock": owners under libfaketime 0.9.10 stop at start-up ("unexpected
  // recursive calls to clock_gettime()"); it runs when asked for by name.
  for (const char* k : {"netem", "kill", "pause", "disk", "corrupt"}) kinds.push_back(k);
  return kinds;
}

std::vector<std::string> parse_nemesis_kinds(const std::string& list) {
  std::vector<std::string> out;
  auto all = all_nemesis_kinds();
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string k = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (k.empty()) continue;
    if (k == "partition") {
      out.insert(out.end(), partition_kinds.begin(), partition_kinds.end());
    } else if (k == "all") {
      out.insert(out.end(), all.begin(), all.end());
    } else if (k == "clock" || std::find(all.begin(), all.end(), k) != all.end()) {
      out.push_back(k);
    } else {
      throw std::invalid_argument("unknown nemesis '" + k + "' (partition, netem, kill, pause, disk, clock, corrupt)");
    }
  }
  return out;
}

nemesis::nemesis(chaos_cluster& cluster, netns_fabric& net, const history_log& clock, uint64_t seed)
    : cluster_(cluster), net_(net), clock_(clock), rng_(seed) {}

std::vector<unsigned> nemesis::nodes_of(role r) const {
  std::vector<unsigned> out;
  for (auto& m : cluster_.members())
    if (m.kind == r) out.push_back(m.node);
  return out;
}

unsigned nemesis::leading_owner() {
  const unsigned owners = cluster_.spec().owners;
  for (unsigned i = 0; i < cluster_.spec().routers; ++i) {
    integration::http_client c(cluster_.address(cluster_.router(i)), chaos_cluster::router_port, 3s);
    auto d = c.get("/v1/cluster").json();
    if (!d.IsObject() || !d.HasMember("segments")) continue;
    std::map<uint64_t, int> led;
    for (const auto& s : d["segments"].GetArray()) ++led[s["leader_hint"].GetUint64()];
    uint64_t best = 0;
    int most = 0;
    for (auto [node, n] : led)
      if (node != 0 && n > most) best = node, most = n;
    for (unsigned o = 0; o < owners; ++o)
      if (best != 0 && node_id_of(cluster_.owner(o)) == best) return o;
  }
  return static_cast<unsigned>(rng_() % owners);
}

void nemesis::partition(const std::vector<std::vector<unsigned>>& sides, const std::vector<unsigned>& /*bridges*/) {
  for (size_t i = 0; i < sides.size(); ++i) {
    std::vector<unsigned> others;
    for (size_t j = 0; j < sides.size(); ++j)
      if (j != i) others.insert(others.end(), sides[j].begin(), sides[j].end());
    for (unsigned node : sides[i]) net_.drop_from(node, others);
  }
}

void nemesis::fill_disk(chaos_cluster::member& owner) {
  int fd = ::open(cluster_.filler_path(owner).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + cluster_.filler_path(owner));
  std::string chunk(1 << 20, 'x');
  while (::write(fd, chunk.data(), chunk.size()) > 0) {
  }
  for (size_t small = 4096; small > 0; small /= 2)  // the last bytes too
    while (::write(fd, chunk.data(), small) > 0) {
    }
  ::close(fd);
}

void nemesis::corrupt(chaos_cluster::member& owner, std::string& detail) {
  // Stopped cleanly (SIGTERM): the rot happens while it is down, as a disk's would.
  cluster_.stop(owner);
  std::string victim;
  uintmax_t size = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(owner.data_dir + "/segments", ec)) {
    auto name = e.path().filename().string();
    bool sqlite = name.size() > 3 && (name.ends_with(".db") || name.ends_with(".sqlite"));
    if (sqlite && e.file_size(ec) > size) victim = e.path().string(), size = e.file_size(ec);
  }
  if (victim.empty() || size <= 4096) {
    detail += " (no SQLite file big enough to corrupt)";
    return;
  }
  std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
  std::string offsets;
  // Past the header page: the file still opens as SQLite, its content is wrong.
  for (int i = 0; i < 16; ++i) {
    std::streamoff at = 4096 + static_cast<std::streamoff>(rng_() % (size - 4096));
    f.seekg(at);
    char b = 0;
    f.read(&b, 1);
    f.seekp(at);
    b = static_cast<char>(b ^ 0xff);
    f.write(&b, 1);
    offsets += (offsets.empty() ? "" : ",") + std::to_string(at);
  }
  detail += " file=" + fs::path(victim).filename().string() + " bytes_flipped=16 offsets=" + offsets;
}

void nemesis::run(const std::string& kind, std::chrono::milliseconds active) {
  fault_interval f{kind, "", clock_.now_ns(), 0};
  const auto& spec = cluster_.spec();
  unsigned victim = static_cast<unsigned>(rng_() % spec.owners);
  auto& owner = cluster_.owner(victim);
  auto all_but = [&](const std::vector<unsigned>& out) {
    std::vector<unsigned> rest;
    for (unsigned n = 0; n < net_.size(); ++n)
      if (std::find(out.begin(), out.end(), n) == out.end()) rest.push_back(n);
    return rest;
  };
  std::function<void()> heal = [this] { net_.heal(); };
  if (kind == "partition-majority") {
    std::vector<unsigned> minority{owner.node};
    if (spec.routers > 1) minority.push_back(cluster_.router(spec.routers - 1).node);
    f.detail = "minority=" + owner.name + (spec.routers > 1 ? "," + cluster_.router(spec.routers - 1).name : "");
    partition({minority, all_but(minority)}, {});
  } else if (kind == "partition-leader") {
    auto& leader = cluster_.owner(leading_owner());
    f.detail = "isolated=" + leader.name;
    partition({{leader.node}, all_but({leader.node})}, {});
  } else if (kind == "partition-bridge") {
    // Owner i and i+2 cannot talk; owner i+1 talks to both, as do placement and routers.
    auto& a = cluster_.owner(victim);
    auto& b = cluster_.owner((victim + 2) % spec.owners);
    auto& bridge = cluster_.owner((victim + 1) % spec.owners);
    f.detail = "sides=" + a.name + "|" + b.name + " bridge=" + bridge.name;
    partition({{a.node}, {b.node}}, {bridge.node});
  } else if (kind == "partition-oneway") {
    std::vector<unsigned> others;
    for (unsigned o = 0; o < spec.owners; ++o)
      if (o != victim) others.push_back(cluster_.owner(o).node);
    f.detail = "deaf=" + owner.name + " (hears no owner, still sends)";
    net_.drop_from(owner.node, others);
  } else if (kind == "netem") {
    std::string spec_text = "delay 60ms 40ms loss 3% duplicate 2% reorder 10%";
    f.detail = "owners: " + spec_text;
    for (unsigned o = 0; o < spec.owners; ++o) net_.netem(cluster_.owner(o).node, spec_text);
  } else if (kind == "kill") {
    // Mostly owners; now and then a router or a placement.
    unsigned dice = static_cast<unsigned>(rng_() % 6);
    auto* m = &owner;
    if (dice == 4) m = &cluster_.router(static_cast<unsigned>(rng_() % spec.routers));
    if (dice == 5) m = &cluster_.placement(static_cast<unsigned>(rng_() % spec.placements));
    f.detail = "kill -9 " + m->name;
    cluster_.kill9(*m);
    heal = [this, m] { (void)cluster_.restart(*m); };
  } else if (kind == "pause") {
    auto& leader = cluster_.owner(leading_owner());
    f.detail = "SIGSTOP " + leader.name;
    cluster_.pause(leader);
    heal = [this, &leader] { cluster_.resume(leader); };
  } else if (kind == "disk") {
    f.detail = "filled " + owner.name + " (" + spec.disk_size + " tmpfs)";
    fill_disk(owner);
    heal = [this, &owner] { fs::remove(cluster_.filler_path(owner)); };
  } else if (kind == "clock") {
    f.detail = owner.name + " wall clock +90 s, then -90 s";
    cluster_.set_clock_offset(owner, "+90");
    std::this_thread::sleep_for(active / 2);
    cluster_.set_clock_offset(owner, "-90");
    active -= active / 2;
    heal = [this, &owner] { cluster_.set_clock_offset(owner, "+0"); };
  } else if (kind == "corrupt") {
    f.detail = "stopped " + owner.name;
    corrupt(owner, f.detail);
    heal = [this, &owner] { (void)cluster_.restart(owner); };
  } else {
    throw std::invalid_argument("unknown nemesis " + kind);
  }
  std::this_thread::sleep_for(active);
  heal();
  f.end_ns = clock_.now_ns();
  timeline_.push_back(std::move(f));
}

void nemesis::heal_all() {
  net_.heal();
  for (auto& m : cluster_.members()) {
    if (m.paused) cluster_.resume(m);
    if (!cluster_.running(m)) (void)cluster_.restart(m);
    if (m.kind != role::owner) continue;
    cluster_.set_clock_offset(m, "+0");
    std::error_code ec;
    fs::remove(cluster_.filler_path(m), ec);
  }
}

}  // namespace ropekv::chaos
