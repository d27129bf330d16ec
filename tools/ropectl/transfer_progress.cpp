#include "transfer_progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "index_progress.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::ctl {
namespace {

constexpr size_t min_bar = 10;
constexpr size_t max_bar = 30;
// Room kept for the text after the bar, so that the bar keeps its width
// while the numbers grow and shrink (a line that fits no bar has none).
constexpr size_t tail_budget = 56;

unsigned percent(const transfer_snapshot& s) {
  if (s.finished) return 100;
  if (!s.total_bytes || *s.total_bytes == 0) return 0;
  double ratio = static_cast<double>(s.bytes) / static_cast<double>(*s.total_bytes);
  return static_cast<unsigned>(std::clamp(std::floor(ratio * 100), 0.0, 99.0));
}

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "1.1/3.3 MiB" when both sides use the same unit, else "1.1 MiB/3.3 GiB".
std::string bytes_of_total(uint64_t done, uint64_t total) {
  std::string d = format_bytes(done), t = format_bytes(total);
  auto unit = [](const std::string& x) { return x.substr(x.find(' ')); };
  if (unit(d) == unit(t)) return d.substr(0, d.find(' ')) + "/" + t;
  return d + "/" + t;
}

}  // namespace

double items_per_second(const transfer_snapshot& s) {
  return s.seconds > 0 ? static_cast<double>(s.items) / s.seconds : 0;
}

std::optional<double> eta_seconds(const transfer_snapshot& s) {
  if (s.finished) return 0.0;
  if (!s.total_bytes || s.bytes == 0 || s.seconds <= 0) return std::nullopt;
  uint64_t left = *s.total_bytes > s.bytes ? *s.total_bytes - s.bytes : 0;
  return static_cast<double>(left) * s.seconds / static_cast<double>(s.bytes);
}

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  return (v < 100 ? one_decimal(v) : std::to_string(std::llround(v))) + " " + units[u];
}

std::string format_transfer(const transfer_snapshot& s, size_t width) {
  std::string tail = "  " + std::to_string(s.items) + " items";
  tail += "  " + (s.total_bytes ? bytes_of_total(s.bytes, *s.total_bytes) : format_bytes(s.bytes));
  if (s.seconds > 0) tail += "  " + std::to_string(std::llround(items_per_second(s))) + " items/s";
  if (auto eta = eta_seconds(s); eta && !s.finished) tail += "  ETA " + format_eta(*eta);
  if (s.finished) tail += "  in " + one_decimal(s.seconds) + "s";
  if (s.failed > 0) tail += "  " + std::to_string(s.failed) + " failed";
  if (s.retries > 0) tail += "  " + std::to_string(s.retries) + " retries";

  const size_t limit = width > 1 ? width - 1 : 0;
  std::string line = s.label;
  if (s.total_bytes) {
    std::string pct = std::to_string(percent(s)) + "%";
    pct = std::string(4 - std::min<size_t>(4, pct.size()), ' ') + pct;
    // label + "  [" + bar + "]  " + pct + tail
    size_t fixed = line.size() + 3 + 3 + pct.size() + std::max(tail.size(), tail_budget);
    if (fixed + min_bar <= limit) {
      size_t bar = std::min(max_bar, limit - fixed);
      size_t filled = bar * percent(s) / 100;
      line += "  [" + std::string(filled, '#') + std::string(bar - filled, '-') + "]  " + pct;
    } else {
      line += "  " + pct;
    }
  }
  line += tail;
  if (line.size() > limit) line.resize(limit);
  return line;
}

std::string transfer_event_json(const transfer_snapshot& s, std::string_view event) {
  net::json_writer w;
  w.begin_object().field("event", event).field("items", s.items).field("failed", s.failed);
  w.field("bytes", s.bytes);
  if (s.total_bytes) w.field("total_bytes", *s.total_bytes);
  w.field("retries", s.retries);
  w.field("seconds", std::round(s.seconds * 1000) / 1000);
  w.field("items_per_s", std::round(items_per_second(s) * 10) / 10);
  if (s.total_bytes) w.field("percent", percent(s));
  if (auto eta = eta_seconds(s)) w.field("eta_s", std::round(*eta * 10) / 10);
  return w.end_object().take();
}

std::string transfer_display::update(const transfer_snapshot& s) {
  switch (mode_) {
    case mode::json: return transfer_event_json(s, "progress") + "\n";
    case mode::lines: return format_transfer(s, width_) + "\n";
    case mode::terminal: break;
  }
  std::string line = format_transfer(s, width_);
  std::string out = "\r" + line;
  if (line.size() < drawn_) out.append(drawn_ - line.size(), ' ');
  drawn_ = std::max<size_t>(line.size(), 1);
  return out;
}

std::string transfer_display::interrupt() {
  if (mode_ != mode::terminal || drawn_ == 0) return {};
  drawn_ = 0;
  return "\n";
}

}  // namespace ropekv::ctl
