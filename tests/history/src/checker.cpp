#include "ropekv/history/checker.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace ropekv::history {
namespace {

constexpr uint8_t bit(edge_kind k) { return static_cast<uint8_t>(1u << static_cast<unsigned>(k)); }
constexpr uint8_t ww_only = bit(edge_kind::ww);
constexpr uint8_t ww_wr = bit(edge_kind::ww) | bit(edge_kind::wr);
constexpr uint8_t all_edges = ww_wr | bit(edge_kind::rw);
// BFS tries at most this many rw edges of one component for a G-single
// cycle before settling for any cycle through an rw edge (bounds the cost
// on a thoroughly broken history).
constexpr size_t max_rw_tries = 256;

/// One installed version of a key.
struct installed {
  uint64_t version = 0;
  size_t txn = 0;  // index into history::txns
  bool tombstone = false;
};

/// The direct serialization graph over transaction indexes.
class graph {
 public:
  explicit graph(size_t n) : out_(n) {}

  void add(size_t from, size_t to, edge_kind kind, const std::string& key) {
    if (from == to) return;
    if (!seen_.insert({from, to, static_cast<int>(kind)}).second) return;
    out_[from].push_back(edges_.size());
    edges_.push_back({from, to, kind, key});
  }

  struct arc {
    size_t from, to;
    edge_kind kind;
    std::string key;
  };
  const std::vector<arc>& edges() const { return edges_; }
  size_t size() const { return out_.size(); }

  /// Strongly connected components over the edges in `mask` (Tarjan,
  /// iterative): comp[v] = component number; components of one vertex
  /// without a self loop are numbered too (callers skip them by size).
  std::vector<size_t> components(uint8_t mask, size_t& count) const {
    const size_t n = out_.size(), none = SIZE_MAX;
    std::vector<size_t> index(n, none), low(n, 0), comp(n, none);
    std::vector<bool> on_stack(n, false);
    std::vector<size_t> stack;
    size_t next = 0;
    count = 0;
    struct frame {
      size_t v;
      size_t edge_pos;
    };
    for (size_t root = 0; root < n; ++root) {
      if (index[root] != none) continue;
      std::vector<frame> call{{root, 0}};
      index[root] = low[root] = next++;
      stack.push_back(root);
      on_stack[root] = true;
      while (!call.empty()) {
        auto& f = call.back();
        if (f.edge_pos < out_[f.v].size()) {
          const auto& e = edges_[out_[f.v][f.edge_pos++]];
          if (!(mask & bit(e.kind))) continue;
          if (index[e.to] == none) {
            index[e.to] = low[e.to] = next++;
            stack.push_back(e.to);
            on_stack[e.to] = true;
            call.push_back({e.to, 0});
          } else if (on_stack[e.to]) {
            low[f.v] = std::min(low[f.v], index[e.to]);
          }
          continue;
        }
        size_t v = f.v;
        call.pop_back();
        if (!call.empty()) low[call.back().v] = std::min(low[call.back().v], low[v]);
        if (low[v] == index[v]) {
          for (;;) {
            size_t w = stack.back();
            stack.pop_back();
            on_stack[w] = false;
            comp[w] = count;
            if (w == v) break;
          }
          ++count;
        }
      }
    }
    return comp;
  }

  /// Edge indexes of a shortest path from `from` to `to` over edges in
  /// `mask` that stay inside component `c`; empty when none.
  std::vector<size_t> path(size_t from, size_t to, uint8_t mask, const std::vector<size_t>& comp, size_t c) const {
    if (from == to) return {};
    std::unordered_map<size_t, size_t> via;  // vertex -> edge that reached it
    std::deque<size_t> queue{from};
    via[from] = SIZE_MAX;
    while (!queue.empty()) {
      size_t v = queue.front();
      queue.pop_front();
      for (size_t ei : out_[v]) {
        const auto& e = edges_[ei];
        if (!(mask & bit(e.kind)) || comp[e.to] != c || via.count(e.to)) continue;
        via[e.to] = ei;
        if (e.to == to) {
          std::vector<size_t> out;
          for (size_t x = to; x != from; x = edges_[via[x]].from) out.push_back(via[x]);
          std::reverse(out.begin(), out.end());
          return out;
        }
        queue.push_back(e.to);
      }
    }
    return {};
  }

