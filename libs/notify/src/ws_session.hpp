#pragma once
// Private to ws_server: one accepted TCP connection — a plain HTTP exchange
// or an upgrade to a WebSocket — and the state the server shares with its
// sessions. Includes Beast; never install it.
//
// Lifetime: the server's registry holds a strong reference to every live
// session, pending asynchronous operations hold others; finish() removes the
// registry's. Sessions refer to server_core, which outlives the io_context.
//
// Threads: members marked "strand" run on the session's strand (the
// socket's executor). send(), send_final(), close(), queued_bytes() and
// begin_shutdown() are called from any thread: they touch only the state
// under mutex_ and post to the strand. abort_now() runs only when no I/O
// thread is left.
//
// Phases (strand): http -> handshake -> open -> closing -> finished, or
// http -> finished. on_open is called on entering open; on_close on leaving
// open or closing for finished, so each open connection sees both once.
//
// Write queue invariant: when queue_ is not empty, a write is in flight, or
// a maybe_write is posted, or the session is not yet open, or it is closing
// or finished (and will never write again). So send() posts only when it
// makes the queue non-empty.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/beast/websocket/ssl.hpp>  // teardown of a TLS WebSocket

#include "ropekv/notify/outbound_queue.hpp"
#include "ropekv/notify/ws_server.hpp"

namespace ropekv::notify::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

class ws_session;

/// What sessions share with the server. Owned by ws_server::impl.
struct server_core {
  server_core(ws_options o, ws_callbacks c) : options(std::move(o)), callbacks(std::move(c)) {}

  const ws_options options;
  const ws_callbacks callbacks;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_id{1};

  mutable std::mutex mutex;
  std::condition_variable changed;  // notified when a session leaves `sessions`
  std::unordered_map<connection_id, std::shared_ptr<ws_session>> sessions;
  size_t websockets = 0;  // slots taken by upgrades (<= max_connections)

  std::shared_ptr<ws_session> find(connection_id id) const;
  /// Takes a WebSocket slot unless max_connections are taken or stopping.
  bool take_slot();
  /// Forgets the session; gives its slot back when it held one.
  void unregister(connection_id id, bool held_slot);
};

class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  /// `tls`: the context to handshake with (wss://), or null for plain.
  ws_session(server_core& core, connection_id id, asio::ip::tcp::socket socket,
             std::shared_ptr<asio::ssl::context> tls = nullptr);

  connection_id id() const noexcept { return id_; }

  /// Begins reading the HTTP request.
  void start();

  // Any thread; see ws_server for the contracts.
  bool send(std::string text);
  bool send_final(std::string text, ws_close how);
  void close(ws_close how);
  size_t queued_bytes() const;
  /// stop(): an HTTP exchange ends now, a WebSocket closes with 1001.
  void begin_shutdown();
  /// Only while no I/O thread runs: closes the socket, calls on_close.
  void abort_now();

 private:
  enum class phase : uint8_t { http, handshake, open, closing, finished };
  using request = bhttp::request<bhttp::string_body>;
  using tls_stream = beast::ssl_stream<beast::tcp_stream>;

  // The stream in use: TLS (tls_, then wss_ after the upgrade) or plain
  // (http_, then ws_). One code path for both through these.
  beast::tcp_stream& tcp() {
    if (wss_) return beast::get_lowest_layer(*wss_);
    if (ws_) return beast::get_lowest_layer(*ws_);
    if (tls_) return beast::get_lowest_layer(*tls_);
    return http_;
  }
  template <class F>
  void with_http(F&& f) {
    if (tls_) f(*tls_);
    else f(http_);
  }
  template <class F>
  void with_ws(F&& f) {
    if (wss_) f(*wss_);
    else f(*ws_);
  }
  void on_tls_handshake(beast::error_code ec, size_t used);
  template <class WebSocket>
  void configure(WebSocket& ws);

  // HTTP (strand)
  void read_request();
  void on_request(beast::error_code ec, size_t bytes);
  void route(request req);
  void reply(unsigned status, std::string content_type, std::string body, bool keep_alive);
  void reply_error(unsigned status, std::string_view code, std::string_view message);
  void on_replied(bool keep_alive, beast::error_code ec);

  // WebSocket (strand)
  void upgrade(request req);
  void on_accept(beast::error_code ec);
  void read_message();
  void on_read(beast::error_code ec, size_t bytes);
  void reject_oversized();
  void maybe_write();
  void on_write(beast::error_code ec, size_t bytes);
  void start_close(const ws_close& how);
  void on_closed(beast::error_code ec);
  /// Posts maybe_write to the strand.
  void kick();

  void finish(std::string_view why);

  server_core& core_;
  const connection_id id_;
  const asio::any_io_executor strand_;
  std::string remote_;

  // strand
  beast::tcp_stream http_;
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  std::shared_ptr<asio::ssl::context> tls_ctx_;  // outlives tls_'s SSL object
  std::optional<tls_stream> tls_;
  std::optional<websocket::stream<tls_stream>> wss_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<request> upgrade_request_;  // alive until the handshake ends
  phase phase_ = phase::http;
  bool writing_ = false;
  bool held_slot_ = false;
  bool stopping_ = false;

  // guarded by mutex_
  mutable std::mutex mutex_;
  outbound_queue queue_;
  bool accepting_ = false;  // send() allowed: open and no close requested
  std::optional<ws_close> close_request_;
  bool discard_queue_ = false;  // close(): drop frames not yet being written
};

}  // namespace ropekv::notify::detail
