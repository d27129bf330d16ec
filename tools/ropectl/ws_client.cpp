#include "ws_client.hpp"

#include <csignal>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

namespace ropekv::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

/// Frames carry one item (at most 400 KiB) plus keys and metadata.
constexpr uint64_t max_frame_bytes = uint64_t{16} << 20;
/// How long close() waits for the notifier to answer the close frame.
constexpr auto close_wait = std::chrono::seconds(1);

class ws_client::impl {
 public:
  impl(router_endpoint endpoint, std::chrono::milliseconds connect_timeout, bool catch_signals,
       std::chrono::seconds keepalive)
      : endpoint_(std::move(endpoint)), connect_timeout_(connect_timeout), keepalive_(keepalive) {
    if (catch_signals) {
      signals_.add(SIGINT);
      signals_.add(SIGTERM);
      signals_.async_wait([this](beast::error_code ec, int) {
        if (!ec) interrupted_ = true;
      });
    }
  }

  ~impl() {
    // Pending handlers reference this object; they must run (aborted)
    // before it goes.
    force_close();
    beast::error_code ignored;
    signals_.cancel(ignored);
    ioc_.restart();
    ioc_.poll();
  }

  bool interrupted() const { return interrupted_; }

  result<std::optional<http_reply>> connect() {
    auto deadline = watch_clock::now() + connect_timeout_;

    asio::ip::tcp::resolver resolver(ioc_);
    bool resolved = false;
    beast::error_code ec;
    asio::ip::tcp::resolver::results_type endpoints;
    resolver.async_resolve(endpoint_.host, endpoint_.port, [&](beast::error_code e, auto results) {
      ec = e;
      endpoints = std::move(results);
      resolved = true;
    });
    if (!run_until(resolved, deadline, true)) {
      resolver.cancel();  // the resolver has no deadline of its own
      run_until(resolved, std::nullopt, false);
      return interrupted_ ? interrupted_error() : timeout_error("resolving");
    }
    if (ec) return failure(ec, "resolving");

    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_at(deadline);
    bool connected = false;
    tcp.async_connect(endpoints, [&](beast::error_code e, const auto&) {
      ec = e;
      connected = true;
    });
    if (!run_until(connected, std::nullopt, true)) return abandon(connected);
    if (ec) return failure(ec, "connecting to");

    // From here Beast's WebSocket timeouts take over from the TCP stream's.
    tcp.expires_never();
    websocket::stream_base::timeout opt{};
    opt.handshake_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(deadline - watch_clock::now(), watch_clock::duration(std::chrono::milliseconds(1))));
    opt.idle_timeout = keepalive_;
    opt.keep_alive_pings = true;
    ws_.set_option(opt);
    ws_.set_option(websocket::stream_base::decorator([token = endpoint_.token](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "ropectl");
      if (!token.empty()) req.set(beast::http::field::authorization, "Bearer " + token);
    }));
    ws_.read_message_max(max_frame_bytes);

    websocket::response_type response;
    bool upgraded = false;
    ws_.async_handshake(response, endpoint_.host_header(), endpoint_.base_path, [&](beast::error_code e) {
      ec = e;
      upgraded = true;
    });
    if (!run_until(upgraded, std::nullopt, true)) return abandon(upgraded);
    if (ec == websocket::error::upgrade_declined && response.result_int() != 0) {
      force_close();
      return std::optional<http_reply>(http_reply{response.result_int(), std::move(response.body())});
    }
    if (ec) return failure(ec, "upgrading to WebSocket with");
    ws_.text(true);
    return std::optional<http_reply>();
  }

  status send(std::string_view text) {
    if (!ws_.is_open()) return make_error(errc::unavailable, "not connected to the notifier");
    bool sent = false;
    beast::error_code ec;
    ws_.async_write(asio::buffer(text.data(), text.size()), [&](beast::error_code e, size_t) {
      ec = e;
      sent = true;
    });
    if (!run_until(sent, watch_clock::now() + connect_timeout_, false)) {
      force_close();  // the write handler then runs, aborted
      run_until(sent, std::nullopt, false);
      return timeout_error("sending to").error();
    }
    if (ec) return failure(ec, "sending to").error();
    return {};
  }

  result<received_frame> receive(std::optional<watch_clock::time_point> deadline) {
    if (!reading_ && !read_done_) start_read();
    if (!run_until(read_done_, deadline, true)) {
      if (interrupted_) return received_frame{true, {}};
      return make_error(errc::timeout, "no frame before the deadline");
    }
    read_done_ = false;
    if (read_ec_) {
      auto ec = read_ec_;
      read_ec_ = {};
      if (ec == websocket::error::closed) {
        auto reason = ws_.reason();
        std::string why = "the notifier closed the connection";
        if (reason.code != websocket::close_code::none)
          why += " (" + std::to_string(reason.code) + (reason.reason.empty() ? "" : " " + std::string(reason.reason.data(), reason.reason.size())) + ")";
        return make_error(errc::unavailable, why);
      }
      if (ec == beast::error::timeout)
        return make_error(errc::unavailable, "the notifier at " + endpoint_.display() + " stopped answering pings");
      return make_error(errc::unavailable, "reading from notifier at " + endpoint_.display() + ": " + ec.message());
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return received_frame{false, std::move(text)};
  }

  void close() {
    if (ws_.is_open()) {
      bool closed = false;
      ws_.async_close(websocket::close_code::normal, [&](beast::error_code) { closed = true; });
      if (!run_until(closed, watch_clock::now() + close_wait, false)) {
        force_close();
        run_until(closed, std::nullopt, false);
      }
    }
    force_close();
    // A read left pending by a timeout or an interruption ends with the
    // connection; let its handler run while this object is alive.
    if (reading_) run_until(read_done_, std::nullopt, false);
  }

 private:
  void start_read() {
    reading_ = true;
    ws_.async_read(buffer_, [this](beast::error_code e, size_t) {
      read_ec_ = e;
      reading_ = false;
      read_done_ = true;
    });
  }

  /// Runs handlers until `done`, the deadline, or (when `stop_on_signal`)
  /// an interruption; true when `done`.
  bool run_until(const bool& done, std::optional<watch_clock::time_point> deadline, bool stop_on_signal) {
    if (ioc_.stopped()) ioc_.restart();
    while (!done) {
      if (stop_on_signal && interrupted_) return false;
      if (deadline && watch_clock::now() >= *deadline) return false;
      size_t ran = deadline ? ioc_.run_one_until(*deadline) : ioc_.run_one();
      if (ran == 0 && ioc_.stopped()) {  // out of work: nothing can make `done` true
        ioc_.restart();
        return done;
      }
    }
    return true;
  }

  /// An operation interrupted by a signal: the connection is dropped and the
  /// aborted handler run before returning.
  result<std::optional<http_reply>> abandon(const bool& done) {
    force_close();
    run_until(done, std::nullopt, false);
    return interrupted_error();
  }

  void force_close() {
    beast::error_code ignored;  // closing a broken socket may fail; nothing to do about it
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (!socket.is_open()) return;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  error interrupted_error() const { return make_error(errc::unavailable, "interrupted"); }

  result<std::optional<http_reply>> timeout_error(std::string_view doing) {
    force_close();
    return make_error(errc::timeout, "timed out after " + std::to_string(connect_timeout_.count()) + " ms " +
                                         std::string(doing) + " notifier at " + endpoint_.display());
  }

  result<std::optional<http_reply>> failure(beast::error_code ec, std::string_view doing) {
    if (ec == beast::error::timeout) return timeout_error(doing);
    force_close();
    return make_error(errc::unavailable,
                      std::string(doing) + " notifier at " + endpoint_.display() + ": " + ec.message());
  }

  router_endpoint endpoint_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::seconds keepalive_;
  asio::io_context ioc_;
  asio::signal_set signals_{ioc_};
  websocket::stream<beast::tcp_stream> ws_{ioc_};
  beast::flat_buffer buffer_;
  bool interrupted_ = false;
  bool reading_ = false;    // an async_read is pending
  bool read_done_ = false;  // it completed; read_ec_ and buffer_ hold the outcome
  beast::error_code read_ec_;
};

ws_client::ws_client(router_endpoint endpoint, std::chrono::milliseconds connect_timeout, bool catch_signals,
                     std::chrono::seconds keepalive)
    : impl_(std::make_unique<impl>(std::move(endpoint), connect_timeout, catch_signals, keepalive)) {}

ws_client::~ws_client() = default;

bool ws_client::interrupted() const { return impl_->interrupted(); }

result<std::optional<http_reply>> ws_client::connect() { return impl_->connect(); }

status ws_client::send(std::string_view text) { return impl_->send(text); }

result<received_frame> ws_client::receive(std::optional<watch_clock::time_point> deadline) {
  return impl_->receive(deadline);
}

void ws_client::close() { impl_->close(); }

}  // namespace ropekv::ctl
