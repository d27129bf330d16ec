// ropekv-ws-bench: the notifier benchmark's client. A writer drives PUTs
// through the router (closed loop, --writers connections) while
// --subscribers WebSocket connections to one notifier, all subscribed to the
// same table, receive the events. Every item carries its send time
// (CLOCK_REALTIME ns) and every key its write's sequence number, so each
// event is matched to its write on receipt: latency, and a count check that
// every acknowledged write reached every subscriber. Prints ONE JSON line;
// exit status 1 when anything is missing or failed, 2 on a bad command line.
//
// Phases: connect and subscribe everyone (the writer waits for the last
// "subscribed"), write for warm-up + duration, then drain until every
// subscriber has every acknowledged write (or the drain/stall timeout).
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "command_line.hpp"
#include "connections.hpp"
#include "json_line.hpp"

using namespace ropekv::bench;
namespace asio = boost::asio;

namespace {

const char* const usage = R"(ropekv-ws-bench: notifier benchmark client; prints one JSON line.

  --host 127.0.0.1          address of router and notifier
  --http-port P             the router (PUTs)
  --ws-port P               the notifier (GET /v1/ws)
  --table NAME              table to write and subscribe to (must exist; default bench_notify)
  --key-prefix P            this run's keys are P0, P1, ... (default: derived from the clock)
  --subscribers N           WebSocket subscribers (0: the writer alone, a baseline; default 1)
  --threads N               subscriber I/O threads (default 2)
  --writers N               writer connections, one PUT in flight each (default 50)
  --duration S              timed writing after the warm-up (default 4)
  --warmup S                writing before the timed part; delivery still checked (default 1)
  --value-bytes N           item size (default 100)
  --subscribe-timeout S     every subscriber subscribed within S (default 60)
  --drain-timeout S         after the last write, wait at most S for missing events (default 60)
  --stall-timeout S         ... and give up when no event arrived for S (default 10)
  --label TEXT              copied into the JSON line
)";

