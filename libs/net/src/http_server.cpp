#include "ropekv/net/http_server.hpp"

#include <cstdio>
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

#include "http_connection.hpp"

namespace ropekv::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Member order matters: the io_context is destroyed before `core_` (its
// queued handlers may still own connections that refer to core_) and after
// the acceptor and timer that use it.
class http_server::impl {
 public:
  impl(http_server_options options, http_handler handler)
      : core_(std::move(options), std::move(handler)),
        ioc_(static_cast<int>(std::max(1u, core_.options.io_threads))),
        work_(asio::make_work_guard(ioc_)),
        acceptor_(asio::make_strand(ioc_)),
        accept_retry_(acceptor_.get_executor()) {}

  ~impl() { stop(); }

  status start();
  void stop();
  uint16_t port() const noexcept { return port_.load(); }
  size_t active_connections() {
    std::lock_guard lock(core_.registry_mutex);
    return core_.registry.size();
  }
  http_server_stats stats() const {
    auto& c = core_.counters;
    auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {get(c.accepted),      get(c.refused_max_connections), get(c.idle_timeouts),
            get(c.header_timeouts), get(c.body_timeouts),         get(c.tls_handshake_failures)};
  }

 private:
  void do_accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);
  void run_thread();
  void log_refusal(const std::string& remote);

  detail::server_core core_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::vector<std::thread> threads_;
  std::atomic<uint16_t> port_{0};
  // Refusals are logged at most once a second (a flood must not flood the
  // log); accept strand only.
  std::chrono::steady_clock::time_point last_refusal_log_{};
  uint64_t refusals_unlogged_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

status http_server::impl::start() {
  if (started_) return make_error(errc::invalid_argument, "http_server already started");
  const auto& o = core_.options;
  if (o.max_connections == 0 || o.max_header_bytes == 0 || o.idle_timeout.count() <= 0 ||
      o.header_timeout.count() <= 0 || o.body_timeout.count() <= 0)
    return make_error(errc::invalid_argument, "http_server options must be positive");
  boost::system::error_code ec;
  tcp::resolver resolver(ioc_);
  auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    return make_error(errc::invalid_argument, "cannot resolve '" + o.host + "': " + ec.message());
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto fail = [&](const char* what) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return make_error(errc::unavailable, std::string(what) + " " + o.host + ":" +
                                             std::to_string(o.port) + ": " + ec.message());
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
  return {};
}

void http_server::impl::run_thread() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      // A throwing completion handler must not take the server down.
      std::fprintf(stderr, "http_server: I/O thread caught: %s\n", e.what());
    }
  }
}

void http_server::impl::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_),
                         [this](boost::system::error_code ec, tcp::socket socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void http_server::impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: back off briefly instead of spinning.
    accept_retry_.expires_after(std::chrono::milliseconds(50));
    accept_retry_.async_wait([this](boost::system::error_code wec) {
      if (!wec && acceptor_.is_open()) do_accept();
    });
    return;
  }
  std::shared_ptr<detail::connection_base> conn;
  if (core_.options.tls)
    conn = std::make_shared<detail::tls_connection>(core_, std::move(socket), core_.options.tls->current());
  else
    conn = std::make_shared<detail::plain_connection>(core_, std::move(socket), nullptr);
  bool admitted = false;
  {
    std::lock_guard lock(core_.registry_mutex);
    if (!core_.stopping && core_.registry.size() < core_.options.max_connections) {
      core_.registry.emplace(conn.get(), conn);
      admitted = true;
    }
  }
  if (admitted) {
    conn->start();
  } else if (!core_.stopping) {
    core_.counters.refused_max_connections.fetch_add(1, std::memory_order_relaxed);
    log_refusal(conn->remote());
    conn->reject(http_error::from(errc::unavailable, "too many connections; retry later"));
  }
  do_accept();
}

void http_server::impl::log_refusal(const std::string& remote) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ < std::chrono::seconds(1)) {
    ++refusals_unlogged_;
    return;
  }
  spdlog::warn("event=connection_refused reason=max_connections limit={} remote={} suppressed={}",
               core_.options.max_connections, remote, refusals_unlogged_);
  last_refusal_log_ = now;
  refusals_unlogged_ = 0;
}

void http_server::impl::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  core_.stopping = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  {
    std::unique_lock lock(core_.registry_mutex);
    for (auto& [ptr, conn] : core_.registry) conn->begin_shutdown();
    core_.registry_changed.wait_for(lock, core_.options.drain_timeout,
                                    [this] { return core_.registry.empty(); });
  }
  {
    std::unique_lock gate(core_.gate->mutex);  // waits out responders mid-delivery
    core_.gate->open = false;
  }
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  // No I/O thread runs now: close what did not drain, on this thread.
  std::unordered_map<const detail::connection_base*, std::shared_ptr<detail::connection_base>> rest;
  {
    std::lock_guard lock(core_.registry_mutex);
    rest.swap(core_.registry);
  }
  for (auto& [ptr, conn] : rest) conn->close_now();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

http_server::http_server(http_server_options options, http_handler handler)
    : impl_(std::make_unique<impl>(std::move(options), std::move(handler))) {}

http_server::~http_server() = default;

status http_server::start() { return impl_->start(); }
uint16_t http_server::port() const noexcept { return impl_->port(); }
void http_server::stop() { impl_->stop(); }
size_t http_server::active_connections() const noexcept { return impl_->active_connections(); }
http_server_stats http_server::stats() const noexcept { return impl_->stats(); }

}  // namespace ropekv::net
