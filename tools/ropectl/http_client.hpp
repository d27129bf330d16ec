#pragma once
// http_client: a blocking HTTP/1.1 client for one router, on Boost.Beast.
//
// Owns one TCP connection, opened on first use and kept alive between
// requests (so `--all` pages over one connection); reopened when the server
// closed it. Beast stays in the .cpp file.
//
// Blocking with a deadline: every exchange (resolve + connect + send +
// receive) must finish within `timeout`. Internally the operations are
// asynchronous on a private io_context run until they complete, because
// Beast's synchronous calls have no timeouts.
//
// Retry (why only GET): a kept-alive connection the server closed while we
// were idle fails on first use; a GET is then resent once on a fresh
// connection. Writes are never resent: a conditional put that did arrive
// would be reported as failed.
//
// Errors: errc::unavailable when the router cannot be reached or the
// connection breaks, errc::timeout when the deadline passes; either way no
// HTTP response was received. Any response, whatever its status, is a value.
// Not thread-safe.
#include <chrono>
#include <memory>
#include <string>

#include "request_builder.hpp"
#include "ropekv/common/result.hpp"
#include "router_url.hpp"

namespace ropekv::ctl {

struct http_reply {
  unsigned status = 0;
  std::string body;
};

class http_client {
 public:
  http_client(router_endpoint endpoint, std::chrono::milliseconds timeout);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `call` (its target below the endpoint's base path) and reads the
  /// reply.
  result<http_reply> send(const api_call& call);

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ropekv::ctl