 private:
  std::vector<std::vector<size_t>> out_;
  std::vector<arc> edges_;
  std::set<std::tuple<size_t, size_t, int>> seen_;
};

class checker {
 public:
  explicit checker(const history& h) : h_(h), included_(h.txns.size(), false), g_(h.txns.size()) {}

  check_result run() {
    index_writes();
    include_transactions();
    order_versions();
    derive_edges();
    find_cycles();
    result_.edges = g_.edges().size();
    return std::move(result_);
  }

 private:
  using key_version = std::pair<std::string, uint64_t>;

  void index_writes() {
    for (size_t i = 0; i < h_.txns.size(); ++i)
      for (const auto& w : h_.txns[i].writes) writers_[{w.key, w.version}].push_back(i);
  }

  // Committed ones, and unknown ones another included transaction read from.
  void include_transactions() {
    for (size_t i = 0; i < h_.txns.size(); ++i) included_[i] = h_.txns[i].result == outcome::committed;
    for (bool grew = true; grew;) {
      grew = false;
      for (size_t i = 0; i < h_.txns.size(); ++i) {
        if (!included_[i]) continue;
        for (const auto& r : h_.txns[i].reads) {
          if (!r.version || *r.version == 0) continue;
          auto it = writers_.find({r.key, *r.version});
          if (it == writers_.end()) continue;
          for (size_t w : it->second)
            if (!included_[w] && h_.txns[w].result == outcome::unknown) included_[w] = grew = true;
        }
      }
    }
    for (bool in : included_) result_.committed += in;
  }

  void order_versions() {
    for (size_t i = 0; i < h_.txns.size(); ++i) {
      if (!included_[i]) continue;
      for (const auto& w : h_.txns[i].writes) {
        versions_[w.key].push_back({w.version, i, w.tombstone});
        auto& last = final_[{i, w.key}];
        last = std::max(last, w.version);
        if (w.tombstone) has_tombstones_.insert(w.key);
      }
    }
    for (auto& [key, vs] : versions_) {
      std::sort(vs.begin(), vs.end(), [](const installed& a, const installed& b) {
        return a.version != b.version ? a.version < b.version : a.txn < b.txn;
      });
      for (size_t j = 1; j < vs.size(); ++j) {
        if (vs[j].version != vs[j - 1].version) continue;
        if (!reported_duplicates_.insert({key, vs[j].version}).second) continue;
        anomaly a;
        a.kind = anomaly_kind::duplicate_version;
        a.txns = {h_.txns[vs[j - 1].txn].id, h_.txns[vs[j].txn].id};
        a.detail = "key " + key + " version " + std::to_string(vs[j].version) + " installed by " +
                   name(vs[j - 1].txn) + " and " + name(vs[j].txn);
        result_.anomalies.push_back(std::move(a));
      }
    }
  }

  void derive_edges() {
    for (const auto& [key, vs] : versions_)
      for (size_t j = 1; j < vs.size(); ++j) g_.add(vs[j - 1].txn, vs[j].txn, edge_kind::ww, key);
    for (size_t r = 0; r < h_.txns.size(); ++r) {
      if (!included_[r]) continue;
      for (const auto& rd : h_.txns[r].reads) {
        if (!rd.version && has_tombstones_.count(rd.key)) continue;  // which deletion? unknowable
        uint64_t v = rd.version.value_or(0);
        if (v != 0 && !read_from(r, rd.key, v)) continue;
        // rw: whoever installed the next version of the key after v.
        auto vit = versions_.find(rd.key);
        if (vit == versions_.end()) continue;
        auto next = std::upper_bound(vit->second.begin(), vit->second.end(), v,
                                     [](uint64_t x, const installed& in) { return x < in.version; });
        if (next != vit->second.end()) g_.add(r, next->txn, edge_kind::rw, rd.key);
      }
    }
  }

