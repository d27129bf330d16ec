#include "sim_cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "ropekv/consensus/replica.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::segment::test {

sim_cluster::sim_cluster(const sim_options& o) : o_(o), net_(o.seed) {
  net_.set_faults(o.faults);
  for (unsigned i = 0; i < o.nodes; ++i) add_node();
}

sim_cluster::~sim_cluster() {
  for (auto& n : nodes_) n->groups.clear();  // closes every replica before the files go
}

unsigned sim_cluster::add_node() {
  auto n = std::make_unique<node>();
  unsigned i = size();
  n->dir = dir_.sub("n" + std::to_string(i + 1));
  nodes_.push_back(std::move(n));
  attach(i);
  return i;
}

void sim_cluster::attach(unsigned i) {
  auto& n = *nodes_[i];
  n.ep = net_.endpoint(id(i));
  n.up = true;
  net_.attach(id(i), [this, i](node_id, std::string bytes) {
    pb::RaftEnvelope env;
    if (!env.ParseFromString(bytes)) return;
    if (auto* r = replica(i, env.segment_id())) r->receive(env);
  });
  net_.revive(id(i));
}

std::vector<unsigned> sim_cluster::all() const {
  std::vector<unsigned> out;
  for (unsigned i = 0; i < size(); ++i) out.push_back(i);
  return out;
}

std::vector<member_info> sim_cluster::members(const std::vector<unsigned>& nodes) const {
  std::vector<member_info> out;
  for (unsigned i : nodes) out.push_back(member_info{id(i), address(i), member_role::voter});
  return out;
}

std::string sim_cluster::file(unsigned i, uint64_t segment) const {
  return (std::filesystem::path(nodes_[i]->dir) / ("segment-" + std::to_string(segment) + ".sqlite")).string();
}

segment_options sim_cluster::options_for(unsigned i) {
  segment_options o;
  o.self = id(i);
  o.address = address(i);
  o.clock = [this] { return now_us(); };
  o.send = [this, i](pb::RaftEnvelope env) {
    if (nodes_[i]->ep) nodes_[i]->ep->send(node_id{env.to_node()}, "", env.SerializeAsString());
  };
  o.data_dir = nodes_[i]->dir;
  o.election_timeout_ms = o_.election_timeout_ms;
  o.heartbeat_timeout_ms = o_.heartbeat_timeout_ms;
  o.snapshot_threshold = o_.snapshot_threshold;
  o.snapshot_trailing = o_.snapshot_trailing;
  o.seed = o_.seed * 7919 + i * 31 + 7 * (++nodes_[i]->incarnation);
  o.durable_log = false;  // these tests simulate process crashes, not power loss
  o.strong_reads = o_.strong_reads;
  o.sweep_interval_us = o_.sweep_interval_us;
  o.chunks = o_.chunks;
  return o;
}

void sim_cluster::create_group(const store::segment_meta& meta, std::vector<unsigned> nodes) {
  if (nodes.empty()) nodes = all();
  auto mem = members(nodes);
  for (unsigned i : nodes) {
    auto r = segment_replica::create(file(i, meta.segment_id), options_for(i), meta, mem);
    ASSERT_TRUE(r.ok()) << r.error().message;
    adopt(i, std::move(*r));
  }
}

void sim_cluster::join_group(unsigned i, uint64_t group) {
  auto r = segment_replica::join(file(i, group), options_for(i), segment_id{group});
  ASSERT_TRUE(r.ok()) << r.error().message;
  adopt(i, std::move(*r));
}

void sim_cluster::adopt(unsigned i, std::unique_ptr<segment_replica> r) {
  for (auto& child : r->take_split_children()) adopt(i, std::move(child));
  uint64_t g = r->group().value;
  nodes_[i]->groups[g] = std::move(r);
}

segment_replica* sim_cluster::replica(unsigned i, uint64_t group) {
  auto& n = *nodes_[i];
  if (!n.up) return nullptr;
  auto it = n.groups.find(group);
  return it == n.groups.end() ? nullptr : it->second.get();
}

segment_replica* sim_cluster::by_segment(unsigned i, uint64_t segment) {
  if (!nodes_[i]->up) return nullptr;
  for (auto& [g, r] : nodes_[i]->groups) {
    if (r->meta().segment_id == segment) return r.get();
  }
  return nullptr;
}

