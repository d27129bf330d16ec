#pragma once
// One HTTP/1.1 keep-alive client connection to the router, for an Asio
// coroutine with one request in flight (the request written from one
// string, the answer read with Beast's parser, as bench/compare's
// http_connection.cpp). Owned by one coroutine; not thread-safe.
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ropekv::bench::indexer {

struct http_answer {
  unsigned status = 0;  // 0: no answer (see error)
  std::string body;
  std::string error;    // I/O failure; the connection is reopened by the next call

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  /// "HTTP 503 {...}" or "io: ..." for an error sample.
  std::string describe() const;
};

class http_session {
 public:
  http_session(boost::asio::any_io_executor ex, const std::string& host, uint16_t port);

  /// One request; (re)connects first when needed. Never throws.
  boost::asio::awaitable<http_answer> call(std::string_view method, std::string_view target,
                                           std::string_view body = {});
  void close();

 private:
  boost::asio::ip::tcp::socket sock_;
  boost::asio::ip::tcp::endpoint ep_;
  std::string host_header_;
  boost::beast::flat_buffer buf_;
  std::string request_;
  bool open_ = false;
};

}  // namespace ropekv::bench::indexer
