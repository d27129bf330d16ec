#include "resp.hpp"

#include <charconv>

namespace ropekv::bench::resp {

std::string encode_command(const std::vector<std::string>& args) {
  std::string out;
  size_t size = 16;
  for (const auto& a : args) size += a.size() + 16;
  out.reserve(size);
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (const auto& a : args) {
    out += '$';
    out += std::to_string(a.size());
    out += "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

namespace {

using state = parse_result::state;

// Parses at `in[pos]`; on complete advances pos.
state parse_at(std::string_view in, size_t& pos, reply& out, int depth) {
  if (depth > 32) return state::malformed;
  if (pos >= in.size()) return state::incomplete;
  char t = in[pos];
  size_t eol = in.find("\r\n", pos + 1);
  if (eol == std::string_view::npos) return state::incomplete;
  std::string_view line = in.substr(pos + 1, eol - pos - 1);
  auto as_int = [&](long long& v) {
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    return ec == std::errc{} && p == line.data() + line.size();
  };
  switch (t) {
    case '+':
    case '-':
    case ':': {
      out.type = t == '+' ? kind::simple : t == '-' ? kind::error : kind::integer;
      long long v = 0;
      if (t == ':' && !as_int(v)) return state::malformed;
      out.text.assign(line);
      pos = eol + 2;
      return state::complete;
    }
    case '$': {
      long long len = 0;
      if (!as_int(len) || len < -1) return state::malformed;
      if (len == -1) {
        out.type = kind::null_bulk;
        pos = eol + 2;
        return state::complete;
      }
      size_t start = eol + 2;
      auto n = static_cast<size_t>(len);
      if (in.size() < start + n + 2) return state::incomplete;
      if (in.substr(start + n, 2) != "\r\n") return state::malformed;
      out.type = kind::bulk;
      out.text.assign(in.substr(start, n));
      pos = start + n + 2;
      return state::complete;
    }
    case '*': {
      long long n = 0;
      if (!as_int(n) || n < -1) return state::malformed;
      if (n == -1) {
        out.type = kind::null_array;
        pos = eol + 2;
        return state::complete;
      }
      out.type = kind::array;
      size_t p = eol + 2;
      out.elements.clear();
      out.elements.resize(static_cast<size_t>(n));
      for (auto& e : out.elements) {
        if (auto s = parse_at(in, p, e, depth + 1); s != state::complete) return s;
      }
      pos = p;
      return state::complete;
    }
    default:
      return state::malformed;
  }
}

}  // namespace

parse_result parse(std::string_view in) {
  parse_result r;
  size_t pos = 0;
  r.status = parse_at(in, pos, r.value, 0);
  if (r.status == state::complete) r.consumed = pos;
  return r;
}

}  // namespace ropekv::bench::resp
