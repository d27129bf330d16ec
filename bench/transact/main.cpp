// ropekv-txn-bench: the client of scripts/bench-transact. One run of one
// mode against the router, ONE JSON line on stdout:
//
//   put   closed-loop PUTs of single items (fresh keys, or random ones)
//   txn   closed-loop POST /v1/transact of --ops puts whose hash keys are
//         chosen (from GET /v1/cluster and keys::partition_of) to land on
//         exactly --span distinct segments of the table
//
// Every answer is checked (status, shape, one version per op); afterwards
// the items of the last writes of each connection are read back and must
// carry the version their write answered. Exit status 1 when the run
// failed, never because of speed.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <rapidjson/document.h>

#include <cstdio>
#include <iostream>

#include "command_line.hpp"
#include "http_session.hpp"
#include "json_line.hpp"
#include "txn_bench.hpp"

using namespace ropekv::bench::transact;
namespace asio = boost::asio;
using ropekv::bench::field;
using ropekv::bench::json_writer;
using ropekv::bench::percentiles;
using ropekv::bench::process_cpu_seconds;
using ropekv::bench::strings;

namespace {

/// The table's id and segments, from GET /v1/tables/T and GET /v1/cluster.
struct setup_result {
  segment_map map;
  std::string problem;
};

asio::awaitable<void> load_segments(const bench_spec& spec, setup_result& out) {
  using ropekv::bench::indexer::http_session;
  http_session s(co_await asio::this_coro::executor, spec.host, spec.port);
  auto t = co_await s.call("GET", "/v1/tables/" + spec.table);
  rapidjson::Document td;
  td.Parse(t.body.c_str());
  if (t.status != 200 || td.HasParseError() || !td.IsObject() || !td.HasMember("id") || !td["id"].IsUint()) {
    out.problem = "GET /v1/tables/" + spec.table + ": " + t.describe();
    co_return;
  }
  const uint32_t id = td["id"].GetUint();
  auto c = co_await s.call("GET", "/v1/cluster");
  rapidjson::Document cd;
  cd.Parse(c.body.c_str());
  if (c.status != 200 || cd.HasParseError() || !cd.IsObject() || !cd.HasMember("segments") ||
      !cd["segments"].IsArray()) {
    out.problem = "GET /v1/cluster: " + c.describe();
    co_return;
  }
  std::vector<segment_range> segs;
  for (const auto& sv : cd["segments"].GetArray()) {
    if (!sv.IsObject() || !sv.HasMember("table") || !sv["table"].IsString() || spec.table != sv["table"].GetString())
      continue;
    auto start = sv.HasMember("start_key") && sv["start_key"].IsString()
                     ? hex_decode(sv["start_key"].GetString()) : std::nullopt;
    auto end = sv.HasMember("end_key") && sv["end_key"].IsString() ? hex_decode(sv["end_key"].GetString())
                                                                   : std::nullopt;
    if (!start || !end || !sv.HasMember("id") || !sv["id"].IsUint64()) {
      out.problem = "GET /v1/cluster: a segment of " + spec.table + " without id, start_key or end_key in hex";
      co_return;
    }
    segs.push_back({sv["id"].GetUint64(), std::move(*start), std::move(*end)});
  }
  out.map = segment_map(id, std::move(segs));
  out.problem = out.map.check();
}

}  // namespace

