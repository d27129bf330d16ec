#include "ropekv/notify/ws_server.hpp"

#include <exception>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "ws_session.hpp"

namespace ropekv::notify {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Member order matters: the io_context is destroyed before `core_` (handlers
// it still queues may own sessions that refer to core_) and after the
// acceptor and timer that use it.
class ws_server::impl {
 public:
  impl(ws_options options, ws_callbacks callbacks)
      : core_(std::move(options), std::move(callbacks)),
        ioc_(static_cast<int>(std::max(1u, core_.options.io_threads))),
        work_(asio::make_work_guard(ioc_)),
        acceptor_(asio::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()) {}

  ~impl() { stop(); }

  status start(const std::string& host, uint16_t port);
  void stop();
  uint16_t port() const noexcept { return port_.load(); }
  detail::server_core& core() { return core_; }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void run_thread();

  detail::server_core core_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> port_{0};
  bool started_ = false;
  bool stopped_ = false;
};

status ws_server::impl::start(const std::string& host, uint16_t port) {
  if (started_) return make_error(errc::invalid_argument, "ws_server already started");
  const auto& o = core_.options;
  if (o.max_connections == 0 || o.max_frame_bytes == 0 || o.queue_limit_bytes == 0 ||
      o.max_http_header_bytes == 0 || o.http_timeout.count() <= 0 ||
      o.handshake_timeout.count() <= 0 || o.idle_timeout.count() <= 0)
    return make_error(errc::invalid_argument, "ws_server options must be positive");
  boost::system::error_code ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(host, std::to_string(port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    return make_error(errc::invalid_argument, "cannot resolve '" + host + "': " + ec.message());
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto fail = [&](const char* what) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return make_error(errc::unavailable, std::string(what) + " " + host + ":" +
                                             std::to_string(port) + ": " + ec.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec)) return fail("reuse_address");
  if (acceptor_.bind(endpoint, ec)) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  port_ = acceptor_.local_endpoint(ec).port();
  started_ = true;
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
  const unsigned n = std::max(1u, o.io_threads);
  threads_.reserve(n);
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { run_thread(); });
  spdlog::info("event=ws_listening address={}:{} io_threads={} max_connections={}", host,
               port_.load(), n, o.max_connections);
  return {};
}

void ws_server::impl::run_thread() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      // A throwing completion handler must not take the server down.
      spdlog::error("event=io_thread_exception error=\"{}\"", e.what());
    }
  }
}

void ws_server::impl::do_accept() {
  // Each connection gets its own strand: its socket's executor.
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void ws_server::impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: back off briefly instead of spinning.
    spdlog::warn("event=accept_failed error=\"{}\"", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(50));
    accept_retry_.async_wait([this](boost::system::error_code wec) {
      if (!wec && acceptor_.is_open()) do_accept();
    });
    return;
  }
  const connection_id id{core_.next_id.fetch_add(1)};
  auto session = std::make_shared<detail::ws_session>(core_, id, std::move(socket),
                                                      core_.options.tls ? core_.options.tls->current() : nullptr);
  bool admitted = false;
  {
    std::lock_guard lock(core_.mutex);
    if (!core_.stopping) {
      core_.sessions.emplace(id, session);
      admitted = true;
    }
  }
  if (admitted) session->start();  // else: the socket closes with `session`
  do_accept();
}

void ws_server::impl::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(core_.mutex);  // take_slot() sees it under the same lock
    core_.stopping = true;
  }
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  size_t cut = 0;
  {
    std::unique_lock lock(core_.mutex);
    for (auto& [id, session] : core_.sessions) session->begin_shutdown();
    core_.changed.wait_for(lock, core_.options.stop_timeout,
                           [this] { return core_.sessions.empty(); });
    cut = core_.sessions.size();
  }
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // No I/O thread runs now: cut what did not close in time, on this thread.
  std::unordered_map<connection_id, std::shared_ptr<detail::ws_session>> rest;
  {
    std::lock_guard lock(core_.mutex);
    rest.swap(core_.sessions);
  }
  for (auto& [id, session] : rest) session->abort_now();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  spdlog::info("event=ws_stopped cut_connections={}", cut);
}

ws_server::ws_server(ws_options options, ws_callbacks callbacks)
    : impl_(std::make_unique<impl>(std::move(options), std::move(callbacks))) {}

ws_server::~ws_server() = default;

status ws_server::start(const std::string& host, uint16_t port) { return impl_->start(host, port); }
uint16_t ws_server::port() const noexcept { return impl_->port(); }
void ws_server::stop() { impl_->stop(); }

bool ws_server::send(connection_id conn, std::string text) {
  auto session = impl_->core().find(conn);
  return session && session->send(std::move(text));
}

bool ws_server::send_final(connection_id conn, std::string text, ws_close how) {
  auto session = impl_->core().find(conn);
  return session && session->send_final(std::move(text), std::move(how));
}

void ws_server::close(connection_id conn, ws_close how) {
  if (auto session = impl_->core().find(conn)) session->close(std::move(how));
}

size_t ws_server::connections() const {
  std::lock_guard lock(impl_->core().mutex);
  return impl_->core().websockets;
}

size_t ws_server::queued_bytes(connection_id conn) const {
  auto session = impl_->core().find(conn);
  return session ? session->queued_bytes() : 0;
}

}  // namespace ropekv::notify
