#include "blob_url.hpp"

#include <cctype>

#include "blob_key.hpp"

namespace ropekv::blob {
namespace {

error bad(const std::string& url, const std::string& why) {
  return make_error(errc::invalid_argument, "blob store URL '" + url + "': " + why);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

result<std::string> percent_decode(const std::string& s, const std::string& url) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return bad(url, "truncated %-escape");
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return bad(url, "bad %-escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool valid_bucket(const std::string& b) {
  // S3's rules, simplified: 3..63 of [a-z0-9.-], starting and ending alnum.
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) return false;
  }
  return std::isalnum(static_cast<unsigned char>(b.front())) && std::isalnum(static_cast<unsigned char>(b.back()));
}

}  // namespace

std::string http_endpoint::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if ((tls && port == "443") || (!tls && port == "80")) return h;
  return h + ":" + port;
}

result<http_endpoint> parse_endpoint(const std::string& url) {
  http_endpoint ep;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    ep.tls = true;
    rest = url.substr(8);
  } else {
    return bad(url, "endpoint must start with http:// or https://");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos) return bad(url, "endpoint must be scheme://host[:port]");
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return bad(url, "unclosed [ in endpoint");
    ep.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad(url, "junk after ]");
      ep.port = rest.substr(1);
    }
  } else if (auto colon = rest.find(':'); colon != std::string::npos) {
    ep.host = rest.substr(0, colon);
    ep.port = rest.substr(colon + 1);
  } else {
    ep.host = rest;
  }
  if (ep.host.empty()) return bad(url, "empty host");
  if (ep.port.empty()) {
    ep.port = ep.tls ? "443" : "80";
  } else {
    for (char c : ep.port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad(url, "port is not a number");
    }
    if (ep.port.size() > 5 || std::stoi(ep.port) == 0 || std::stoi(ep.port) > 65535) return bad(url, "port out of range");
  }
  return ep;
}

result<store_url> parse_store_url(const std::string& url) {
  store_url out;
  if (url.rfind("file://", 0) == 0) {
    out.scheme = store_url::kind::file;
    auto path = percent_decode(url.substr(7), url);
    if (!path) return std::move(path).error();
    if (path->empty() || path->front() != '/') return bad(url, "file:// needs an absolute path (file:///dir)");
    if (path->find('?') != std::string::npos) return bad(url, "file:// takes no query");
    out.path = std::move(*path);
    return out;
  }
  if (url.rfind("s3://", 0) != 0) return bad(url, "scheme must be file:// or s3://");
  out.scheme = store_url::kind::s3;
  std::string rest = url.substr(5);
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto slash = rest.find('/');
  out.s3.bucket = rest.substr(0, slash);
  if (!valid_bucket(out.s3.bucket)) return bad(url, "bucket must be 3-63 characters of a-z 0-9 . -");
  if (slash != std::string::npos) {
    auto prefix = percent_decode(rest.substr(slash + 1), url);
    if (!prefix) return std::move(prefix).error();
    std::string p = std::move(*prefix);
    while (!p.empty() && p.back() == '/') p.pop_back();
    if (!p.empty()) {
      if (auto s = check_key(p); !s) return bad(url, "prefix: " + s.error().message);
      out.s3.prefix = p + "/";
    }
  }
  std::string endpoint;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string::npos) return bad(url, "query parameter without '=': " + pair);
    auto value = percent_decode(pair.substr(eq + 1), url);
    if (!value) return std::move(value).error();
    std::string name = pair.substr(0, eq);
    if (name == "endpoint") {
      endpoint = *value;
    } else if (name == "region") {
      if (value->empty()) return bad(url, "empty region");
      out.s3.region = *value;
    } else {
      return bad(url, "unknown parameter '" + name + "' (endpoint, region)");
    }
  }
  if (endpoint.empty()) {
    out.s3.endpoint = http_endpoint{true, out.s3.bucket + ".s3." + out.s3.region + ".amazonaws.com", "443"};
    out.s3.path_style = false;
  } else {
    auto ep = parse_endpoint(endpoint);
    if (!ep) return std::move(ep).error();
    out.s3.endpoint = std::move(*ep);
    out.s3.path_style = true;
  }
  return out;
}

}  // namespace ropekv::blob