int main(int argc, char** argv) {
  auto cli = ropekv::bench::parse_command_line(argc, argv, "ropekv-txn-bench", usage_text, parse_options);
  if (!cli.spec) return cli.exit_code;
  const bench_spec& spec = *cli.spec;
  const double cpu0 = process_cpu_seconds();
  const int64_t t0 = now_ns();
  std::vector<std::string> problems;

  asio::io_context io(1);
  setup_result setup;
  asio::co_spawn(io, load_segments(spec, setup), asio::detached);
  io.run();
  if (!setup.problem.empty()) problems.push_back(setup.problem);
  if (spec.mode == "txn" && setup.problem.empty() && spec.span > setup.map.size())
    problems.push_back("--span " + std::to_string(spec.span) + " but the table has " +
                       std::to_string(setup.map.size()) + " segment(s)");

  std::vector<conn_log> logs(spec.connections);
  run_control ctl;
  verify_log verified;
  if (problems.empty()) {
    io.restart();
    ctl.start_ns = now_ns();
    ctl.warm_end_ns = ctl.start_ns + static_cast<int64_t>(spec.warmup_s * 1e9);
    ctl.deadline_ns = ctl.warm_end_ns + static_cast<int64_t>(spec.duration_s * 1e9);
    for (unsigned c = 0; c < spec.connections; ++c)
      asio::co_spawn(io, run_connection(spec, setup.map, ctl, c, logs[c]), asio::detached);
    io.run();
    if (spec.verify > 0) {
      io.restart();
      asio::co_spawn(io, run_verify(spec, logs, verified), asio::detached);
      io.run();
    }
  }

  conn_log total;
  for (auto& l : logs) {
    total.latency.merge(l.latency);
    total.requests += l.requests;
    total.warmup_requests += l.warmup_requests;
    total.errors += l.errors;
    total.warmup_errors += l.warmup_errors;
    total.keys_tried += l.keys_tried;
    total.ops_without_version += l.ops_without_version;
    for (auto& e : l.error_samples)
      if (total.error_samples.size() < 3) total.error_samples.push_back(e);
  }
  if (problems.empty() && total.requests == 0) problems.push_back("no request answered in the timed window");
  if (total.errors > 0) problems.push_back(std::to_string(total.errors) + " errors");
  if (total.warmup_errors > spec.warmup_errors_allowed)
    problems.push_back(std::to_string(total.warmup_errors) + " errors in the warm-up (allowed " +
                       std::to_string(spec.warmup_errors_allowed) + ")");
  if (verified.ok != verified.items)
    problems.push_back(std::to_string(verified.items - verified.ok) + " of " + std::to_string(verified.items) +
                       " items read back wrong");
  for (const auto& p : verified.problems) problems.push_back(p);

  const double wall = static_cast<double>(now_ns() - t0) / 1e9;
  const double cpu = process_cpu_seconds() - cpu0;
  const uint64_t ops = spec.mode == "put" ? 1 : spec.ops;
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  field(w, "label", spec.label);
  field(w, "mode", spec.mode);
  field(w, "table", spec.table);
  field(w, "table_segments", static_cast<uint64_t>(setup.map.size()));
  field(w, "ops", ops);
  field(w, "span", static_cast<uint64_t>(spec.mode == "put" ? 1 : spec.span));
  field(w, "connections", static_cast<uint64_t>(spec.connections));
  field(w, "keys", spec.key_space ? "random k0..k" + std::to_string(spec.key_space - 1) : std::string("fresh"));
  field(w, "value_bytes", static_cast<uint64_t>(spec.value_bytes));
  field(w, "duration_s", spec.duration_s);
  field(w, "warmup_s", spec.warmup_s);
  field(w, "requests", total.requests);
  field(w, "req_per_s", static_cast<double>(total.requests) / spec.duration_s);
  field(w, "items_per_s", static_cast<double>(total.requests * ops) / spec.duration_s);
  percentiles(w, "latency_ms", total.latency);
  field(w, "warmup_requests", total.warmup_requests);
  field(w, "keys_tried_per_key",
        total.keys_tried && spec.mode == "txn" && spec.key_space == 0
            ? static_cast<double>(total.keys_tried) /
                  static_cast<double>((total.requests + total.warmup_requests) * spec.ops)
            : 0.0);
  w.Key("verify");
  w.StartObject();
  field(w, "items", verified.items);
  field(w, "ok", verified.ok);
  w.EndObject();
  // A finding, not a failure: the answers lacked what the router documents.
  field(w, "ops_without_version", total.ops_without_version);
  field(w, "errors", total.errors);
  field(w, "warmup_errors", total.warmup_errors);
  strings(w, "error_samples", total.error_samples);
  field(w, "wall_s", wall);
  field(w, "cpu_s", cpu);
  field(w, "cpu_share", wall > 0 ? cpu / wall : 0.0);
  field(w, "ok", problems.empty());
  strings(w, "problems", problems);
  w.EndObject();
  std::cout << buf.GetString() << std::endl;
  return problems.empty() ? 0 : 1;
}
