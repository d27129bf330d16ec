#pragma once
// A tiny deterministic state machine for consensus tests: commands are
// "key=value", the result is the previous value. Volatile (applied_index()
// is 0), so a restarted replica rebuilds it from snapshot + log.
#include <cstdint>
#include <map>
#include <string>

#include "ropekv/consensus/state_machine.hpp"

namespace ropekv::consensus::test {

class kv_state_machine final : public state_machine {
 public:
  result<std::string> apply(uint64_t index, std::string_view command) override {
    last_index_ = index;
    ++applied_;
    auto eq = command.find('=');
    std::string key(command.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : std::string(command.substr(eq + 1));
    auto& slot = map_[key];
    std::string previous = slot;
    slot = value;
    return previous;
  }
  uint64_t applied_index() const override { return 0; }

  result<std::string> snapshot() override {
    std::string out;
    for (const auto& [k, v] : map_) {
      out += std::to_string(k.size()) + ":" + k + std::to_string(v.size()) + ":" + v;
    }
    return out;
  }

  status restore(uint64_t index, std::string_view image) override {
    map_.clear();
    size_t pos = 0;
    auto take = [&](std::string& out) -> bool {
      auto colon = image.find(':', pos);
      if (colon == std::string_view::npos) return false;
      size_t n = std::stoul(std::string(image.substr(pos, colon - pos)));
      if (colon + 1 + n > image.size()) return false;
      out.assign(image.substr(colon + 1, n));
      pos = colon + 1 + n;
      return true;
    };
    while (pos < image.size()) {
      std::string k, v;
      if (!take(k) || !take(v)) return make_error(errc::corrupt, "bad kv snapshot");
      map_[k] = v;
    }
    last_index_ = index;
    ++restores_;
    return {};
  }

  /// FNV-1a over the sorted contents: equal maps give equal digests.
  uint64_t digest() const {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&](std::string_view s) {
      for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
      }
      h ^= 0xff;
      h *= 1099511628211ULL;
    };
    for (const auto& [k, v] : map_) {
      mix(k);
      mix(v);
    }
    return h;
  }

  const std::map<std::string, std::string>& data() const { return map_; }
  uint64_t last_index() const { return last_index_; }
  uint64_t applied_count() const { return applied_; }
  uint64_t restores() const { return restores_; }

 private:
  std::map<std::string, std::string> map_;
  uint64_t last_index_ = 0;
  uint64_t applied_ = 0;
  uint64_t restores_ = 0;
};

}  // namespace ropekv::consensus::test
