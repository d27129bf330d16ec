#include "ws_session.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include "ropekv/notify/server_frames.hpp"

namespace ropekv::notify::detail {
namespace {

using tcp = asio::ip::tcp;

constexpr size_t max_http_body_bytes = 16 << 10;
constexpr size_t max_close_reason_bytes = 123;  // RFC 6455: 125-byte control payload
constexpr size_t read_buffer_keep_bytes = 16 << 10;

std::string error_body(std::string_view code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("code");
  w.String(code.data(), static_cast<rapidjson::SizeType>(code.size()));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

/// A request target echoed in an error: printable ASCII only, bounded, so
/// the JSON body stays valid whatever bytes the client sent.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, 256));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

/// The longest prefix of `s` within `max` bytes that does not split a UTF-8
/// character (peers fail the connection on an invalid close reason).
std::string_view utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return s.substr(0, max);
}

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

template <class Callback, class... Args>
void call_back(const char* name, connection_id id, const Callback& cb, Args&&... args) {
  if (!cb) return;
  try {
    cb(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    // A throwing callback must not take the I/O thread (or the session) down.
    spdlog::error("event=callback_failed callback={} conn={} error=\"{}\"", name, id.value, e.what());
  }
}

}  // namespace

std::shared_ptr<ws_session> server_core::find(connection_id id) const {
  std::lock_guard lock(mutex);
  auto it = sessions.find(id);
  return it == sessions.end() ? nullptr : it->second;
}

bool server_core::take_slot() {
  std::lock_guard lock(mutex);
  if (stopping || websockets >= options.max_connections) return false;
  ++websockets;
  return true;
}

void server_core::unregister(connection_id id, bool held_slot) {
  std::shared_ptr<ws_session> last;  // destroyed outside the lock
  {
    std::lock_guard lock(mutex);
    if (held_slot) --websockets;
    auto it = sessions.find(id);
    if (it != sessions.end()) {
      last = std::move(it->second);
      sessions.erase(it);
    }
  }
  changed.notify_all();
}

ws_session::ws_session(server_core& core, connection_id id, tcp::socket socket,
                       std::shared_ptr<asio::ssl::context> tls)
    : core_(core),
      id_(id),
      strand_(socket.get_executor()),
      http_(std::move(socket)),
      tls_ctx_(std::move(tls)),
      queue_(core.options.queue_limit_bytes) {
  beast::error_code ec;
  auto peer = http_.socket().remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  // Notifications are small and latency is the point: no Nagle delay.
  http_.socket().set_option(tcp::no_delay(true), ec);
  if (tls_ctx_) tls_.emplace(std::move(http_), *tls_ctx_);
}

void ws_session::start() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->tls_) return self->read_request();
    // The handshake shares the request's deadline (a stalled client is cut).
    self->tcp().expires_after(self->core_.options.http_timeout);
    self->tls_->async_handshake(asio::ssl::stream_base::server, self->buffer_.data(),
                                beast::bind_front_handler(&ws_session::on_tls_handshake, self));
  });
}

void ws_session::on_tls_handshake(beast::error_code ec, size_t used) {
  if (ec) {
    // Plain HTTP or ws:// to the wss:// port, an untrusting client, TLS < 1.2.
    spdlog::debug("event=tls_handshake_failed conn={} remote={} error=\"{}\"", id_.value, remote_, ec.message());
    return finish("tls_handshake_failed");
  }
  buffer_.consume(used);
  read_request();
}

// ---- any thread ------------------------------------------------------------

bool ws_session::send(std::string text) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return false;
    const bool was_empty = queue_.empty();
    if (!queue_.push(std::move(text))) return false;
    if (!was_empty) return true;  // the write chain will reach it (see the header)
  }
  kick();
  return true;
}

bool ws_session::send_final(std::string text, ws_close how) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return false;
    queue_.push_unbudgeted(std::move(text));
    close_request_ = std::move(how);
    accepting_ = false;
  }
  kick();
  return true;
}

void ws_session::close(ws_close how) {
  {
    std::lock_guard lock(mutex_);
    if (!accepting_) return;
    close_request_ = std::move(how);
    discard_queue_ = true;
    accepting_ = false;
  }
  kick();
}

size_t ws_session::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return queue_.bytes();
}

void ws_session::begin_shutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopping_ = true;
    switch (self->phase_) {
      case phase::http:
      case phase::handshake:
        return self->finish("server_stopping");
      case phase::open: {
        {
          std::lock_guard lock(self->mutex_);
          if (!self->close_request_) {  // a send_final in progress keeps its frame and code
            self->close_request_ = ws_close{ws_close::going_away, "server stopping"};
            self->discard_queue_ = true;
          }
          self->accepting_ = false;
        }
        return self->maybe_write();
      }
      case phase::closing:
      case phase::finished:
        return;
    }
  });
}

void ws_session::abort_now() { finish("server_stopped"); }

void ws_session::kick() {
  asio::post(strand_, [self = shared_from_this()] { self->maybe_write(); });
}

