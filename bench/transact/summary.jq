# scripts/bench-transact: the human summary of bench/results/transact.json.
def row($name; $f): "    \($name | . + " " * (14 - length))\($f.per_s)/s  p50 \($f.p50_ms) ms  p99 \($f.p99_ms) ms" +
  (if $f.ratio_to_put != null then "  \($f.ratio_to_put)x PUT/s (per rep \($f.ratio_to_put_per_rep | map(tostring) | join(" ")))" else "" end) +
  (if $f.p99_ratio_to_etcd_put != null then "  p99 \($f.p99_ratio_to_etcd_put)x etcd's" else "" end);
def level($name; $l):
  "  \($name):",
  row("put"; $l.put), row("txn 1seg 2op"; $l.txn_1seg_2op), row("txn 2seg 2op"; $l.txn_2seg_2op),
  row("txn 4seg 4op"; $l.txn_4seg_4op), row("etcd put"; $l.etcd_put);
"transaction benchmark (\(.settings.reps) rep(s), \(.settings.duration_s)s + \(.settings.warmup_s)s warm-up, \(.settings.value_bytes)-byte items, table of \(.settings.table_segments) segments, keys \(.settings.keys)); medians",
level("c1"; .c1),
level("c50"; .c50),
(.goals[] | "  goal: \(.goal): \(if .met then "met" else "NOT met" end) (\(.value | tojson))"),
(.findings[] | "  finding: \(.)"),
(if (.missing_runs | length) > 0 then "  MISSING runs: \(.missing_runs | join(", "))" else empty end),
"  load average \(.load_average)",
"  \(if .ok then "every run completed without errors" else "FAILED: see runs[].problems" end)"
