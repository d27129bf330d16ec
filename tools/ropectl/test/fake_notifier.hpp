#pragma once
// fake_notifier: a one-connection WebSocket server on 127.0.0.1:0 for the
// `watch` end-to-end tests, on one thread with Beast's synchronous API.
// It accepts one client, records its first frame (the subscribe), sends the
// scripted frames in order, then reads until the client leaves and records
// whether it left with a close frame. The destructor joins the thread.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

namespace ropekv::ctl::test {

class fake_notifier {
 public:
  explicit fake_notifier(std::vector<std::string> frames) : frames_(std::move(frames)) {
    using boost::asio::ip::tcp;
    tcp::endpoint local(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(local.protocol());
    acceptor_.bind(local);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }

  ~fake_notifier() {
    if (!accepted_) {  // nobody came: connect once so that accept() returns
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket poke(ioc);
      boost::beast::error_code ignored;
      poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
      poke.close(ignored);
    }
    thread_.join();
  }

  fake_notifier(const fake_notifier&) = delete;
  fake_notifier& operator=(const fake_notifier&) = delete;

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/ws"; }

  /// The client's first frame; call after the client is gone.
  std::string subscribe() {
    std::lock_guard lock(mutex_);
    return subscribe_;
  }

  /// True when the client ended with a close frame rather than dropping the
  /// connection; call after the client is gone.
  bool closed_politely() {
    std::lock_guard lock(mutex_);
    return closed_politely_;
  }

 private:
  void serve() {
    namespace websocket = boost::beast::websocket;
    boost::beast::error_code ec;
    boost::asio::ip::tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    accepted_ = true;
    if (ec) return;
    websocket::stream<boost::asio::ip::tcp::socket> ws(std::move(socket));
    ws.accept(ec);
    if (ec) return;
    boost::beast::flat_buffer buffer;
    ws.read(buffer, ec);
    if (ec) return;
    {
      std::lock_guard lock(mutex_);
      subscribe_ = boost::beast::buffers_to_string(buffer.data());
    }
    ws.text(true);
    for (const auto& f : frames_) {
      ws.write(boost::asio::buffer(f), ec);
      if (ec) return;
    }
    for (;;) {
      buffer.clear();
      ws.read(buffer, ec);
      if (ec) {
        std::lock_guard lock(mutex_);
        closed_politely_ = ec == websocket::error::closed;
        return;
      }
    }
  }

  std::vector<std::string> frames_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> accepted_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::string subscribe_;          // guarded by mutex_
  bool closed_politely_ = false;   // guarded by mutex_
};

}  // namespace ropekv::ctl::test
