#include "drain_progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ropekv/net/json_writer.hpp"

namespace ropekv::ctl {
namespace {

constexpr size_t bar_width = 24;

uint64_t uint_member(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  return v ? v->as_uint64().value_or(0) : 0;
}

bool bool_member(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  return v && v->as_bool();
}

bool is_node(const json_value& entry, uint64_t node) {
  return entry.is_object() && uint_member(entry, "id") == node;
}

const std::vector<json_value>& array_member(const json_value& object, std::string_view key) {
  static const std::vector<json_value> none;
  const json_value* v = object.find(key);
  return v && v->is_array() ? v->elements() : none;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

drain_progress read_drain_progress(const json_value& cluster, uint64_t node) {
  drain_progress p;
  p.node = node;
  bool in_nodes = false;
  for (const auto& n : array_member(cluster, "nodes")) {
    if (!is_node(n, node)) continue;
    p.known = in_nodes = true;
    p.draining = bool_member(n, "draining");
    p.alive = bool_member(n, "alive");
  }
  bool in_loads = false;
  for (const auto& l : array_member(cluster, "node_loads")) {
    if (!is_node(l, node)) continue;
    p.known = in_loads = true;
    p.replicas = uint_member(l, "replicas");
    p.leaders = uint_member(l, "leaders");
    if (!in_nodes) {
      p.draining = bool_member(l, "draining");
      p.alive = bool_member(l, "alive");
    }
  }
  if (!in_loads) {
    for (const auto& s : array_member(cluster, "segments")) {
      if (!s.is_object()) continue;
      for (const auto& r : array_member(s, "replicas")) p.replicas += r.as_uint64() == node;
      if (const json_value* leader = s.find("leader_hint")) p.leaders += leader->as_uint64() == node;
    }
  }
  for (const auto& m : array_member(cluster, "moves")) {
    if (!m.is_object() || uint_member(m, "from_node") != node) continue;
    ++p.moves_out;
    p.oldest_move_ms = std::max(p.oldest_move_ms, uint_member(m, "age_ms"));
  }
  return p;
}

unsigned drain_percent(const drain_snapshot& s) {
  if (is_drained(s.now)) return 100;
  if (s.initial == 0) return 0;
  uint64_t moved = s.initial - std::min(s.initial, s.now.replicas);
  return static_cast<unsigned>(std::min<uint64_t>(99, moved * 100 / s.initial));
}

std::string format_elapsed(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  if (seconds < 10) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1fs", std::floor(seconds * 10) / 10);
    return buf;
  }
  auto s = static_cast<uint64_t>(seconds);
  auto two = [](uint64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + two(s / 60 % 60) + "m";
}

std::string format_drain(const drain_snapshot& s) {
  const drain_progress& p = s.now;
  unsigned pct = drain_percent(s);
  size_t filled = bar_width * pct / 100;
  std::string pct_text = std::to_string(pct) + "%";
  uint64_t moved = s.initial - std::min(s.initial, p.replicas);
  std::string line = "drain node " + std::to_string(p.node) + "  [" + std::string(filled, '#') +
                     std::string(bar_width - filled, '-') + "]  " + std::string(4 - pct_text.size(), ' ') +
                     pct_text + "  " + std::to_string(moved) + "/" + std::to_string(s.initial) + " moved, " +
                     std::to_string(p.replicas) + " left  " + plural(p.moves_out, "move", "moves") + " in flight";
  if (p.moves_out > 0) line += " (oldest " + format_elapsed(static_cast<double>(p.oldest_move_ms) / 1000) + ")";
  if (!p.alive) line += "  node not alive";
  return line + "  " + format_elapsed(s.seconds);
}

std::string drain_event_json(const drain_snapshot& s, std::string_view event) {
  const drain_progress& p = s.now;
  net::json_writer w;
  w.begin_object().field("event", event).field("node", p.node).field("draining", p.draining);
  w.field("replicas", p.replicas).field("initial_replicas", s.initial);
  w.field("moved", s.initial - std::min(s.initial, p.replicas)).field("leaders", p.leaders);
  w.field("moves_in_flight", p.moves_out).field("oldest_move_ms", p.oldest_move_ms);
  w.field("percent", static_cast<uint64_t>(drain_percent(s)));
  w.field("seconds", std::round(s.seconds * 1000) / 1000);
  w.end_object();
  return w.take();
}

drain_snapshot drain_tracker::observe(const drain_progress& p, double seconds) {
  initial_ = std::max(initial_, p.replicas);
  return drain_snapshot{p, initial_, seconds};
}

std::string drain_display::update(const drain_snapshot& s) {
  if (mode_ == mode::terminal) {
    std::string line = format_drain(s);
    std::string out = "\r" + line;
    if (line.size() < drawn_) out.append(drawn_ - line.size(), ' ');
    drawn_ = line.size();
    return out;
  }
  std::string key = std::to_string(s.now.replicas) + " " + std::to_string(s.now.moves_out) + " " +
                    (s.now.draining ? "d" : "-") + std::to_string(s.initial);
  if (key == last_key_) return {};
  last_key_ = std::move(key);
  return (mode_ == mode::json ? drain_event_json(s, "progress") : format_drain(s)) + "\n";
}

std::string drain_display::finish() {
  if (mode_ != mode::terminal || drawn_ == 0) return {};
  drawn_ = 0;
  return "\n";
}

}  // namespace ropekv::ctl
