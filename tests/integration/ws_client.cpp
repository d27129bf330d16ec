#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>

namespace ropekv::integration {

namespace beast = boost::beast;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct ws_client::impl {
  asio::io_context ioc;
  beast::websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  bool reading = false;
  bool done = false;       // the pending read completed
  bool broken = false;
  beast::error_code read_ec;
};

ws_client::ws_client(uint16_t port, const std::string& target) : impl_(std::make_unique<impl>()) {
  tcp::resolver resolver(impl_->ioc);
  auto results = resolver.resolve("127.0.0.1", std::to_string(port));
  asio::connect(impl_->ws.next_layer(), results);
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), target);
  impl_->ws.text(true);
}

ws_client::~ws_client() {
  beast::error_code ec;
  impl_->ws.next_layer().close(ec);
}

bool ws_client::send(const std::string& text) {
  if (impl_->broken) return false;
  beast::error_code ec;
  impl_->ws.write(asio::buffer(text), ec);
  if (ec) impl_->broken = true;
  return !ec;
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds wait) {
  auto& s = *impl_;
  if (s.broken) return std::nullopt;
  if (!s.reading) {
    s.reading = true;
    s.done = false;
    s.ws.async_read(s.buffer, [&s](beast::error_code ec, size_t) {
      s.read_ec = ec;
      s.done = true;
    });
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (!s.done && std::chrono::steady_clock::now() < deadline) {
    s.ioc.restart();
    s.ioc.run_one_until(deadline);
  }
  if (!s.done) return std::nullopt;
  s.reading = false;
  if (s.read_ec) {
    s.broken = true;
    return std::nullopt;
  }
  std::string text = beast::buffers_to_string(s.buffer.data());
  s.buffer.consume(s.buffer.size());
  return text;
}

rapidjson::Document ws_client::read_json(std::chrono::milliseconds wait) {
  rapidjson::Document d;
  auto text = read(wait);
  if (!text) return d;
  d.Parse(text->c_str(), text->size());
  if (d.HasParseError()) d.SetNull();
  return d;
}

bool ws_client::closed() const noexcept { return impl_->broken; }

void ws_client::close() {
  beast::error_code ec;
  impl_->ws.next_layer().close(ec);
  impl_->broken = true;
}

}  // namespace ropekv::integration
