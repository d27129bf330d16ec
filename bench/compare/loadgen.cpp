// ropekv-loadgen: the one load generator of scripts/bench-compare, for every
// system (RopeKV, etcd's JSON gateway and nginx over HTTP/1.1; Redis over
// RESP). Closed loop: N connections with one request in flight each, spread
// over --threads io_contexts. Prints ONE JSON line with the counts, the
// latency percentiles and the generator's own CPU time (getrusage).
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "command_line.hpp"
#include "connection.hpp"
#include "json_line.hpp"
#include "options.hpp"

using namespace ropekv::bench;

int main(int argc, char** argv) {
  auto cli = parse_command_line(argc, argv, "ropekv-loadgen", usage_text, parse_options);
  if (!cli.spec) return cli.exit_code;
  const run_spec& spec = *cli.spec;

  run_control ctl;
  ctl.limit = spec.requests;
  unsigned threads = std::min(spec.threads, spec.connections);
  std::vector<run_stats> stats(spec.connections);
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  for (unsigned t = 0; t < threads; ++t) ios.push_back(std::make_unique<boost::asio::io_context>(1));

  const double cpu0 = process_cpu_seconds();
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
  const double cpu1 = process_cpu_seconds();

  run_stats total;
  for (const auto& s : stats) total.merge(s);
  double seconds = std::chrono::duration<double>(end - std::max(ctl.start, ctl.warm_end)).count();
  if (seconds <= 0) seconds = 1e-9;
  double cpu = cpu1 - cpu0;
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
