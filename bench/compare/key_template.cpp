#include "key_template.hpp"

#include <stdexcept>

namespace ropekv::bench {

std::string base64_encode(std::string_view in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8) | static_cast<uint8_t>(in[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (size_t rest = in.size() - i; rest) {
    uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<uint8_t>(in[i + 1])} << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string prefix_end(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(out.back());
    if (c != 0xff) {
      ++c;
      return out;
    }
    out.pop_back();
  }
  return out;
}

key_space::key_space(std::string prefix, uint64_t count) : prefix_(std::move(prefix)), count_(count) {
  if (count_ == 0) throw std::invalid_argument("key space is empty");
}

key_space::key_space(std::vector<std::string> keys) : explicit_(std::move(keys)) {
  if (explicit_.empty()) throw std::invalid_argument("key space is empty");
}

std::string key_space::at(uint64_t i) const {
  if (!explicit_.empty()) return explicit_[i % explicit_.size()];
  return prefix_ + std::to_string(i % count_);
}

std::string key_picker::next(uint64_t& shared_counter) {
  if (sequential_) return space_.at(shared_counter++);
  std::uniform_int_distribution<uint64_t> d(0, space_.size() - 1);
  return space_.at(d(rng_));
}

namespace {

using part = request_template::part;

// Parses text[pos..] into parts until the end, or until the '}' closing a
// call when `in_call`; returns the position after what it consumed.
size_t parse_parts(std::string_view text, size_t pos, bool in_call, std::vector<part>& out, bool& uses_key) {
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) out.push_back(part{part::kind::literal, std::move(literal), {}});
    literal.clear();
  };
  while (pos < text.size()) {
    std::string_view rest = text.substr(pos);
    if (rest.starts_with("{key}")) {
      flush();
      out.push_back(part{part::kind::key, {}, {}});
      uses_key = true;
      pos += 5;
    } else if (rest.starts_with("{b64:") || rest.starts_with("{b64end:")) {
      flush();
      bool is_end = rest.starts_with("{b64end:");
      part call{is_end ? part::kind::b64end : part::kind::b64, {}, {}};
      pos = parse_parts(text, pos + (is_end ? 8 : 5), true, call.children, uses_key);
      out.push_back(std::move(call));
    } else if (in_call && rest.front() == '}') {
      flush();
      return pos + 1;
    } else {
      literal += rest.front();
      ++pos;
    }
  }
  if (in_call) throw std::invalid_argument("unterminated {b64...} in template");
  flush();
  return pos;
}

void render(const std::vector<part>& parts, std::string_view key, std::string& out) {
  for (const auto& p : parts) {
    switch (p.type) {
      case part::kind::literal: out += p.text; break;
      case part::kind::key: out += key; break;
      case part::kind::b64:
      case part::kind::b64end: {
        std::string inner;
        render(p.children, key, inner);
        out += base64_encode(p.type == part::kind::b64end ? prefix_end(inner) : inner);
        break;
      }
    }
  }
}

}  // namespace

request_template::request_template(std::string text) {
  parse_parts(text, 0, false, parts_, uses_key_);
}

std::string request_template::expand(std::string_view key) const {
  std::string out;
  render(parts_, key, out);
  return out;
}

}  // namespace ropekv::bench
