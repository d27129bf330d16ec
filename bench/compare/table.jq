# bench/results/latest.json -> tab-separated human table (scripts/bench-compare pipes it into column -t).
def f(n): if . == null then "-" else (. * pow(10; n) | round) / pow(10; n) | tostring end;
(["workload", "system", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "gen cpu", "RopeKV/this req/s", "RopeKV/this p99"] | @tsv),
(.workloads | to_entries[] | .key as $w | .value as $v
  | $v.systems | to_entries[]
  | .key as $s | .value as $r
  | [ $w, $s, ($r.connections | tostring), ($r.median.req_per_s | f(0)), ($r.median.p50_ms | f(3)),
      ($r.median.p90_ms | f(3)), ($r.median.p99_ms | f(3)), ($r.median.max_ms | f(2)), ($r.errors | tostring),
      (($r.median.generator_cpu_share * 100 | round | tostring) + "%"),
      (if $s == "ropekv" then "" else ($v.ratios["ropekv/" + $s].req_per_s | f(3)) end),
      (if $s == "ropekv" then "" else ($v.ratios["ropekv/" + $s].p99_ms | f(3)) end) ]
  | @tsv)
