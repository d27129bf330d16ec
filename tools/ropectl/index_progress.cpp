#include "index_progress.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ropekv::ctl {
namespace {

constexpr size_t bar_width = 24;

uint64_t uint_member(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  return v ? v->as_uint64().value_or(0) : 0;
}

double double_member(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  if (!v || !v->is_number()) return 0;
  double out = 0;
  const std::string& t = v->text();
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(out) || out < 0) return 0;
  return out;
}

// Floored, and 99 at most while backfilling: the estimate may be short.
unsigned percent(const index_progress& p) {
  double ratio = static_cast<double>(p.items_done) / static_cast<double>(p.items_estimated);
  return static_cast<unsigned>(std::min(99.0, std::floor(ratio * 100)));
}

std::string backfill_line(const index_progress& p) {
  std::string line;
  if (p.items_estimated > 0) {
    unsigned pct = percent(p);
    size_t filled = bar_width * pct / 100;
    std::string pct_text = std::to_string(pct) + "%";
    line += "  [" + std::string(filled, '#') + std::string(bar_width - filled, '-') + "]  ";
    line += std::string(4 - pct_text.size(), ' ') + pct_text;
    line += "  " + std::to_string(p.items_done) + "/" + std::to_string(p.items_estimated) + " items";
  } else {
    line += "  " + std::to_string(p.items_done) + " items";
  }
  if (p.items_per_s > 0) {
    line += "  " + std::to_string(std::llround(p.items_per_s)) + " items/s";
    if (p.items_estimated > p.items_done)
      line += "  ETA " + format_eta(static_cast<double>(p.items_estimated - p.items_done) / p.items_per_s);
  }
  return line;
}

}  // namespace

index_progress read_progress(const json_value& index) {
  index_progress p;
  if (const json_value* v = index.find("name")) p.name = v->to_display();
  if (const json_value* v = index.find("state")) p.state = v->to_display();
  if (const json_value* b = index.find("backfill"); b && b->is_object()) {
    p.has_backfill = true;
    p.items_done = uint_member(*b, "items_done");
    p.items_estimated = uint_member(*b, "items_estimated");
    p.items_per_s = double_member(*b, "items_per_s");
  }
  if (const json_value* e = index.find("entries")) p.entries = e->as_uint64();
  return p;
}

bool is_active(const index_progress& p) { return p.state == "active"; }

std::string format_progress(const index_progress& p) {
  std::string line = (p.name.empty() ? "index" : p.name) + "  ";
  if (p.state == "unassigned") return line + "unassigned: no indexer is alive, waiting";
  line += p.state.empty() ? "-" : p.state;
  if (is_active(p)) {
    if (p.entries) line += "  " + std::to_string(*p.entries) + " entries";
    return line;
  }
  if (p.has_backfill) line += backfill_line(p);
  return line;
}

std::string format_eta(double seconds) {
  if (!std::isfinite(seconds) || seconds > 99.0 * 3600) return ">99h";
  auto s = static_cast<uint64_t>(std::max(1.0, std::ceil(seconds)));
  auto two = [](uint64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m" + two(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + two(s / 60 % 60) + "m";
}

std::string progress_display::update(const index_progress& p) {
  std::string line = format_progress(p);
  if (terminal_) {
    std::string out = "\r" + line;
    if (line.size() < drawn_) out.append(drawn_ - line.size(), ' ');
    drawn_ = line.size();
    return out;
  }
  std::string key = p.state;
  if (p.has_backfill && !is_active(p))
    key += " " + (p.items_estimated > 0 ? std::to_string(percent(p)) + "%" : std::to_string(p.items_done));
  if (key == last_key_) return {};
  last_key_ = std::move(key);
  return line + "\n";
}

std::string progress_display::finish() {
  if (!terminal_ || drawn_ == 0) return {};
  drawn_ = 0;
  return "\n";
}

}  // namespace ropekv::ctl