  // The wr edge (or G1a / G1b / garbage read) of transaction r reading
  // version v of key; false when the version is not a committed one.
  bool read_from(size_t r, const std::string& key, uint64_t v) {
    auto it = writers_.find({key, v});
    std::optional<size_t> committed, aborted;
    if (it != writers_.end())
      for (size_t w : it->second) {
        if (included_[w]) committed = w;
        else if (h_.txns[w].result == outcome::aborted) aborted = w;
      }
    if (committed) {
      size_t w = *committed;
      if (w == r) return true;
      g_.add(w, r, edge_kind::wr, key);
      if (final_[{w, key}] > v) {
        anomaly a;
        a.kind = anomaly_kind::g1b;
        a.txns = {h_.txns[w].id, h_.txns[r].id};
        a.detail = name(r) + " read key " + key + " version " + std::to_string(v) + ", an intermediate version of " +
                   name(w) + " (its final one is " + std::to_string(final_[{w, key}]) + ")";
        result_.anomalies.push_back(std::move(a));
      }
      return true;
    }
    anomaly a;
    if (aborted) {
      a.kind = anomaly_kind::g1a;
      a.txns = {h_.txns[*aborted].id, h_.txns[r].id};
      a.detail = name(r) + " read key " + key + " version " + std::to_string(v) + " written by aborted " +
                 name(*aborted);
    } else {
      a.kind = anomaly_kind::garbage_read;
      a.txns = {h_.txns[r].id};
      a.detail = name(r) + " read key " + key + " version " + std::to_string(v) +
                 ", which no transaction of the history wrote";
    }
    result_.anomalies.push_back(std::move(a));
    return false;
  }

  void find_cycles() {
    size_t n0 = 0, n1 = 0, n2 = 0;
    auto c0 = g_.components(ww_only, n0);
    auto c1 = g_.components(ww_wr, n1);
    auto c2 = g_.components(all_edges, n2);
    std::set<size_t> done0, done1, done2;
    const auto& edges = g_.edges();
    for (size_t ei = 0; ei < edges.size(); ++ei) {
      const auto& e = edges[ei];
      if (e.kind == edge_kind::ww && c0[e.from] == c0[e.to] && done0.insert(c0[e.from]).second)
        cycle(anomaly_kind::g0, ei, ww_only, c0);
      if (e.kind == edge_kind::wr && c1[e.from] == c1[e.to] && done1.insert(c1[e.from]).second)
        cycle(anomaly_kind::g1c, ei, ww_wr, c1);
    }
    // Per component of the whole graph: a cycle with one rw edge if there
    // is one (G-single), else any through an rw edge (G2-item).
    std::map<size_t, std::vector<size_t>> rw_by_comp;
    for (size_t ei = 0; ei < edges.size(); ++ei)
      if (edges[ei].kind == edge_kind::rw && c2[edges[ei].from] == c2[edges[ei].to])
        rw_by_comp[c2[edges[ei].from]].push_back(ei);
    for (const auto& [c, rws] : rw_by_comp) {
      bool found = false;
      for (size_t t = 0; t < rws.size() && t < max_rw_tries && !found; ++t)
        found = cycle(anomaly_kind::g_single, rws[t], ww_wr, c2);
      if (!found) cycle(anomaly_kind::g2_item, rws[0], all_edges, c2);
    }
  }

  // A cycle through edge `first` closed over edges in `mask` inside its
  // component; false when there is none.
  bool cycle(anomaly_kind kind, size_t first, uint8_t mask, const std::vector<size_t>& comp) {
    const auto& edges = g_.edges();
    const auto& e = edges[first];
    auto back = g_.path(e.to, e.from, mask, comp, comp[e.from]);
    if (back.empty()) return false;
    anomaly a;
    a.kind = kind;
    std::vector<size_t> in_cycle{first};
    in_cycle.insert(in_cycle.end(), back.begin(), back.end());
    for (size_t ei : in_cycle) {
      const auto& x = edges[ei];
      a.cycle.push_back(edge{h_.txns[x.from].id, h_.txns[x.to].id, x.kind, x.key});
      a.txns.push_back(h_.txns[x.from].id);
    }
    size_t rw = std::count_if(a.cycle.begin(), a.cycle.end(), [](const edge& x) { return x.kind == edge_kind::rw; });
    if (kind == anomaly_kind::g_single && rw != 1) return false;
    a.detail = describe(in_cycle, rw);
    result_.anomalies.push_back(std::move(a));
    return true;
  }

