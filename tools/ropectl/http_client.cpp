#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace ropekv::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using clock_type = std::chrono::steady_clock;

/// A scan page may be large (up to 1000 items of 400 KiB each).
constexpr uint64_t max_response_bytes = uint64_t{1} << 30;

class http_client::impl {
 public:
  impl(router_endpoint endpoint, std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)), timeout_(timeout) {}

  result<http_reply> send(const api_call& call) {
    bool reused = stream_.socket().is_open();
    auto reply = exchange(call);
    if (!reply && reused && call.method == "GET" && reply.error().code == errc::unavailable) {
      close();
      reply = exchange(call);
    }
    return reply;
  }

 private:
  result<http_reply> exchange(const api_call& call) {
    auto deadline = clock_type::now() + timeout_;
    if (!stream_.socket().is_open())
      if (auto ok = connect(deadline); !ok) return std::move(ok).error();
    stream_.expires_at(deadline);

    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(call.method),
                                           endpoint_.base_path + call.target, 11};
    req.set(bhttp::field::host, endpoint_.host_header());
    req.set(bhttp::field::user_agent, "ropectl");
    req.set(bhttp::field::accept, "application/json");
    if (!endpoint_.token.empty()) req.set(bhttp::field::authorization, "Bearer " + endpoint_.token);
    if (!call.body.empty()) req.set(bhttp::field::content_type, "application/json");
    req.body() = call.body;
    req.prepare_payload();

    beast::error_code ec;
    bhttp::async_write(stream_, req, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) return fail(ec, "sending to");

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_response_bytes);
    bhttp::async_read(stream_, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) return fail(ec, "reading from");
    auto res = parser.release();
    if (!res.keep_alive()) close();
    return http_reply{res.result_int(), std::move(res.body())};
  }

  status connect(clock_type::time_point deadline) {
    buffer_.clear();
    asio::ip::tcp::resolver resolver(ioc_);
    asio::steady_timer timer(ioc_, deadline);
    // The resolver has no deadline of its own; the timer cancels it.
    timer.async_wait([&](beast::error_code e) {
      if (!e) resolver.cancel();
    });
    beast::error_code ec;
    asio::ip::tcp::resolver::results_type endpoints;
    resolver.async_resolve(endpoint_.host, endpoint_.port, [&](beast::error_code e, auto results) {
      ec = e;
      endpoints = std::move(results);
      timer.cancel();
    });
    run();
    if (ec == asio::error::operation_aborted) ec = beast::error::timeout;
    if (ec) return fail(ec, "resolving").error();

    stream_.expires_at(deadline);
    stream_.async_connect(endpoints, [&](beast::error_code e, const auto&) { ec = e; });
    run();
    if (ec) {
      close();
      return fail(ec, "connecting to").error();
    }
    return {};
  }

  result<http_reply> fail(beast::error_code ec, std::string_view doing) {
    close();
    std::string where = std::string(doing) + " router at " + endpoint_.display();
    if (ec == beast::error::timeout)
      return make_error(errc::timeout,
                        "timed out after " + std::to_string(timeout_.count()) + " ms " + where);
    return make_error(errc::unavailable, where + ": " + ec.message());
  }

  void close() {
    beast::error_code ignored;  // closing a broken socket may fail; nothing to do about it
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    buffer_.clear();
  }

  void run() {
    ioc_.restart();
    ioc_.run();
  }

  router_endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

http_client::http_client(router_endpoint endpoint, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>(std::move(endpoint), timeout)) {}

http_client::~http_client() = default;

result<http_reply> http_client::send(const api_call& call) { return impl_->send(call); }

}  // namespace ropekv::ctl
