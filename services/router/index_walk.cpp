// Local-index queries (index=local): rk2 order is not rope order, so when a
// hash key spans several segments their pages are merged. Each covering
// segment is a stream with a buffer of items it returned; the smallest head
// (largest in reverse) is emitted only while every stream that may still
// hold more has a non-empty buffer, so no unseen item can sort before it.
#include <deque>

#include "items_walk.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::router {
namespace {

using order_key = std::pair<std::string, std::string>;  // (rk2, range key)

order_key key_of(const pb::Item& item) { return {item.rk2(), item.range_key()}; }

class index_walk final : public items_walk {
 public:
  explicit index_walk(const walk_spec& spec) : spec_(spec) {}

  void resume(const router_cursor& c) {
    if (c.after) after_ = order_key{*c.after, c.after_rk};
  }

  net::http_result<std::vector<walk_call>> next_calls(const routing_snapshot& snap) override {
    if (!planned_) {
      std::string hkp = hash_key_prefix(spec_.table, spec_.hash_key);
      auto targets = targets_for_range(snap, hkp, keys::prefix_end(hkp));
      if (!targets) return std::move(targets).error();
      streams_.clear();
      for (auto& t : *targets) streams_.push_back(stream{std::move(t), {}, {}, false});
      planned_ = true;
    }
    for (;;) {
      if (all_drained()) {
        exhausted_ = true;
        return std::vector<walk_call>{};
      }
      if (items_.size() >= spec_.limit) return std::vector<walk_call>{};
      std::vector<walk_call> calls;
      for (size_t i = 0; i < streams_.size(); ++i) {
        const stream& s = streams_[i];
        if (s.buffer.empty() && !s.exhausted) calls.push_back(walk_call{i, s.target, request_for(s)});
      }
      if (!calls.empty()) {
        if (calls_ >= spec_.max_calls) return std::vector<walk_call>{};
        return calls;
      }
      emit_head();
    }
  }

  void on_reply(size_t index, pb::ItemsReply reply) override {
    ++calls_;
    if (index >= streams_.size()) return;
    stream& s = streams_[index];
    for (auto& item : *reply.mutable_items()) {
      if (!item.has_rk2() || (after_ && !beyond(key_of(item), *after_))) continue;
      s.buffer.push_back(std::move(item));
    }
    s.inner = reply.next_cursor();
    s.exhausted = s.inner.empty();
  }

  void replan() override {
    planned_ = false;
    streams_.clear();
  }

  std::vector<pb::Item> take_items() override { return std::move(items_); }

  std::optional<std::string> next_cursor() const override {
    if (exhausted_) return std::nullopt;
    router_cursor c;
    c.kind = walk_kind::index;
    c.reverse = spec_.reverse;
    c.table = spec_.table;
    if (after_) {
      c.after = after_->first;
      c.after_rk = after_->second;
    }
    return encode_cursor(c);
  }

 private:
  struct stream {
    segment_target target;
    std::string inner;  // the replica's cursor for its next page
    std::deque<pb::Item> buffer;
    bool exhausted = false;
  };

  // Strictly after `ref` in walk order.
  bool beyond(const order_key& k, const order_key& ref) const {
    return spec_.reverse ? k < ref : ref < k;
  }

  bool all_drained() const {
    if (!planned_) return false;
    for (const auto& s : streams_)
      if (!s.exhausted || !s.buffer.empty()) return false;
    return true;
  }

  void emit_head() {
    stream* best = nullptr;
    for (auto& s : streams_) {
      if (s.buffer.empty()) continue;
      if (!best || beyond(key_of(best->buffer.front()), key_of(s.buffer.front()))) best = &s;
    }
    if (!best) return;
    after_ = key_of(best->buffer.front());
    items_.push_back(std::move(best->buffer.front()));
    best->buffer.pop_front();
  }

  // Bounds follow after_: they only ever narrow, so they agree with the
  // replica's cursor of the stream's previous page. Items equal in rk2 to
  // after_ come back again and are dropped by on_reply.
  pb::RangeRequest request_for(const stream& s) const {
    pb::RangeRequest req;
    *req.mutable_routing() = s.target.routing();
    req.set_table_id(spec_.table);
    req.set_hash_key(spec_.hash_key);
    req.set_by_rk2(true);
    std::optional<std::string> from = spec_.from, to = spec_.to;
    if (after_) {
      if (spec_.reverse) to = after_->first + std::string(1, '\0');
      else from = after_->first;
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
    req.set_limit(spec_.limit - static_cast<uint32_t>(items_.size()));
    req.set_cursor(s.inner);
    req.set_consistency(spec_.consistency);
    req.set_as_of(spec_.as_of);
    return req;
  }

  walk_spec spec_;
  std::optional<order_key> after_;
  std::vector<stream> streams_;
  bool planned_ = false;
  std::vector<pb::Item> items_;
  uint32_t calls_ = 0;
  bool exhausted_ = false;
};

}  // namespace

net::http_result<std::unique_ptr<items_walk>> make_index_walk(const walk_spec& spec,
                                                              const router_cursor* cursor) {
  auto walk = std::make_unique<index_walk>(spec);
  if (cursor) {
    if (!cursor->pos.empty() || cursor->inner_segment != 0)
      return net::http_error::from(errc::invalid_argument, "cursor belongs to another query");
    walk->resume(*cursor);
  }
  return std::unique_ptr<items_walk>(std::move(walk));
}

}  // namespace ropekv::router
