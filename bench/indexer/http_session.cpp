#include "http_session.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ropekv::bench::indexer {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

std::string http_answer::describe() const {
  if (!error.empty()) return "io: " + error;
  return "HTTP " + std::to_string(status) + " " + body.substr(0, 200);
}

http_session::http_session(asio::any_io_executor ex, const std::string& host, uint16_t port)
    : sock_(ex), ep_(asio::ip::make_address(host), port), host_header_(host + ":" + std::to_string(port)) {
  request_.reserve(1024);
}

void http_session::close() {
  boost::system::error_code ignored;
  sock_.close(ignored);
  buf_.consume(buf_.size());
  open_ = false;
}

asio::awaitable<http_answer> http_session::call(std::string_view method, std::string_view target,
                                                std::string_view body) {
  http_answer out;
  boost::system::error_code ec;
  if (!open_) {
    sock_ = tcp::socket(co_await asio::this_coro::executor);
    buf_.consume(buf_.size());
    co_await sock_.async_connect(ep_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      out.error = "connect: " + ec.message();
      close();
      co_return out;
    }
    sock_.set_option(tcp::no_delay(true), ec);
    open_ = true;
  }
  request_.clear();
  request_ += method;
  request_ += ' ';
  request_ += target;
  request_ += " HTTP/1.1\r\nHost: ";
  request_ += host_header_;
  request_ += "\r\n";
  if (!body.empty() || method == "PUT" || method == "POST") {
    request_ += "Content-Type: application/json\r\nContent-Length: ";
    request_ += std::to_string(body.size());
    request_ += "\r\n";
  }
  request_ += "\r\n";
  request_ += body;
  co_await asio::async_write(sock_, asio::buffer(request_), asio::redirect_error(asio::use_awaitable, ec));
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  if (!ec) co_await http::async_read(sock_, buf_, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    out.error = ec.message();
    close();
    co_return out;
  }
  auto& res = parser.get();
  out.status = res.result_int();
  out.body = std::move(res.body());
  if (!res.keep_alive()) close();
  co_return out;
}

}  // namespace ropekv::bench::indexer
