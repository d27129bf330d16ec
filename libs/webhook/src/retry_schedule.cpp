#include "ropekv/webhook/retry_schedule.hpp"

#include <algorithm>
#include <limits>

namespace ropekv::webhook {
namespace {

using namespace std::chrono_literals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

result<retry_delay> parse_item(std::string_view item) {
  auto bad = [&](std::string_view why) {
    return make_error(errc::invalid_argument,
                      "retry schedule item \"" + std::string(item) + "\": " + std::string(why));
  };
  if (item.empty()) return make_error(errc::invalid_argument, "retry schedule has an empty item");
  size_t digits = 0;
  while (digits < item.size() && item[digits] >= '0' && item[digits] <= '9') ++digits;
  if (digits == 0) return bad("must start with a number");
  if (digits > 12) return bad("number too large");
  int64_t n = 0;
  for (size_t i = 0; i < digits; ++i) n = n * 10 + (item[i] - '0');
  std::string_view unit = item.substr(digits);
  retry_delay d;
  if (unit == "ms") {
    d = retry_delay(n);
  } else if (unit == "s") {
    d = std::chrono::seconds(n);
  } else if (unit == "m") {
    d = std::chrono::minutes(n);
  } else if (unit == "h") {
    d = std::chrono::hours(n);
  } else if (unit.empty()) {
    if (n != 0) return bad("needs a unit (ms, s, m or h)");
    d = 0ms;
  } else {
    return bad("unknown unit (expected ms, s, m or h)");
  }
  if (d > max_retry_entry) return bad("longer than 30 days");
  return d;
}

std::string format_delay(retry_delay d) {
  auto ms = d.count();
  if (ms == 0) return "0";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

retry_schedule::retry_schedule()
    : delays_{0ms, 5s, 5min, 30min, 2h, 5h, 10h, 14h, 20h, 24h} {}

retry_schedule::retry_schedule(std::vector<retry_delay> delays) : delays_(std::move(delays)) {}

result<retry_schedule> retry_schedule::parse(std::string_view text) {
  if (trim(text).empty()) return make_error(errc::invalid_argument, "retry schedule is empty");
  std::vector<retry_delay> delays;
  size_t pos = 0;
  while (true) {
    size_t comma = text.find(',', pos);
    std::string_view item = trim(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    auto d = parse_item(item);
    if (!d) return std::move(d).error();
    delays.push_back(*d);
    if (delays.size() > max_retry_entries)
      return make_error(errc::invalid_argument, "retry schedule has more than 100 entries");
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return retry_schedule(std::move(delays));
}

std::optional<retry_delay> retry_schedule::delay_before(uint32_t attempt, std::mt19937_64& rng,
                                                        const failure_hint& last) const {
  size_t index = attempt == 0 ? 0 : attempt - 1;
  if (index >= delays_.size()) return std::nullopt;
  retry_delay d = jitter(delays_[index], rng);
  if ((last.status == 429 || last.status == 503) && last.retry_after_s && *last.retry_after_s > 0) {
    // Compare in seconds first: a huge header value must not overflow.
    int64_t cap_s = std::chrono::duration_cast<std::chrono::seconds>(max_retry_after).count();
    retry_delay asked = std::chrono::seconds(std::min(*last.retry_after_s, cap_s));
    d = std::max(d, asked);
  }
  return d;
}

std::string retry_schedule::to_string() const {
  std::string out;
  for (size_t i = 0; i < delays_.size(); ++i) {
    if (i != 0) out += ',';
    out += format_delay(delays_[i]);
  }
  return out;
}

retry_delay jitter(retry_delay d, std::mt19937_64& rng) {
  int64_t ms = d.count();
  if (ms <= 0) return retry_delay(0);
  int64_t span = ms / 5;  // 20 %
  if (span == 0) return d;
  // Uniform in [-span, +span]; the modulo bias is below 2^-40 for any delay
  // a schedule allows.
  auto width = static_cast<uint64_t>(2 * span + 1);
  auto offset = static_cast<int64_t>(rng() % width) - span;
  return retry_delay(ms + offset);
}

}  // namespace ropekv::webhook
