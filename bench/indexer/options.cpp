// Command line of ropekv-index-bench -> bench_spec.
#include <stdexcept>

#include "command_line.hpp"
#include "index_bench.hpp"
#include "item_shape.hpp"

namespace ropekv::bench::indexer {

const char* const usage_text = R"(ropekv-index-bench: secondary-index benchmark client; prints one JSON line.

  --mode M                 put | preload | get | query | backfill
  --host 127.0.0.1 --port P   the router
  --table T                table written (put, backfill) or read (get, query, preload)
  --connections N          closed loop, one request in flight each (default 50;
                           backfill: 0 builds the index with no foreground load)
  --duration S             timed part (backfill: the baseline before the index; default 4)
  --warmup S               before it: answers checked, not timed (default 1)
  --value-bytes N          item size (default 256)
  --key-prefix P           put/backfill: keys P0, P1, ... (default: from the clock)
  --items N                preload: write k0..k<N-1>; get/query: read them (random keys)
  --batch N                preload: puts per POST /batch (default 25)
  --consistency C          get: strong | eventual (default: the router's)
  --index NAME             query: the index; backfill: the index to create
                           (by_email by_user by_city by_age by_status)
  --index-name NAME        backfill: the created index's name (default: --index)
  --probe a,b,...          put: lag probe polling these indexes in turn (eq=, no after=)
  --probe-timeout S        a probe not seen by then fails the run (default 60)
  --probe-pause-ms MS      between probes (default 5)
  --probe-pollers N        connections polling for each probe, their sends spread
                           over a query round trip (default 2)
  --backfill-table T       backfill: the populated table to index
  --projection P           backfill: keys | all (default all)
  --backfill-timeout S     backfill: the index must be active by then (default 600)
  --sample-ms MS           backfill: progress GET period (default 100)
  --warmup-errors N        failures tolerated in the warm-up (default 5)
  --label TEXT             copied into the JSON line

Exit status: 0 ok, 1 the run failed (errors, a probe never seen, backfill
not finished), 2 bad command line. Speed is never judged.
)";

bench_spec parse_options(const std::vector<std::string>& argv) {
  option_map o(argv);
  auto take = [&](const std::string& name, std::string dflt) { return o.take(name, std::move(dflt)); };
  auto num = [&](const std::string& name, double dflt) { return o.number(name, dflt); };
  bench_spec s;
  s.mode = take("mode", "");
  s.host = take("host", s.host);
  s.port = static_cast<uint16_t>(num("port", 0));
  s.table = take("table", "");
  s.connections = static_cast<unsigned>(num("connections", s.connections));
  s.duration_s = num("duration", s.duration_s);
  s.warmup_s = num("warmup", s.warmup_s);
  s.value_bytes = static_cast<unsigned>(num("value-bytes", s.value_bytes));
  s.key_prefix = take("key-prefix", "");
  s.items = static_cast<uint64_t>(num("items", 0));
  s.batch = static_cast<unsigned>(num("batch", s.batch));
  s.consistency = take("consistency", "");
  s.index = take("index", "");
  s.index_name = take("index-name", s.index);
  for (std::string list = take("probe", ""); !list.empty();) {
    auto comma = list.find(',');
    s.probe_indexes.push_back(list.substr(0, comma));
    list = comma == std::string::npos ? "" : list.substr(comma + 1);
  }
  s.probe_timeout_s = num("probe-timeout", s.probe_timeout_s);
  s.probe_pause_ms = num("probe-pause-ms", s.probe_pause_ms);
  s.probe_pollers = static_cast<unsigned>(num("probe-pollers", s.probe_pollers));
  s.backfill_table = take("backfill-table", "");
  s.projection = take("projection", s.projection);
  s.backfill_timeout_s = num("backfill-timeout", s.backfill_timeout_s);
  s.sample_ms = num("sample-ms", s.sample_ms);
  s.warmup_errors_allowed = static_cast<unsigned>(num("warmup-errors", s.warmup_errors_allowed));
  s.label = take("label", "");
  o.expect_consumed();

  if (s.mode != "put" && s.mode != "preload" && s.mode != "get" && s.mode != "query" && s.mode != "backfill")
    throw std::invalid_argument("--mode must be put, preload, get, query or backfill");
  if (s.port == 0) throw std::invalid_argument("--port is required");
  if (s.table.empty()) throw std::invalid_argument("--table is required");
  if (s.connections == 0 && s.mode != "backfill")
    throw std::invalid_argument("--connections must be positive (0 only with backfill: no foreground load)");
  if ((s.mode == "put" || s.mode == "get" || s.mode == "query") && s.duration_s <= 0)
    throw std::invalid_argument("--duration must be positive");
  if ((s.mode == "preload" || s.mode == "get" || s.mode == "query") && s.items == 0)
    throw std::invalid_argument("--items is required with --mode " + s.mode);
  if (s.mode == "preload" && (s.batch == 0 || s.batch > 100)) throw std::invalid_argument("--batch must be 1..100");
  for (const auto& name : s.probe_indexes)
    if (!find_index(name)) throw std::invalid_argument("--probe: unknown index " + name);
  if ((s.mode == "query" || s.mode == "backfill") && !find_index(s.index))
    throw std::invalid_argument("--index must be one of by_email by_user by_city by_age by_status");
  if (s.mode == "query" && preload_eq_template(*find_index(s.index)).empty())
    throw std::invalid_argument("--mode query needs an index with one item per value (by_email, by_user)");
  if (s.mode == "backfill" && s.backfill_table.empty()) throw std::invalid_argument("--backfill-table is required");
  if (s.projection != "all" && s.projection != "keys") throw std::invalid_argument("--projection must be keys or all");
  if (!s.consistency.empty() && s.consistency != "strong" && s.consistency != "eventual")
    throw std::invalid_argument("--consistency must be strong or eventual");
  if (s.probe_pollers == 0 || s.probe_pollers > 64) throw std::invalid_argument("--probe-pollers must be 1..64");
  if (s.sample_ms <= 0) throw std::invalid_argument("--sample-ms must be positive");
  if (s.key_prefix.empty()) s.key_prefix = clock_key_prefix("ixb");
  return s;
}

}  // namespace ropekv::bench::indexer
