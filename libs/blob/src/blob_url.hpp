#pragma once
// Parsing of the store URLs:
//   file:///abs/path
//   s3://bucket[/prefix][?endpoint=http(s)://host[:port]][&region=us-east-1]
// Without an endpoint an s3:// URL means AWS itself
// (https://s3.<region>.amazonaws.com, virtual-hosted addressing); with one,
// path-style addressing (http://host:port/bucket/key), which every
// S3-compatible server understands.
#include <string>

#include "ropekv/common/result.hpp"

namespace ropekv::blob {

struct http_endpoint {
  bool tls = false;
  std::string host;  // name or address, without brackets
  std::string port;  // always set: 80/443 when the URL has none
  /// The Host header: host, plus ":port" when not the scheme's default.
  std::string host_header() const;
};

struct s3_location {
  std::string bucket;
  std::string prefix;  // "" or ends with '/': prepended to every key
  std::string region = "us-east-1";
  http_endpoint endpoint;
  bool path_style = true;  // false only for AWS's own endpoint
};

struct store_url {
  enum class kind { file, s3 } scheme = kind::file;
  std::string path;  // file: the absolute directory
  s3_location s3;    // s3: where the objects are
};

/// errc::invalid_argument for an unknown scheme or a malformed URL.
result<store_url> parse_store_url(const std::string& url);
/// "http://host:port" or "https://host" -> endpoint.
result<http_endpoint> parse_endpoint(const std::string& url);

}  // namespace ropekv::blob
