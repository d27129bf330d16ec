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

namespace ropekv::net::detail {
namespace {

using tcp = asio::ip::tcp;

std::string to_std(beast::string_view s) { return std::string(s.data(), s.size()); }

/// Routes a responder's answer to its connection, if both it and the
/// server still exist.
class connection_sink final : public response_sink {
 public:
  connection_sink(std::weak_ptr<connection> conn, std::shared_ptr<server_gate> gate)
      : conn_(std::move(conn)), gate_(std::move(gate)) {}

  void deliver(uint64_t seq, http_response response) override {
    std::shared_lock lock(gate_->mutex);
    if (!gate_->open) return;
    // `conn` dies inside the lock: a last reference never outlives the gate.
    if (auto conn = conn_.lock()) conn->deliver(seq, std::move(response));
  }

 private:
  std::weak_ptr<connection> conn_;
  std::shared_ptr<server_gate> gate_;
};

// Deadline for draining a connection we are closing after an error.
std::chrono::milliseconds linger_timeout(const http_server_options& o) {
  return std::min(o.idle_timeout, std::chrono::milliseconds(1000));
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

void server_core::unregister(const connection* conn) {
  std::shared_ptr<connection> last;  // destroyed outside the lock
  {
    std::lock_guard lock(registry_mutex);
    auto it = registry.find(conn);
    if (it == registry.end()) return;
    last = std::move(it->second);
    registry.erase(it);
  }
  registry_changed.notify_all();
}

connection::connection(server_core& core, tcp::socket socket)
    : core_(core), stream_(std::move(socket)) {
  beast::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  // A response is one small write that the client waits for: Nagle would
  // hold a second segment (a 100-continue, a body split by the kernel)
  // until the client's delayed ACK, up to 40 ms.
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

void connection::start() {
  sink_ = std::make_shared<connection_sink>(weak_from_this(), core_.gate);
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void connection::reject(http_error err) {
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), err = std::move(err)] { self->fail(err); });
}

void connection::begin_shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // Idle or mid-request: nothing owed to the client. Otherwise the
    // response in progress goes out with "Connection: close".
    if (self->state_ == state::reading) self->finish();
  });
}

void connection::deliver(uint64_t seq, http_response response) {
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), seq, response = std::move(response)]() mutable {
               self->on_response(seq, std::move(response));
             });
}

void connection::close_now() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  state_ = state::finished;
}

void connection::read_header() {
  if (stopping_) return finish();
  state_ = state::reading;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(core_.options.max_header_bytes));
  parser_->body_limit(static_cast<uint64_t>(core_.options.max_body_bytes));
  // One deadline for the whole header block: a client dripping bytes
  // (slowloris) or idling on keep-alive is cut at idle_timeout.
  stream_.expires_after(core_.options.idle_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&connection::on_header, shared_from_this()));
}

void connection::on_header(beast::error_code ec, size_t) {
  if (ec) return on_read_error(ec);
  auto& msg = parser_->get();
  version_ = msg.version();
  if (parser_->is_done()) return dispatch_request();
  stream_.expires_after(core_.options.idle_timeout);
  if (version_ >= 11 && beast::iequals(msg[bhttp::field::expect], "100-continue")) {
    // Limits were checked on the header already; invite the body.
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(continue_line.data(), continue_line.size()),
                      [self = shared_from_this()](beast::error_code wec, size_t) {
                        if (wec) return self->finish();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void connection::read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&connection::on_body, shared_from_this()));
}

void connection::on_body(beast::error_code ec, size_t) {
  if (ec) return on_read_error(ec);
  dispatch_request();
}

void connection::on_read_error(beast::error_code ec) {
  if (ec == bhttp::error::body_limit)
    return fail(http_error::from(errc::too_large, "request body exceeds " +
                                                      std::to_string(core_.options.max_body_bytes) +
                                                      " bytes"));
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return fail(http_error{431, std::string(to_string(errc::too_large)),
                           "request header exceeds " +
                               std::to_string(core_.options.max_header_bytes) + " bytes",
                           {}});
  // end_of_stream / partial_message: the client went away; nothing to answer.
  if (is_http_error(ec) && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message)
    return fail(http_error::from(errc::invalid_argument, "malformed HTTP request: " + ec.message()));
  finish();  // timeout, reset, shutdown
}

void connection::dispatch_request() {
  auto msg = parser_->release();
  parser_.reset();
  http_request req;
  req.method_name = to_std(msg.method_string());
  req.method = parse_http_method(req.method_name);
  req.target = to_std(msg.target());
  req.version = msg.version();
  req.keep_alive = msg.keep_alive();
  req.remote_address = remote_;
  for (const auto& field : msg)
    req.headers.emplace_back(to_std(field.name_string()), to_std(field.value()));
  req.body = std::move(msg.body());
  client_keep_alive_ = req.keep_alive;
  version_ = req.version;
  state_ = state::awaiting_handler;
  stream_.expires_never();  // the handler's time is not the client's idle time
  ++seq_;
  try {
    core_.handler(std::move(req), responder(sink_, seq_));
  } catch (const std::exception&) {
    // The responder was destroyed during unwinding and answered 500 itself;
    // a throwing handler must not take the I/O thread down.
  }
}

void connection::on_response(uint64_t seq, http_response response) {
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
  stream_.expires_after(core_.options.idle_timeout);  // a client that never reads
  bhttp::async_write(stream_, *res,
                     [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t n) {
                       self->on_write(keep_alive, ec, n);
                     });
}

void connection::on_write(bool keep_alive, beast::error_code ec, size_t) {
  if (ec) return finish();
  if (!keep_alive || stopping_) return linger();
  read_header();  // pipelined requests are already waiting in buffer_
}

void connection::fail(const http_error& err) {
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
  stream_.expires_after(core_.options.idle_timeout);
  bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
    if (ec) return self->finish();
    self->linger();
  });
}

void connection::linger() {
  state_ = state::closing;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return finish();
  stream_.expires_after(linger_timeout(core_.options));  // one deadline for the whole drain
  stream_.async_read_some(asio::buffer(drain_),
                          beast::bind_front_handler(&connection::on_linger, shared_from_this()));
}

void connection::on_linger(beast::error_code ec, size_t) {
  if (ec) return finish();  // EOF, timeout or reset: done
  stream_.async_read_some(asio::buffer(drain_),
                          beast::bind_front_handler(&connection::on_linger, shared_from_this()));
}

void connection::finish() {
  if (state_ == state::finished) return;
  state_ = state::finished;
  auto self = shared_from_this();  // unregister may drop the registry's reference
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.close();
  core_.unregister(this);
}

}  // namespace ropekv::net::detail
