#pragma once
// AWS Signature Version 4 over OpenSSL HMAC-SHA256, header-based
// ("Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..."). Pure functions: the caller supplies the time, so the
// published AWS example requests reproduce byte for byte (sigv4_test.cpp).
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ropekv::blob {

struct sigv4_credentials {
  std::string access_key;
  std::string secret_key;
};

struct sigv4_request {
  std::string method;          // "GET", "PUT", ...
  std::string canonical_uri;   // the path exactly as sent, already URI-encoded
  // Query parameters, not encoded (encoded and sorted while signing); a
  // parameter without a value ("?uploads") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, Host and x-amz-date included; names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // lower-case hex of the body (or UNSIGNED-PAYLOAD)
};

/// "20130524T000000Z" for a point in time (UTC).
std::string amz_date(std::chrono::system_clock::time_point t);

/// RFC 3986 unreserved characters kept, everything else %XX (upper-case);
/// '/' kept when !encode_slash (object key paths).
std::string uri_encode(std::string_view s, bool encode_slash);

/// The encoded, sorted query string, as signed and as sent.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

/// The canonical request (method, URI, query, headers, signed headers,
/// payload hash, joined by newlines).
std::string canonical_request(const sigv4_request& req);

/// "host;range;x-amz-date": the lower-case names, sorted.
std::string signed_headers(const sigv4_request& req);

/// The string to sign for `date` ("20130524T000000Z") and the scope.
std::string string_to_sign(const std::string& date, const std::string& region, const std::string& service,
                           const std::string& canonical);

/// The hex signature of `req` at `date`.
std::string sigv4_signature(const sigv4_request& req, const sigv4_credentials& creds, const std::string& date,
                            const std::string& region, const std::string& service);

/// The Authorization header value.
std::string sigv4_authorization(const sigv4_request& req, const sigv4_credentials& creds, const std::string& date,
                                const std::string& region, const std::string& service);

/// Raw HMAC-SHA256 of `data` with `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace ropekv::blob
