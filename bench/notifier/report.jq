# scripts/bench-notifier: the runs of ropekv-ws-bench (one JSON object per
# line, slurped) -> bench/results/notifier.json. Medians over repetitions;
# counts (missing, cut off, duplicates) are summed.
def median: map(select(. != null)) | sort |
  if length == 0 then null
  elif length % 2 == 1 then .[(length - 1) / 2]
  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r(n): if . == null then null else (. * n | round) / n end;
def med(f): map(f) | median;

. as $runs
| ($runs | map(select(.subscribers == 0))) as $base
| ($base | med(.write_rate)) as $brate
| [ $runs | map(select((.subscribers // 0) > 0)) | group_by(.subscribers)[]
    | { subscribers: .[0].subscribers,
        write_rate: (med(.write_rate) | r(1)),
        write_rate_baseline: ($brate | r(1)),
        ratio: (if ($brate // 0) > 0 then (med(.write_rate) / $brate | r(1000)) else null end),
        events_per_s: (med(.events_per_s) | r(1)),
        fanout_events_per_s: (med(.fanout_events_per_s) | r(1)),
        fanout_events_per_s_during_writes: (med(.fanout_events_per_s_during_writes) | r(1)),
        latency_ms: { p50: (med(.latency_ms.p50) | r(1000)), p90: (med(.latency_ms.p90) | r(1000)),
                      p99: (med(.latency_ms.p99) | r(1000)), max: (map(.latency_ms.max) | max | r(1000)) },
        leader_to_event_ms: { p50: (med(.leader_to_event_ms.p50) | r(1000)), p99: (med(.leader_to_event_ms.p99) | r(1000)) },
        ack_to_event_ms: { p50: (med(.ack_to_event_ms.p50) | r(1000)), p99: (med(.ack_to_event_ms.p99) | r(1000)),
                           before_ack: (map(.ack_to_event_ms.before_ack // 0) | add) },
        write_p99_ms: (med(.write_p99_ms) | r(1000)),
        missing: (if all(.[]; .missing != null) then map(.missing) | add else null end),
        events_expected: (map(.events_expected // 0) | add),
        events_delivered: (map(.events_delivered // 0) | add),
        duplicates: (map(.duplicates // 0) | add),
        cut_off: (map(.cut_off // 0) | add),
        drain_s: (med(.drain_s) | r(1000)),
        client_cpu_share: (med(.cpu_share) | r(1000)),
        notifier_cpu_share: (med(.notifier_cpu_share) | r(1000)),
        notifier_peak_rss_kb: (map(.notifier_peak_rss_kb) | max),
        runs: length } ] as $scenarios
| { benchmark: "notifier", date: $date, commit: $commit, host: $host, quick: ($quick == 1),
    reps: $reps, duration_s: $duration, warmup_s: $warmup, flood_duration_s: $flood_duration,
    flood_warmup_s: $flood_warmup, value_bytes: $value_bytes, writers: 50, notifier: $notifier_flags,
    elapsed_s: $elapsed,
    baseline: { write_rate: ($brate | r(1)), write_p50_ms: ($base | med(.write_p50_ms) | r(1000)),
                write_p99_ms: ($base | med(.write_p99_ms) | r(1000)), runs: ($base | length) },
    scenarios: $scenarios,
    goals: ( [ $scenarios[] | { goal: "p99 write->event < 50 ms at the c50 write rate", subscribers,
                                value_ms: .latency_ms.p99, met: (.latency_ms.p99 != null and .latency_ms.p99 < 50) } ]
           + [ $scenarios[] | select(.subscribers >= 1000)
               | { goal: "fan-out >= 100k events/s per notifier to 1,000 subscribers", subscribers,
                   value_events_per_s: .fanout_events_per_s, met: ((.fanout_events_per_s // 0) >= 100000) } ] ),
    ok: (($runs | length) > 0 and all($runs[]; .exit == 0 and .ok == true)
         and all($scenarios[]; .missing == 0)),
    runs: $runs }
