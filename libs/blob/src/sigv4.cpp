#include "sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "ropekv/blob/blob_store.hpp"
#include "sha256.hpp"

namespace ropekv::blob {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header values are trimmed and runs of spaces collapse to one.
std::string trim_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// Sorted (name, value) pairs, names lower-case, repeated names joined by ','.
std::vector<std::pair<std::string, std::string>> canonical_headers(const sigv4_request& req) {
  std::vector<std::pair<std::string, std::string>> hs;
  for (const auto& [name, value] : req.headers) hs.emplace_back(lower(name), trim_value(value));
  std::stable_sort(hs.begin(), hs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& h : hs) {
    if (!merged.empty() && merged.back().first == h.first) {
      merged.back().second += "," + h.second;
    } else {
      merged.push_back(std::move(h));
    }
  }
  return merged;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string uri_encode(std::string_view s, bool encode_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [n, v] : query) enc.emplace_back(uri_encode(n, true), uri_encode(v, true));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [n, v] : enc) {
    if (!out.empty()) out.push_back('&');
    out += n + "=" + v;
  }
  return out;
}

std::string signed_headers(const sigv4_request& req) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(req)) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

std::string canonical_request(const sigv4_request& req) {
  std::string out = req.method + "\n" + req.canonical_uri + "\n" + canonical_query(req.query) + "\n";
  for (const auto& [name, value] : canonical_headers(req)) out += name + ":" + value + "\n";
  out += "\n" + signed_headers(req) + "\n" + req.payload_sha256;
  return out;
}

std::string string_to_sign(const std::string& date, const std::string& region, const std::string& service,
                           const std::string& canonical) {
  return "AWS4-HMAC-SHA256\n" + date + "\n" + date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request\n" +
         sha256_hex(canonical);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string sigv4_signature(const sigv4_request& req, const sigv4_credentials& creds, const std::string& date,
                            const std::string& region, const std::string& service) {
  std::string key = hmac_sha256("AWS4" + creds.secret_key, date.substr(0, 8));
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  key = hmac_sha256(key, "aws4_request");
  return to_hex(hmac_sha256(key, string_to_sign(date, region, service, canonical_request(req))));
}

std::string sigv4_authorization(const sigv4_request& req, const sigv4_credentials& creds, const std::string& date,
                                const std::string& region, const std::string& service) {
  return "AWS4-HMAC-SHA256 Credential=" + creds.access_key + "/" + date.substr(0, 8) + "/" + region + "/" + service +
         "/aws4_request, SignedHeaders=" + signed_headers(req) +
         ", Signature=" + sigv4_signature(req, creds, date, region, service);
}

}  // namespace ropekv::blob
