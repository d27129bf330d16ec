// RESP client: one command in flight per connection, replies parsed with
// resp::parse from a growing buffer.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "connection.hpp"

namespace ropekv::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::awaitable<void> run_resp_connection(const run_spec& spec, run_control& ctl, run_stats& stats,
                                          uint64_t seed) {
  auto ex = co_await asio::this_coro::executor;
  const tcp::endpoint ep(asio::ip::make_address(spec.host), spec.port);
  const auto read_args = resp_argument_templates(spec.read.resp_command);
  const auto write_args = resp_argument_templates(spec.write.resp_command);
  key_picker keys(*spec.keys, spec.sequential, seed);
  op_chooser chooser(spec.write_percent, seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<std::string> args;
  std::string in;
  std::array<char, 16384> chunk;

  tcp::socket sock(ex);
  try {
    co_await sock.async_connect(ep, asio::use_awaitable);
    sock.set_option(tcp::no_delay(true));
  } catch (const std::exception& e) {
    stats.error(std::string("connect: ") + e.what());
    co_return;
  }
  while (ctl.claim()) {
    bool is_write = chooser.next_is_write();
    const auto& tmpl = is_write ? write_args : read_args;
    const op_spec& op = is_write ? spec.write : spec.read;
    std::string key = next_key(spec, ctl, keys);
    args.clear();
    for (const auto& t : tmpl) args.push_back(t.expand(key));
    std::string request = resp::encode_command(args);
    auto t0 = run_control::clock::now();
    try {
      co_await asio::async_write(sock, asio::buffer(request), asio::use_awaitable);
      in.clear();
      resp::parse_result r;
      for (;;) {
        size_t n = co_await sock.async_read_some(asio::buffer(chunk), asio::use_awaitable);
        in.append(chunk.data(), n);
        r = resp::parse(in);
        if (r.status != resp::parse_result::state::incomplete) break;
      }
      auto t1 = run_control::clock::now();
      if (r.status == resp::parse_result::state::malformed) {
        stats.error("malformed reply");
        co_return;
      }
      if (auto why = check_resp(op, r.value)) {
        stats.error(std::string(is_write ? "write " : "read ") + key + ": " + *why);
      }
      if (t1 >= ctl.warm_end) {
        ++stats.requests;
        stats.latency.record(static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
      }
    } catch (const std::exception& e) {
      stats.error(std::string("io: ") + e.what());
      co_return;
    }
  }
  boost::system::error_code ignored;
  sock.close(ignored);
}

}  // namespace ropekv::bench
