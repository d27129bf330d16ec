#pragma once
// A small blocking HTTP/1.1 client over Boost.Beast for the S3 store: one
// keep-alive connection to one endpoint (http or https), an inactivity
// timeout on every step (connect, TLS handshake, each write and read: a
// request fails when no byte moved for `timeout`, however large its body),
// bodies from memory or a file, responses into memory or a file.
// No retries here: the caller (s3_store) decides what is worth retrying.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "blob_url.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv::blob {

struct http_request {
  std::string method;  // "GET", "PUT", "POST", "HEAD", "DELETE"
  std::string target;  // encoded path, "?" and the canonical query
  std::vector<std::pair<std::string, std::string>> headers;  // Host and Content-Length are added
  std::string body;       // sent unless body_file is set
  std::string body_file;  // send this file's bytes instead
};

struct http_response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;                            // empty when written to a file
};

class http_client {
 public:
  /// `ca_file`: PEM CAs to trust for https; empty: the system's trust store.
  http_client(http_endpoint endpoint, std::chrono::milliseconds timeout, const std::string& ca_file = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// One request and its response. A 2xx body goes to `download_path`
  /// (created or truncated) when that is not empty, other bodies to memory.
  /// Transport failures: errc::timeout when nothing moved for the timeout,
  /// errc::unavailable otherwise (refused, reset, closed, TLS failure).
  /// A kept-alive connection the server closed meanwhile is reopened once.
  result<http_response> send(const http_request& req, const std::string& download_path = {});

  /// Drops the connection (the next send opens a new one).
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ropekv::blob
