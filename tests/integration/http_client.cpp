#include "http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace ropekv::integration {

namespace beast = boost::beast;
namespace bhttp = beast::http;

rapidjson::Document http_reply::json() const {
  rapidjson::Document d;
  d.Parse(body.c_str(), body.size());
  if (d.HasParseError()) d.SetNull();
  return d;
}

std::string http_reply::error_code() const {
  auto d = json();
  if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject() || !d["error"].HasMember("code") ||
      !d["error"]["code"].IsString())
    return "";
  return d["error"]["code"].GetString();
}

struct http_client::impl {
  explicit impl(uint16_t p) : port(p) {}
  uint16_t port;
  std::string host = "127.0.0.1";
  boost::asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
  bool idle_closed = false;  // the last attempt failed before any answer on a reused connection
  int connections = 0;

  void close() {
    beast::error_code ec;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    stream.socket().close(ec);
    connected = false;
    buffer.clear();
  }
};

http_client::http_client(uint16_t port, std::chrono::milliseconds deadline)
    : impl_(std::make_unique<impl>(port)), deadline_(deadline) {}

http_client::http_client(const std::string& host, uint16_t port, std::chrono::milliseconds deadline)
    : http_client(port, deadline) {
  impl_->host = host;
}

http_client::~http_client() { impl_->close(); }

int http_client::connections() const noexcept { return impl_->connections; }

http_reply http_client::request(std::string_view method, const std::string& target, const std::string& body) {
  auto& s = *impl_;
  bool reused = s.connected;
  auto reply = attempt(method, target, body);
  // A kept-alive connection the server closed while idle (its idle_timeout)
  // fails before any answer: the server never saw the request, so sending
  // it again on a fresh connection is safe.
  if (reply.status == 0 && reused && impl_->idle_closed) reply = attempt(method, target, body);
  return reply;
}

// Asynchronous operations, run to completion on this thread's io_context:
// tcp_stream's expiry (which closes the socket and fails the operation
// with beast::error::timeout) applies only to asynchronous operations.
http_reply http_client::attempt(std::string_view method, const std::string& target, const std::string& body) {
  auto& s = *impl_;
  s.idle_closed = false;
  beast::error_code ec;
  if (!s.connected) {
    s.stream.expires_after(deadline_);
    s.ioc.restart();
    s.stream.async_connect({boost::asio::ip::make_address(s.host), s.port},
                           [&ec](beast::error_code e) { ec = e; });
    s.ioc.run();
    if (ec) {
      s.close();
      return {};
    }
    s.connected = true;
    ++s.connections;
  }
  bhttp::request<bhttp::string_body> req;
  req.version(11);
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(target);
  req.set(bhttp::field::host, s.host);
  req.keep_alive(true);
  if (!token_.empty()) req.set(bhttp::field::authorization, "Bearer " + token_);
  if (!body.empty() || method == "PUT" || method == "POST") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64u << 20);
  // One deadline for writing the request and reading the whole answer.
  s.stream.expires_after(deadline_);
  s.ioc.restart();
  bhttp::async_write(s.stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (!e) bhttp::async_read(s.stream, s.buffer, parser, [&ec](beast::error_code e2, size_t) { ec = e2; });
  });
  s.ioc.run();
  s.stream.expires_never();
  if (ec) {
    s.idle_closed = !parser.got_some() && (ec == bhttp::error::end_of_stream ||
                                            ec == boost::asio::error::connection_reset ||
                                            ec == boost::asio::error::eof || ec == boost::asio::error::broken_pipe);
    s.close();
    return {};
  }
  auto res = parser.release();
  http_reply out{res.result_int(), std::move(res.body()), std::string(res[bhttp::field::content_type]),
                 std::string(res[bhttp::field::retry_after])};
  if (!res.keep_alive()) s.close();
  return out;
}

std::string url_escape(std::string_view bytes) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '.' || c == '~' || c == '-';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace ropekv::integration
