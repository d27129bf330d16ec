// ropekv-index-bench: the client of scripts/bench-indexer. One run of one
// mode against the router, ONE JSON line on stdout:
//
//   put       closed-loop PUTs of fresh keys (items with five indexable
//             attributes), optionally with the lag probe alongside
//   preload   k0..k<N-1> through POST /batch
//   get       primary-key GETs of random preloaded keys
//   query     eq= index queries of random preloaded keys (one item each)
//   backfill  PUTs into one table; after the baseline window an index is
//             created on another, populated table; the writes go on until
//             it is active (write rate before vs during, backfill progress)
//
// get and query reuse bench/compare's closed-loop HTTP connection
// (run_http_connection) and answer checks; the rest is in this folder.
// Exit status 1 when the run failed (see usage), never because of speed.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "command_line.hpp"
#include "connection.hpp"
#include "index_bench.hpp"
#include "json_line.hpp"
#include "item_shape.hpp"

using namespace ropekv::bench::indexer;
namespace asio = boost::asio;
using ropekv::bench::field;
using ropekv::bench::json_writer;
using ropekv::bench::ns_to_ms;
using ropekv::bench::percentiles;
using ropekv::bench::process_cpu_seconds;
using ropekv::bench::strings;

namespace {

double seconds(int64_t a_ns, int64_t b_ns) { return static_cast<double>(b_ns - a_ns) / 1e9; }

void key(json_writer& w, const char* k) { w.Key(k); }

void window(json_writer& w, const char* k, const window_figures& f) {
  key(w, k);
  w.StartObject();
  field(w, "writes", f.writes);
  field(w, "seconds", f.seconds);
  field(w, "writes_per_s", f.per_s);
  percentiles(w, "latency_ms", f.latency);
  w.EndObject();
}

/// What every mode reports besides its own figures.
struct outcome {
  std::vector<std::string> problems;
  ropekv::bench::indexer::error_log errors;
};

// ------------------------------------------------------------ load modes

struct load_run {
  write_control ctl;
  std::vector<write_log> logs;
  std::vector<write_sample> samples;  // all connections, merged
  error_log errors;
  probe_log probe;
  backfill_log backfill;
  int64_t end_ns = 0;
};

/// Runs `connections` coroutines of `load` on one thread and, when given,
/// `control` (probe or backfill) on a second one, until they all return.
/// With timed_s > 0 the writers stop after warm-up + timed_s, else when
/// something sets ctl.stop (or they run out of work).
template <class Load, class Control>
void run_load(const bench_spec& spec, load_run& r, Load load, Control control, bool with_control, double warmup_s,
              double timed_s) {
  r.logs.resize(spec.connections);
  asio::io_context load_io(1), control_io(1);
  r.ctl.start_ns = now_ns();
  r.ctl.warm_end_ns = r.ctl.start_ns + static_cast<int64_t>(warmup_s * 1e9);
  if (timed_s > 0) r.ctl.deadline_ns = r.ctl.warm_end_ns + static_cast<int64_t>(timed_s * 1e9);
  for (unsigned c = 0; c < spec.connections; ++c) asio::co_spawn(load_io, load(r.logs[c]), asio::detached);
  if (with_control) asio::co_spawn(control_io, control(), asio::detached);
  std::thread control_thread([&] { control_io.run(); });
  load_io.run();
  control_thread.join();
  r.end_ns = now_ns();
  for (auto& l : r.logs) {
    r.samples.insert(r.samples.end(), l.samples.begin(), l.samples.end());
    r.errors.merge(l.errors);
  }
}

void probe_json(json_writer& w, const bench_spec& spec, const probe_log& p) {
  key(w, "probe");
  w.StartObject();
  key(w, "indexes");
  w.StartArray();
  for (const auto& n : spec.probe_indexes) w.String(n.c_str());
  w.EndArray();
  field(w, "method", std::string("poll eq= without after=, one query in flight per poller"));
  field(w, "pollers", static_cast<uint64_t>(spec.probe_pollers));
  field(w, "probes", p.probes);
  field(w, "timed", p.timed);
  field(w, "never_seen", p.never_seen);
  field(w, "polls", p.polls);
  field(w, "never_missed", p.never_missed);
  percentiles(w, "lag_ms", p.lag_upper);
  percentiles(w, "lag_lower_ms", p.lag_lower);
  percentiles(w, "poll_rtt_ms", p.poll_rtt);
  key(w, "per_index_lag_ms");
  w.StartObject();
  for (size_t i = 0; i < p.per_index.size(); ++i) {
    key(w, spec.probe_indexes[i].c_str());
    w.StartObject();
    field(w, "p50", ns_to_ms(p.per_index[i].quantile(0.5)));
    field(w, "p99", ns_to_ms(p.per_index[i].quantile(0.99)));
    field(w, "samples", p.per_index[i].count());
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

void put_mode(const bench_spec& spec, json_writer& w, outcome& out) {
  load_run r;
  run_load(
      spec, r, [&](write_log& l) { return run_writer(spec, r.ctl, l); },
      [&] { return run_probe(spec, r.ctl, r.probe); }, !spec.probe_indexes.empty(), spec.warmup_s,
      spec.duration_s);
  auto f = window_of(r.samples, r.ctl.warm_end_ns, r.ctl.deadline_ns);
  out.errors.merge(r.errors);
  out.errors.merge(r.probe.errors);
  if (f.writes == 0) out.problems.push_back("no write acknowledged in the timed window");
  if (r.probe.never_seen) out.problems.push_back(std::to_string(r.probe.never_seen) + " probes never seen");
  if (!spec.probe_indexes.empty() && r.probe.timed == 0) out.problems.push_back("no probe in the timed window");
  field(w, "duration_s", spec.duration_s);
  field(w, "warmup_s", spec.warmup_s);
  field(w, "value_bytes", static_cast<uint64_t>(spec.value_bytes));
  field(w, "writes", f.writes);
  field(w, "writes_per_s", f.per_s);
  percentiles(w, "latency_ms", f.latency);
  if (!spec.probe_indexes.empty()) probe_json(w, spec, r.probe);
}

void preload_mode(const bench_spec& spec, json_writer& w, outcome& out) {
  load_run r;
  run_load(
      spec, r, [&](write_log& l) { return run_preload(spec, r.ctl, l); }, [] { return asio::awaitable<void>{}; },
      false, 0, 0);
  out.errors.merge(r.errors);
  const uint64_t items = r.samples.size();
  if (items != spec.items)
    out.problems.push_back(std::to_string(items) + " of " + std::to_string(spec.items) + " items written");
  const double s = seconds(r.ctl.start_ns, r.end_ns);
  field(w, "items", items);
  field(w, "seconds", s);
  field(w, "items_per_s", s > 0 ? static_cast<double>(items) / s : 0.0);
}

void backfill_mode(const bench_spec& spec, json_writer& w, outcome& out) {
  load_run r;
  run_load(
      spec, r, [&](write_log& l) { return run_writer(spec, r.ctl, l); },
      [&] { return run_backfill(spec, r.ctl, r.backfill); }, true, spec.warmup_s, 0);
  const auto& b = r.backfill;
  out.errors.merge(r.errors);
  out.errors.merge(b.errors);
  if (!b.failure.empty()) out.problems.push_back(b.failure);
  const int64_t baseline_end = r.ctl.warm_end_ns + static_cast<int64_t>(spec.duration_s * 1e9);
  auto base = window_of(r.samples, r.ctl.warm_end_ns, baseline_end);
  const int64_t during_end = b.active_ns ? b.active_ns : r.end_ns;
  auto during = window_of(r.samples, b.created_ns ? b.created_ns : baseline_end, during_end);
  if (spec.connections > 0 && (base.writes == 0 || during.writes == 0))
    out.problems.push_back("no write acknowledged in a window");
  auto verdict = check_progress(b.samples);
  field(w, "duration_s", spec.duration_s);
  field(w, "warmup_s", spec.warmup_s);
  field(w, "value_bytes", static_cast<uint64_t>(spec.value_bytes));
  window(w, "baseline", base);
  window(w, "during", during);
  field(w, "ratio", base.per_s > 0 ? during.per_s / base.per_s : 0.0);
  key(w, "backfill");
  w.StartObject();
  field(w, "table", spec.backfill_table);
  field(w, "index", spec.index_name);
  field(w, "definition", spec.index);
  field(w, "projection", spec.projection);
  field(w, "items", spec.items ? spec.items : verdict.max_items_done);
  field(w, "put_status", static_cast<uint64_t>(b.put_status));
  field(w, "finished", b.active_ns != 0);
  // PUT sent -> the first GET that showed "active" (at most one sample
  // period plus a round trip late).
  const double duration = b.active_ns ? seconds(b.put_sent_ns, b.active_ns) : 0.0;
  field(w, "duration_s", duration);
  field(w, "last_backfilling_s", b.last_backfilling_ns ? seconds(b.put_sent_ns, b.last_backfilling_ns) : 0.0);
  const double items = static_cast<double>(spec.items ? spec.items : verdict.max_items_done);
  field(w, "items_per_s", duration > 0 ? items / duration : 0.0);
  field(w, "reported_items_per_s_median", verdict.median_items_per_s);
  key(w, "progress");
  w.StartObject();
  field(w, "samples", verdict.samples);
  field(w, "backfilling_samples", verdict.backfilling);
  field(w, "decreases", verdict.decreases);
  field(w, "monotonic", verdict.monotonic);
  field(w, "max_items_done", verdict.max_items_done);
  key(w, "trace");  // [seconds since created, state initial, items_done], thinned
  w.StartArray();
  for (size_t i : thin_indices(b.samples.size(), 24)) {
    const auto& s = b.samples[i];
    w.StartArray();
    w.Double(static_cast<double>(static_cast<int64_t>(s.t_s * 1000)) / 1000);
    w.String(s.state.empty() ? "-" : s.state.substr(0, 1).c_str());
    w.Uint64(s.items_done);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
}

// ------------------------------------------------- get / query (bench/compare)

void read_mode(const bench_spec& spec, json_writer& w, outcome& out) {
  namespace cb = ropekv::bench;
  cb::run_spec rs;
  rs.mode = "http";
  rs.host = spec.host;
  rs.port = spec.port;
  rs.connections = spec.connections;
  rs.threads = 1;
  rs.duration_s = spec.duration_s;
  rs.warmup_s = spec.warmup_s;
  rs.keys = std::make_shared<cb::key_space>("", spec.items);
  rs.read.method = "GET";
  if (spec.mode == "get") {
    rs.read.path = "/v1/tables/" + spec.table + "/items/k{key}";
    if (!spec.consistency.empty()) rs.read.path += "?consistency=" + spec.consistency;
    rs.read.expect_body = "\"email\":\"user-";
  } else {
    std::string eq = preload_eq_template(*find_index(spec.index));
    rs.read.path = eq_query_target(spec.table, spec.index, eq);
    rs.read.expect_body = "\"hash_key\":\"k";
  }
  rs.label = spec.label;
  cb::run_control ctl;
  std::vector<cb::run_stats> stats(spec.connections);
  asio::io_context io(1);
  ctl.start = cb::run_control::clock::now();
  ctl.warm_end = ctl.start + std::chrono::duration_cast<cb::run_control::clock::duration>(
                                 std::chrono::duration<double>(spec.warmup_s));
  ctl.deadline = ctl.warm_end + std::chrono::duration_cast<cb::run_control::clock::duration>(
                                    std::chrono::duration<double>(spec.duration_s));
  for (unsigned c = 0; c < spec.connections; ++c)
    asio::co_spawn(io, cb::run_http_connection(rs, ctl, stats[c], 0x5eed0000ULL + c * 7919ULL), asio::detached);
  io.run();
  cb::run_stats total;
  for (const auto& s : stats) total.merge(s);
  // Its answers are checked in the warm-up too, and any wrong one counts.
  out.errors.timed += total.errors;
  for (const auto& e : total.error_samples)
    if (out.errors.samples.size() < 3) out.errors.samples.push_back(e);
  if (total.requests == 0) out.problems.push_back("no request answered in the timed window");
  const double s = std::chrono::duration<double>(ctl.deadline - ctl.warm_end).count();
  field(w, "duration_s", spec.duration_s);
  field(w, "warmup_s", spec.warmup_s);
  field(w, "path", rs.read.path);
  field(w, "requests", total.requests);
  field(w, "req_per_s", static_cast<double>(total.requests) / s);
  percentiles(w, "latency_ms", total.latency);
  field(w, "reconnects", total.reconnects);
}

}  // namespace

int main(int argc, char** argv) {
  auto cli = ropekv::bench::parse_command_line(argc, argv, "ropekv-index-bench", usage_text, parse_options);
  if (!cli.spec) return cli.exit_code;
  const bench_spec& spec = *cli.spec;
  const double cpu0 = process_cpu_seconds();
  const int64_t t0 = now_ns();
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  field(w, "label", spec.label);
  field(w, "mode", spec.mode);
  field(w, "table", spec.table);
  field(w, "connections", static_cast<uint64_t>(spec.connections));
  outcome out;
  if (spec.mode == "put") put_mode(spec, w, out);
  else if (spec.mode == "preload") preload_mode(spec, w, out);
  else if (spec.mode == "backfill") backfill_mode(spec, w, out);
  else read_mode(spec, w, out);

  if (out.errors.timed > 0) out.problems.push_back(std::to_string(out.errors.timed) + " errors");
  if (out.errors.warmup > spec.warmup_errors_allowed)
    out.problems.push_back(std::to_string(out.errors.warmup) + " errors in the warm-up (allowed " +
                           std::to_string(spec.warmup_errors_allowed) + ")");
  const double wall = seconds(t0, now_ns());
  const double cpu = process_cpu_seconds() - cpu0;
  field(w, "errors", out.errors.timed);
  field(w, "warmup_errors", out.errors.warmup);
  strings(w, "error_samples", out.errors.samples);
  field(w, "wall_s", wall);
  field(w, "cpu_s", cpu);
  field(w, "cpu_share", wall > 0 ? cpu / wall : 0.0);
  field(w, "ok", out.problems.empty());
  strings(w, "problems", out.problems);
  w.EndObject();
  std::cout << buf.GetString() << std::endl;
  return out.problems.empty() ? 0 : 1;
}
