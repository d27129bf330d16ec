#pragma once
// A loopback HTTP/1.1 server for tests that plays a fixed list of replies
// in order (one per request, whatever the request), records each request
// line, and answers 500 once the list is used up. Runs one thread; the
// destructor stops it. Enough to drive the S3 client's retry and abort
// paths deterministically.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ropekv::blob::testing {

class scripted_server {
 public:
  struct reply {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };

  explicit scripted_server(std::vector<reply> replies) : replies_(std::move(replies)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 8) != 0) {
      throw std::runtime_error("scripted_server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~scripted_server() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  uint16_t port() const { return port_; }

  std::vector<std::string> request_lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      serve_connection(fd);
      ::close(fd);
    }
  }

  // Reads requests on one connection until the client closes it.
  void serve_connection(int fd) {
    std::string buf;
    while (!stop_) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!read_more(fd, buf)) return;
      }
      std::string head = buf.substr(0, end);
      buf.erase(0, end + 4);
      size_t length = 0;
      for (size_t pos = 0; pos < head.size();) {
        size_t eol = head.find("\r\n", pos);
        if (eol == std::string::npos) eol = head.size();
        std::string line = head.substr(pos, eol - pos);
        for (auto& c : line) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (line.rfind("content-length:", 0) == 0) length = std::strtoull(line.c_str() + 15, nullptr, 10);
        pos = eol + 2;
      }
      while (buf.size() < length) {
        if (!read_more(fd, buf)) return;
      }
      buf.erase(0, length);
      reply r;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back(head.substr(0, head.find("\r\n")));
        if (next_ < replies_.size()) r = replies_[next_++];
        else r = reply{500, {}, "<Error><Code>InternalError</Code></Error>"};
      }
      std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\n";
      for (const auto& [n, v] : r.headers) out += n + ": " + v + "\r\n";
      out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
      if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) return;
    }
  }

  bool read_more(int fd, std::string& buf) {
    char tmp[65536];
    for (;;) {
      if (stop_) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    }
  }

  std::vector<reply> replies_;
  size_t next_ = 0;
  std::vector<std::string> lines_;
  std::mutex mutex_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ropekv::blob::testing