  std::string describe(const std::vector<size_t>& in_cycle, size_t rw) const {
    const auto& edges = g_.edges();
    std::set<size_t> txns;
    for (size_t ei : in_cycle) txns.insert(edges[ei].from);
    // Lost update: two of them read one version of a key and both wrote it.
    for (size_t a : txns)
      for (size_t b : txns) {
        if (a >= b) continue;
        for (const auto& ra : h_.txns[a].reads)
          for (const auto& rb : h_.txns[b].reads) {
            if (ra.key != rb.key || ra.version != rb.version) continue;
            if (final_.count({a, ra.key}) && final_.count({b, ra.key}))
              return "lost update on " + ra.key + ": " + name(a) + " and " + name(b) + " both read version " +
                     std::to_string(ra.version.value_or(0)) + " and both wrote it";
          }
      }
    if (in_cycle.size() == 2 && rw == 2 && edges[in_cycle[0]].key != edges[in_cycle[1]].key)
      return "write skew on " + edges[in_cycle[0]].key + " and " + edges[in_cycle[1]].key;
    return {};
  }

  std::string name(size_t i) const {
    std::string s = "T" + std::to_string(h_.txns[i].id);
    if (!h_.txns[i].label.empty()) s += "(" + h_.txns[i].label + ")";
    return s;
  }

  const history& h_;
  std::vector<bool> included_;
  graph g_;
  check_result result_;
  std::map<key_version, std::vector<size_t>> writers_;  // every writer, whatever its outcome
  std::map<std::string, std::vector<installed>> versions_;  // included writers, by version
  std::map<std::pair<size_t, std::string>, uint64_t> final_;  // (txn, key) -> its last version
  std::set<std::string> has_tombstones_;
  std::set<key_version> reported_duplicates_;
};

}  // namespace

const char* to_string(edge_kind k) {
  switch (k) {
    case edge_kind::ww: return "ww";
    case edge_kind::wr: return "wr";
    case edge_kind::rw: return "rw";
  }
  return "?";
}

const char* to_string(anomaly_kind k) {
  switch (k) {
    case anomaly_kind::g0: return "G0";
    case anomaly_kind::g1a: return "G1a";
    case anomaly_kind::g1b: return "G1b";
    case anomaly_kind::g1c: return "G1c";
    case anomaly_kind::g_single: return "G-single";
    case anomaly_kind::g2_item: return "G2-item";
    case anomaly_kind::duplicate_version: return "duplicate-version";
    case anomaly_kind::garbage_read: return "garbage-read";
  }
  return "?";
}

bool check_result::has(anomaly_kind k) const { return count(k) > 0; }

size_t check_result::count(anomaly_kind k) const {
  return std::count_if(anomalies.begin(), anomalies.end(), [k](const anomaly& a) { return a.kind == k; });
}

std::string check_result::report(size_t limit) const {
  std::ostringstream out;
  size_t shown = 0;
  for (const auto& a : anomalies) {
    if (shown++ == limit) {
      out << "... and " << anomalies.size() - limit << " more\n";
      break;
    }
    out << to_string(a.kind) << ':';
    for (const auto& e : a.cycle) out << " T" << e.from << " -" << to_string(e.kind) << '(' << e.key << ")->";
    if (!a.cycle.empty()) out << " T" << a.cycle.front().from;
    if (!a.detail.empty()) out << (a.cycle.empty() ? " " : " (") << a.detail << (a.cycle.empty() ? "" : ")");
    out << '\n';
  }
  return out.str();
}

check_result check(const history& h) { return checker(h).run(); }

}  // namespace ropekv::history
