#include "command_line.hpp"

#include <chrono>
#include <stdexcept>

namespace ropekv::bench {

option_map::option_map(const std::vector<std::string>& argv, std::initializer_list<std::string> flags) {
  const std::set<std::string> known_flags(flags);
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument " + a);
    a = a.substr(2);
    if (known_flags.count(a)) {
      flags_given_.insert(a);
      continue;
    }
    if (auto eq = a.find('='); eq != std::string::npos) {
      values_[a.substr(0, eq)] = a.substr(eq + 1);
      continue;
    }
    if (i + 1 >= argv.size()) throw std::invalid_argument("--" + a + " needs a value");
    values_[a] = argv[++i];
  }
}

bool option_map::flag(const std::string& name) { return flags_given_.erase(name) > 0; }

std::string option_map::take(const std::string& name, std::string dflt) {
  auto it = values_.find(name);
  if (it == values_.end()) return dflt;
  std::string out = std::move(it->second);
  values_.erase(it);
  return out;
}

namespace {

/// All of `text` as a double, or nullopt.
std::optional<double> parse_double(const std::string& text) {
  size_t used = 0;
  double d = 0;
  try {
    d = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size()) return std::nullopt;
  return d;
}

}  // namespace

double option_map::number(const std::string& name, double dflt) {
  std::string text = take(name, "");
  if (text.empty()) return dflt;
  auto d = parse_double(text);
  if (!d || *d < 0) throw std::invalid_argument("--" + name + ": not a number >= 0: " + text);
  return *d;
}

double option_map::signed_number(const std::string& name, double dflt) {
  std::string text = take(name, "");
  if (text.empty()) return dflt;
  auto d = parse_double(text);
  if (!d) throw std::invalid_argument("--" + name + ": not a number: " + text);
  return *d;
}

void option_map::expect_consumed() const {
  if (!values_.empty()) throw std::invalid_argument("unknown option --" + values_.begin()->first);
}

std::string clock_key_prefix(const std::string& stem) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  return stem + std::to_string(ms % 100'000'000'000) + "-";
}

}  // namespace ropekv::bench
