#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "node_index.hpp"
#include "rules_detail.hpp"
#include "ropekv/placement/balance.hpp"

namespace ropekv::placement {
namespace {

constexpr double eps = 1e-9;

// One node that accepts replicas, with the load this round has planned.
struct member {
  const node_info* info = nullptr;
  double weight = 1;
  int64_t count = 0;
  double bytes = 0;
  double share = 0, bytes_share = 0;  // fair shares
  int64_t lo = 0, hi = 0;       // count band
  double bytes_lo = 0, bytes_hi = 0;
  uint32_t budget = 0;          // moves left this round
  std::vector<size_t> hosted;   // indices into segments
};

class balancer {
 public:
  balancer(const std::vector<node_info>& nodes, const std::vector<segment_state>& segments,
           const placement_rule& rule, const balance_options& opt)
      : idx_(nodes), segments_(segments), rule_(rule), touched_(segments.size()) {
    for (const auto& n : nodes) {
      if (!accepts_replicas(n) || at_.count(n.id)) continue;
      at_[n.id] = members_.size();
      uint32_t in_flight = std::min(n.moves_in_flight, opt.max_moves_per_node);
      members_.emplace_back();
      members_.back().info = &n;
      members_.back().weight = idx_.weight(n);
      members_.back().budget = opt.max_moves_per_node - in_flight;
    }
    double total = 0, total_bytes = 0, total_weight = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
      touched_[i] = segments[i].moving;
      for (node_id id : segments[i].replicas) {
        auto it = at_.find(id);
        if (it == at_.end()) continue;
        member& m = members_[it->second];
        ++m.count;
        m.bytes += static_cast<double>(segments[i].stats.bytes);
        m.hosted.push_back(i);
        total += 1;
        total_bytes += static_cast<double>(segments[i].stats.bytes);
      }
    }
    for (const auto& m : members_) total_weight += m.weight;
    // Segments come in whole pieces: half an average replica of slack keeps
    // "balanced" reachable however the sizes fall.
    double slack = total > 0 ? total_bytes / total / 2 : 0;
    for (auto& m : members_) {
      m.share = total * m.weight / total_weight;
      m.lo = static_cast<int64_t>(std::floor(m.share * (1 - opt.band) + eps));
      m.hi = static_cast<int64_t>(std::ceil(m.share * (1 + opt.band) - eps));
      m.bytes_share = total_bytes * m.weight / total_weight;
      m.bytes_lo = m.bytes_share * (1 - opt.band) - slack;
      m.bytes_hi = m.bytes_share * (1 + opt.band) + slack;
    }
  }

  std::vector<node_share> shares() const {
    std::vector<node_share> out;
    out.reserve(members_.size());
    for (const auto& m : members_) {
      bool in_band = m.lo <= m.count && m.count <= m.hi && m.bytes_lo - eps <= m.bytes && m.bytes <= m.bytes_hi + eps;
      out.push_back(node_share{m.info->id, m.share, m.bytes_share, in_band});
    }
    return out;
  }

  bool counts_in_band() const {
    return std::all_of(members_.begin(), members_.end(),
                       [](const member& m) { return m.lo <= m.count && m.count <= m.hi; });
  }
  bool bytes_in_band() const {
    return std::all_of(members_.begin(), members_.end(), [](const member& m) {
      return m.bytes_lo - eps <= m.bytes && m.bytes <= m.bytes_hi + eps;
    });
  }

  // One improving move per call; false when none is left this round.
  bool count_move() {
    for (size_t s : order(true, [](const member& m) { return m.count / m.weight; })) {
      for (size_t d : order(false, [](const member& m) { return m.count / m.weight; })) {
        member& src = members_[s];
        member& dst = members_[d];
        if (s == d || !(src.count > src.hi || dst.count < dst.lo)) continue;
        // sum(count^2 / weight) must fall.
        if ((2.0 * dst.count + 1) / dst.weight >= (2.0 * src.count - 1) / src.weight - eps) continue;
        bool bytes_down = src.bytes / src.weight > dst.bytes / dst.weight;
        auto key = [&](const segment_state& seg) {
          auto b = static_cast<double>(seg.stats.bytes);
          return std::make_tuple(leads(seg, src), bytes_down ? -b : b, seg.id);
        };
        if (try_move(s, d, key, "balance replica count")) return true;
      }
    }
    return false;
  }

  bool bytes_move() {
    for (size_t s : order(true, [](const member& m) { return m.bytes / m.weight; })) {
      for (size_t d : order(false, [](const member& m) { return m.bytes / m.weight; })) {
        member& src = members_[s];
        member& dst = members_[d];
        if (s == d || !(src.bytes > src.bytes_hi || dst.bytes < dst.bytes_lo)) continue;
        // Moving x bytes lowers sum(bytes^2 / weight) iff 0 < x < limit.
        double limit = 2 * (src.bytes / src.weight - dst.bytes / dst.weight) /
                       (1 / src.weight + 1 / dst.weight);
        if (src.count - 1 >= src.lo && dst.count + 1 <= dst.hi) {
          auto useful = [&](const segment_state& seg) {
            auto b = static_cast<double>(seg.stats.bytes);
            return b > 0 && b < limit - eps;
          };
          auto key = [&](const segment_state& seg) {
            auto b = static_cast<double>(seg.stats.bytes);
            return std::make_tuple(std::abs(b - limit / 2), leads(seg, src), seg.id);
          };
          if (try_move(s, d, key, "balance bytes", useful)) return true;
        }
        // Counts at the band's edge: swap a larger segment for a smaller one.
        if (src.budget >= 2 && dst.budget >= 2 && try_swap(s, d, limit)) return true;
      }
    }
    return false;
  }

