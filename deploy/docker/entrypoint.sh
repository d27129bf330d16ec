#!/usr/bin/env bash
# ropekv-entrypoint: starts one RopeKV service in a container (Docker,
# Compose, Kubernetes), turning the container's environment into flags.
#
#   ropekv-entrypoint <service> [--flag=value ...]   service: placement |
#                          segment-owner | router | indexer | notifier
#   ropekv-entrypoint ropectl [args ...]              the CLI, unchanged
#   ropekv-entrypoint healthcheck [/healthz|/readyz]  exit 0 iff the running
#                          service answers 200 (the image's HEALTHCHECK)
#
# The binary gets, in this order (CAF takes the last occurrence of a flag,
# and a flag given on the command line is never added twice):
#   1. ROPEKV_<OPTION>=value for every option the binary lists in --help
#      (upper case, '-' -> '_', e.g. ROPEKV_PLACEMENT=placement:7000 ->
#      --placement=placement:7000). This relies on flags only, so it works
#      whether or not the binary reads ROPEKV_* itself, with the same
#      precedence (flags > env). A boolean option is passed as --name when
#      the value is 1/true/yes/on; false cannot be spelled as a CAF 0.17
#      flag, so it is left to the binary's own ROPEKV_* reading.
#      ROPEKV_* variables the binary has no option for are ignored (logged).
#   2. Defaults computed from the container, each only when neither a flag
#      nor ROPEKV_<OPTION> sets it:
#      --host (CAF endpoint; placement, segment-owner, indexer, notifier)
#                       $ADVERTISE_HOST, else the first address of
#                       `hostname -i`: the address the service binds and
#                       registers with placement, so other containers/pods
#                       must be able to reach it.
#      --http-host (router), --ws-host (notifier)
#                       $LISTEN_HOST, else 0.0.0.0.
#      --data-dir (segment-owner, indexer, placement) when $SHARED_DATA_DIR
#                       is set: a directory shared by every replica of a
#                       scaled service (one Compose named volume). The
#                       entrypoint claims the first free slot-<n>/ under it
#                       with flock(1) (the lock fd is inherited by the
#                       service, so the slot stays taken for the life of the
#                       process) and uses slot-<n>/data. A recreated
#                       container takes a free slot again, so it finds an
#                       existing node.id/indexer.id instead of registering a
#                       new node.
#      --host-label (segment-owner)
#                       $NODE_NAME (Kubernetes spec.nodeName: the physical
#                       host), else the slot name, else $HOSTNAME.
#      --rack (segment-owner)
#                       $ZONE (Kubernetes topology.kubernetes.io/zone), else
#                       $NODE_NAME, else the host label. On one Docker host
#                       every owner is thus its own failure domain.
#   3. The command-line arguments, unchanged.
#
# Other variables: $HOSTNAME (set by Docker and Kubernetes; logged),
# $HEALTH_FILE (default /tmp/ropekv-health: where the service's health
# address is written for `healthcheck`). The binaries are found on $PATH
# (ropekv-<service>). Nothing here is specific to one orchestrator.
set -euo pipefail

health_file="${HEALTH_FILE:-/tmp/ropekv-health}"

log() { echo "entrypoint: $*" >&2; }
die() { log "$*"; exit 2; }

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

# healthcheck [path]: GET path from the address the entrypoint recorded,
# with bash's /dev/tcp (no curl in the image); exit 0 iff 200.
healthcheck() {
  local path="${1:-/healthz}" address host port status
  [[ -r "$health_file" ]] || { echo "healthcheck: no $health_file (service without a health port?)"; return 1; }
  address="$(<"$health_file")"
  host="${address%:*}"
  port="${address##*:}"
  exec 3<>"/dev/tcp/$host/$port" || { echo "healthcheck: cannot connect to $address"; return 1; }
  printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$address" >&3
  IFS= read -r -t 5 status <&3 || { echo "healthcheck: no answer from $address"; return 1; }
  exec 3<&-
  status="${status%$'\r'}"
  echo "healthcheck: $address$path: $status"
  [[ "$status" =~ ^HTTP/1\.[01]\ 200 ]]
}

service="${1:-help}"
(($#)) && shift
case "$service" in
  placement | segment-owner | router | indexer | notifier) ;;
  healthcheck) healthcheck "$@"; exit ;;
  ropectl) exec ropectl "$@" ;;
  help | -h | --help) usage; exit 0 ;;
  *) usage >&2; die "unknown service '$service'" ;;
esac

binary="$(command -v "ropekv-$service")" || die "ropekv-$service is not on PATH ($PATH)"
help_text="$("$binary" --help 2>&1 || true)"

