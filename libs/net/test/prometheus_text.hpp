#pragma once
// A strict reader of the Prometheus text exposition format 0.0.4 for tests:
// every line must be a HELP, TYPE or sample line, every sample must belong
// to the family TYPE'd before it (histograms: _bucket/_sum/_count), names
// and label names must be valid, label values properly escaped, values
// numbers. Used by the registry's unit tests and the integration test that
// scrapes real processes.
#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropekv::test {

struct prom_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct prom_text {
  std::map<std::string, std::string> types;  // family -> counter|gauge|histogram|...
  std::map<std::string, std::string> help;
  std::vector<prom_sample> samples;
  std::string error;  // empty: the text parsed

  /// Value of the first sample named `name` whose labels include `want`.
  std::optional<double> value(std::string_view name, const std::map<std::string, std::string>& want = {}) const {
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool ok = true;
      for (const auto& [k, v] : want) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) ok = false;
      }
      if (ok) return s.value;
    }
    return std::nullopt;
  }
  /// Sum over every sample named `name`.
  double sum(std::string_view name) const {
    double total = 0;
    for (const auto& s : samples)
      if (s.name == name) total += s.value;
    return total;
  }
  bool has_family(const std::string& name) const { return types.count(name) > 0; }
};

namespace detail {

inline bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
inline bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

inline bool read_name(std::string_view& s, std::string& out, bool label) {
  size_t i = 0;
  while (i < s.size() && (i == 0 ? name_start(s[i]) : name_char(s[i])) && !(label && s[i] == ':')) ++i;
  if (i == 0) return false;
  out.assign(s.substr(0, i));
  s.remove_prefix(i);
  return true;
}

inline bool read_number(std::string_view text, double& out) {
  if (text == "+Inf" || text == "Inf") { out = 1e308 * 10; return true; }
  if (text == "-Inf") { out = -1e308 * 10; return true; }
  if (text == "NaN" || text == "Nan") { out = 0; return true; }
  if (text.empty()) return false;
  std::string copy(text);
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

inline std::string family_of(const std::map<std::string, std::string>& types, const std::string& sample) {
  if (types.count(sample)) return sample;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (sample.size() > suffix.size() && sample.compare(sample.size() - suffix.size(), suffix.size(), suffix) == 0) {
      auto base = sample.substr(0, sample.size() - suffix.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return {};
}

}  // namespace detail

inline prom_text parse_prometheus_text(std::string_view text) {
  prom_text out;
  size_t line_no = 0;
  auto fail = [&](const std::string& why, std::string_view line) {
    out.error = "line " + std::to_string(line_no) + ": " + why + ": " + std::string(line);
    return out;
  };
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return fail("no final newline", text);
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::string_view rest = line.substr(1);
      if (rest.rfind(" HELP ", 0) == 0 || rest.rfind(" TYPE ", 0) == 0) {
        bool is_type = rest[1] == 'T';
        rest.remove_prefix(6);
        std::string name;
        if (!detail::read_name(rest, name, false) || rest.empty() || rest[0] != ' ')
          return fail("bad family name", line);
        rest.remove_prefix(1);
        if (is_type) {
          if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" && rest != "untyped")
            return fail("bad type", line);
          if (out.types.count(name)) return fail("family typed twice", line);
          out.types[name] = std::string(rest);
        } else {
          out.help[name] = std::string(rest);
        }
      }
      continue;
    }
    prom_sample s;
    std::string_view rest = line;
    if (!detail::read_name(rest, s.name, false)) return fail("bad sample name", line);
    if (!rest.empty() && rest[0] == '{') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest[0] != '}') {
        std::string label;
        if (!detail::read_name(rest, label, true)) return fail("bad label name", line);
        if (rest.size() < 2 || rest[0] != '=' || rest[1] != '"') return fail("expected =\"", line);
        rest.remove_prefix(2);
        std::string value;
        bool closed = false;
        while (!rest.empty()) {
          char c = rest[0];
          rest.remove_prefix(1);
          if (c == '"') { closed = true; break; }
          if (c == '\\') {
            if (rest.empty()) return fail("dangling escape", line);
            char e = rest[0];
            rest.remove_prefix(1);
            if (e == 'n') value += '\n';
            else if (e == '\\' || e == '"') value += e;
            else return fail("bad escape", line);
          } else if (c == '\n') {
            return fail("raw newline in label value", line);
          } else {
            value += c;
          }
        }
        if (!closed) return fail("unterminated label value", line);
        if (!s.labels.emplace(label, value).second) return fail("duplicate label", line);
        if (!rest.empty() && rest[0] == ',') rest.remove_prefix(1);
      }
      if (rest.empty()) return fail("unterminated label set", line);
      rest.remove_prefix(1);
    }
    if (rest.empty() || rest[0] != ' ') return fail("expected a space before the value", line);
    rest.remove_prefix(1);
    auto sp = rest.find(' ');
    std::string_view number = rest.substr(0, sp);
    if (!detail::read_number(number, s.value)) return fail("bad value", line);
    if (sp != std::string_view::npos) {
      double ts = 0;
      if (!detail::read_number(rest.substr(sp + 1), ts)) return fail("bad timestamp", line);
    }
    if (detail::family_of(out.types, s.name).empty()) return fail("sample of no TYPE'd family", line);
    out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace ropekv::test
