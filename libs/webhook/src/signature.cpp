#include "ropekv/webhook/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "ropekv/common/base64.hpp"

namespace ropekv::webhook {
namespace {

constexpr std::string_view v1_prefix = "v1,";

// Raw HMAC-SHA256 of id "." ts "." body. The message is assembled once so
// OpenSSL's one-shot HMAC can be used (no deprecated HMAC_CTX).
std::string hmac_sha256(std::string_view key, std::string_view msg_id, std::string_view ts,
                        std::string_view body) {
  std::string message;
  message.reserve(msg_id.size() + ts.size() + body.size() + 2);
  message.append(msg_id).append(".").append(ts).append(".").append(body);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  // A zero-length key is impossible (secret enforces >= 24 bytes), so the
  // key pointer is never null.
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &out_len);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

// Strict decimal: optional '-', then digits only, no overflow.
bool parse_timestamp(std::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  const char* first = text.data();
  const char* last = first + text.size();
  if (*first == '+') return false;
  auto [p, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && p == last;
}

}  // namespace

result<secret> secret::parse(std::string_view text) {
  if (text.substr(0, secret_prefix.size()) != secret_prefix)
    return make_error(errc::invalid_argument, "secret must start with \"whsec_\"");
  auto key = base64_decode(text.substr(secret_prefix.size()), base64_alphabet::standard);
  if (!key) return make_error(errc::invalid_argument, "secret after \"whsec_\" is not valid base64");
  if (key->size() < min_secret_bytes || key->size() > max_secret_bytes)
    return make_error(errc::invalid_argument, "secret must encode 24 to 64 bytes, got " +
                                                   std::to_string(key->size()));
  return secret(std::move(*key));
}

result<secret> secret::generate(size_t bytes) {
  bytes = std::clamp(bytes, min_secret_bytes, max_secret_bytes);
  std::string key(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
    return make_error(errc::internal, "RAND_bytes failed");
  return secret(std::move(key));
}

std::string secret::to_string() const { return std::string(secret_prefix) + base64_encode(key_, base64_alphabet::standard); }

result<std::string> generate_secret(size_t bytes) {
  auto s = secret::generate(bytes);
  if (!s) return std::move(s).error();
  return s->to_string();
}

std::string sign(std::string_view msg_id, int64_t timestamp_s, std::string_view body, const secret& key) {
  return std::string(v1_prefix) +
         base64_encode(hmac_sha256(key.key(), msg_id, std::to_string(timestamp_s), body), base64_alphabet::standard);
}

bool verify(std::string_view signature_header, std::string_view msg_id, std::string_view timestamp,
            std::string_view body, const secret& key, int64_t now_s, int64_t tolerance_s) {
  int64_t ts = 0;
  if (!parse_timestamp(timestamp, ts)) return false;
  // Both directions: an old replay and a clock far in the future. Written so
  // that extreme values cannot overflow.
  if (ts < now_s && now_s - ts > tolerance_s) return false;
  if (ts > now_s && ts - now_s > tolerance_s) return false;

  const std::string expected = hmac_sha256(key.key(), msg_id, timestamp, body);
  bool matched = false;
  size_t pos = 0;
  while (pos < signature_header.size()) {
    size_t end = signature_header.find(' ', pos);
    if (end == std::string_view::npos) end = signature_header.size();
    std::string_view entry = signature_header.substr(pos, end - pos);
    pos = end + 1;
    if (entry.substr(0, v1_prefix.size()) != v1_prefix) continue;
    auto mac = base64_decode(entry.substr(v1_prefix.size()), base64_alphabet::standard);
    if (!mac || mac->size() != expected.size()) continue;
    // Keep comparing after a match: the time taken does not reveal which
    // entry matched.
    if (CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) == 0) matched = true;
  }
  return matched;
}

}  // namespace ropekv::webhook
