# scripts/bench-notifier: the human summary of bench/results/notifier.json.
"notifier benchmark (\(.reps) rep(s), \(.duration_s)s + \(.warmup_s)s warm-up, writer at c\(.writers), notifier: \(.notifier))",
"  writer alone: \(.baseline.write_rate) writes/s, p99 \(.baseline.write_p99_ms) ms",
(.scenarios[] |
  "  \(.subscribers) subscriber(s): \(.write_rate) writes/s (\(.ratio)x of alone); events \(.events_per_s)/s per subscriber, fan-out \(.fanout_events_per_s)/s (\(.fanout_events_per_s_during_writes)/s while writing); write->event p50 \(.latency_ms.p50) ms p99 \(.latency_ms.p99) ms; ack->event p50 \(.ack_to_event_ms.p50) ms p99 \(.ack_to_event_ms.p99) ms; missing \(.missing), cut off \(.cut_off); client cpu \(.client_cpu_share), notifier cpu \(.notifier_cpu_share), notifier peak RSS \((.notifier_peak_rss_kb // 0) / 1024 | floor) MiB"),
(.goals[] | "  goal: \(.goal) [\(.subscribers) subs]: \(if .met then "met" else "NOT met" end) (\(.value_ms // .value_events_per_s))"),
"  \(if .ok then "all writes delivered to every subscriber" else "FAILED: see runs[].problems" end)"