std::vector<uint64_t> sim_cluster::groups(unsigned i) const {
  std::vector<uint64_t> out;
  for (auto& [g, r] : nodes_[i]->groups) out.push_back(g);
  return out;
}

std::optional<unsigned> sim_cluster::leader(uint64_t group) {
  std::optional<unsigned> best;
  uint64_t best_term = 0;
  for (unsigned i = 0; i < size(); ++i) {
    auto* r = replica(i, group);
    if (r == nullptr || !r->is_leader()) continue;
    uint64_t term = r->raft().stats().term;
    if (!best || term > best_term) best = i, best_term = term;
  }
  return best;
}

std::optional<unsigned> sim_cluster::wait_leader(uint64_t group, unsigned max_ms) {
  run_until([&] { return leader(group).has_value(); }, max_ms);
  return leader(group);
}

void sim_cluster::step(unsigned ms) {
  for (unsigned k = 0; k < ms; ++k) {
    ++now_ms_;
    net_.set_time(now_ms_);
    net_.deliver(now_ms_);
    for (unsigned i = 0; i < size(); ++i) {
      auto& n = *nodes_[i];
      if (!n.up) continue;
      std::vector<std::unique_ptr<segment_replica>> born;
      for (auto& [g, r] : n.groups) {
        r->poll();
        for (auto& child : r->take_split_children()) born.push_back(std::move(child));
      }
      for (auto& child : born) adopt(i, std::move(child));
    }
  }
}

bool sim_cluster::run_until(const std::function<bool()>& done, unsigned max_ms) {
  for (unsigned k = 0; k < max_ms; ++k) {
    if (done()) return true;
    step();
  }
  return done();
}

void sim_cluster::crash(unsigned i) {
  auto& n = *nodes_[i];
  net_.detach(id(i));
  net_.crash(id(i));
  for (auto& [g, r] : n.groups) r->crash();
  n.groups.clear();
  n.ep.reset();
  n.up = false;
}

void sim_cluster::restart(unsigned i) {
  auto& n = *nodes_[i];
  ASSERT_FALSE(n.up);
  attach(i);
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(n.dir)) {
    std::string name = e.path().filename().string();
    if (name.rfind("segment-", 0) == 0 && name.ends_with(".sqlite")) paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    bool opened = false;
    for (auto& [g, r] : n.groups) opened = opened || r->path() == p;
    if (opened) continue;  // a split child recovered by its parent's open()
    auto r = segment_replica::open(p, options_for(i));
    ASSERT_TRUE(r.ok()) << p << ": " << r.error().message;
    adopt(i, std::move(*r));
  }
}

bool sim_cluster::settle(uint64_t group, unsigned max_ms) {
  return run_until(
      [&] {
        auto l = leader(group);
        if (!l) return false;
        auto ls = replica(*l, group)->raft().stats();
        if (ls.last_applied < ls.last_index) return false;  // e.g. its election barrier
        auto target = ls.last_index;
        for (unsigned i = 0; i < size(); ++i) {
          auto* r = replica(i, group);
          if (r != nullptr && r->raft().stats().last_applied < target) return false;
        }
        return true;
      },
      max_ms);
}

bool sim_cluster::converged(uint64_t group) {
  std::optional<uint64_t> d;
  unsigned n = 0;
  for (unsigned i = 0; i < size(); ++i) {
    auto* r = replica(i, group);
    if (r == nullptr) continue;
    auto di = r->digest();
    if (!di.ok()) return false;
    if (d && *d != *di) return false;
    d = *di;
    ++n;
  }
  return n >= 2;
}

template <class Reply, class Issue>
Reply sim_cluster::call(unsigned i, uint64_t group, Issue issue, unsigned max_ms) {
  auto* r = replica(i, group);
  Reply out;
  if (r == nullptr) {
    out.mutable_status()->set_error_code(static_cast<uint32_t>(errc::unavailable));
    out.mutable_status()->set_message("no such replica");
    return out;
  }
  std::optional<Reply> got;
  issue(*r, [&got](Reply rep) { got = std::move(rep); });
  run_until([&] { return got.has_value(); }, max_ms);
  if (!got) {
    out.mutable_status()->set_error_code(static_cast<uint32_t>(errc::timeout));
    return out;
  }
  return std::move(*got);
}

