# Sourced by scripts/bench-compare: RopeKV PUTs at c50 over the same number of
# hash keys confined to 1, 4 and all of table bench_kv's segments. RopeKV has no
# public way to create a table with a chosen number of segments (placement
# gives every table 4 per owner, 12 here, and the HTTP API takes no segment
# count), so this varies how many of those Raft groups the writes reach.
# Writes $tmp/spread.json; runs go to $results like every other workload.
segment_spread() {
  local nseg per_key total candidates k rep
  jq -c '[.segments[] | select(.table == "bench_kv")] | sort_by(.start_key)
         | map({id, start_key, end_key, leader_hint, replicas})' "$tmp/cluster.json" >"$tmp/kv_segments.json"
  nseg=$(jq length "$tmp/kv_segments.json")
  total=$((quick ? 24 : 96))          # hash keys written in every spread
  candidates=$((nseg * total * 2 + 200))
  seq 0 $((candidates - 1)) | sed 's/^/w/' | "$partition_tool" "$table_id" >"$tmp/partitions.txt"
  # segment index of each candidate: start_key <= partition prefix < end_key
  jq -R -s -c --slurpfile segs "$tmp/kv_segments.json" '
    ($segs[0]) as $s
    | [split("\n")[] | select(length > 0) | split(" ") | {key: .[0], hex: .[2]}
       | . as $k
       | .seg = ([$s | to_entries[] | select(.value.start_key <= $k.hex and (.value.end_key == "" or $k.hex < .value.end_key)) | .key] | first)]
    | group_by(.seg) | map({seg: .[0].seg, keys: map(.key)})' "$tmp/partitions.txt" >"$tmp/keys_by_segment.json"
  local spreads=(1)
  ((nseg >= 4)) && spreads+=(4)
  ((nseg > 4)) && spreads+=("$nseg")
  local ok=true
  for k in "${spreads[@]}"; do
    # segments i * nseg / k, total / k keys from each (same key count for every k)
    jq -r --argjson k "$k" --argjson n "$nseg" --argjson total "$total" '
      . as $all | [range(0; $k) | (. * $n / $k | floor)] as $chosen
      | $chosen[] as $i | ($all | map(select(.seg == $i)) | first | .keys) as $keys
      | if ($keys | length) < ($total / $k | floor) then error("segment \($i) has too few candidate keys") else $keys[0:($total / $k | floor)][] end
    ' "$tmp/keys_by_segment.json" >"$tmp/spread_keys_$k.txt" || ok=false
  done
  jq -n -c --argjson nseg "$nseg" --argjson total "$total" --argjson ok "$ok" \
    --argjson spreads "$(printf '%s\n' "${spreads[@]}" | jq -s -c .)" --slurpfile segs "$tmp/kv_segments.json" '{
      tables_with_chosen_segment_count: false,
      note: "RopeKV offers no public way to pre-split a table or choose its segment count (placement: 4 segments per accepting owner; PUT /v1/tables takes no segment option). Every table here has \($nseg) segments; instead, PUTs at c50 go to \($total) hash keys confined to 1, 4 or all \($nseg) segments of table bench_kv (workloads segments_N).",
      table_segments: $nseg, hash_keys_per_run: $total, spreads: $spreads, keys_selected: $ok,
      segments: $segs[0]}' >"$tmp/spread.json"
  [[ "$ok" == true ]] || { echo "segment spread: could not select keys" | tee -a "$failures" >&2; return 0; }
  for rep in $(seq "$reps"); do
    for k in "${spreads[@]}"; do
      lg "segments_$k" ropekv "$rep" --connections 50 "${timed[@]}" "${rk[@]}" --keys-file "$tmp/spread_keys_$k.txt" \
        --method PUT --path '/v1/tables/bench_kv/items/{key}' --body "$payload" --expect-status "$put_status" || true
    done
  done
}