// ---- HTTP (strand) ---------------------------------------------------------

void ws_session::read_request() {
  if (stopping_) return finish("server_stopping");
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(core_.options.max_http_header_bytes));
  parser_->body_limit(max_http_body_bytes);
  // One deadline for the whole request: a client dripping bytes is cut.
  tcp().expires_after(core_.options.http_timeout);
  with_http([&](auto& s) {
    bhttp::async_read(s, buffer_, *parser_, beast::bind_front_handler(&ws_session::on_request, shared_from_this()));
  });
}

void ws_session::on_request(beast::error_code ec, size_t) {
  if (ec) {
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
      return reply_error(431, "too_large", "request header too large");
    if (ec == bhttp::error::body_limit)
      return reply_error(413, "too_large", "request body too large");
    if (is_http_parse_error(ec))
      return reply_error(400, "bad_request", "malformed HTTP request: " + ec.message());
    return finish(ec.message());  // EOF, timeout, reset
  }
  request req = parser_->release();
  parser_.reset();
  route(std::move(req));
}

void ws_session::route(request req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/v1/ws") {
    if (!websocket::is_upgrade(req))
      return reply_error(426, "upgrade_required", "GET /v1/ws needs a WebSocket upgrade");
    if (core_.stopping) return reply_error(503, "unavailable", "server is stopping");
    if (core_.callbacks.on_upgrade) {
      auto auth = req[bhttp::field::authorization];
      auto refused = core_.callbacks.on_upgrade(
          upgrade_request{target, std::string_view(auth.data(), auth.size()), remote_});
      if (refused) return reply(refused->status, std::move(refused->content_type), std::move(refused->body), false);
    }
    if (!core_.take_slot()) {
      spdlog::warn("event=ws_rejected conn={} remote={} why=too_many_connections limit={}",
                   id_.value, remote_, core_.options.max_connections);
      return reply_error(503, "too_many_connections",
                         "more than " + std::to_string(core_.options.max_connections) +
                             " connections; retry later");
    }
    held_slot_ = true;
    return upgrade(std::move(req));
  }
  const bool keep_alive = req.keep_alive();
  if (req.method() == bhttp::verb::get && path == "/healthz")
    return reply(200, "text/plain", "ok", keep_alive);
  const std::string_view method(req.method_string().data(), req.method_string().size());
  if (core_.callbacks.on_http) {
    std::optional<http_reply> answer;
    try {
      answer = core_.callbacks.on_http(method, target);
    } catch (const std::exception& e) {
      spdlog::error("event=callback_failed callback=on_http conn={} error=\"{}\"", id_.value, e.what());
      return reply_error(500, "internal", "request handler failed");
    }
    if (answer) return reply(answer->status, std::move(answer->content_type), std::move(answer->body), keep_alive);
  }
  reply_error(404, "not_found", "no route for " + printable(method) + " " + printable(path));
}

void ws_session::reply(unsigned status, std::string content_type, std::string body,
                       bool keep_alive) {
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
  res->version(11);
  res->result(status);
  res->set(bhttp::field::server, core_.options.server_name);
  res->set(bhttp::field::content_type, content_type);
  if (status == 426) res->set(bhttp::field::upgrade, "websocket");
  res->body() = std::move(body);
  keep_alive = keep_alive && !stopping_ && !core_.stopping;
  res->keep_alive(keep_alive);
  res->prepare_payload();
  tcp().expires_after(core_.options.http_timeout);  // a client that never reads
  with_http([&](auto& s) {
    bhttp::async_write(s, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      self->on_replied(keep_alive, ec);
    });
  });
}

void ws_session::reply_error(unsigned status, std::string_view code, std::string_view message) {
  reply(status, "application/json", error_body(code, message), false);
}

void ws_session::on_replied(bool keep_alive, beast::error_code ec) {
  if (ec || !keep_alive || stopping_) {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    return finish("http_done");
  }
  read_request();  // pipelined requests are already waiting in buffer_
}

// ---- WebSocket (strand) ----------------------------------------------------

void ws_session::upgrade(request req) {
  phase_ = phase::handshake;
  tcp().expires_never();  // the websocket stream keeps its own timeouts
  // Clients wait for the 101 before sending frames, so nothing useful can be
  // left in buffer_.
  buffer_.consume(buffer_.size());
  if (tls_) {
    wss_.emplace(std::move(*tls_));
    tls_.reset();
  } else {
    ws_.emplace(http_.release_socket());
  }
  with_ws([&](auto& ws) { configure(ws); });
  upgrade_request_ = std::move(req);
  with_ws([&](auto& ws) {
    ws.async_accept(*upgrade_request_, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
  });
}

template <class WebSocket>
void ws_session::configure(WebSocket& ws) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = core_.options.handshake_timeout;
  timeouts.idle_timeout = core_.options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [name = core_.options.server_name](websocket::response_type& res) {
        res.set(bhttp::field::server, name);
      }));
  // Beast's own limit would fail the connection with 1009 before we could
  // say why; on_read enforces max_frame_bytes instead.
  ws.read_message_max(0);
  ws.auto_fragment(false);
  ws.text(true);
}