pb::WriteReply sim_cluster::write(unsigned i, uint64_t g, const pb::WriteRequest& req, unsigned max_ms) {
  return call<pb::WriteReply>(i, g, [&](segment_replica& r, auto cb) { r.write(req, cb); }, max_ms);
}
pb::GetReply sim_cluster::get(unsigned i, uint64_t g, const pb::GetRequest& req, unsigned max_ms) {
  return call<pb::GetReply>(i, g, [&](segment_replica& r, auto cb) { r.get(req, cb); }, max_ms);
}
pb::ItemsReply sim_cluster::range(unsigned i, uint64_t g, const pb::RangeRequest& req, unsigned max_ms) {
  return call<pb::ItemsReply>(i, g, [&](segment_replica& r, auto cb) { r.range(req, cb); }, max_ms);
}
pb::ItemsReply sim_cluster::scan(unsigned i, uint64_t g, const pb::ScanRequest& req, unsigned max_ms) {
  return call<pb::ItemsReply>(i, g, [&](segment_replica& r, auto cb) { r.scan(req, cb); }, max_ms);
}
pb::PartitionReply sim_cluster::partition(unsigned i, uint64_t g, const pb::PartitionRequest& req,
                                          unsigned max_ms) {
  return call<pb::PartitionReply>(i, g, [&](segment_replica& r, auto cb) { r.partition(req, cb); }, max_ms);
}
pb::LocksReply sim_cluster::locks(unsigned i, uint64_t g, const pb::LocksRequest& req, unsigned max_ms) {
  return call<pb::LocksReply>(i, g, [&](segment_replica& r, auto cb) { r.locks(req, cb); }, max_ms);
}
pb::ChangesReply sim_cluster::changes(unsigned i, uint64_t g, const pb::ChangesRequest& req, unsigned max_ms) {
  return call<pb::ChangesReply>(i, g, [&](segment_replica& r, auto cb) { r.changes(req, cb); }, max_ms);
}
pb::AdminReply sim_cluster::membership(unsigned i, uint64_t g, const pb::MembershipRequest& req,
                                       unsigned max_ms) {
  return call<pb::AdminReply>(i, g, [&](segment_replica& r, auto cb) { r.membership(req, cb); }, max_ms);
}
pb::AdminReply sim_cluster::split(unsigned i, uint64_t g, const pb::SplitRequest& req, unsigned max_ms) {
  return call<pb::AdminReply>(i, g, [&](segment_replica& r, auto cb) { r.split(req, cb); }, max_ms);
}

// ------------------------------------------------------- request builders

pb::WriteRequest put_req(const std::string& hk, const std::string& value, const std::string& rk) {
  pb::WriteRequest req;
  auto* item = req.mutable_mutation()->mutable_put()->mutable_item();
  item->set_table_id(table);
  item->set_hash_key(hk);
  item->set_range_key(rk);
  item->set_value(value);
  return req;
}

pb::WriteRequest put_cond(const std::string& hk, const std::string& value, pb::Condition cond,
                          uint64_t expected_version) {
  auto req = put_req(hk, value);
  req.mutable_mutation()->mutable_put()->set_condition(cond);
  req.mutable_mutation()->mutable_put()->set_expected_version(expected_version);
  return req;
}

pb::WriteRequest del_req(const std::string& hk, pb::Condition cond, const std::string& rk) {
  pb::WriteRequest req;
  auto* d = req.mutable_mutation()->mutable_delete_();
  d->set_table_id(table);
  d->set_hash_key(hk);
  d->set_range_key(rk);
  d->set_condition(cond);
  return req;
}

pb::GetRequest get_req(const std::string& hk, pb::Consistency c, const std::string& rk) {
  pb::GetRequest req;
  req.set_table_id(table);
  req.set_hash_key(hk);
  req.set_range_key(rk);
  req.set_consistency(c);
  return req;
}

std::string key_of(const std::string& hk, const std::string& rk) {
  return keys::encode(keys::make_key(table, hk, rk));
}

errc code(const pb::Status& s) { return static_cast<errc>(s.error_code()); }

}  // namespace ropekv::segment::test
