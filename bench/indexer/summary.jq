# scripts/bench-indexer: the human summary of bench/results/indexer.json.
"indexer benchmark (\(.settings.reps) rep(s), \(.settings.duration_s)s + \(.settings.warmup_s)s warm-up, c\(.settings.connections), \(.settings.value_bytes)-byte items, projection \(.settings.projection), backfill rate \(.settings.backfill_rate))",
(.write_throughput | "  writes/s: 0 indexes \(.indexes_0.writes_per_s), 1 index \(.indexes_1.writes_per_s) (\(.indexes_1.ratio)x), 5 indexes \(.indexes_5.writes_per_s) (\(.indexes_5.ratio)x); p99 \(.indexes_0.latency_p99_ms) / \(.indexes_1.latency_p99_ms) / \(.indexes_5.latency_p99_ms) ms"),
(.index_lag | "  lag (ack -> visible): 1 index p50 \(.indexes_1.lag_p50_ms) ms p99 \(.indexes_1.lag_p99_ms) ms (\(.indexes_1.probes) probes); 5 indexes p50 \(.indexes_5.lag_p50_ms) ms p99 \(.indexes_5.lag_p99_ms) ms (\(.indexes_5.probes) probes); query round trip p50 \(.indexes_1.poll_rtt_p50_ms) ms"),
(.query_vs_get | "  reads/s: GET \(.get.req_per_s) (eventual \(.get_eventual.req_per_s)), index query \(.query.req_per_s) (\(.ratio)x of GET)"),
(.backfill | "  backfill of \(.items) items: \(.duration_s) s, \(.items_per_s) items/s (without load: \(.without_load.items_per_s // "-") items/s); foreground writes \(.baseline_writes_per_s) -> \(.during_writes_per_s) writes/s (\(.ratio)x); progress only grew: \(.progress_monotonic) (\(.progress_backfilling_samples) samples)"),
(.goals[] | "  goal: \(.goal): \(if .met then "met" else "NOT met" end) (\(.value))"),
"  \(if .ok then "every run completed without errors" else "FAILED: see runs[].problems" end)"