void ws_session::on_accept(beast::error_code ec) {
  upgrade_request_.reset();
  if (phase_ != phase::handshake) return;  // stopped meanwhile
  if (ec) {
    spdlog::debug("event=ws_handshake_failed conn={} remote={} error=\"{}\"", id_.value, remote_,
                  ec.message());
    return finish("handshake_failed");
  }
  phase_ = phase::open;
  {
    std::lock_guard lock(mutex_);
    accepting_ = true;
  }
  spdlog::debug("event=ws_open conn={} remote={}", id_.value, remote_);
  call_back("on_open", id_, core_.callbacks.on_open, id_, remote_);
  maybe_write();  // frames queued by on_open
  read_message();
}

void ws_session::read_message() {
  // At most one byte past the limit: an oversized message is recognised as
  // soon as that byte arrives, and never buffered whole.
  const size_t limit = core_.options.max_frame_bytes + 1 - buffer_.size();
  with_ws([&](auto& ws) {
    ws.async_read_some(buffer_, limit, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
  });
}

void ws_session::on_read(beast::error_code ec, size_t) {
  if (ec) {
    // While closing, the close handshake's completion finishes the session.
    if (phase_ != phase::open) return;
    return finish(ec == websocket::error::closed ? "peer_closed" : ec.message());
  }
  if (phase_ != phase::open) return;
  if (buffer_.size() > core_.options.max_frame_bytes) return reject_oversized();
  bool done = false;
  with_ws([&](auto& ws) { done = ws.is_message_done(); });
  if (!done) return read_message();
  std::string frame = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > read_buffer_keep_bytes) buffer_.shrink_to_fit();
  call_back("on_text", id_, core_.callbacks.on_text, id_, std::move(frame));
  if (phase_ == phase::open) read_message();
}

void ws_session::reject_oversized() {
  spdlog::warn("event=frame_too_large conn={} remote={} limit={}", id_.value, remote_,
               core_.options.max_frame_bytes);
  buffer_.consume(buffer_.size());
  buffer_.shrink_to_fit();
  {
    std::lock_guard lock(mutex_);
    // Reading stops here either way; a close already requested stands.
    if (!close_request_) {
      queue_.push_unbudgeted(write_error(
          frame_errc::frame_too_large,
          "message exceeds " + std::to_string(core_.options.max_frame_bytes) + " bytes"));
      close_request_ = ws_close{ws_close::policy_error, "frame too large"};
      accepting_ = false;
    }
  }
  maybe_write();
}

void ws_session::maybe_write() {
  if (phase_ != phase::open || writing_) return;
  const std::string* next = nullptr;
  std::optional<ws_close> closing;
  {
    std::lock_guard lock(mutex_);
    if (discard_queue_) {
      queue_.clear();  // nothing is being written: writing_ is false
      discard_queue_ = false;
    }
    if (!queue_.empty())
      next = &queue_.front();  // stays valid: only this strand pops or clears
    else
      closing = close_request_;
  }
  if (next) {
    writing_ = true;
    with_ws([&](auto& ws) {
      ws.async_write(asio::buffer(*next), beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
    });
    return;
  }
  if (closing) start_close(*closing);
}

void ws_session::on_write(beast::error_code ec, size_t) {
  writing_ = false;
  {
    std::lock_guard lock(mutex_);
    if (!queue_.empty()) queue_.pop();
  }
  if (phase_ != phase::open) return;
  if (ec) return finish("write_failed: " + ec.message());
  maybe_write();
}

void ws_session::start_close(const ws_close& how) {
  phase_ = phase::closing;
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
  }
  websocket::close_reason reason(static_cast<websocket::close_code>(how.code));
  const std::string_view text = utf8_prefix(how.reason, max_close_reason_bytes);
  reason.reason.assign(text.data(), text.size());
  spdlog::debug("event=ws_closing conn={} code={} reason=\"{}\"", id_.value, how.code, text);
  with_ws([&](auto& ws) {
    ws.async_close(reason, beast::bind_front_handler(&ws_session::on_closed, shared_from_this()));
  });
}

void ws_session::on_closed(beast::error_code ec) {
  finish(ec ? "close_failed: " + ec.message() : "closed");
}

void ws_session::finish(std::string_view why) {
  if (phase_ == phase::finished) return;
  const bool was_open = phase_ == phase::open || phase_ == phase::closing;
  phase_ = phase::finished;
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
  }
  beast::error_code ignored;
  auto& stream = tcp();
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
  auto self = shared_from_this();  // unregister may drop the registry's reference
  core_.unregister(id_, held_slot_);
  held_slot_ = false;
  if (was_open) {
    spdlog::debug("event=ws_close conn={} remote={} why=\"{}\"", id_.value, remote_, why);
    call_back("on_close", id_, core_.callbacks.on_close, id_);
  }
}

}  // namespace ropekv::notify::detail
