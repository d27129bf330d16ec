// Scans and range-key queries: segments are disjoint and ordered, so the
// walk reads one segment at a time, moving `pos_` from segment to segment.
#include <algorithm>

#include "items_walk.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::router {
namespace {

class segment_walk final : public items_walk {
 public:
  explicit segment_walk(const walk_spec& spec) : spec_(spec) {
    if (spec_.kind == walk_kind::scan) {
      std::tie(lower_, upper_) = table_range(spec_.table);
    } else {
      std::string hkp = hash_key_prefix(spec_.table, spec_.hash_key);
      lower_ = spec_.from ? item_key(spec_.table, spec_.hash_key, *spec_.from) : hkp;
      upper_ = spec_.to ? item_key(spec_.table, spec_.hash_key, *spec_.to) : keys::prefix_end(hkp);
    }
    pos_ = spec_.reverse ? upper_ : lower_;
  }

  net::http_result<void> resume(const router_cursor& c) {
    bool below_upper = upper_.empty() || (!c.pos.empty() && c.pos <= upper_);
    if (c.pos < lower_ || !below_upper || (spec_.kind == walk_kind::scan && c.after))
      return net::http_error::from(errc::invalid_argument, "cursor belongs to another query");
    pos_ = c.pos;
    after_ = c.after;
    inner_segment_ = c.inner_segment;
    inner_epoch_ = c.inner_epoch;
    inner_ = c.inner;
    return {};
  }

  net::http_result<std::vector<walk_call>> next_calls(const routing_snapshot& snap) override {
    if (past_end()) {
      exhausted_ = true;
      return std::vector<walk_call>{};
    }
    if (items_.size() >= spec_.limit || calls_ >= spec_.max_calls) return std::vector<walk_call>{};
    auto t = spec_.reverse ? target_below(snap, pos_) : target_for_key(snap, pos_);
    if (!t) return std::move(t).error();
    if (inner_segment_ != t->segment.value || inner_epoch_ != t->epoch) clear_inner();
    current_ = *t;
    walk_call call{0, *t, {}};
    uint32_t remaining = spec_.limit - static_cast<uint32_t>(items_.size());
    if (spec_.kind == walk_kind::scan) {
      pb::ScanRequest req;
      *req.mutable_routing() = t->routing();
      req.set_start_key(pos_);
      req.set_end_key(upper_);
      req.set_limit(remaining);
      req.set_cursor(inner_);
      req.set_consistency(spec_.consistency);
      call.request = std::move(req);
    } else {
      call.request = range_request(*t, remaining);
    }
    std::vector<walk_call> calls;
    calls.push_back(std::move(call));
    return calls;
  }

  void on_reply(size_t, pb::ItemsReply reply) override {
    ++calls_;
    if (!current_) return;
    size_t room = spec_.limit - items_.size();
    bool truncated = static_cast<size_t>(reply.items_size()) > room;
    for (int i = 0; i < reply.items_size() && items_.size() < spec_.limit; ++i) {
      pb::Item& item = *reply.mutable_items(i);
      std::string key = item_key(item.table_id(), item.hash_key(), item.range_key());
      if (spec_.reverse) {
        pos_ = std::move(key);  // exclusive upper bound: the item itself is done
      } else {
        pos_ = std::move(key);
        pos_.push_back('\0');  // the smallest key after the item
      }
      if (spec_.kind == walk_kind::range) after_ = item.range_key();
      items_.push_back(std::move(item));
    }
    if (truncated) {
      // More than asked for: the replica's cursor would skip what we dropped.
      clear_inner();
      return;
    }
    if (!reply.next_cursor().empty()) {
      inner_segment_ = current_->segment.value;
      inner_epoch_ = current_->epoch;
      inner_ = reply.next_cursor();
      return;
    }
    clear_inner();
    if (!spec_.reverse) {
      if (current_->end.empty()) exhausted_ = true;
      else pos_ = std::max(pos_, current_->end);
    } else {
      if (current_->start <= lower_) exhausted_ = true;
      else pos_ = std::min(pos_, current_->start);
    }
  }

  void replan() override { current_.reset(); }

  std::vector<pb::Item> take_items() override { return std::move(items_); }

  std::optional<std::string> next_cursor() const override {
    if (exhausted_ || past_end()) return std::nullopt;
    router_cursor c;
    c.kind = spec_.kind;
    c.reverse = spec_.reverse;
    c.table = spec_.table;
    c.pos = pos_;
    c.after = after_;
    c.inner_segment = inner_segment_;
    c.inner_epoch = inner_epoch_;
    c.inner = inner_;
    return encode_cursor(c);
  }

 private:
  bool past_end() const {
    if (exhausted_) return true;
    if (!spec_.reverse) return !upper_.empty() && pos_ >= upper_;
    return !pos_.empty() && pos_ <= lower_;  // "" here is the +inf upper bound
  }

  void clear_inner() {
    inner_segment_ = 0;
    inner_epoch_ = 0;
    inner_.clear();
  }

  pb::RangeRequest range_request(const segment_target& t, uint32_t limit) const {
    pb::RangeRequest req;
    *req.mutable_routing() = t.routing();
    req.set_table_id(spec_.table);
    req.set_hash_key(spec_.hash_key);
    std::optional<std::string> from = spec_.from, to = spec_.to;
    if (after_) {
      if (spec_.reverse) to = *after_;
      else from = *after_ + std::string(1, '\0');
    }
    if (from) {
      req.set_from(*from);
      req.set_has_from(true);
    }
    if (to) {
      req.set_to(*to);
      req.set_has_to(true);
    }
    req.set_reverse(spec_.reverse);
    req.set_limit(limit);
    req.set_cursor(inner_);
    req.set_consistency(spec_.consistency);
    req.set_as_of(spec_.as_of);
    return req;
  }

  walk_spec spec_;
  std::string lower_, upper_;  // the walk's encoded range; upper "" = +inf
  std::string pos_;
  std::optional<std::string> after_;
  uint64_t inner_segment_ = 0, inner_epoch_ = 0;
  std::string inner_;
  std::optional<segment_target> current_;
  std::vector<pb::Item> items_;
  uint32_t calls_ = 0;
  bool exhausted_ = false;
};

}  // namespace

net::http_result<std::unique_ptr<items_walk>> make_segment_walk(const walk_spec& spec,
                                                                const router_cursor* cursor) {
  auto walk = std::make_unique<segment_walk>(spec);
  if (cursor) {
    if (auto ok = walk->resume(*cursor); !ok) return std::move(ok).error();
  }
  return std::unique_ptr<items_walk>(std::move(walk));
}

}  // namespace ropekv::router
