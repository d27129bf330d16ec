// The subscriber side: one WebSocket client per connection; Beast for the
// upgrade and the subscribe, then large raw reads (ws_frames.hpp). Frames
// are scanned, not parsed (event_scan.hpp): the client must stay well ahead
// of the notifier it measures.
#include <cstring>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "connections.hpp"
#include "event_scan.hpp"
#include "ws_frames.hpp"

namespace ropekv::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

void fail(subscriber_control& ctl, subscriber_state& state, std::string why) {
  if (state.failed.load()) return;
  state.failure = std::move(why);
  state.failed.store(true);
  ctl.failed.fetch_add(1);
}

void on_event(const ws_bench_spec& spec, subscriber_control& ctl, subscriber_state& state, thread_stats& stats,
              std::string_view frame, int64_t now) {
  ++state.events;
  if (stats.first_event_ns == 0) stats.first_event_ns = now;
  stats.last_event_ns = now;
  auto e = scan_event(frame);
  if (!e) return fail(ctl, state, "unreadable event: " + std::string(frame.substr(0, 200)));
  auto seq = seq_of_key(e->hash_key, spec.key_prefix);
  if (!seq || *seq >= (uint64_t{1} << 32)) {
    ++state.foreign;
    return;
  }
  if (!state.received.insert(*seq)) {
    ++state.duplicates;
    return;
  }
  state.distinct.store(state.received.size(), std::memory_order_relaxed);
  ctl.total_distinct.fetch_add(1, std::memory_order_relaxed);
  if (now >= ctl.warm_end_ns.load(std::memory_order_relaxed) &&
      now <= ctl.deadline_ns.load(std::memory_order_relaxed))
    ++stats.events_during_writes;
  if (e->t_ns && *e->t_ns >= ctl.warm_end_ns.load(std::memory_order_relaxed) && now > *e->t_ns)
    stats.write_to_event.record(static_cast<uint64_t>(now - *e->t_ns));
  if (e->t_ns && *e->t_ns >= ctl.warm_end_ns.load(std::memory_order_relaxed) && ctl.writer) {
    int64_t ack = ctl.writer->ack_of(*seq);
    if (ack == 0) ++stats.before_ack;
    else if (ack > 0) stats.ack_to_event.record(now > ack ? static_cast<uint64_t>(now - ack) : 0);
  }
  if (e->t_ns && e->timestamp_us && *e->t_ns >= ctl.warm_end_ns.load(std::memory_order_relaxed)) {
    int64_t from_leader = now - *e->timestamp_us * 1000;
    if (from_leader > 0) stats.leader_to_event.record(static_cast<uint64_t>(from_leader));
  }
}

void on_frame(const ws_bench_spec& spec, subscriber_control& ctl, subscriber_state& state, thread_stats& stats,
              std::string_view frame, int64_t now) {
  switch (classify(frame)) {
    case frame_type::event:
      return on_event(spec, ctl, state, stats, frame, now);
    case frame_type::subscribed:
      if (!state.subscribed.exchange(true)) ctl.subscribed.fetch_add(1);
      return;
    case frame_type::error:
      // slow_consumer closes the connection; anything else is a bench bug.
      return fail(ctl, state, "error frame: " + std::string(frame.substr(0, 300)));
    case frame_type::other:
      return;
  }
}

}  // namespace

asio::awaitable<void> run_subscriber(const ws_bench_spec& spec, subscriber_control& ctl, subscriber_state& state,
                                     thread_stats& stats) {
  auto ex = co_await asio::this_coro::executor;
  const tcp::endpoint ep(asio::ip::make_address(spec.host), spec.ws_port);
  websocket::stream<tcp::socket> ws(ex);
  boost::system::error_code ec;
  co_await ws.next_layer().async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(ctl, state, "connect: " + ec.message());
  ws.next_layer().set_option(tcp::no_delay(true), ec);
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.read_message_max(1 << 20);
  co_await ws.async_handshake(spec.host + ":" + std::to_string(spec.ws_port), "/v1/ws",
                              asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(ctl, state, "handshake: " + ec.message());
  ws.text(true);
  const std::string subscribe = R"({"op":"subscribe","id":"b","table":")" + spec.table +
                                R"(","events":["create","update"],"from":"now"})";
  co_await ws.async_write(asio::buffer(subscribe), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(ctl, state, "subscribe: " + ec.message());

  // From here on the socket is read directly (ws_frames.hpp): Beast has
  // nothing buffered, since the server sends nothing before the subscribe.
  tcp::socket& sock = ws.next_layer();
  ws_frame_parser parser;
  std::string buf(64 << 10, '\0');
  size_t have = 0;
  const uint32_t mask_key = 0x5a17c3e1u;
  for (;;) {
    if (have == buf.size()) buf.resize(buf.size() * 2);
    size_t n = co_await sock.async_read_some(asio::buffer(buf.data() + have, buf.size() - have),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ctl.stopping.load(std::memory_order_relaxed)) break;
    if (ec) co_return fail(ctl, state, "read: " + ec.message());
    have += n;
    const int64_t now = realtime_ns();  // one receipt time per read
    std::string_view data(buf.data(), have);
    ws_frame_parser::frame f{};
    bool closed = false;
    while (!closed && parser.next(data, f)) {
      switch (f.op) {
        case ws_frame_parser::opcode::text:
        case ws_frame_parser::opcode::binary:
          on_frame(spec, ctl, state, stats, f.payload, now);
          break;
        case ws_frame_parser::opcode::ping: {
          std::string pong = client_frame(ws_frame_parser::opcode::pong, f.payload, mask_key);
          co_await asio::async_write(sock, asio::buffer(pong), asio::redirect_error(asio::use_awaitable, ec));
          if (ec) co_return fail(ctl, state, "pong: " + ec.message());
          break;
        }
        case ws_frame_parser::opcode::close:
          closed = true;
          break;
        default:
          break;
      }
    }
    if (parser.failed()) co_return fail(ctl, state, "protocol: " + parser.error());
    if (closed) {
      if (!ctl.stopping.load()) fail(ctl, state, "closed by the server");
      break;
    }
    // Keep the incomplete tail at the front of the buffer.
    const size_t rest = data.size();
    if (rest > 0 && data.data() != buf.data()) std::memmove(buf.data(), data.data(), rest);
    have = rest;
    if (size_t need = ws_frame_parser::frame_size(data); need > buf.size()) buf.resize(need);
  }
  sock.close(ec);
}

}  // namespace ropekv::bench
