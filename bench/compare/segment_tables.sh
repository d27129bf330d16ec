# Sourced by scripts/bench-compare: RopeKV PUTs at c50 into tables that start
# with 1, 4 and 16 segments (PUT /v1/tables {"segments":N}), the same key
# space each time: how Raft groups working in parallel scale past one group.
# Writes $tmp/spread.json; runs go to $results like every other workload.
segment_tables() {
  local counts=(1 4 16) n code rep ok=true
  for n in "${counts[@]}"; do
    code=$(curl -s -o "$tmp/create.out" -w '%{http_code}' -X PUT "$rk_url/v1/tables/bench_seg$n" \
      -d "{\"hash_key\":\"k\",\"segments\":$n}")
    if [[ "$code" != 201 ]]; then
      echo "creating table bench_seg$n: $code $(cat "$tmp/create.out")" | tee -a "$failures" >&2
      ok=false
      continue
    fi
    # Until every segment has a leader a first write may be retried; wait for one.
    wait_for 60 "RopeKV table bench_seg$n" "$rk_pid" \
      curl -sf -X PUT "$rk_url/v1/tables/bench_seg$n/items/warmup" -d "$payload"
  done
  jq -n -c --argjson ok "$ok" --argjson counts "$(printf '%s\n' "${counts[@]}" | jq -s -c .)" '{
      tables_with_chosen_segment_count: true, segment_counts: $counts, tables_created: $ok,
      note: "PUT at c50 over the same key space into tables created with {\"segments\":N}"}' >"$tmp/spread.json"
  [[ "$ok" == true ]] || return 0
  for rep in $(seq "$reps"); do
    for n in "${counts[@]}"; do
      lg "segments_$n" ropekv "$rep" --connections 50 "${timed[@]}" "${rk[@]}" "${ks[@]}" \
        --method PUT --path "/v1/tables/bench_seg$n/items/{key}" --body "$payload" --expect-status "$put_status" || true
    done
  done
}