# has_option NAME: the binary lists --NAME in its --help.
has_option() { grep -qE -- "^[[:space:]]*(\([^)]*\|)?--$1([=[:space:]):]|$)" <<<"$help_text"; }
# is_bool NAME: --NAME takes no value.
is_bool() { ! grep -qE -- "--$1=" <<<"$help_text"; }

cli=("$@")
given() {  # given NAME: the command line sets --NAME
  local a
  for a in "${cli[@]+"${cli[@]}"}"; do
    [[ "$a" == "--$1" || "$a" == "--$1="* ]] && return 0
  done
  return 1
}

args=()
declare -A set_by=()  # option name -> value, for every option args sets
add() {  # add NAME VALUE: --NAME=VALUE unless the command line gives it
  given "$1" && return 0
  [[ -n "${set_by[$1]+x}" ]] && return 0
  has_option "$1" || return 0
  set_by[$1]="$2"
  args+=("--$1=$2")
}
# value_of NAME: the value the binary will see for --NAME ('' if none).
value_of() {
  local a v=""
  [[ -n "${set_by[$1]+x}" ]] && v="${set_by[$1]}"
  for a in "${cli[@]+"${cli[@]}"}"; do
    [[ "$a" == "--$1="* ]] && v="${a#--$1=}"
  done
  printf '%s' "$v"
}

# 1. ROPEKV_<OPTION> -> --option
while IFS= read -r var; do
  name="${var#ROPEKV_}"
  name="${name,,}"
  name="${name//_/-}"
  value="${!var}"
  if ! has_option "$name"; then
    log "ropekv-$service has no --$name; $var ignored"
  elif given "$name"; then
    :
  elif is_bool "$name"; then
    case "${value,,}" in
      1 | true | yes | on) set_by[$name]=true; args+=("--$name") ;;
      *) log "$var=$value: a false boolean cannot be a flag; left to the binary" ;;
    esac
  else
    set_by[$name]="$value"
    args+=("--$name=$value")
  fi
done < <(compgen -e | grep '^ROPEKV_' | sort)

# 2. defaults from the container
advertise="${ADVERTISE_HOST:-}"
if [[ -z "$advertise" ]]; then
  advertise="$(hostname -i 2>/dev/null | awk '{print $1}')" || true
  [[ -n "$advertise" ]] || die "cannot find this container's address (hostname -i); set ADVERTISE_HOST"
fi
listen="${LISTEN_HOST:-0.0.0.0}"

slot=""
if [[ -n "${SHARED_DATA_DIR:-}" ]] && has_option data-dir && ! given data-dir && [[ -z "${set_by[data-dir]+x}" ]]; then
  mkdir -p "$SHARED_DATA_DIR"
  for ((i = 1; i <= 4096; i++)); do
    dir="$SHARED_DATA_DIR/slot-$i"
    mkdir -p "$dir"
    exec 9>>"$dir/lock"
    if flock -n 9; then
      slot="slot-$i"
      break
    fi
    exec 9>&-
  done
  [[ -n "$slot" ]] || die "no free slot under $SHARED_DATA_DIR"
  log "claimed $SHARED_DATA_DIR/$slot"
  add data-dir "$SHARED_DATA_DIR/$slot/data"
fi

case "$service" in
  router) add http-host "$listen" ;;
  notifier) add ws-host "$listen"; add host "$advertise" ;;
  *) add host "$advertise" ;;
esac
if [[ "$service" == segment-owner ]]; then
  host_label="${NODE_NAME:-${slot:-${HOSTNAME:-$(hostname)}}}"
  add host-label "$host_label"
  add rack "${ZONE:-${NODE_NAME:-$(value_of host-label)}}"
fi

# The health endpoint: router on --http-port, notifier on --ws-port, the
# others on --metrics-port (bound to --host).
case "$service" in
  router) health_port="$(value_of http-port)"; health_host="$(value_of http-host)" ;;
  notifier) health_port="$(value_of ws-port)"; health_host="$(value_of ws-host)" ;;
  *) health_port="$(value_of metrics-port)"; health_host="$(value_of host)" ;;
esac
[[ -z "$health_host" || "$health_host" == 0.0.0.0 ]] && health_host=127.0.0.1
[[ "$health_host" == "::" ]] && health_host=::1
rm -f "$health_file"
if [[ "$health_port" =~ ^[0-9]+$ ]] && ((health_port > 0)); then
  printf '%s:%s\n' "$health_host" "$health_port" >"$health_file" ||
    log "cannot write $health_file; healthcheck will fail"
else
  log "no fixed health port for $service; healthcheck will fail"
fi

log "hostname=${HOSTNAME:-$(hostname)} exec ropekv-$service ${args[*]} ${cli[*]+"${cli[*]}"}"
exec "$binary" "${args[@]+"${args[@]}"}" "${cli[@]+"${cli[@]}"}"
