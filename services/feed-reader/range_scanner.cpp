#include "range_scanner.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::feed {
namespace {

constexpr uint64_t next_page_timer = 0;
constexpr std::chrono::milliseconds min_backoff{20};
constexpr std::chrono::milliseconds max_backoff{1'000};

std::chrono::milliseconds backoff(unsigned failures) {
  return std::min(min_backoff * (1u << std::min(failures, 6u)), max_backoff);
}

bool inside(const rope::segment& s, const scan_range& r) {
  return s.start <= r.start && (s.end.empty() || (!r.end.empty() && r.end <= s.end));
}

}  // namespace

range_scanner::range_scanner(caf::event_based_actor* self, feed_client client, uint32_t table,
                             std::vector<scan_range> ranges, uint32_t page_items, scan_callbacks callbacks)
    : self_(self),
      client_(std::move(client)),
      table_(table),
      ranges_(std::move(ranges)),
      page_items_(std::max<uint32_t>(page_items, 1)),
      callbacks_(std::move(callbacks)),
      id_(next_reader_id()) {}

range_scanner::~range_scanner() { *alive_ = false; }

void range_scanner::start() { next(); }

void range_scanner::resume() {
  paused_ = false;
  next();
}

void range_scanner::resume_after(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return resume();
  paused_ = true;
  schedule(next_page_timer, delay);
}

void range_scanner::next() {
  if (failed_ || in_flight_ || paused_) return;
  // Ranges not started first: each first page fixes the range's position
  // and brings its item estimate, so a backfill's total is known early and
  // its positions are close together.
  auto it = std::find_if(ranges_.begin(), ranges_.end(), [](const scan_range& r) { return !r.done && r.position == 0; });
  if (it == ranges_.end())
    it = std::find_if(ranges_.begin(), ranges_.end(), [](const scan_range& r) { return !r.done; });
  if (it == ranges_.end()) {
    if (callbacks_.on_done) callbacks_.on_done();
    return;
  }
  size_t index = static_cast<size_t>(it - ranges_.begin());
  auto snap = client_.cluster->routes.load();
  if (!snap->ready()) return schedule(next_page_timer, std::chrono::milliseconds(100));
  if (snap->table(table_) == nullptr) {
    return fail(make_error(errc::not_found, "table " + std::to_string(table_) + " was dropped"));
  }
  const auto& seg = snap->rope.at(snap->rope.rank_of(it->start));
  if (!inside(seg, *it)) return recut(index);  // the rope moved on since the range was cut
  if (seg.replicas.empty()) return on_failure("segment " + std::to_string(seg.id.value) + " has no replicas");
  // Followers first: a backfill should not load the leader.
  std::vector<node_id> order = seg.replicas;
  std::stable_partition(order.begin(), order.end(), [&](node_id n) { return n != seg.leader_hint; });
  node_id node = order[turn_ % order.size()];
  in_flight_ = true;
  uint64_t generation = ++generation_;
  std::string address = snap->address_of(node);
  if (auto handle = client_.cluster->owners.find(node.value, address)) return send(index, seg, std::move(handle), generation);
  std::weak_ptr<bool> alive = alive_;
  self_->request(client_.owner_directory, client_.cluster->options.connect_timeout + std::chrono::milliseconds(500),
                 caf::resolve_atom_v, node.value)
      .then(
          [this, alive, index, seg, generation](caf::strong_actor_ptr& handle) {
            if (alive.expired() || generation != generation_) return;
            send(index, seg, std::move(handle), generation);
          },
          [this, alive, generation](caf::error& err) {
            if (alive.expired() || generation != generation_) return;
            on_failure(caf::to_string(err));
          });
}

void range_scanner::send(size_t index, const rope::segment& seg, caf::strong_actor_ptr owner, uint64_t generation) {
  const scan_range& r = ranges_[index];
  pb::ScanRequest req;
  auto* routing = req.mutable_routing();
  routing->set_segment_id(seg.id.value);
  routing->set_epoch(seg.epoch);
  routing->set_rope_version(client_.cluster->routes.load()->version());
  req.set_start_key(r.start);
  req.set_end_key(r.end);
  req.set_limit(page_items_);
  req.set_cursor(r.cursor);
  req.set_consistency(pb::EVENTUAL);
  req.set_at_position(r.position);
  req.set_snapshot(r.position == 0);
  std::weak_ptr<bool> alive = alive_;
  self_->request(caf::actor_cast<net::owner_actor>(owner), client_.cluster->options.segment_timeout * 2, std::move(req))
      .then(
          [this, alive, index, generation](pb::ItemsReply& reply) {
            if (alive.expired() || generation != generation_) return;
            on_reply(index, generation, reply);
          },
          [this, alive, generation](caf::error& err) {
            if (alive.expired() || generation != generation_) return;
            on_failure(caf::to_string(err));
          });
}

void range_scanner::on_reply(size_t index, uint64_t, pb::ItemsReply& reply) {
  in_flight_ = false;
  if (client_.reads) ++*client_.reads;
  auto code = static_cast<errc>(reply.status().error_code());
  if (code == errc::version_gone) {
    return fail(make_error(errc::version_gone, "scan position compacted: " + reply.status().message()));
  }
  if (code == errc::wrong_segment) {
    // Split, merged or moved: re-cut on a newer rope, then go on.
    std::weak_ptr<bool> alive = alive_;
    uint64_t seen = client_.cluster->routes.load()->version();
    self_->request(client_.placement_link, client_.cluster->options.admin_timeout, caf::update_atom_v, seen)
        .then(
            [this, alive, index](uint64_t) {
              if (alive.expired()) return;
              recut(index);
            },
            [this, alive](caf::error&) {
              if (!alive.expired()) schedule(next_page_timer, std::chrono::milliseconds(200));
            });
    return;
  }
  if (reply.status().error_code() != 0) return on_failure(std::string(to_string(code)) + ": " + reply.status().message());
  failures_ = 0;
  scan_page page;
  page.progress = ranges_[index];
  if (page.progress.position == 0) {
    page.progress.position = reply.position();
    page.estimated_items = reply.estimated_items();
  }
  page.progress.cursor = reply.next_cursor();
  page.progress.done = reply.next_cursor().empty();
  page.items.assign(std::make_move_iterator(reply.mutable_items()->begin()),
                    std::make_move_iterator(reply.mutable_items()->end()));
  ranges_[index] = page.progress;
  if (callbacks_.on_page) callbacks_.on_page(std::move(page));
  next();
}

void range_scanner::recut(size_t index) {
  if (index >= ranges_.size()) return next();
  auto snap = client_.cluster->routes.load();
  scan_range whole = ranges_[index];
  std::vector<scan_range> pieces;
  for (size_t rank = snap->rope.rank_of(whole.start); rank < snap->rope.size(); ++rank) {
    const auto& seg = snap->rope.at(rank);
    if (!whole.end.empty() && seg.start >= whole.end) break;
    scan_range p = whole;
    p.start = std::string(later_start(seg.start, whole.start));
    p.end = std::string(earlier_end(seg.end, whole.end));
    pieces.push_back(std::move(p));
    if (seg.end.empty()) break;
  }
  if (pieces.size() <= 1) {
    // Same cut as before: the rope has not caught up yet; try again soon.
    return on_failure("segment boundaries unchanged after wrong_segment");
  }
  spdlog::info("event=scan_range_recut table={} pieces={}", table_, pieces.size());
  std::string start = whole.start;
  ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(index));
  ranges_.insert(ranges_.begin() + static_cast<std::ptrdiff_t>(index), pieces.begin(), pieces.end());
  if (callbacks_.on_recut) callbacks_.on_recut(start, pieces);
  next();
}

void range_scanner::on_failure(const std::string& why) {
  in_flight_ = false;
  ++failures_;
  ++turn_;
  if (failures_ == 3) spdlog::warn("event=scan_failing table={} failures={} why=\"{}\"", table_, failures_, why);
  if (failures_ % 4 == 0) {
    self_->request(client_.placement_link, client_.cluster->options.admin_timeout, caf::update_atom_v,
                   client_.cluster->routes.load()->version())
        .then([](uint64_t) {}, [](caf::error&) {});
  }
  schedule(next_page_timer, backoff(failures_));
}

void range_scanner::schedule(uint64_t what, std::chrono::milliseconds delay) {
  uint64_t token = next_timer_++;
  timers_[token] = what;
  self_->delayed_send(self_, delay, retry_atom_v, id_, token);
}

void range_scanner::on_retry(uint64_t token) {
  auto it = timers_.find(token);
  if (it == timers_.end()) return;
  timers_.erase(it);
  paused_ = false;
  next();
}

void range_scanner::fail(error err) {
  if (failed_) return;
  failed_ = true;
  if (callbacks_.on_failed) callbacks_.on_failed(err);
}

}  // namespace ropekv::feed
