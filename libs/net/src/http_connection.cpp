#include "http_connection.hpp"

#include <algorithm>
#include <exception>
#include <string>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace ropekv::net::detail {
namespace {

using tcp = asio::ip::tcp;

std::string to_std(beast::string_view s) { return std::string(s.data(), s.size()); }

/// Routes a responder's answer to its connection, if both it and the
/// server still exist.
class connection_sink final : public response_sink {
 public:
  connection_sink(std::weak_ptr<connection_base> conn, std::shared_ptr<server_gate> gate)
      : conn_(std::move(conn)), gate_(std::move(gate)) {}

  void deliver(uint64_t seq, http_response response) override {
    std::shared_lock lock(gate_->mutex);
    if (!gate_->open) return;
    // `conn` dies inside the lock: a last reference never outlives the gate.
    if (auto conn = conn_.lock()) conn->deliver(seq, std::move(response));
  }

 private:
  std::weak_ptr<connection_base> conn_;
  std::shared_ptr<server_gate> gate_;
};

// Deadline for draining a connection we are closing after an error.
std::chrono::milliseconds linger_timeout(const http_server_options& o) {
  return std::min(o.idle_timeout, std::chrono::milliseconds(1000));
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

void bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

void server_core::unregister(const connection_base* conn) {
  std::shared_ptr<connection_base> last;  // destroyed outside the lock
  {
    std::lock_guard lock(registry_mutex);
    auto it = registry.find(conn);
    if (it == registry.end()) return;
    last = std::move(it->second);
    registry.erase(it);
  }
  registry_changed.notify_all();
}

template <class Stream>
connection<Stream>::connection(server_core& core, tcp::socket socket, std::shared_ptr<asio::ssl::context> tls)
    : core_(core), tls_(std::move(tls)), stream_([&]() -> Stream {
        if constexpr (is_tls) return Stream(std::move(socket), *tls_);
        else return Stream(std::move(socket));
      }()) {
  beast::error_code ec;
  auto peer = tcp().socket().remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  // A response is one small write that the client waits for: Nagle would
  // hold a second segment (a 100-continue, a body split by the kernel)
  // until the client's delayed ACK, up to 40 ms.
  tcp().socket().set_option(tcp::no_delay(true), ec);
  bump(core_.counters.accepted);
}

template <class Stream>
void connection<Stream>::start() {
  sink_ = std::make_shared<connection_sink>(weak_from_this(), core_.gate);
  asio::post(stream_.get_executor(), [self = self()] {
    if constexpr (is_tls) {
      // The handshake is part of reading the first request's header: a
      // client that opens and stalls is cut at header_timeout.
      self->state_ = state::handshake;
      self->tcp().expires_after(self->core_.options.header_timeout);
      self->stream_.async_handshake(asio::ssl::stream_base::server, self->buffer_.data(),
                                    beast::bind_front_handler(&connection::on_handshake, self));
    } else {
      self->read_header();
    }
  });
}

template <class Stream>
void connection<Stream>::on_handshake(beast::error_code ec, size_t used) {
  if constexpr (is_tls) {
    if (ec) {
      // Plain HTTP to the TLS port ("http request"), a client that does not
      // trust us, a protocol below TLS 1.2: nothing to answer in clear text.
      bump(core_.counters.tls_handshake_failures);
      spdlog::debug("event=tls_handshake_failed remote={} error=\"{}\"", remote_, ec.message());
      return finish();
    }
    buffer_.consume(used);
    read_header();
  }
}

template <class Stream>
void connection<Stream>::reject(http_error err) {
  asio::post(stream_.get_executor(), [self = self(), err = std::move(err)] {
    if constexpr (is_tls) {
      self->finish();
    } else {
      self->fail(err);
    }
  });
}

template <class Stream>
void connection<Stream>::begin_shutdown() {
  asio::post(stream_.get_executor(), [self = self()] {
    self->stopping_ = true;
    // Idle or mid-request: nothing owed to the client. Otherwise the
    // response in progress goes out with "Connection: close".
    if (self->state_ == state::reading || self->state_ == state::handshake) self->finish();
  });
}

template <class Stream>
void connection<Stream>::deliver(uint64_t seq, http_response response) {
  asio::post(stream_.get_executor(), [self = self(), seq, response = std::move(response)]() mutable {
    self->on_response(seq, std::move(response));
  });
}

template <class Stream>
void connection<Stream>::close_now() {
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
  tcp().close();
  state_ = state::finished;
}

template <class Stream>
void connection<Stream>::read_header() {
  if (stopping_) return finish();
  state_ = state::reading;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(core_.options.max_header_bytes));
  parser_->body_limit(static_cast<uint64_t>(core_.options.max_body_bytes));
  if (buffer_.size() > 0) return read_header_block();  // pipelined: already here
  // Keep-alive idle: up to idle_timeout for the next request to begin.
  tcp().expires_after(core_.options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&connection::on_first_bytes, self()));
}

template <class Stream>
void connection<Stream>::on_first_bytes(beast::error_code ec, size_t bytes) {
  if (ec) return on_read_error(ec, &core_.counters.idle_timeouts, "idle");
  buffer_.commit(bytes);
  read_header_block();
}

template <class Stream>
void connection<Stream>::read_header_block() {
  // One deadline for the rest of the header block, from its first byte: a
  // client dripping bytes (slowloris) is cut at header_timeout.
  tcp().expires_after(core_.options.header_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&connection::on_header, self()));
}

