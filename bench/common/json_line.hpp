#pragma once
// The one JSON line every bench client prints (scripts/bench-* read it with
// jq): a JSON string literal for hand-built lines (ropekv-loadgen,
// ropekv-ws-bench), rapidjson writer helpers for the others (a field of
// each type, a string array, a latency histogram's percentiles in ms), and
// the process's CPU time that every line reports. Header-only.
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ropekv::bench {

/// `s` as a JSON string literal (quotes included); bytes below 0x20 and
/// from 0x7f on as \u00XX, so the line stays ASCII.
inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// User + system CPU seconds of this process so far (getrusage).
inline double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

inline double ns_to_ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void field(json_writer& w, const char* k, double v) {
  w.Key(k);
  w.Double(v);
}
inline void field(json_writer& w, const char* k, uint64_t v) {
  w.Key(k);
  w.Uint64(v);
}
inline void field(json_writer& w, const char* k, const std::string& v) {
  w.Key(k);
  w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
}
/// (Without it a string literal would convert to bool.)
inline void field(json_writer& w, const char* k, const char* v) { field(w, k, std::string(v)); }
inline void field(json_writer& w, const char* k, bool v) {
  w.Key(k);
  w.Bool(v);
}
inline void strings(json_writer& w, const char* k, const std::vector<std::string>& v) {
  w.Key(k);
  w.StartArray();
  for (const auto& s : v) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
}

/// `k: {"p50","p90","p99","max" (ms), "samples"}` of a latency histogram in
/// ns (bench/compare's histogram; a template so that this library does not
/// depend on it).
template <class Histogram>
void percentiles(json_writer& w, const char* k, const Histogram& h) {
  w.Key(k);
  w.StartObject();
  field(w, "p50", ns_to_ms(h.quantile(0.50)));
  field(w, "p90", ns_to_ms(h.quantile(0.90)));
  field(w, "p99", ns_to_ms(h.quantile(0.99)));
  field(w, "max", ns_to_ms(h.max()));
  field(w, "samples", h.count());
  w.EndObject();
}

}  // namespace ropekv::bench
