# Sourced by scripts/bench-compare and scripts/bench-transact: free ports,
# waiting for a process to be ready, and the 3-member etcd baseline (start,
# leader, the single-put request shape of ropekv-loadgen).
#
# The caller defines, before calling these: die MESSAGE (log it, exit 1),
# tmp (its temp dir), and the arrays pids / names (every process started,
# stopped by PID at the end).

# A block of consecutive free TCP ports on 127.0.0.1, below the ephemeral
# range (so the OS hands none of them out meanwhile).
free_port_block() {
  local n=$1 base
  for _ in $(seq 200); do
    base=$((20000 + RANDOM % 10000))
    if (($(ss -Htan "sport >= :$base and sport < :$((base + n))" 2>/dev/null | wc -l) == 0)); then
      echo "$base"
      return 0
    fi
  done
  return 1
}

wait_for() {  # wait_for SECONDS DESCRIPTION PID COMMAND...
  local secs=$1 what=$2 pid=$3; shift 3
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up (logs in $tmp)"
    ((SECONDS < deadline)) || die "$what not ready within ${secs}s (logs in $tmp)"
    sleep 0.2
  done
}

# etcd_start TOKEN: 3 members on the ports in etcd_client[0..2] (clients)
# and etcd_peer[0..2] (peers), data and logs in $tmp/etcd/m<i>; sets
# etcd_pids[0..2]. Does not wait (start other systems meanwhile).
etcd_start() {
  local token=$1 cluster="" i
  for i in 0 1 2; do cluster+="${cluster:+,}m$i=http://127.0.0.1:${etcd_peer[$i]}"; done
  for i in 0 1 2; do
    mkdir -p "$tmp/etcd/m$i"
    etcd --name "m$i" --data-dir "$tmp/etcd/m$i/data" \
      --listen-client-urls "http://127.0.0.1:${etcd_client[$i]}" \
      --advertise-client-urls "http://127.0.0.1:${etcd_client[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${etcd_peer[$i]}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer[$i]}" \
      --initial-cluster "$cluster" --initial-cluster-state new \
      --initial-cluster-token "$token" \
      --logger zap --log-outputs "$tmp/etcd/m$i/etcd.log" >/dev/null 2>&1 &
    pids+=($!); names+=("etcd-m$i")
    etcd_pids[$i]=$!
  done
}

# etcd_wait_leader: waits until every member is healthy, then sets
# etcd_leader (member index) and etcd_port (its client port). Load goes to
# the leader: a follower would forward writes to it (the RopeKV router
# forwards to segment leaders likewise).
etcd_wait_leader() {
  local i status
  for i in 0 1 2; do
    wait_for 30 "etcd member $i" "${etcd_pids[$i]}" bash -c \
      "curl -sf http://127.0.0.1:${etcd_client[$i]}/health | grep -q '\"health\":\"true\"'"
  done
  etcd_leader=0
  for i in 0 1 2; do
    status=$(curl -sf -X POST "http://127.0.0.1:${etcd_client[$i]}/v3/maintenance/status" -d '{}' || true)
    if [[ -n "$status" ]] && jq -e '.header.member_id == .leader' >/dev/null <<<"$status"; then etcd_leader=$i; fi
  done
  etcd_port=${etcd_client[$etcd_leader]}
}

# etcd_put_args VALUE_BASE64: sets et_put, the ropekv-loadgen arguments of
# one etcd put (JSON gRPC gateway) of {key} per request.
etcd_put_args() {
  et_put=(--method POST --path /v3/kv/put --body '{"key":"{b64:{key}}","value":"'"$1"'"}' --expect-body '"header"')
}
