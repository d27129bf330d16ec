#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cctype>
#include <limits>
#include <optional>

namespace ropekv::blob {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr uint64_t no_body_limit = std::numeric_limits<uint64_t>::max();

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

struct http_client::impl {
  http_endpoint ep;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::optional<ssl::context> tls_ctx;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  impl(http_endpoint e, std::chrono::milliseconds t, const std::string& ca_file) : ep(std::move(e)), timeout(t) {
    if (ep.tls) {
      tls_ctx.emplace(ssl::context::tls_client);
      error_code ec;
      if (ca_file.empty()) {
        tls_ctx->set_default_verify_paths(ec);
      } else {
        tls_ctx->load_verify_file(ca_file, ec);
      }
      if (ec) setup_error = "TLS trust store " + (ca_file.empty() ? std::string("(system)") : ca_file) + ": " + ec.message();
      tls_ctx->set_verify_mode(ssl::verify_peer);
    }
  }

  std::string setup_error;  // a CA file that did not load: every send fails with it

  bool connected() const { return plain.has_value() || tls.has_value(); }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void close() {
    error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
    plain.reset();
    tls.reset();
    buffer.clear();
  }

  // Runs one asynchronous operation to completion on the private context;
  // the stream's expiry turns a stalled operation into beast::error::timeout.
  template <class Start>
  error_code run(Start&& start) {
    error_code result = net::error::would_block;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  template <class F>
  error_code with_stream(F&& f) {
    if (tls) return f(*tls);
    return f(*plain);
  }

  error transport_error(error_code ec, const std::string& what) {
    errc code = ec == beast::error::timeout ? errc::timeout : errc::unavailable;
    return make_error(code, what + " " + ep.host_header() + ": " + ec.message());
  }

  status connect() {
    close();
    tcp::resolver resolver(ioc);
    error_code ec;
    auto endpoints = resolver.resolve(ep.host, ep.port, ec);
    if (ec) return transport_error(ec, "resolve");
    if (ep.tls) {
      tls.emplace(ioc, *tls_ctx);
      if (!SSL_set_tlsext_host_name(tls->native_handle(), ep.host.c_str())) {
        close();
        return make_error(errc::unavailable, "TLS SNI for " + ep.host + " refused");
      }
      tls->set_verify_callback(ssl::host_name_verification(ep.host));
    } else {
      plain.emplace(ioc);
    }
    lowest().expires_after(timeout);
    ec = run([&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (ec) {
      close();
      return transport_error(ec, "connect");
    }
    if (tls) {
      lowest().expires_after(timeout);
      ec = run([&](auto handler) { tls->async_handshake(ssl::stream_base::client, handler); });
      if (ec) {
        close();
        return transport_error(ec, "TLS handshake with");
      }
    }
    return {};
  }

  template <class Body>
  error_code write(http::request<Body>& req) {
    http::request_serializer<Body> sr(req);
    while (!sr.is_done()) {
      lowest().expires_after(timeout);
      error_code ec = with_stream([&](auto& s) { return run([&](auto h) { http::async_write_some(s, sr, h); }); });
      if (ec) return ec;
    }
    return {};
  }

  template <class Parser>
  error_code read_rest(Parser& p) {
    while (!p.is_done()) {
      lowest().expires_after(timeout);
      error_code ec = with_stream([&](auto& s) { return run([&](auto h) { http::async_read_some(s, buffer, p, h); }); });
      if (ec) return ec;
    }
    return {};
  }

  // got_response: whether any part of the response arrived (then a failure
  // is not a stale keep-alive connection and is not silently repeated).
  result<http_response> exchange(const http_request& req, const std::string& download_path, bool& got_response) {
    got_response = false;
    auto verb = http::string_to_verb(req.method);
    error_code ec;
    auto fill = [&](auto& r) {
      r.method(verb);
      r.target(req.target);
      r.version(11);
      r.set(http::field::host, ep.host_header());
      for (const auto& [n, v] : req.headers) r.set(n, v);
    };
    if (!req.body_file.empty()) {
      http::request<http::file_body> r;
      fill(r);
      r.body().open(req.body_file.c_str(), beast::file_mode::scan, ec);
      if (ec) return make_error(errc::io_error, "open " + req.body_file + ": " + ec.message());
      r.prepare_payload();
      ec = write(r);
    } else {
      http::request<http::string_body> r;
      fill(r);
      r.body() = req.body;
      if (verb != http::verb::get && verb != http::verb::head) r.prepare_payload();
      ec = write(r);
    }
    if (ec) return transport_error(ec, "send to");

    http::response_parser<http::empty_body> head;
    head.body_limit(no_body_limit);
    if (verb == http::verb::head) head.skip(true);
    lowest().expires_after(timeout);
    ec = with_stream([&](auto& s) { return run([&](auto h) { http::async_read_header(s, buffer, head, h); }); });
    if (ec) return transport_error(ec, "read from");
    got_response = true;

    http_response out;
    out.status = head.get().result_int();
    for (const auto& f : head.get()) out.headers[lower(std::string_view(f.name_string().data(), f.name_string().size()))] = std::string(f.value());
    bool keep_alive = head.get().keep_alive();
    if (!head.is_done()) {
      if (!download_path.empty() && out.status / 100 == 2) {
        http::response_parser<http::file_body> body(std::move(head));
        body.body_limit(no_body_limit);
        body.get().body().open(download_path.c_str(), beast::file_mode::write, ec);
        if (ec) {
          close();
          return make_error(errc::io_error, "create " + download_path + ": " + ec.message());
        }
        ec = read_rest(body);
        body.get().body().close();
      } else {
        http::response_parser<http::string_body> body(std::move(head));
        body.body_limit(no_body_limit);
        ec = read_rest(body);
        out.body = std::move(body.get().body());
      }
      if (ec) return transport_error(ec, "read body from");
    }
    if (!keep_alive) close();
    return out;
  }
};

http_client::http_client(http_endpoint endpoint, std::chrono::milliseconds timeout, const std::string& ca_file)
    : impl_(std::make_unique<impl>(std::move(endpoint), timeout, ca_file)) {}

http_client::~http_client() { impl_->close(); }

void http_client::close() { impl_->close(); }

result<http_response> http_client::send(const http_request& req, const std::string& download_path) {
  if (!impl_->setup_error.empty()) return make_error(errc::invalid_argument, impl_->setup_error);
  bool reused = impl_->connected();
  if (!reused) {
    if (auto s = impl_->connect(); !s) return std::move(s).error();
  }
  bool got_response = false;
  auto res = impl_->exchange(req, download_path, got_response);
  if (!res && res.error().code != errc::io_error) {
    impl_->close();
    // An idle keep-alive connection the server dropped fails before any
    // response byte: that is not the server being down, so one fresh try.
    if (reused && !got_response && res.error().code == errc::unavailable) {
      if (auto s = impl_->connect(); !s) return std::move(s).error();
      res = impl_->exchange(req, download_path, got_response);
      if (!res) impl_->close();
    }
  }
  return res;
}

}  // namespace ropekv::blob
