#include "ropekv/webhook/http_poster.hpp"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace ropekv::webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

struct http_poster::impl {
  poster_options opts;
  // ssl::stream wants a non-const context; SSL_new on a context that is no
  // longer modified is thread-safe, which is all post() does with it.
  mutable asio::ssl::context tls{asio::ssl::context::tls_client};
};

namespace {

// Runs one asynchronous operation to completion on the caller's thread: the
// "synchronous client" shape, but with tcp_stream's timeouts (which only
// apply to asynchronous operations).
template <class Initiate>
beast::error_code run_op(asio::io_context& ioc, Initiate&& initiate) {
  std::optional<beast::error_code> done;
  initiate([&done](beast::error_code ec, auto&&...) { done = ec; });
  ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
  return done.value_or(beast::error_code(asio::error::operation_aborted));
}

std::string_view to_std(beast::string_view v) { return std::string_view(v.data(), v.size()); }

bool ip_literal(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Header values come from our own code, but a CR or LF would let a bad
// event id inject headers: refuse rather than send.
bool header_safe(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

std::string printable_snippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, error_snippet_bytes)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : ' ';
  }
  if (body.size() > error_snippet_bytes) out += "...";
  return out;
}

std::optional<int64_t> parse_retry_after(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  // delta-seconds only; an HTTP-date is ignored (the schedule's delay applies).
  if (v.empty() || v.size() > 10) return std::nullopt;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

struct exchange_args {
  const tcp::resolver::results_type& endpoints;
  clock_type::time_point deadline;
  std::chrono::milliseconds timeout;
  const http::request<http::string_body>& req;
};

std::string failure(std::string_view step, const beast::error_code& ec, std::chrono::milliseconds timeout) {
  if (ec == beast::error::timeout)
    return "timed out after " + std::to_string(timeout.count()) + " ms (" + std::string(step) + ")";
  return std::string(step) + ": " + ec.message();
}

template <class Stream>
post_result exchange(asio::io_context& ioc, Stream& stream, bool tls, const exchange_args& a) {
  post_result out;
  auto& tcp_layer = beast::get_lowest_layer(stream);
  // One deadline for every following asynchronous operation.
  tcp_layer.expires_at(a.deadline);

  auto ec = run_op(ioc, [&](auto handler) { tcp_layer.async_connect(a.endpoints, std::move(handler)); });
  if (ec) {
    out.error = failure("connect", ec, a.timeout);
    return out;
  }
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    if (tls) {
      ec = run_op(ioc, [&](auto handler) { stream.async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
      if (ec) {
        out.error = failure("TLS handshake", ec, a.timeout);
        return out;
      }
    }
  }
  ec = run_op(ioc, [&](auto handler) { http::async_write(stream, a.req, std::move(handler)); });
  if (ec) {
    out.error = failure("send request", ec, a.timeout);
    return out;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);
  ec = run_op(ioc, [&](auto handler) { http::async_read_header(stream, buffer, parser, std::move(handler)); });
  if (ec) {
    out.error = failure("read response", ec, a.timeout);
    return out;
  }
  const auto& res = parser.get();
  out.status = res.result_int();
  if (auto it = res.find(http::field::retry_after); it != res.end()) out.retry_after_s = parse_retry_after(to_std(it->value()));
  if (out.delivered()) return out;

  if (out.status >= 300 && out.status < 400) {
    out.error = "HTTP " + std::to_string(out.status) + ": redirect not followed";
    if (auto it = res.find(http::field::location); it != res.end())
      out.error += " (location: " + printable_snippet(to_std(it->value())) + ")";
    return out;
  }
  // The body is only for the error text: read what arrives before the
  // deadline and ignore how reading ends.
  if (!parser.is_done()) (void)run_op(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  out.error = "HTTP " + std::to_string(out.status);
  std::string_view body = parser.get().body();
  if (!body.empty()) out.error += ": " + printable_snippet(body);
  return out;
}

}  // namespace

result<http_poster> http_poster::create(poster_options opts) {
  auto p = std::make_shared<impl>();
  p->opts = std::move(opts);
  beast::error_code ec;
  p->tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
  if (ec) return make_error(errc::internal, "TLS options: " + ec.message());
  p->tls.set_verify_mode(asio::ssl::verify_peer, ec);
  if (ec) return make_error(errc::internal, "TLS verify mode: " + ec.message());
  if (p->opts.use_system_ca) {
    p->tls.set_default_verify_paths(ec);
    if (ec) return make_error(errc::internal, "TLS system CA paths: " + ec.message());
  }
  if (!p->opts.extra_ca_pem.empty()) {
    p->tls.add_certificate_authority(asio::buffer(p->opts.extra_ca_pem), ec);
    if (ec) return make_error(errc::invalid_argument, "extra CA certificate: " + ec.message());
  }
  return http_poster(std::move(p));
}

const poster_options& http_poster::options() const noexcept { return impl_->opts; }

post_result http_poster::post(const hook_url& url, const webhook_message& msg, std::span<const secret> keys) const {
  post_result out;
  const auto& opts = impl_->opts;
  if (keys.empty()) {
    out.error = "no signing secret";
    return out;
  }
  if (!header_safe(msg.id) || msg.id.empty()) {
    out.error = "webhook id is empty or has control characters";
    return out;
  }
  const auto deadline = clock_type::now() + opts.timeout;

  const std::string timestamp = std::to_string(msg.timestamp_s);
  std::string signatures;
  for (const auto& key : keys) {
    if (!signatures.empty()) signatures += ' ';
    signatures += sign(msg.id, msg.timestamp_s, msg.body, key);
  }
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host_header());
  req.set(http::field::user_agent, opts.user_agent);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::connection, "close");
  req.set("webhook-id", std::string(msg.id));
  req.set("webhook-timestamp", timestamp);
  req.set("webhook-signature", signatures);
  req.body().assign(msg.body.data(), msg.body.size());
  req.prepare_payload();

  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) {
    out.error = "resolve " + url.host + ": " + ec.message();
    return out;
  }
  if (clock_type::now() >= deadline) {
    out.error = "timed out after " + std::to_string(opts.timeout.count()) + " ms (resolve)";
    return out;
  }
  exchange_args args{endpoints, deadline, opts.timeout, req};

  if (!url.https()) {
    beast::tcp_stream stream(ioc);
    return exchange(ioc, stream, false, args);
  }
  beast::ssl_stream<beast::tcp_stream> stream(ioc, impl_->tls);
  SSL* ssl = stream.native_handle();
  if (ip_literal(url.host)) {
    // No SNI for addresses (RFC 6066); verify the certificate's IP SAN.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str()) != 1) {
      out.error = "TLS: cannot set the expected IP address";
      return out;
    }
  } else {
    if (SSL_set_tlsext_host_name(ssl, url.host.c_str()) != 1 || SSL_set1_host(ssl, url.host.c_str()) != 1) {
      out.error = "TLS: cannot set the server name";
      return out;
    }
  }
  return exchange(ioc, stream, true, args);
}

}  // namespace ropekv::webhook
