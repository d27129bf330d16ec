// ropekv-loadgen: the one load generator of scripts/bench-compare, for every
// system (RopeKV, etcd's JSON gateway and nginx over HTTP/1.1; Redis over
// RESP). Closed loop: N connections with one request in flight each, spread
// over --threads io_contexts. Prints ONE JSON line with the counts, the
// latency percentiles and the generator's own CPU time (getrusage).
#include <sys/resource.h>

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "connection.hpp"
#include "options.hpp"

using namespace ropekv::bench;

namespace {

double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(usage_text, stdout);
    return 0;
  }
  run_spec spec;
  try {
    spec = parse_options(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ropekv-loadgen: %s (see --help)\n", e.what());
    return 2;
  }

  run_control ctl;
  ctl.limit = spec.requests;
  unsigned threads = std::min(spec.threads, spec.connections);
  std::vector<run_stats> stats(spec.connections);
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  for (unsigned t = 0; t < threads; ++t) ios.push_back(std::make_unique<boost::asio::io_context>(1));

  rusage u0{};
  getrusage(RUSAGE_SELF, &u0);
  ctl.start = run_control::clock::now();
  auto warm = std::chrono::duration_cast<run_control::clock::duration>(std::chrono::duration<double>(spec.warmup_s));
  ctl.warm_end = ctl.start + warm;
  ctl.deadline = ctl.warm_end + std::chrono::duration_cast<run_control::clock::duration>(
                                    std::chrono::duration<double>(spec.duration_s));
  for (unsigned c = 0; c < spec.connections; ++c) {
    auto& io = *ios[c % threads];
    uint64_t seed = 0x5eed0000ULL + c * 7919ULL;
    if (spec.mode == "http")
      boost::asio::co_spawn(io, run_http_connection(spec, ctl, stats[c], seed), boost::asio::detached);
    else
      boost::asio::co_spawn(io, run_resp_connection(spec, ctl, stats[c], seed), boost::asio::detached);
  }
  std::vector<std::thread> workers;
  for (unsigned t = 1; t < threads; ++t) workers.emplace_back([&, t] { ios[t]->run(); });
  ios[0]->run();
  for (auto& w : workers) w.join();
  auto end = run_control::clock::now();
  rusage u1{};
  getrusage(RUSAGE_SELF, &u1);

  run_stats total;
  for (const auto& s : stats) total.merge(s);
  double seconds = std::chrono::duration<double>(end - std::max(ctl.start, ctl.warm_end)).count();
  if (seconds <= 0) seconds = 1e-9;
  double cpu = cpu_seconds(u1) - cpu_seconds(u0);
  auto ms = [&](uint64_t ns) { return static_cast<double>(ns) / 1e6; };

  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(3);
  o << "{\"label\":" << json_string(spec.label) << ",\"mode\":\"" << spec.mode << "\""
    << ",\"connections\":" << spec.connections << ",\"threads\":" << threads
    << ",\"requests\":" << total.requests << ",\"errors\":" << total.errors
    << ",\"seconds\":" << seconds << ",\"req_per_s\":" << static_cast<double>(total.requests) / seconds
    << ",\"p50_ms\":" << ms(total.latency.quantile(0.50)) << ",\"p90_ms\":" << ms(total.latency.quantile(0.90))
    << ",\"p99_ms\":" << ms(total.latency.quantile(0.99)) << ",\"max_ms\":" << ms(total.latency.max())
    << ",\"cpu_s\":" << cpu << ",\"cpu_share\":" << cpu / seconds << ",\"reconnects\":" << total.reconnects
    << ",\"error_samples\":[";
  for (size_t i = 0; i < total.error_samples.size(); ++i)
    o << (i ? "," : "") << json_string(total.error_samples[i]);
  o << "]}";
  std::cout << o.str() << std::endl;
  // Non-zero when the run answered wrongly or not at all; the JSON is printed either way.
  return total.errors > 0 || total.requests == 0 ? 1 : 0;
}
