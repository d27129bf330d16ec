// Command line of ropekv-txn-bench -> bench_spec.
#include <stdexcept>

#include "command_line.hpp"
#include "txn_bench.hpp"

namespace ropekv::bench::transact {

const char* const usage_text = R"(ropekv-txn-bench: transaction benchmark client; prints one JSON line.

  --mode M              put: PUT /v1/tables/T/items/K, one item per request
                        txn: POST /v1/transact, --ops puts over --span segments
  --host 127.0.0.1 --port P   the router
  --table T             the table (its segments are read from GET /v1/cluster)
  --connections N       closed loop, one request in flight each (default 1)
  --duration S          timed part (default 4)
  --warmup S            before it: answers checked, not timed (default 1)
  --ops N               txn: puts per transaction (default 2)
  --span S              txn: distinct segments each transaction touches, 1..ops
                        (default 1); op i goes to the (i mod S)-th of them, and
                        consecutive transactions rotate over all segments
  --value-bytes N       item size in JSON bytes (default 256)
  --key-prefix P        fresh keys: P<connection>-<n> (default: from the clock)
  --key-space N         random keys k0..k<N-1> instead of fresh ones (conflicts
                        between concurrent transactions become possible)
  --request-ids         txn: send a unique request_id with each transaction
  --verify N            afterwards: read back the items of the last N writes
                        (spread over the connections, at least one each); each
                        must have the version its write answered (default 20;
                        0: no check; fresh keys only)
  --warmup-errors N     failures tolerated in the warm-up (default 5)
  --label TEXT          copied into the JSON line

Exit status: 0 ok, 1 the run failed (a request failed or answered wrongly,
a read-back did not match, nothing answered), 2 bad command line. Speed is
never judged.
)";

bench_spec parse_options(const std::vector<std::string>& argv) {
  option_map o(argv, {"request-ids"});
  auto take = [&](const std::string& name, std::string dflt) { return o.take(name, std::move(dflt)); };
  auto num = [&](const std::string& name, double dflt) { return o.number(name, dflt); };
  bench_spec s;
  s.request_ids = o.flag("request-ids");
  s.mode = take("mode", "");
  s.host = take("host", s.host);
  s.port = static_cast<uint16_t>(num("port", 0));
  s.table = take("table", "");
  s.connections = static_cast<unsigned>(num("connections", s.connections));
  s.duration_s = num("duration", s.duration_s);
  s.warmup_s = num("warmup", s.warmup_s);
  s.ops = static_cast<unsigned>(num("ops", s.ops));
  s.span = static_cast<unsigned>(num("span", s.span));
  s.value_bytes = static_cast<unsigned>(num("value-bytes", s.value_bytes));
  s.key_prefix = take("key-prefix", "");
  s.key_space = static_cast<uint64_t>(num("key-space", 0));
  s.verify = static_cast<unsigned>(num("verify", s.verify));
  s.warmup_errors_allowed = static_cast<unsigned>(num("warmup-errors", s.warmup_errors_allowed));
  s.label = take("label", "");
  o.expect_consumed();

  if (s.mode != "put" && s.mode != "txn") throw std::invalid_argument("--mode must be put or txn");
  if (s.port == 0) throw std::invalid_argument("--port is required");
  if (s.table.empty()) throw std::invalid_argument("--table is required");
  if (s.connections == 0 || s.connections > 1000) throw std::invalid_argument("--connections must be 1..1000");
  if (s.duration_s <= 0) throw std::invalid_argument("--duration must be positive");
  if (s.ops == 0 || s.ops > 100) throw std::invalid_argument("--ops must be 1..100");
  if (s.span == 0 || s.span > s.ops) throw std::invalid_argument("--span must be 1..--ops");
  if (s.value_bytes < 8 || s.value_bytes > (1u << 20)) throw std::invalid_argument("--value-bytes must be 8..1048576");
  if (s.key_space > 0 && s.verify > 0) s.verify = 0;  // a random key may be overwritten by a later write
  if (s.key_prefix.empty()) s.key_prefix = clock_key_prefix("tx");
  return s;
}

}  // namespace ropekv::bench::transact
