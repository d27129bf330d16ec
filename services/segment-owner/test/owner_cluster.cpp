#include "owner_cluster.hpp"

#include <caf/io/all.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>

namespace ropekv::segment_owner::testing {
namespace {

using namespace std::chrono_literals;

std::string tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::ostringstream out;
  for (auto& l : last) out << "  " << l << '\n';
  return out.str();
}

}  // namespace

owner_cluster::owner_cluster(unsigned owners, std::string down_after)
    : down_after_(std::move(down_after)), owners_(owners) {
  cfg_.add_message_types<caf::id_block::ropekv>();
  cfg_.load<caf::io::middleman>();
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  placement_.data_dir = dir_.file("placement");
  placement_.log = dir_.file("placement.log");
  for (unsigned i = 0; i < owners; ++i) {
    owners_[i].data_dir = dir_.file("owner" + std::to_string(i + 1));
    owners_[i].log = dir_.file("owner" + std::to_string(i + 1) + ".log");
  }
}

owner_cluster::~owner_cluster() {
  // ROPEKV_TEST_LOGS=<lines> prints the logs of a passing run too.
  const char* want = std::getenv("ROPEKV_TEST_LOGS");
  if (::testing::Test::HasFailure() || want != nullptr) std::cerr << log_tails(want ? std::stoul(want) : 40);
  placement_handle_ = nullptr;
  for (auto& o : owners_) o.proc.reset();  // SIGTERM, then SIGKILL, by PID
  placement_.proc.reset();
}

bool owner_cluster::launch(process& p, const std::vector<std::string>& args) {
  // Through a shell only to send stderr to the log; exec keeps the PID the
  // binary's, so stopping by PID reaches it.
  std::string cmd = "exec";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>>'" + p.log + "'";
  p.proc = std::make_unique<test_support::child_process>(std::vector<std::string>{"/bin/sh", "-c", cmd});
  auto line = p.proc->read_line(30s);
  const std::string prefix = "listening on 127.0.0.1:";
  p.port = 0;
  if (line && line->rfind(prefix, 0) == 0) p.port = static_cast<uint16_t>(std::stoi(line->substr(prefix.size())));
  return p.port != 0;
}

bool owner_cluster::start() {
  if (!start_placement()) return false;
  for (unsigned i = 0; i < owners_.size(); ++i) {
    if (!start_owner(i)) return false;
  }
  return true;
}

bool owner_cluster::start_placement() {
  if (!launch(placement_, {ROPEKV_PLACEMENT_BIN, "--port=0", "--data-dir=" + placement_.data_dir, "--down-after=" + down_after_,
                           "--tick-interval=200ms"}))
    return false;
  auto h = sys_->middleman().remote_actor<net::placement_actor>("127.0.0.1", placement_.port);
  if (!h) return false;
  placement_handle_ = *h;
  return true;
}

int owner_cluster::stop_placement() {
  placement_handle_ = nullptr;
  return placement_.proc ? placement_.proc->stop() : -1;
}

bool owner_cluster::start_owner(unsigned i) {
  auto& o = owners_[i];
  std::string rack = "r" + std::to_string(i + 1);
  return launch(o, {ROPEKV_OWNER_BIN, "--port=0", "--data-dir=" + o.data_dir,
                    "--placement=127.0.0.1:" + std::to_string(placement_.port), "--dc=dc1", "--rack=" + rack,
                    "--host-label=host-" + rack, "--heartbeat-ms=300", "--election-timeout-ms=600"});
}

std::string owner_cluster::owner_log(unsigned i) const {
  std::ifstream in(owners_[i].log);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int owner_cluster::stop_owner(unsigned i) { return owners_[i].proc ? owners_[i].proc->stop() : -1; }

void owner_cluster::kill_owner(unsigned i) {
  auto& p = owners_[i].proc;
  if (!p) return;
  ::kill(p->pid(), SIGKILL);
  p->stop(1s);  // reaps it
}

std::optional<pb::ClusterReply> owner_cluster::cluster() {
  if (!placement_handle_) return std::nullopt;
  caf::scoped_actor self{*sys_};
  std::optional<pb::ClusterReply> out;
  self->request(placement_handle_, 5s, cluster_atom_v)
      .receive([&](pb::ClusterReply& r) { out = std::move(r); }, [&](caf::error&) {});
  return out;
}

std::optional<pb::TableReply> owner_cluster::create_table(const std::string& name, uint32_t replication) {
  if (!placement_handle_) return std::nullopt;
  pb::CreateTableRequest req;
  req.mutable_schema()->set_name(name);
  req.mutable_schema()->set_hash_key("pk");
  req.mutable_schema()->set_replication(replication);
  caf::scoped_actor self{*sys_};
  std::optional<pb::TableReply> out;
  self->request(placement_handle_, 10s, req).receive([&](pb::TableReply& r) { out = std::move(r); },
                                                     [&](caf::error&) {});
  return out;
}

std::optional<pb::TableReply> owner_cluster::drop_table(const std::string& name) {
  if (!placement_handle_) return std::nullopt;
  caf::scoped_actor self{*sys_};
  std::optional<pb::TableReply> out;
  self->request(placement_handle_, 10s, drop_atom_v, name)
      .receive([&](pb::TableReply& r) { out = std::move(r); }, [&](caf::error&) {});
  return out;
}

std::vector<std::string> owner_cluster::replica_files(unsigned i) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(owners_[i].data_dir + "/segments", ec)) {
    auto ext = e.path().extension().string();
    if (ext == ".db" || ext == ".sqlite") out.push_back(e.path().filename().string());
  }
  return out;
}

uint64_t owner_cluster::node_of(unsigned i) const {
  std::ifstream in(owners_[i].data_dir + "/node.id");
  uint64_t id = 0;
  in >> id;
  return id;
}

int owner_cluster::index_of(uint64_t node) const {
  for (unsigned i = 0; i < owners_.size(); ++i) {
    if (node_of(i) == node) return static_cast<int>(i);
  }
  return -1;
}

std::string owner_cluster::log_tails(size_t lines) const {
  std::string out = "--- placement.log\n" + tail(placement_.log, lines);
  for (unsigned i = 0; i < owners_.size(); ++i)
    out += "--- owner" + std::to_string(i + 1) + ".log\n" + tail(owners_[i].log, lines);
  return out;
}

}  // namespace ropekv::segment_owner::testing
