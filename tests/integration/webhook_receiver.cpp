#include "webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <chrono>
#include <stdexcept>

namespace ropekv::integration {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

webhook_receiver::webhook_receiver(unsigned fail_first) : fail_first_(fail_first) {
  if (!open()) throw std::runtime_error("webhook_receiver: cannot listen");
  thread_ = std::thread([this] { serve(); });
}

webhook_receiver::~webhook_receiver() {
  stop_ = true;
  thread_.join();
  int fd = listen_fd_.exchange(-1);
  if (fd >= 0) ::close(fd);
}

bool webhook_receiver::open() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port_);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
    ::close(fd);
    return false;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  listen_fd_ = fd;
  return true;
}

void webhook_receiver::go_down() {
  down_ = true;
  // The serving thread closes the socket (it may be polling on it).
  while (listen_fd_.load() >= 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void webhook_receiver::come_back() {
  down_ = false;
  while (listen_fd_.load() < 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void webhook_receiver::serve() {
  asio::io_context ioc;
  while (!stop_) {
    if (down_) {
      int fd = listen_fd_.exchange(-1);
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (listen_fd_.load() < 0 && !open()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    pollfd p{listen_fd_.load(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int conn = ::accept4(listen_fd_.load(), nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    asio::ip::tcp::socket sock(ioc);
    sock.assign(asio::ip::tcp::v4(), conn);
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(sock, buf, req, ec);
    if (ec) continue;
    received_hook r;
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r.headers[name] = std::string(f.value());
    }
    r.body = req.body();
    unsigned status = 204;
    unsigned left = fail_first_.load();
    if (left > 0) {
      fail_first_ = left - 1;
      status = 500;
    }
    r.answered = status;
    {
      std::lock_guard lock(mu_);
      received_.push_back(std::move(r));
    }
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::connection, "close");
    res.body() = status == 204 ? "" : "try again";
    res.prepare_payload();
    http::write(sock, res, ec);
    sock.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }
}

std::vector<received_hook> webhook_receiver::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

}  // namespace ropekv::integration
