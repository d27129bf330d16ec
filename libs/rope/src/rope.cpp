// rope: construction and edits. Reads live in rope_queries.cpp, deltas in
// rope_delta.cpp.
#include "ropekv/rope/rope.hpp"

#include <algorithm>
#include <string>

#include "id_trie.hpp"
#include "node_count.hpp"
#include "segment_tree.hpp"

namespace ropekv::rope {
namespace {

error bad(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

error unknown(segment_id id) {
  return make_error(errc::not_found, "no segment " + std::to_string(id.value));
}

// Half of a segment's figures, for a split nobody measured; `left` takes the
// odd unit so the halves add up to the whole.
split_stats halve(const segment_stats& s) {
  split_stats out;
  out.right = {s.bytes / 2, s.items / 2, s.reads_per_s / 2, s.writes_per_s / 2};
  out.left = {s.bytes - out.right.bytes, s.items - out.right.items, s.reads_per_s / 2,
              s.writes_per_s / 2};
  return out;
}

std::vector<node_id> sorted(std::vector<node_id> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

size_t rope::size() const noexcept { return detail::count_of(tree_.get()); }

rope rope::initial(segment first) {
  detail::node_meter meter;
  first.start.clear();
  first.end.clear();
  auto seg = detail::make_segment(std::move(first));
  rope r;
  r.tree_ = detail::insert(nullptr, seg);
  r.ids_ = detail::id_insert(nullptr, std::move(seg));
  r.version_ = 1;
  r.nodes_created_ = meter.made();
  return r;
}

result<rope> rope::from_segments(std::vector<segment> segments, uint64_t version) {
  detail::node_meter meter;
  if (segments.empty()) return bad("a rope needs at least one segment");
  std::sort(segments.begin(), segments.end(),
            [](const segment& a, const segment& b) { return a.start < b.start; });
  if (!segments.front().start.empty()) return bad("the first segment must start at \"\"");
  if (!segments.back().end.empty()) return bad("the last segment must end at \"\" (+infinity)");
  rope r;
  std::vector<detail::segment_ptr> records;
  records.reserve(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    segment& s = segments[i];
    std::string where = "segment " + std::to_string(s.id.value);
    if (i + 1 < segments.size()) {
      // end == next start and start < end make the starts strictly increase.
      if (s.end != segments[i + 1].start) return bad(where + " does not end where the next starts");
      if (s.end <= s.start) return bad(where + " is empty or reversed");
    }
    if (detail::id_find(r.ids_.get(), s.id)) return bad(where + " appears twice");
    records.push_back(detail::make_segment(std::move(s)));
    r.ids_ = detail::id_insert(r.ids_, records.back());
  }
  r.tree_ = detail::build(records);
  r.version_ = version;
  r.nodes_created_ = meter.made();
  return r;
}

rope rope::with_replaced(segment updated) const {
  detail::node_meter meter;
  auto seg = detail::make_segment(std::move(updated));
  rope r;
  r.tree_ = detail::replace(tree_, seg);
  r.ids_ = detail::id_insert(ids_, std::move(seg));
  r.version_ = version_ + 1;
  r.nodes_created_ = meter.made();
  return r;
}

result<rope> rope::split(segment_id id, std::string_view at_key, segment_id left_id,
                         segment_id right_id, std::optional<split_stats> halves) const {
  detail::node_meter meter;
  const segment* old = find(id);
  if (!old) return unknown(id);
  if (!(old->start < at_key) || !old->contains(at_key)) {
    return bad("split key is not strictly inside segment " + std::to_string(id.value));
  }
  if (left_id == right_id) return bad("the two halves of a split need distinct ids");
  if (find(left_id) || find(right_id)) return bad("split: a new id is already in use");
  split_stats stats = halves ? *halves : halve(old->stats);

  segment left = *old;
  left.id = left_id;
  left.end = std::string(at_key);
  left.epoch = old->epoch + 1;
  left.stats = stats.left;
  segment right = *old;
  right.id = right_id;
  right.start = std::string(at_key);
  right.epoch = old->epoch + 1;
  right.stats = stats.right;

  auto l = detail::make_segment(std::move(left));
  auto r = detail::make_segment(std::move(right));
  rope out;
  out.tree_ = detail::replace_and_insert_after(tree_, l, r);
  out.ids_ = detail::id_insert(detail::id_insert(detail::id_erase(ids_, id), l), r);
  out.version_ = version_ + 1;
  out.nodes_created_ = meter.made();
  return out;
}

result<rope> rope::merge(segment_id left, segment_id right, segment_id merged_id) const {
  detail::node_meter meter;
  const segment* l = find(left);
  if (!l) return unknown(left);
  const segment* r = find(right);
  if (!r) return unknown(right);
  if (l->end.empty() || l->end != r->start) {
    return bad("merge: segment " + std::to_string(left.value) + " does not end where " +
               std::to_string(right.value) + " starts");
  }
  if (find(merged_id)) return bad("merge: the new id is already in use");

  segment merged = *l;
  merged.id = merged_id;
  merged.end = r->end;
  merged.epoch = std::max(l->epoch, r->epoch) + 1;
  merged.stats = l->stats + r->stats;

  auto m = detail::make_segment(std::move(merged));
  rope out;
  out.tree_ = detail::replace(detail::erase(tree_, r->start), m);
  out.ids_ = detail::id_insert(detail::id_erase(detail::id_erase(ids_, left), right), m);
  out.version_ = version_ + 1;
  out.nodes_created_ = meter.made();
  return out;
}

result<rope> rope::set_replicas(segment_id id, std::vector<node_id> replicas) const {
  const segment* old = find(id);
  if (!old) return unknown(id);
  segment s = *old;
  if (sorted(replicas) != sorted(s.replicas)) s.epoch++;
  if (std::find(replicas.begin(), replicas.end(), s.leader_hint) == replicas.end()) {
    s.leader_hint = node_id{};
  }
  s.replicas = std::move(replicas);
  return with_replaced(std::move(s));
}

result<rope> rope::set_leader(segment_id id, node_id leader) const {
  const segment* old = find(id);
  if (!old) return unknown(id);
  segment s = *old;
  s.leader_hint = leader;
  return with_replaced(std::move(s));
}

result<rope> rope::set_stats(segment_id id, segment_stats stats) const {
  const segment* old = find(id);
  if (!old) return unknown(id);
  segment s = *old;
  s.stats = stats;
  return with_replaced(std::move(s));
}

}  // namespace ropekv::rope
