// The writer side: HTTP/1.1 keep-alive PUTs, the request written from one
// string, the answer read with Beast's parser.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "connections.hpp"

namespace ropekv::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

void render_put(std::string& out, const ws_bench_spec& spec, const std::string& host_header, uint64_t seq,
                int64_t t_ns) {
  std::string body = "{\"t_ns\":" + std::to_string(t_ns) + ",\"seq\":" + std::to_string(seq) + ",\"pad\":\"";
  // Fill up to value_bytes with the padding string (2 bytes for `"}`).
  if (body.size() + 2 < spec.value_bytes) body.append(spec.value_bytes - body.size() - 2, 'x');
  body += "\"}";
  out.clear();
  out += "PUT /v1/tables/";
  out += spec.table;
  out += "/items/";
  out += spec.key_prefix;
  out += std::to_string(seq);
  out += " HTTP/1.1\r\nHost: ";
  out += host_header;
  out += "\r\nContent-Type: application/json\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\n\r\n";
  out += body;
}

}  // namespace

asio::awaitable<void> run_writer_connection(const ws_bench_spec& spec, writer_control& ctl, writer_stats& stats) {
  auto ex = co_await asio::this_coro::executor;
  const tcp::endpoint ep(asio::ip::make_address(spec.host), spec.http_port);
  const std::string host_header = spec.host + ":" + std::to_string(spec.http_port);
  tcp::socket sock(ex);
  boost::beast::flat_buffer buf;
  std::string request;
  request.reserve(spec.value_bytes + 256);
  bool open = false;
  int consecutive_failures = 0;
  boost::system::error_code ec;
  while (realtime_ns() < ctl.deadline_ns) {
    if (!open) {
      sock = tcp::socket(ex);
      buf.consume(buf.size());
      co_await sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        stats.error("connect: " + ec.message());
        if (++consecutive_failures > 3) co_return;
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      open = true;
    }
    const uint64_t seq = ctl.next_seq.fetch_add(1, std::memory_order_relaxed);
    const int64_t t0 = realtime_ns();
    render_put(request, spec, host_header, seq, t0);
    co_await asio::async_write(sock, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
    http::response_parser<http::string_body> parser;
    if (!ec) co_await http::async_read(sock, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      stats.error("write " + std::to_string(seq) + ": " + ec.message());
      sock.close(ec);
      open = false;
      if (++consecutive_failures > 3) co_return;
      continue;
    }
    const int64_t t1 = realtime_ns();
    const auto& res = parser.get();
    const unsigned status = res.result_int();
    if (status < 200 || status >= 300) {
      stats.error("write " + std::to_string(seq) + ": HTTP " + std::to_string(status) + " " +
                  res.body().substr(0, 200));
    } else {
      consecutive_failures = 0;
      stats.acked.push_back(seq);
      ctl.record_ack(seq, t1);
      if (t1 >= ctl.warm_end_ns && t1 <= ctl.deadline_ns) {  // completions in the window
        ++stats.timed;
        stats.latency.record(static_cast<uint64_t>(t1 - t0));
      }
    }
    if (!res.keep_alive()) {
      sock.close(ec);
      open = false;
    }
  }
  sock.close(ec);
}

}  // namespace ropekv::bench
