// diff() and apply(): how versions travel from placement to everyone else.
#include "ropekv/rope/rope_delta.hpp"

#include <algorithm>
#include <string>

#include "id_trie.hpp"
#include "node_count.hpp"
#include "segment_tree.hpp"

namespace ropekv::rope {
namespace {

using detail::tree_node;

// In-order walk over one tree as a stack of pending items: a whole subtree
// not yet opened, or one node's own segment. Keeping subtrees closed until
// needed is what lets diff() skip the subtrees two versions share.
class cursor {
 public:
  explicit cursor(const tree_node* root) {
    if (root) stack_.push_back({root, true});
  }
  bool done() const noexcept { return stack_.empty(); }
  const tree_node* node() const noexcept { return stack_.back().node; }
  bool whole() const noexcept { return stack_.back().whole; }
  void pop() noexcept { stack_.pop_back(); }

  // Replaces the closed subtree on top by (left, own segment, right).
  void open() {
    const tree_node* n = node();
    stack_.pop_back();
    if (n->right) stack_.push_back({n->right.get(), true});
    stack_.push_back({n, false});
    if (n->left) stack_.push_back({n->left.get(), true});
  }

 private:
  struct item {
    const tree_node* node;
    bool whole;
  };
  std::vector<item> stack_;
};

error bad(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

// After an edit, only boundaries next to a changed start can be broken: for
// each such key, the segment now holding it must meet both neighbours.
status check_around(const tree_node* tree, std::string_view key) {
  size_t n = detail::count_of(tree);
  size_t upto = detail::count_less_equal(tree, key);
  if (upto == 0) return bad("delta leaves no segment starting at \"\"");
  size_t rank = upto - 1;
  const segment& s = detail::at_rank(tree, rank);
  if (rank == 0 && !s.start.empty()) return bad("delta leaves no segment starting at \"\"");
  if (rank > 0 && detail::at_rank(tree, rank - 1).end != s.start) {
    return bad("delta leaves a gap or overlap before segment " + std::to_string(s.id.value));
  }
  if (rank + 1 == n && !s.end.empty()) return bad("delta leaves the keyspace's end uncovered");
  if (rank + 1 < n && detail::at_rank(tree, rank + 1).start != s.end) {
    return bad("delta leaves a gap or overlap after segment " + std::to_string(s.id.value));
  }
  return {};
}

}  // namespace

rope_delta diff(const rope& from, const rope& to) {
  rope_delta d;
  d.from_version = from.version_;
  d.to_version = to.version_;
  cursor a(from.tree_.get());
  cursor b(to.tree_.get());
  // A sorted merge of the two segment sequences by start key.
  while (!a.done() && !b.done()) {
    if (a.whole() && b.whole()) {
      if (a.node() == b.node()) {  // shared subtree: same segments in both
        a.pop();
        b.pop();
      } else if (a.node()->count >= b.node()->count) {
        // Opening the larger side first walks it down to the shared
        // subtree the smaller side may be, if any.
        a.open();
      } else {
        b.open();
      }
      continue;
    }
    if (a.whole()) {
      a.open();
      continue;
    }
    if (b.whole()) {
      b.open();
      continue;
    }
    const segment& x = *a.node()->seg;
    const segment& y = *b.node()->seg;
    if (x.start < y.start) {
      d.removed.push_back(x.id);
      a.pop();
    } else if (y.start < x.start) {
      d.upserted.push_back(y);
      b.pop();
    } else {
      if (&x != &y && !(x == y)) {
        if (x.id != y.id) d.removed.push_back(x.id);
        d.upserted.push_back(y);
      }
      a.pop();
      b.pop();
    }
  }
  // What is left on one side only is gone from, or new in, `to`.
  while (!a.done()) {
    if (a.whole()) {
      a.open();
      continue;
    }
    d.removed.push_back(a.node()->seg->id);
    a.pop();
  }
  while (!b.done()) {
    if (b.whole()) {
      b.open();
      continue;
    }
    d.upserted.push_back(*b.node()->seg);
    b.pop();
  }
  return d;
}

result<rope> apply(const rope& base, const rope_delta& delta) {
  if (base.version_ != delta.from_version) {
    return bad("delta is from version " + std::to_string(delta.from_version) + ", rope is at " +
               std::to_string(base.version_));
  }
  if (!base.tree_ && delta.removed.empty()) {
    // A full snapshot: build balanced in one go and check everything.
    return rope::from_segments(delta.upserted, delta.to_version);
  }
  detail::node_meter meter;
  detail::tree_ptr tree = base.tree_;
  detail::id_ptr ids = base.ids_;
  std::vector<std::string> touched;  // starts whose neighbourhood changed
  auto drop = [&](const segment& s) {
    touched.push_back(s.start);
    segment_id id = s.id;  // s dies with the last structure holding it
    tree = detail::erase(tree, touched.back());
    ids = detail::id_erase(ids, id);
  };
  for (segment_id id : delta.removed) {
    const segment* s = detail::id_find(ids.get(), id);
    if (!s) return bad("delta removes unknown segment " + std::to_string(id.value));
    drop(*s);
  }
  // Drop every replaced segment before inserting any, so a segment that
  // takes over another's start never collides with it.
  for (const segment& u : delta.upserted) {
    if (const segment* s = detail::id_find(ids.get(), u.id)) drop(*s);
  }
  for (const segment& u : delta.upserted) {
    if (detail::id_find(ids.get(), u.id)) {
      return bad("delta repeats segment " + std::to_string(u.id.value));
    }
    const segment* at = detail::floor_of(tree.get(), u.start);
    if (at && at->start == u.start) {
      return bad("delta puts two segments at the start of segment " + std::to_string(u.id.value));
    }
    auto seg = detail::make_segment(u);
    tree = detail::insert(tree, seg);
    ids = detail::id_insert(ids, std::move(seg));
    touched.push_back(u.start);
  }
  if (!tree) return bad("delta leaves the rope empty");
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (const std::string& key : touched) {
    if (status st = check_around(tree.get(), key); !st) return std::move(st).error();
  }
  rope out;
  out.tree_ = std::move(tree);
  out.ids_ = std::move(ids);
  out.version_ = delta.to_version;
  out.nodes_created_ = meter.made();
  return out;
}

}  // namespace ropekv::rope
