# scripts/bench-indexer: the runs of ropekv-index-bench (one JSON object per
# line, slurped) -> bench/results/indexer.json. Medians over repetitions;
# ratios against the baseline runs of the same invocation; counts summed.
def median: map(select(. != null)) | sort |
  if length == 0 then null
  elif length % 2 == 1 then .[(length - 1) / 2]
  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r(n): if . == null then null else (. * n | round) / n end;
def med(f): map(f) | median;
def div($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;
def scen($s): map(select(.scenario == $s));
def reps: map(.rep) | unique;
def rate_of($s; f): scen($s) | med(f);
# Per repetition a / b for two scenarios (same rep), then those ratios.
def per_rep_ratios($runs; $a; $b; f):
  [ $runs | scen($b) | reps[] as $rep
    | div(($runs | scen($a) | map(select(.rep == $rep)) | med(f));
          ($runs | scen($b) | map(select(.rep == $rep)) | med(f))) | r(1000) ];
def puts($s):
  scen($s) | { writes_per_s: (med(.writes_per_s) | r(1)), latency_p50_ms: (med(.latency_ms.p50) | r(1000)),
               latency_p99_ms: (med(.latency_ms.p99) | r(1000)), per_rep: map(.writes_per_s | r(1)),
               indexer_cpu_share: (med(.cpu_shares.indexer) | r(1000)),
               owners_cpu_share: (med(.cpu_shares.owners) | r(1000)),
               other_cpu_share: (med(.cpu_shares.other) | r(1000)), runs: length };
def lag($s):
  scen($s) | { lag_p50_ms: (med(.probe.lag_ms.p50) | r(1000)), lag_p99_ms: (med(.probe.lag_ms.p99) | r(1000)),
               lag_max_ms: (map(.probe.lag_ms.max) | max | r(1000)),
               lag_lower_p50_ms: (med(.probe.lag_lower_ms.p50) | r(1000)),
               lag_lower_p99_ms: (med(.probe.lag_lower_ms.p99) | r(1000)),
               poll_rtt_p50_ms: (med(.probe.poll_rtt_ms.p50) | r(1000)),
               probes: (map(.probe.timed // 0) | add), never_seen: (map(.probe.never_seen // 0) | add),
               never_missed: (map(.probe.never_missed // 0) | add),
               pollers: (.[0].probe.pollers // null),
               per_index_lag_p50_ms: (if length > 0 and .[0].probe then
                 [ .[0].probe.indexes[] as $ix | { key: $ix, value: (med(.probe.per_index_lag_ms[$ix].p50) | r(1000)) } ]
                 | from_entries else null end),
               writes_per_s: (med(.writes_per_s) | r(1)), indexer_cpu_share: (med(.cpu_shares.indexer) | r(1000)),
               other_cpu_share: (med(.cpu_shares.other) | r(1000)), runs: length };
def reads($s):
  scen($s) | { req_per_s: (med(.req_per_s) | r(1)), latency_p50_ms: (med(.latency_ms.p50) | r(1000)),
               latency_p99_ms: (med(.latency_ms.p99) | r(1000)), per_rep: map(.req_per_s | r(1)),
               indexer_cpu_share: (med(.cpu_shares.indexer) | r(1000)),
               other_cpu_share: (med(.cpu_shares.other) | r(1000)), runs: length };

. as $runs
| ($runs | rate_of("put_ix0"; .writes_per_s)) as $w0
| ($runs | rate_of("put_ix1"; .writes_per_s)) as $w1
| ($runs | rate_of("put_ix5"; .writes_per_s)) as $w5
| (div($w5; $w0)) as $ratio5
| ($runs | rate_of("get"; .req_per_s)) as $get
| ($runs | rate_of("query"; .req_per_s)) as $query
| ($runs | scen("backfill")) as $bf
| ($bf | med(.ratio)) as $bf_ratio
| ($runs | scen("setup_backfill") | .[0]) as $setup_bf
| { benchmark: "indexer", date: $date, commit: $commit, host: $host, quick: ($quick == 1), elapsed_s: $elapsed,
    load_average: $loadavg,
    settings: { reps: $reps, duration_s: $duration, warmup_s: $warmup, connections: $connections,
                value_bytes: $value_bytes, preloaded_items: $items, projection: $projection,
                backfill_rate: $backfill_rate,
                layout: "1 placement, 3 owners (RF 3), 1 router, 1 indexer; one machine" },
    write_throughput: {
      what: "PUTs of fresh keys at c\($connections) into tables with 0, 1 and 5 global indexes (same cluster, alternating per repetition); ratio = median writes/s / median of the 0-index table",
      indexes_0: ($runs | puts("put_ix0")),
      indexes_1: ($runs | puts("put_ix1") + { ratio: (div($w1; $w0) | r(1000)),
                                             ratio_per_rep: per_rep_ratios($runs; "put_ix1"; "put_ix0"; .writes_per_s) }),
      indexes_5: ($runs | puts("put_ix5") + { ratio: ($ratio5 | r(1000)),
                                             ratio_per_rep: per_rep_ratios($runs; "put_ix5"; "put_ix0"; .writes_per_s) }) },
    index_lag: {
      what: "a probe client, during the c\($connections) PUT load, writes an item whose attribute values exist nowhere else and polls an eq= query for it (no after=; \($runs | scen("lag_ix1") | .[0].probe.pollers // "?") connections, one query in flight each, sends spread over one query round trip) until it shows; lag = from the write's 2xx to the answer of the first query that showed it, lag_lower = to the send of the last query that did not (the true lag lies in between; with no miss the upper bound is one query round trip); with 5 indexes the probes rotate over them; never_missed = probes that no query missed",
      indexes_1: ($runs | lag("lag_ix1")),
      indexes_5: ($runs | lag("lag_ix5")) },
    query_vs_get: {
      what: "c\($connections) on bench_pop (\($items) items): primary-key GET of a random key vs eq= query of by_email for a random item (one item, projection \($projection))",
      get: ($runs | reads("get")), get_eventual: ($runs | reads("get_eventual")), query: ($runs | reads("query")),
      ratio: (div($query; $get) | r(1000)),
      ratio_vs_eventual: (div($query; ($runs | rate_of("get_eventual"; .req_per_s))) | r(1000)),
      ratio_per_rep: per_rep_ratios($runs; "query"; "get"; .req_per_s) },
    backfill: {
      what: "c\($connections) PUTs into bench_ix0 (no indexes) for the baseline window, then an index (by_city) is created on bench_pop (\($items) items) and the PUTs go on until GET shows it active; ratio = writes/s during the backfill / before it, same run",
      items: $items, backfill_rate: $backfill_rate,
      baseline_writes_per_s: ($bf | med(.baseline.writes_per_s) | r(1)),
      during_writes_per_s: ($bf | med(.during.writes_per_s) | r(1)),
      other_cpu_share: ($bf | med(.cpu_shares.other) | r(1000)),
      during_p99_ms: ($bf | med(.during.latency_ms.p99) | r(1000)),
      baseline_p99_ms: ($bf | med(.baseline.latency_ms.p99) | r(1000)),
      ratio: ($bf_ratio | r(1000)), ratio_per_rep: ($bf | map(.ratio | r(1000))),
      duration_s: ($bf | med(.backfill.duration_s) | r(1000)),
      items_per_s: ($bf | med(.backfill.items_per_s) | r(1)),
      reported_items_per_s_median: ($bf | med(.backfill.reported_items_per_s_median) | r(1)),
      indexer_cpu_share: ($bf | med(.cpu_shares.indexer) | r(1000)),
      progress_samples: ($bf | map(.backfill.progress.samples // 0) | add),
      progress_backfilling_samples: ($bf | map(.backfill.progress.backfilling_samples // 0) | add),
      progress_decreases: ($bf | map(.backfill.progress.decreases // 0) | add),
      progress_monotonic: (($bf | length) > 0 and all($bf[]; .backfill.progress.monotonic == true)),
      without_load: (if $setup_bf then { index: "bench_pop/by_email (the query index, built before the repetitions)",
                                         duration_s: ($setup_bf.backfill.duration_s | r(1000)),
                                         items_per_s: ($setup_bf.backfill.items_per_s | r(1)),
                                         progress_monotonic: $setup_bf.backfill.progress.monotonic } else null end) },
    interference: {
      what: "CPU (1.0 = one core) used during each run by processes other than this cluster and its client: /proc/stat busy time minus ours; host \($host)",
      other_cpu_share_median: ($runs | map(select(.rep != "setup")) | med(.cpu_shares.other) | r(1000)),
      other_cpu_share_max: ($runs | map(select(.rep != "setup") | .cpu_shares.other) | max | r(1000)),
      disturbed_runs: [ $runs[] | select(.rep != "setup" and (.cpu_shares.other // 0) >= 0.25)
                        | "\(.scenario)/rep\(.rep): \(.cpu_shares.other)" ] },
    preload: ($runs | scen("preload") | .[0] | if . then { items, seconds: (.seconds | r(1000)), items_per_s: (.items_per_s | r(1)) } else null end),
    goals: [
      { goal: "5 indexes cost < 20 % of write throughput (ratio > 0.8)", value: ($ratio5 | r(1000)),
        met: ($ratio5 != null and $ratio5 > 0.8) },
      { goal: "index query rate >= 0.7x primary-key GET rate at c\($connections)", value: (div($query; $get) | r(1000)),
        met: (div($query; $get) != null and div($query; $get) >= 0.7) },
      { goal: "foreground writes during a backfill >= 0.8x of without", value: ($bf_ratio | r(1000)),
        met: ($bf_ratio != null and $bf_ratio >= 0.8) } ],
    ok: (($runs | length) > 0 and all($runs[]; .exit == 0 and .ok == true)),
    runs: $runs }
