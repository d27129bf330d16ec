#include "ropekv/net/percent_decode.hpp"

namespace ropekv::net {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

http_result<std::string> percent_decode(std::string_view text, decode_mode mode) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return http_error::from(errc::invalid_argument,
                                "malformed percent-escape at offset " + std::to_string(i));
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && mode == decode_mode::query) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view bytes) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

http_result<split_target> split_request_target(std::string_view target) {
  if (target.empty() || target.front() != '/')
    return http_error::from(errc::invalid_argument, "request-target must be a path starting with '/'");
  split_target out;
  auto q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string_view::npos) out.query = target.substr(q + 1);
  return out;
}

http_result<std::vector<std::string>> decode_path_segments(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    auto raw = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    auto decoded = percent_decode(raw, decode_mode::path);
    if (!decoded) return std::move(decoded).error();
    segments.push_back(std::move(decoded).value());
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

http_result<query_pairs> parse_query(std::string_view query) {
  query_pairs pairs;
  size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    auto piece = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!piece.empty()) {
      auto eq = piece.find('=');
      auto name = percent_decode(piece.substr(0, eq), decode_mode::query);
      if (!name) return std::move(name).error();
      auto value = percent_decode(eq == std::string_view::npos ? std::string_view{}
                                                               : piece.substr(eq + 1),
                                  decode_mode::query);
      if (!value) return std::move(value).error();
      pairs.emplace_back(std::move(name).value(), std::move(value).value());
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return pairs;
}

}  // namespace ropekv::net
