#include "cluster_harness.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::string make_temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ropekv-cluster-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::ostringstream out;
  for (const auto& l : last) out << "  " << l << '\n';
  return out.str();
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

template <class Pred>
bool poll_until(std::chrono::milliseconds bound, Pred pred, std::chrono::milliseconds step = 100ms) {
  const auto deadline = steady::now() + bound;
  for (;;) {
    if (pred()) return true;
    if (steady::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace

cluster_harness::cluster_harness(cluster_options options) : options_(std::move(options)), dir_(make_temp_dir()) {
  placement_ = {"placement", dir_ + "/placement", dir_ + "/placement.log", 0, nullptr};
  if (options_.placements == 0) options_.placements = 1;
  for (unsigned i = 1; i < options_.placements; ++i) {
    std::string n = "placement" + std::to_string(i + 1);
    more_placements_.push_back({n, dir_ + "/" + n, dir_ + "/" + n + ".log", 0, nullptr});
  }
  // A group's members know each other's addresses from the start.
  if (options_.placements > 1) {
    for (unsigned i = 0; i < options_.placements; ++i) placement_proc(i).port = free_port();
  }
  owners_.resize(options_.owners);
  for (unsigned i = 0; i < options_.owners; ++i) {
    std::string n = "owner" + std::to_string(i + 1);
    owners_[i] = {n, dir_ + "/" + n, dir_ + "/" + n + ".log", 0, nullptr};
    if (i < options_.owner_data_dirs.size() && !options_.owner_data_dirs[i].empty())
      owners_[i].data_dir = options_.owner_data_dirs[i];
  }
  routers_.resize(std::max(1u, options_.routers));
  for (unsigned i = 0; i < routers_.size(); ++i) {
    // The first keeps the single-router name (router.log).
    std::string n = i == 0 ? "router" : "router" + std::to_string(i + 1);
    routers_[i] = {n, "", dir_ + "/" + n + ".log", 0, nullptr};
  }
  notifiers_.resize(options_.notifiers);
  for (unsigned i = 0; i < options_.notifiers; ++i) {
    std::string n = "notifier" + std::to_string(i + 1);
    notifiers_[i] = {n, dir_ + "/" + n, dir_ + "/" + n + ".log", 0, nullptr};
  }
  indexers_.resize(options_.indexers);
  for (unsigned i = 0; i < options_.indexers; ++i) {
    std::string n = "indexer" + std::to_string(i + 1);
    indexers_[i] = {n, dir_ + "/" + n, dir_ + "/" + n + ".log", 0, nullptr};
  }
}

cluster_harness::~cluster_harness() {
  const char* want = std::getenv("ROPEKV_TEST_LOGS");
  if (::testing::Test::HasFailure() || want != nullptr) std::cerr << log_tails(want ? std::stoul(want) : 30);
  admin_.reset();
  // Notifiers and router first (no new requests), then the owners, then placement.
  for (auto& n : notifiers_) n.proc.reset();
  for (auto& n : indexers_) n.proc.reset();
  for (auto& r : routers_) r.proc.reset();
  for (auto& o : owners_) o.proc.reset();
  placement_.proc.reset();
  for (auto& p : more_placements_) p.proc.reset();
  if (!std::getenv("ROPEKV_KEEP_DATA")) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

::testing::AssertionResult cluster_harness::launch(process& p, std::vector<std::string> args) {
  p.proc.reset();
  try {
    p.proc = std::make_unique<child_process>(args, p.log);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
  p.port = p.proc->wait_listening(30s);
  if (p.port == 0)
    return ::testing::AssertionFailure() << p.name << " printed no 'listening on' line; log:\n" << tail(p.log, 20);
  return ::testing::AssertionSuccess();
}

namespace {

void append_flags(std::vector<std::string>& args, const std::string& flags) {
  std::istringstream extra(flags);
  for (std::string a; extra >> a;) args.push_back(a);
}

}  // namespace

// Services started with --metrics-port=0 print, after "listening on",
// "metrics on 127.0.0.1:<port>" (their /healthz, /readyz, /metrics).
::testing::AssertionResult cluster_harness::read_metrics_port(process& p) {
  auto line = p.proc->read_line(10s);
  auto colon = line ? line->rfind(':') : std::string::npos;
  if (!line || line->rfind("metrics on ", 0) != 0 || colon == std::string::npos)
    return ::testing::AssertionFailure() << p.name << " printed no 'metrics on' line";
  p.metrics_port = static_cast<uint16_t>(std::stoul(line->substr(colon + 1)));
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult cluster_harness::start_placement() {
  for (unsigned i = 0; i < options_.placements; ++i)
    if (auto r = start_placement(i); !r) return r;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult cluster_harness::start_placement(unsigned i) {
  auto& p = placement_proc(i);
  // Port 0 the first time; afterwards the port the others were told.
  std::vector<std::string> args{ROPEKV_PLACEMENT_BIN, "--port=" + std::to_string(p.port),
                                "--data-dir=" + p.data_dir, "--down-after=" + options_.down_after,
                                "--tick-interval=200ms", "--metrics-port=0", "--log-level=info"};
  if (options_.placements > 1) {
    std::string peers;
    for (unsigned k = 0; k < options_.placements; ++k)
      peers += (k ? "," : "") + std::to_string(k + 1) + "@127.0.0.1:" + std::to_string(placement_proc(k).port);
    args.push_back("--placement-id=" + std::to_string(i + 1));
    args.push_back("--peers=" + peers);
  }
  if (!options_.bootstrap_token.empty()) args.push_back("--bootstrap-token=" + options_.bootstrap_token);
  append_flags(args, options_.placement_args);
  auto launched = launch(p, std::move(args));
  return launched ? read_metrics_port(p) : launched;
}

int cluster_harness::stop_placement() {
  int code = placement_.proc ? placement_.proc->stop() : -1;
  for (unsigned i = 1; i < options_.placements; ++i) stop_placement(i);
  return code;
}

int cluster_harness::stop_placement(unsigned i) {
  auto& p = placement_proc(i);
  return p.proc ? p.proc->stop() : -1;
}

void cluster_harness::kill9_placement(unsigned i) {
  auto& p = placement_proc(i);
  if (p.proc) p.proc->kill9();
}

bool cluster_harness::placement_running(unsigned i) const {
  const auto& p = placement_proc(i);
  return p.proc && p.proc->running();
}

void cluster_harness::wipe_placement(unsigned i) {
  std::error_code ec;
  std::filesystem::remove_all(placement_proc(i).data_dir, ec);
}

uint16_t cluster_harness::placement_port(unsigned i) const { return placement_proc(i).port; }

std::string cluster_harness::placement_list() const {
  std::string out;
  for (unsigned i = 0; i < options_.placements; ++i)
    out += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(placement_proc(i).port);
  return out;
}

int cluster_harness::placement_leader() const {
  int best = -1;
  uint64_t best_term = 0;
  for (unsigned i = 0; i < options_.placements; ++i) {
    if (!placement_running(i)) continue;
    std::ifstream in(placement_proc(i).log);
    std::string last;
    for (std::string line; std::getline(in, line);)
      if (line.find("event=placement_group_view") != std::string::npos) last = line;
    if (last.find("leading=true ready=true") == std::string::npos) continue;
    auto at = last.find("term=");
    uint64_t term = at == std::string::npos ? 0 : std::stoull(last.substr(at + 5));
    if (best < 0 || term > best_term) {
      best = static_cast<int>(i);
      best_term = term;
    }
  }
  return best;
}

::testing::AssertionResult cluster_harness::start_owner(unsigned i) {
  auto& o = owners_[i];
  std::string n = std::to_string(i + 1);
  std::vector<std::string> args{ROPEKV_OWNER_BIN, "--port=0", "--metrics-port=0", "--data-dir=" + o.data_dir,
                                "--placement=" + placement_list(), "--dc=dc1",
                                "--rack=r" + n, "--host-label=host-" + n,
                                "--heartbeat-ms=" + std::to_string(options_.heartbeat_ms),
                                "--election-timeout-ms=" + std::to_string(options_.election_timeout_ms),
                                "--log-level=info"};
  append_flags(args, options_.owner_args);
  auto launched = launch(o, std::move(args));
  return launched ? read_metrics_port(o) : launched;
}

::testing::AssertionResult cluster_harness::start_notifier(unsigned i) {
  auto& n = notifiers_[i];
  std::vector<std::string> args{ROPEKV_NOTIFIER_BIN, "--ws-port=0", "--port=0", "--data-dir=" + n.data_dir,
                                "--placement=" + placement_list(), "--log-level=info"};
  if (options_.bootstrap_token.empty()) args.push_back("--insecure");
  append_flags(args, options_.notifier_args);
  return launch(n, std::move(args));
}

::testing::AssertionResult cluster_harness::start_indexer(unsigned i) {
  auto& n = indexers_[i];
  std::vector<std::string> args{ROPEKV_INDEXER_BIN, "--port=0", "--metrics-port=0", "--data-dir=" + n.data_dir,
                                "--placement=" + placement_list(), "--log-level=info"};
  append_flags(args, options_.indexer_args);
  auto launched = launch(n, std::move(args));
  return launched ? read_metrics_port(n) : launched;
}

void cluster_harness::kill9_indexer(unsigned i) {
  if (indexers_[i].proc) indexers_[i].proc->kill9();
}

int cluster_harness::stop_indexer(unsigned i) { return indexers_[i].proc ? indexers_[i].proc->stop() : -1; }

uint64_t cluster_harness::indexer_id(unsigned i) const {
  std::ifstream in(indexers_[i].data_dir + "/indexer.id");
  uint64_t id = 0;
  in >> id;
  return id;
}

bool cluster_harness::indexer_running(unsigned i) const { return indexers_[i].proc && indexers_[i].proc->running(); }

void cluster_harness::kill9_notifier(unsigned i) {
  if (notifiers_[i].proc) notifiers_[i].proc->kill9();
}

bool cluster_harness::notifier_running(unsigned i) const {
  return notifiers_[i].proc && notifiers_[i].proc->running();
}

int cluster_harness::notifier_pid(unsigned i) const {
  return notifier_running(i) ? notifiers_[i].proc->pid() : 0;
}

int cluster_harness::stop_owner(unsigned i) { return owners_[i].proc ? owners_[i].proc->stop() : -1; }

void cluster_harness::kill9_owner(unsigned i) {
  if (owners_[i].proc) owners_[i].proc->kill9();
}

bool cluster_harness::owner_running(unsigned i) const { return owners_[i].proc && owners_[i].proc->running(); }

int cluster_harness::owner_pid(unsigned i) const { return owner_running(i) ? owners_[i].proc->pid() : 0; }

::testing::AssertionResult cluster_harness::launch_router(unsigned i) {
  std::vector<std::string> args{ROPEKV_ROUTER_BIN, "--http-port=0",
                                "--placement=" + placement_list(),
                                "--segment-timeout=" + options_.segment_timeout,
                                "--request-deadline=" + options_.request_deadline, "--log-level=info"};
  if (options_.bootstrap_token.empty()) args.push_back("--insecure");
  append_flags(args, options_.router_args);
  auto r = launch(routers_[i], std::move(args));
  if (r && (!admin_ || admin_router_ < 0 || !router_running(static_cast<unsigned>(admin_router_)))) {
    admin_ = std::make_unique<http_client>(routers_[i].port, 15s);
    admin_->set_token(options_.bootstrap_token);
    admin_router_ = static_cast<int>(i);
  }
  return r;
}

::testing::AssertionResult cluster_harness::start_router(unsigned i, std::chrono::milliseconds bound) {
  if (auto r = launch_router(i); !r) return r;
  http_client c(routers_[i].port, 5s);
  if (!poll_until(bound, [&] { return c.get("/readyz").status == 200; }))
    return ::testing::AssertionFailure() << routers_[i].name << ": /readyz never answered 200";
  return ::testing::AssertionSuccess();
}

void cluster_harness::reconnect_admin(int not_this) {
  if (admin_router_ != not_this) return;
  admin_.reset();
  admin_router_ = -1;
  for (unsigned j = 0; j < routers_.size(); ++j)
    if (static_cast<int>(j) != not_this && router_running(j)) {
      admin_ = std::make_unique<http_client>(routers_[j].port, 15s);
      admin_->set_token(options_.bootstrap_token);
      admin_router_ = static_cast<int>(j);
      return;
    }
}

void cluster_harness::kill9_router(unsigned i) {
  if (routers_[i].proc) routers_[i].proc->kill9();
  routers_[i].proc.reset();
  reconnect_admin(static_cast<int>(i));
}

int cluster_harness::stop_router(unsigned i) {
  int code = routers_[i].proc ? routers_[i].proc->stop() : -1;
  routers_[i].proc.reset();
  reconnect_admin(static_cast<int>(i));
  return code;
}

bool cluster_harness::router_running(unsigned i) const { return routers_[i].proc && routers_[i].proc->running(); }

::testing::AssertionResult cluster_harness::start(std::chrono::milliseconds bound) {
  if (auto r = start_placement(); !r) return r;
  for (unsigned i = 0; i < owners_.size(); ++i)
    if (auto r = start_owner(i); !r) return r;
  for (unsigned i = 0; i < routers_.size(); ++i)
    if (auto r = launch_router(i); !r) return r;
  for (const auto& router : routers_) {
    http_client c(router.port, 5s);
    if (!poll_until(bound, [&] { return c.get("/readyz").status == 200; }))
      return ::testing::AssertionFailure() << router.name << ": /readyz never answered 200";
  }
  if (!poll_until(bound, [&] { return alive_nodes().size() == owners_.size(); }))
    return ::testing::AssertionFailure() << "not every owner registered with placement";
  for (unsigned i = 0; i < notifiers_.size(); ++i)
    if (auto r = start_notifier(i); !r) return r;
  for (unsigned i = 0; i < indexers_.size(); ++i)
    if (auto r = start_indexer(i); !r) return r;
  return ::testing::AssertionSuccess();
}

uint64_t cluster_harness::node_of(unsigned i) const {
  std::ifstream in(owners_[i].data_dir + "/node.id");
  uint64_t id = 0;
  in >> id;
  return id;
}

int cluster_harness::index_of(uint64_t node) const {
  for (unsigned i = 0; i < owners_.size(); ++i)
    if (node != 0 && node_of(i) == node) return static_cast<int>(i);
  return -1;
}

std::optional<rapidjson::Document> cluster_harness::cluster() {
  auto r = admin_->get("/v1/cluster");
  if (r.status != 200) return std::nullopt;
  auto d = r.json();
  if (!d.IsObject()) return std::nullopt;
  return d;
}

std::vector<uint64_t> cluster_harness::alive_nodes() {
  std::vector<uint64_t> out;
  auto c = cluster();
  if (!c || !c->HasMember("nodes")) return out;
  for (const auto& n : (*c)["nodes"].GetArray())
    if (n["alive"].GetBool()) out.push_back(n["id"].GetUint64());
  return out;
}

std::optional<std::vector<segment_view>> cluster_harness::segments(const std::string& table) {
  auto c = cluster();
  if (!c || !c->HasMember("segments")) return std::nullopt;
  std::vector<segment_view> out;
  for (const auto& s : (*c)["segments"].GetArray()) {
    if (!s.HasMember("table") || table != s["table"].GetString()) continue;
    segment_view v;
    v.id = s["id"].GetUint64();
    v.table = table;
    v.start_hex = s["start_key"].GetString();
    v.end_hex = s["end_key"].GetString();
    for (const auto& r : s["replicas"].GetArray()) v.replicas.push_back(r.GetUint64());
    v.leader_hint = s["leader_hint"].GetUint64();
    out.push_back(std::move(v));
  }
  return out;
}

uint64_t cluster_harness::table_id(const std::string& table) {
  auto r = admin_->get("/v1/tables/" + table);
  if (r.status != 200) return 0;
  auto d = r.json();
  return d.IsObject() && d.HasMember("id") ? d["id"].GetUint64() : 0;
}

std::string cluster_harness::rope_hex(uint64_t id, const std::string& hash_key) {
  return to_hex(keys::hash_key_prefix(static_cast<uint32_t>(id), keys::partition_of(hash_key), hash_key));
}

std::string cluster_harness::key_in(const segment_view& s, uint64_t id, const std::string& stem) {
  for (int n = 0; n < 1'000'000; ++n) {
    std::string hk = stem + std::to_string(n);
    std::string k = rope_hex(id, hk);
    if (k >= s.start_hex && (s.end_hex.empty() || k < s.end_hex)) return hk;
  }
  return {};
}

::testing::AssertionResult cluster_harness::create_table(const std::string& name, const std::string& spec,
                                                         std::chrono::milliseconds bound) {
  auto r = admin_->put("/v1/tables/" + name, spec);
  if (r.status != 201) return ::testing::AssertionFailure() << "PUT table " << name << ": " << r.status << ' ' << r.body;
  return wait_writable(name, bound);
}

::testing::AssertionResult cluster_harness::wait_writable(const std::string& table, std::chrono::milliseconds bound) {
  const auto deadline = steady::now() + bound;
  auto left = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()); };
  uint64_t id = table_id(table);
  if (id == 0) return ::testing::AssertionFailure() << "table " << table << " unknown";
  std::vector<segment_view> segs;
  bool led = poll_until(left(), [&] {
    auto s = segments(table);
    auto alive = alive_nodes();
    if (!s || s->empty()) return false;
    for (const auto& seg : *s)
      if (std::find(alive.begin(), alive.end(), seg.leader_hint) == alive.end()) return false;
    segs = std::move(*s);
    return true;
  }, 200ms);
  if (!led) return ::testing::AssertionFailure() << "segments of " << table << " got no live leader";
  // Leader hints come from heartbeats; a write per segment proves it.
  bool range = admin_->get("/v1/tables/" + table).json().HasMember("range_key");
  for (const auto& seg : segs) {
    std::string url = "/v1/tables/" + table + "/items/" + url_escape(key_in(seg, id, "zz-probe-")) +
                      (range ? "/p" : "");
    if (!poll_until(left(), [&] { return admin_->put(url, R"({"probe":true})").status == 200; }, 200ms))
      return ::testing::AssertionFailure() << "segment " << seg.id << " of " << table << " takes no write";
    if (auto d = admin_->del(url); d.status != 200)
      return ::testing::AssertionFailure() << "probe delete: " << d.status << ' ' << d.body;
  }
  return ::testing::AssertionSuccess();
}

std::string cluster_harness::log_tails(size_t lines) const {
  std::string out = "--- " + placement_.log + "\n" + tail(placement_.log, lines);
  for (const auto& p : more_placements_) out += "--- " + p.log + "\n" + tail(p.log, lines);
  for (const auto& o : owners_) out += "--- " + o.log + "\n" + tail(o.log, lines);
  for (const auto& r : routers_) out += "--- " + r.log + "\n" + tail(r.log, lines);
  for (const auto& n : notifiers_) out += "--- " + n.log + "\n" + tail(n.log, lines);
  for (const auto& n : indexers_) out += "--- " + n.log + "\n" + tail(n.log, lines);
  return out;
}

}  // namespace ropekv::integration