ws_bench_spec parse(const std::vector<std::string>& argv) {
  option_map o(argv);
  auto take = [&](const std::string& name, std::string dflt) { return o.take(name, std::move(dflt)); };
  auto num = [&](const std::string& name, double dflt) { return o.number(name, dflt); };
  ws_bench_spec s;
  s.host = take("host", s.host);
  s.http_port = static_cast<uint16_t>(num("http-port", 0));
  s.ws_port = static_cast<uint16_t>(num("ws-port", 0));
  s.table = take("table", s.table);
  s.key_prefix = take("key-prefix", "");
  s.subscribers = static_cast<unsigned>(num("subscribers", s.subscribers));
  s.threads = static_cast<unsigned>(num("threads", s.threads));
  s.writers = static_cast<unsigned>(num("writers", s.writers));
  s.duration_s = num("duration", s.duration_s);
  s.warmup_s = num("warmup", s.warmup_s);
  s.value_bytes = static_cast<unsigned>(num("value-bytes", s.value_bytes));
  s.subscribe_timeout_s = num("subscribe-timeout", s.subscribe_timeout_s);
  s.drain_timeout_s = num("drain-timeout", s.drain_timeout_s);
  s.stall_timeout_s = num("stall-timeout", s.stall_timeout_s);
  s.label = take("label", "");
  o.expect_consumed();
  if (s.http_port == 0) throw std::invalid_argument("--http-port is required");
  if (s.subscribers > 0 && s.ws_port == 0) throw std::invalid_argument("--ws-port is required with subscribers");
  if (s.writers == 0 || s.threads == 0 || s.duration_s <= 0)
    throw std::invalid_argument("--writers, --threads and --duration must be positive");
  if (s.key_prefix.empty()) s.key_prefix = "wsb" + std::to_string(realtime_ns() / 1000 % 100'000'000'000) + "-";
  return s;
}

double seconds_between(int64_t a_ns, int64_t b_ns) { return static_cast<double>(b_ns - a_ns) / 1e9; }

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

int main(int argc, char** argv) {
  auto cli = parse_command_line(argc, argv, "ropekv-ws-bench", usage, parse);
  if (!cli.spec) return cli.exit_code;
  const ws_bench_spec& spec = *cli.spec;
  const double cpu0 = process_cpu_seconds();
  std::vector<std::string> problems;

  // ---- subscribers: connect and subscribe everyone before the first write
  subscriber_control sctl;
  writer_control wctl;
  // Room for 50,000 writes/s, far above what one cluster takes at c50.
  wctl.acked_at_size = static_cast<uint64_t>((spec.warmup_s + spec.duration_s + 1) * 50'000);
  wctl.acked_at = std::make_unique<std::atomic<int64_t>[]>(wctl.acked_at_size);
  for (uint64_t i = 0; i < wctl.acked_at_size; ++i) wctl.acked_at[i].store(0, std::memory_order_relaxed);
  sctl.writer = &wctl;
  const unsigned sub_threads = spec.subscribers ? std::min(spec.threads, spec.subscribers) : 0;
  std::vector<std::unique_ptr<subscriber_state>> subs;
  std::vector<std::unique_ptr<thread_stats>> tstats;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (unsigned t = 0; t < sub_threads; ++t) {
    ios.push_back(std::make_unique<asio::io_context>(1));
    guards.push_back(asio::make_work_guard(*ios.back()));
    tstats.push_back(std::make_unique<thread_stats>());
  }
  for (unsigned i = 0; i < spec.subscribers; ++i) {
    subs.push_back(std::make_unique<subscriber_state>());
    asio::co_spawn(*ios[i % sub_threads], run_subscriber(spec, sctl, *subs.back(), *tstats[i % sub_threads]),
                   asio::detached);
  }
  std::vector<std::thread> sub_workers;
  for (unsigned t = 0; t < sub_threads; ++t)
    sub_workers.emplace_back([&, t] {
      ios[t]->run();
      tstats[t]->cpu_s = thread_cpu_seconds();
    });
  const int64_t subscribe_start = realtime_ns();
  const int64_t subscribe_deadline = subscribe_start + static_cast<int64_t>(spec.subscribe_timeout_s * 1e9);
  while (sctl.subscribed.load() + sctl.failed.load() < spec.subscribers && realtime_ns() < subscribe_deadline)
    sleep_ms(5);
  const double subscribe_s = seconds_between(subscribe_start, realtime_ns());
  const bool all_subscribed = sctl.subscribed.load() == spec.subscribers;
  if (!all_subscribed)
    problems.push_back(std::to_string(sctl.subscribed.load()) + " of " + std::to_string(spec.subscribers) +
                       " subscribed");

  // ---- writer
  std::vector<writer_stats> wstats(spec.writers);
  double writer_cpu = 0;
  if (all_subscribed) {
    wctl.start_ns = realtime_ns();
    wctl.warm_end_ns = wctl.start_ns + static_cast<int64_t>(spec.warmup_s * 1e9);
    wctl.deadline_ns = wctl.warm_end_ns + static_cast<int64_t>(spec.duration_s * 1e9);
    sctl.warm_end_ns = wctl.warm_end_ns;
    sctl.deadline_ns = wctl.deadline_ns;
    asio::io_context wio(1);
    for (unsigned c = 0; c < spec.writers; ++c)
      asio::co_spawn(wio, run_writer_connection(spec, wctl, wstats[c]), asio::detached);
    std::thread writer([&] {
      wio.run();
      writer_cpu = thread_cpu_seconds();
    });
    writer.join();
  }
  const int64_t writes_end = realtime_ns();
  writer_stats w;
  for (auto& s : wstats) {
    w.acked.insert(w.acked.end(), s.acked.begin(), s.acked.end());
    w.latency.merge(s.latency);
    w.timed += s.timed;
    w.errors += s.errors;
    for (auto& e : s.error_samples)
      if (w.error_samples.size() < 3) w.error_samples.push_back(e);
  }
  const uint64_t acked = w.acked.size();

  // ---- drain: until every live subscriber has as many of this run's writes
  // as were acknowledged (the exact check is below), or time is up.
  bool drained = spec.subscribers == 0;
  if (all_subscribed && spec.subscribers > 0) {
    const int64_t drain_deadline = writes_end + static_cast<int64_t>(spec.drain_timeout_s * 1e9);
    uint64_t last_total = sctl.total_distinct.load();
    int64_t last_progress = realtime_ns();
    for (;;) {
      bool all = true;
      for (auto& s : subs)
        if (!s->failed.load() && s->distinct.load(std::memory_order_relaxed) < acked) {
          all = false;
          break;
        }
      if (all) {
        drained = true;
        break;
      }
      const int64_t now = realtime_ns();
      if (uint64_t total = sctl.total_distinct.load(); total != last_total) {
        last_total = total;
        last_progress = now;
      }
      if (now >= drain_deadline || now - last_progress >= static_cast<int64_t>(spec.stall_timeout_s * 1e9)) break;
      sleep_ms(10);
    }
  }
  const double drain_s = seconds_between(writes_end, realtime_ns());
  sctl.stopping = true;
  guards.clear();
  for (auto& io : ios) io->stop();
  for (auto& t : sub_workers) t.join();
  const double cpu_total = process_cpu_seconds() - cpu0;

  // ---- the count check and the figures
  uint64_t missing = 0, subs_missing = 0, duplicates = 0, foreign = 0, events = 0, delivered = 0;
  uint64_t failed = 0;
  std::vector<std::string> failure_samples;
  for (auto& s : subs) {
    uint64_t miss = 0;
    for (uint64_t seq : w.acked) miss += !s->received.contains(seq);
    missing += miss;
    subs_missing += miss > 0;
    duplicates += s->duplicates;
    foreign += s->foreign;
    events += s->events;
    delivered += s->received.size();
    if (s->failed.load()) {
      ++failed;
      if (failure_samples.size() < 3) failure_samples.push_back(s->failure);
    }
  }
  ropekv::bench::histogram lat, lat_leader, lat_ack;
  uint64_t before_ack = 0;
  int64_t last_event = 0;
  uint64_t during_writes = 0;
  double sub_cpu = 0;
  for (auto& t : tstats) {
    lat.merge(t->write_to_event);
    lat_leader.merge(t->leader_to_event);
    lat_ack.merge(t->ack_to_event);
    before_ack += t->before_ack;
    last_event = std::max(last_event, t->last_event_ns);
    during_writes += t->events_during_writes;
    sub_cpu += t->cpu_s;
  }
  if (missing > 0)
    problems.push_back(std::to_string(missing) + " events missing at " + std::to_string(subs_missing) +
                       " subscribers");
  if (failed > 0) problems.push_back(std::to_string(failed) + " subscribers cut off or failed");
  if (w.errors > 0) problems.push_back(std::to_string(w.errors) + " write errors");
  if (acked == 0 && all_subscribed) problems.push_back("no write was acknowledged");

  const double write_s = spec.duration_s;
  const double write_rate = static_cast<double>(w.timed) / write_s;
  // Fan-out: this run's events delivered to all subscribers, from the first
  // write until the last event arrived (the notifier's delivery throughput,
  // whether or not it kept up with the writer).
  const double fanout_window = last_event > wctl.start_ns ? seconds_between(wctl.start_ns, last_event) : 0;
  const double fanout = fanout_window > 0 ? static_cast<double>(delivered) / fanout_window : 0;
  const double wall = seconds_between(wctl.start_ns ? wctl.start_ns : subscribe_start, realtime_ns());
  auto ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };

  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(3);
  o << "{\"label\":" << json_string(spec.label) << ",\"subscribers\":" << spec.subscribers
    << ",\"writers\":" << spec.writers << ",\"value_bytes\":" << spec.value_bytes << ",\"threads\":" << sub_threads << ",\"ok\":" << (problems.empty() ? "true" : "false")
    << ",\"subscribe_s\":" << subscribe_s << ",\"duration_s\":" << write_s << ",\"warmup_s\":" << spec.warmup_s
    << ",\"writes_acked\":" << acked << ",\"writes_timed\":" << w.timed << ",\"write_errors\":" << w.errors
    << ",\"write_rate\":" << write_rate << ",\"write_p50_ms\":" << ms(w.latency.quantile(0.5))
    << ",\"write_p99_ms\":" << ms(w.latency.quantile(0.99))
    << ",\"events_expected\":" << acked * spec.subscribers << ",\"events_delivered\":" << delivered
    << ",\"event_frames\":" << events << ",\"missing\":" << missing << ",\"subscribers_missing\":" << subs_missing
    << ",\"duplicates\":" << duplicates << ",\"foreign\":" << foreign << ",\"cut_off\":" << failed
    << ",\"drained\":" << (drained ? "true" : "false") << ",\"drain_s\":" << drain_s
    << ",\"fanout_window_s\":" << fanout_window << ",\"fanout_events_per_s\":" << fanout
    << ",\"events_per_s\":" << (spec.subscribers ? fanout / spec.subscribers : 0.0)
    << ",\"fanout_events_per_s_during_writes\":" << static_cast<double>(during_writes) / write_s
    << ",\"latency_ms\":{\"p50\":" << ms(lat.quantile(0.5)) << ",\"p90\":" << ms(lat.quantile(0.9))
    << ",\"p99\":" << ms(lat.quantile(0.99)) << ",\"max\":" << ms(lat.max()) << ",\"samples\":" << lat.count() << "}"
    << ",\"leader_to_event_ms\":{\"p50\":" << ms(lat_leader.quantile(0.5)) << ",\"p99\":" << ms(lat_leader.quantile(0.99))
    << "}"
    << ",\"ack_to_event_ms\":{\"p50\":" << ms(lat_ack.quantile(0.5)) << ",\"p99\":" << ms(lat_ack.quantile(0.99))
    << ",\"before_ack\":" << before_ack << "}"
    << ",\"cpu_s\":" << cpu_total << ",\"cpu_share\":" << (wall > 0 ? cpu_total / wall : 0.0)
    << ",\"subscriber_cpu_s\":" << sub_cpu << ",\"writer_cpu_s\":" << writer_cpu << ",\"wall_s\":" << wall
    << ",\"problems\":[";
  for (size_t i = 0; i < problems.size(); ++i) o << (i ? "," : "") << json_string(problems[i]);
  o << "],\"error_samples\":[";
  size_t n = 0;
  for (auto& e : w.error_samples) o << (n++ ? "," : "") << json_string(e);
  for (auto& e : failure_samples) o << (n++ ? "," : "") << json_string(e);
  o << "]}";
  std::cout << o.str() << std::endl;
  return problems.empty() ? 0 : 1;
}