  std::vector<move> take_moves() { return std::move(moves_); }
  bool empty() const { return members_.empty(); }

 private:
  static bool leads(const segment_state& seg, const member& m) {
    return !seg.replicas.empty() && seg.replicas.front() == m.info->id;
  }

  // Members with budget left, by `load` (descending for sources), then id.
  template <class Load>
  std::vector<size_t> order(bool descending, Load load) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < members_.size(); ++i) {
      if (members_[i].budget > 0) out.push_back(i);
    }
    std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
      double la = load(members_[a]), lb = load(members_[b]);
      if (la != lb) return descending ? la > lb : la < lb;
      return members_[a].info->id < members_[b].info->id;
    });
    return out;
  }

  // src's segments that may move to dst this round, unchecked by the rules.
  std::vector<size_t> candidates(size_t s, size_t d) const {
    std::vector<size_t> out;
    for (size_t i : members_[s].hosted) {
      const auto& r = segments_[i].replicas;
      if (!touched_[i] && std::find(r.begin(), r.end(), members_[d].info->id) == r.end()) {
        out.push_back(i);
      }
    }
    return out;
  }

  bool legal(size_t i, size_t s, size_t d) const {
    move m{segments_[i].id, members_[s].info->id, members_[d].info->id, {}};
    return !detail::move_problem(segments_[i], m, idx_, rule_);
  }

  void commit(size_t i, size_t s, size_t d, const char* why) {
    member& src = members_[s];
    member& dst = members_[d];
    auto b = static_cast<double>(segments_[i].stats.bytes);
    --src.count;
    ++dst.count;
    src.bytes -= b;
    dst.bytes += b;
    --src.budget;
    --dst.budget;
    touched_[i] = true;
    moves_.push_back(move{segments_[i].id, src.info->id, dst.info->id, why});
  }

  // Tries src's segments in `key` order; moves the first legal one.
  template <class Key, class Filter = bool (*)(const segment_state&)>
  bool try_move(size_t s, size_t d, Key key, const char* why,
                Filter filter = [](const segment_state&) { return true; }) {
    std::vector<size_t> cands = candidates(s, d);
    std::erase_if(cands, [&](size_t i) { return !filter(segments_[i]); });
    std::sort(cands.begin(), cands.end(),
              [&](size_t a, size_t b) { return key(segments_[a]) < key(segments_[b]); });
    for (size_t i : cands) {
      if (!legal(i, s, d)) continue;
      commit(i, s, d, why);
      return true;
    }
    return false;
  }

  // Best pair (x on src, y on dst) with 0 < bytes(x) - bytes(y) < limit,
  // closest to limit / 2; both moves legal.
  bool try_swap(size_t s, size_t d, double limit) {
    auto bytes = [&](size_t i) { return static_cast<double>(segments_[i].stats.bytes); };
    std::vector<size_t> xs = candidates(s, d), ys = candidates(d, s);
    std::erase_if(xs, [&](size_t i) { return !legal(i, s, d); });
    std::erase_if(ys, [&](size_t i) { return !legal(i, d, s); });
    std::sort(ys.begin(), ys.end(), [&](size_t a, size_t b) {
      return std::make_pair(bytes(a), segments_[a].id) < std::make_pair(bytes(b), segments_[b].id);
    });
    std::optional<std::tuple<double, segment_id, segment_id, size_t, size_t>> best;
    for (size_t x : xs) {
      double want = bytes(x) - limit / 2;
      auto it = std::lower_bound(ys.begin(), ys.end(), want,
                                 [&](size_t y, double v) { return bytes(y) < v; });
      for (auto jt : {it, it == ys.begin() ? ys.end() : std::prev(it)}) {
        if (jt == ys.end()) continue;
        double delta = bytes(x) - bytes(*jt);
        if (delta <= eps || delta >= limit - eps) continue;
        std::tuple cand{std::abs(delta - limit / 2), segments_[x].id, segments_[*jt].id, x, *jt};
        if (!best || cand < *best) best = cand;
      }
    }
    if (!best) return false;
    commit(std::get<3>(*best), s, d, "swap for bytes");
    commit(std::get<4>(*best), d, s, "swap for bytes");
    return true;
  }

  detail::node_index idx_;
  const std::vector<segment_state>& segments_;
  placement_rule rule_;
  std::vector<member> members_;
  std::unordered_map<node_id, size_t> at_;
  std::vector<bool> touched_;
  std::vector<move> moves_;
};

}  // namespace

result<balance_result> balance_plan(const std::vector<node_info>& nodes,
                                    const std::vector<segment_state>& segments,
                                    const placement_rule& rule, const balance_options& options) {
  if (!std::isfinite(options.band) || options.band < 0) {
    return make_error(errc::invalid_argument, "band must be a finite fraction >= 0");
  }
  if (auto s = detail::node_index::validate(nodes); !s) return std::move(s).error();
  balancer b(nodes, segments, rule, options);
  balance_result out;
  out.shares = b.shares();
  if (b.empty()) {
    out.balanced = true;
    return out;
  }
  bool counts_ok = b.counts_in_band();
  out.balanced = counts_ok && b.bytes_in_band();
  if (!counts_ok) {
    while (b.count_move()) {
    }
  } else if (!out.balanced) {
    while (b.bytes_move()) {
    }
  }
  out.moves = b.take_moves();
  out.stuck = !out.balanced && out.moves.empty();
  return out;
}

}  // namespace ropekv::placement
