# scripts/bench-compare: runs.jsonl (slurped) -> bench/results/latest.json.
# Per workload and system: medians over the repetitions; per workload: the
# ratios RopeKV / baseline (req/s: > 1 means RopeKV is faster; latency:
# > 1 means RopeKV is slower).
def median: sort | if length == 0 then null
  elif length % 2 == 1 then .[length / 2 | floor]
  else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r3: if . == null then null else (. * 1000 | round) / 1000 end;
def ratio(a; b): if a == null or b == null or b == 0 then null else (a / b) | r3 end;
def summary: {
  runs: length,
  requests: (map(.requests) | add),
  errors: (map(.errors) | add),
  median: {
    req_per_s: (map(.req_per_s // 0) | median | r3),
    p50_ms: (map(.p50_ms // 0) | median | r3),
    p90_ms: (map(.p90_ms // 0) | median | r3),
    p99_ms: (map(.p99_ms // 0) | median | r3),
    max_ms: (map(.max_ms // 0) | median | r3),
    generator_cpu_share: (map(.cpu_share // 0) | median | r3)
  },
  connections: (.[0].connections)
};

(map(select(.rep != "setup"))) as $runs
| ($runs | reduce .[].workload as $w ([]; if index([$w]) then . else . + [$w] end)) as $names
| ($failures | split("\n") | map(select(length > 0))) as $failed
| {
    date: $date, commit: $commit, host: $host, quick: ($quick == 1), repetitions: $reps,
    duration_s: $duration, warmup_s: $warmup, keys: $keys, range_hash_keys: $range_hks,
    elapsed_s: $elapsed,
    ok: ($failed | length == 0),
    failures: $failed,
    setup: {
      ropekv: "scripts/run: 1 placement, 3 segment-owners, replication 3, 1 router; tables bench_kv (hash key) and bench_range (hash + range key); 256-byte JSON item",
      etcd: "3 members (etcd-server 3.4) on 127.0.0.1, JSON gRPC gateway of the leader member (/v3/kv/put, /v3/kv/range, /v3/kv/txn); 256-byte value",
      redis: "redis-server, default config, --save '' --appendonly no (no persistence, unlike RopeKV and etcd)",
      nginx: "nginx, one process, static 256-byte file, access_log off (the HTTP ceiling on this machine)",
      generator: "ropekv-loadgen (bench/compare): closed loop, one request in flight per connection, 1 thread; every answer checked (status and body)",
      workloads: {
        put: "PUT/put/SET of a 256-byte value, random key of the preloaded key space",
        get_strong: "RopeKV GET (strong), etcd linearizable range, Redis GET, nginx static GET",
        get_eventual: "RopeKV GET ?consistency=eventual, etcd serializable range, Redis GET, nginx static GET",
        range100: "RopeKV GET items/{hk}?limit=100 over a hash key holding 100 range keys; etcd range with range_end and limit 100",
        batch25: "RopeKV POST batch of 25 puts; etcd txn of 25 puts; Redis MSET of 25",
        mixed90: "90% strong GET / 10% PUT (etcd: linearizable range / put; Redis GET / SET)",
        segments_N: "RopeKV PUT at c50 over the same key space into a table created with N segments"
      }
    },
    workloads: ($names | map(. as $w
      | ($runs | map(select(.workload == $w))) as $wr
      | (["ropekv", "etcd", "redis", "nginx"] | map(. as $s | select($wr | any(.system == $s)))) as $systems
      | { key: $w,
          value: (
            { systems: ($systems | map(. as $s | { key: $s, value: ($wr | map(select(.system == $s)) | summary) }) | from_entries) }
            | . as $o
            | .ratios = ([ "etcd", "redis", "nginx" ]
                | map(. as $b | select($o.systems[$b] != null and $o.systems.ropekv != null)
                  | { key: ("ropekv/" + $b),
                      value: {
                        req_per_s: ratio($o.systems.ropekv.median.req_per_s; $o.systems[$b].median.req_per_s),
                        p50_ms: ratio($o.systems.ropekv.median.p50_ms; $o.systems[$b].median.p50_ms),
                        p99_ms: ratio($o.systems.ropekv.median.p99_ms; $o.systems[$b].median.p99_ms)
                      } })
                | from_entries)
          ) })
      | from_entries),
    segment_spread: ($spread + {
      req_per_s_by_segments: ($runs | map(select(.workload | startswith("segments_"))) | group_by(.workload)
        | map({key: (.[0].workload | ltrimstr("segments_")), value: (map(.req_per_s // 0) | median | r3)}) | from_entries)
    } | .speedup_vs_1_segment = (.req_per_s_by_segments as $m
        | $m | with_entries(.value = ratio(.value; $m["1"])))),
    ropekv_owners: $owners,
    generator_cpu_share: {
      median: ($runs | map(.cpu_share // 0) | median | r3),
      max: ($runs | map(.cpu_share // 0) | max | r3),
      note: "CPU seconds of ropekv-loadgen (getrusage) per wall second of the run; 1.0 = one of the machine's cores"
    }
  }
