// HTTP/1.1 keep-alive client: requests are written from a prebuilt string,
// responses read with Beast's parser. A closed connection (Connection: close
// or EOF between requests) is reopened; failures count as errors.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "connection.hpp"

namespace ropekv::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

struct compiled_op {
  const op_spec* spec;
  request_template path;
  request_template body;
  compiled_op(const op_spec& s) : spec(&s), path(s.path), body(s.body) {}

  void render(std::string& out, std::string_view key, const std::string& host_header) const {
    std::string b = body.expand(key);
    out.clear();
    out += spec->method;
    out += ' ';
    out += path.expand(key);
    out += " HTTP/1.1\r\nHost: ";
    out += host_header;
    out += "\r\n";
    if (!b.empty() || spec->method == "POST" || spec->method == "PUT") {
      out += "Content-Type: application/json\r\nContent-Length: ";
      out += std::to_string(b.size());
      out += "\r\n";
    }
    out += "\r\n";
    out += b;
  }
};

}  // namespace

asio::awaitable<void> run_http_connection(const run_spec& spec, run_control& ctl, run_stats& stats,
                                          uint64_t seed) {
  auto ex = co_await asio::this_coro::executor;
  const tcp::endpoint ep(asio::ip::make_address(spec.host), spec.port);
  const std::string host_header = spec.host + ":" + std::to_string(spec.port);
  compiled_op read(spec.read), write(spec.write);
  key_picker keys(*spec.keys, spec.sequential, seed);
  op_chooser chooser(spec.write_percent, seed ^ 0x9e3779b97f4a7c15ULL);
  std::string request;
  request.reserve(8192);

  tcp::socket sock(ex);
  boost::beast::flat_buffer buf;
  bool open = false;
  int consecutive_failures = 0;
  while (ctl.claim()) {
    if (!open) {
      try {
        sock = tcp::socket(ex);
        buf.consume(buf.size());
        co_await sock.async_connect(ep, asio::use_awaitable);
        sock.set_option(tcp::no_delay(true));
        open = true;
      } catch (const std::exception& e) {
        stats.error(std::string("connect: ") + e.what());
        if (++consecutive_failures > 3) co_return;
        continue;
      }
    }
    bool is_write = chooser.next_is_write();
    const compiled_op& op = is_write ? write : read;
    std::string key = next_key(spec, ctl, keys);
    op.render(request, key, host_header);
    auto t0 = run_control::clock::now();
    try {
      co_await asio::async_write(sock, asio::buffer(request), asio::use_awaitable);
      http::response_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      co_await http::async_read(sock, buf, parser, asio::use_awaitable);
      auto t1 = run_control::clock::now();
      const auto& res = parser.get();
      if (auto why = check_http(*op.spec, static_cast<int>(res.result_int()), res.body())) {
        stats.error(std::string(is_write ? "write " : "read ") + key + ": " + *why);
      } else {
        consecutive_failures = 0;
      }
      if (t1 >= ctl.warm_end) {
        ++stats.requests;
        stats.latency.record(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
      }
      if (!res.keep_alive()) {
        boost::system::error_code ignored;
        sock.close(ignored);
        open = false;
        ++stats.reconnects;
      }
    } catch (const std::exception& e) {
      stats.error(std::string("io: ") + e.what());
      boost::system::error_code ignored;
      sock.close(ignored);
      open = false;
      if (++consecutive_failures > 3) co_return;
    }
  }
  boost::system::error_code ignored;
  sock.close(ignored);
}

}  // namespace ropekv::bench