template <class Stream>
void connection<Stream>::on_header(beast::error_code ec, size_t) {
  if (ec) return on_read_error(ec, &core_.counters.header_timeouts, "header");
  auto& msg = parser_->get();
  version_ = msg.version();
  if (parser_->is_done()) return dispatch_request();
  // One deadline for the whole body (slow uploads count as slowloris too).
  tcp().expires_after(core_.options.body_timeout);
  if (version_ >= 11 && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
    // Limits were checked on the header already; invite the body.
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(continue_line.data(), continue_line.size()),
                      [self = self()](beast::error_code wec, size_t) {
                        if (wec) return self->finish();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

template <class Stream>
void connection<Stream>::read_body() {
  bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&connection::on_body, self()));
}

template <class Stream>
void connection<Stream>::on_body(beast::error_code ec, size_t) {
  if (ec) return on_read_error(ec, &core_.counters.body_timeouts, "body");
  dispatch_request();
}

template <class Stream>
void connection<Stream>::on_read_error(beast::error_code ec, std::atomic<uint64_t>* timeout_counter,
                                       const char* phase) {
  if (ec == bhttp::error::body_limit)
    return fail(http_error::from(errc::too_large, "request body exceeds " +
                                                      std::to_string(core_.options.max_body_bytes) + " bytes"));
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return fail(http_error{431, std::string(to_string(errc::too_large)),
                           "request header exceeds " + std::to_string(core_.options.max_header_bytes) + " bytes",
                           {}});
  if (ec == beast::error::timeout) {
    bump(*timeout_counter);
    // Idle keep-alive connections time out all the time; a request cut in
    // its header or body is worth a line.
    if (std::string_view(phase) == "idle")
      spdlog::debug("event=http_timeout phase=idle remote={}", remote_);
    else
      spdlog::info("event=http_timeout phase={} remote={}", phase, remote_);
    return finish();
  }
  // end_of_stream / partial_message: the client went away; nothing to answer.
  if (is_http_error(ec) && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
    return fail(http_error::from(errc::invalid_argument, "malformed HTTP request: " + ec.message()));
  finish();  // reset, shutdown, TLS error
}

template <class Stream>
void connection<Stream>::dispatch_request() {
  auto msg = parser_->release();
  parser_.reset();
  http_request req;
  req.method_name = to_std(msg.method_string());
  req.method = parse_http_method(req.method_name);
  req.target = to_std(msg.target());
  req.version = msg.version();
  req.keep_alive = msg.keep_alive();
  req.remote_address = remote_;
  for (const auto& field : msg) req.headers.emplace_back(to_std(field.name_string()), to_std(field.value()));
  req.body = std::move(msg.body());
  client_keep_alive_ = req.keep_alive;
  version_ = req.version;
  state_ = state::awaiting_handler;
  tcp().expires_never();  // the handler's time is not the client's idle time
  ++seq_;
  try {
    core_.handler(std::move(req), responder(sink_, seq_));
  } catch (const std::exception&) {
    // The responder was destroyed during unwinding and answered 500 itself;
    // a throwing handler must not take the I/O thread down.
  }
}

template <class Stream>
void connection<Stream>::on_response(uint64_t seq, http_response response) {
  if (state_ != state::awaiting_handler || seq != seq_) return;
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
  res->version(version_);
  res->result(response.status);
  res->set(bhttp::field::server, core_.options.server_name);
  res->set(bhttp::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) res->insert(name, value);
  res->body() = std::move(response.body);
  const bool keep_alive = client_keep_alive_ && !response.close && !stopping_;
  res->keep_alive(keep_alive);
  res->prepare_payload();
  state_ = state::writing;
  tcp().expires_after(core_.options.idle_timeout);  // a client that never reads
  bhttp::async_write(stream_, *res, [self = self(), res, keep_alive](beast::error_code ec, size_t n) {
    self->on_write(keep_alive, ec, n);
  });
}

template <class Stream>
void connection<Stream>::on_write(bool keep_alive, beast::error_code ec, size_t) {
  if (ec) return finish();
  if (!keep_alive || stopping_) return linger();
  read_header();  // pipelined requests are already waiting in buffer_
}

template <class Stream>
void connection<Stream>::fail(const http_error& err) {
  http_response response = error_response(err);
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
  res->version(version_);
  res->result(response.status);
  res->set(bhttp::field::server, core_.options.server_name);
  res->set(bhttp::field::content_type, response.content_type);
  res->body() = std::move(response.body);
  res->keep_alive(false);
  res->prepare_payload();
  state_ = state::writing;
  tcp().expires_after(std::min(core_.options.idle_timeout, core_.options.header_timeout));
  bhttp::async_write(stream_, *res, [self = self(), res](beast::error_code ec, size_t) {
    if (ec) return self->finish();
    self->linger();
  });
}

template <class Stream>
void connection<Stream>::linger() {
  state_ = state::closing;
  tcp().expires_after(linger_timeout(core_.options));  // one deadline for the whole drain
  if constexpr (is_tls) {
    // close_notify, then wait (bounded) for the client's: the TLS form of
    // "send shut down, drain until EOF".
    stream_.async_shutdown([self = self()](beast::error_code) { self->finish(); });
  } else {
    beast::error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return finish();
    tcp().async_read_some(asio::buffer(drain_), beast::bind_front_handler(&connection::on_linger, self()));
  }
}

template <class Stream>
void connection<Stream>::on_linger(beast::error_code ec, size_t) {
  if (ec) return finish();  // EOF, timeout or reset: done
  tcp().async_read_some(asio::buffer(drain_), beast::bind_front_handler(&connection::on_linger, self()));
}

template <class Stream>
void connection<Stream>::finish() {
  if (state_ == state::finished) return;
  state_ = state::finished;
  auto keep = shared_from_this();  // unregister may drop the registry's reference
  beast::error_code ec;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
  tcp().close();
  core_.unregister(this);
}

template class connection<beast::tcp_stream>;
template class connection<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace ropekv::net::detail
