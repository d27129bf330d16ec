#!/usr/bin/python3
"""Per-hop latency breakdown of a RopeKV cluster under a workload.

Scrapes the router's and every owner's GET /metrics, runs the workload
command given after `--`, scrapes again, and prints one JSON object: for
each stage histogram (ropekv_router_stage_seconds, ropekv_owner_stage_seconds)
the count, mean and p50/p99 (interpolated within buckets) of what the
workload added, summed over all owners.

  bench/hops/hop_breakdown.py --router 127.0.0.1:8080 \
      --owner 127.0.0.1:8085 --owner 127.0.0.1:8086 --owner 127.0.0.1:8087 \
      -- build/bench/compare/ropekv-loadgen ...
"""
import argparse
import json
import re
import subprocess
import sys
import urllib.request

SERIES = re.compile(r'^(ropekv_(?:router|owner)_stage_seconds)_(bucket|sum|count)\{([^}]*)\} (\S+)$')


def scrape(address):
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = SERIES.match(line)
        if not m:
            continue
        name, part, labels, value = m.groups()
        stage = re.search(r'stage="([^"]+)"', labels).group(1)
        h = out.setdefault((name, stage), {"buckets": {}, "sum": 0.0, "count": 0.0})
        if part == "bucket":
            le = re.search(r'le="([^"]+)"', labels).group(1)
            h["buckets"][float("inf") if le == "+Inf" else float(le)] = float(value)
        else:
            h[part] = float(value)
    return out


def add(total, scraped, sign):
    for key, h in scraped.items():
        t = total.setdefault(key, {"buckets": {}, "sum": 0.0, "count": 0.0})
        t["sum"] += sign * h["sum"]
        t["count"] += sign * h["count"]
        for le, v in h["buckets"].items():
            t["buckets"][le] = t["buckets"].get(le, 0.0) + sign * v


def quantile(h, q):
    if h["count"] <= 0:
        return None
    rank = q * h["count"]
    prev_le, prev_c = 0.0, 0.0
    for le in sorted(h["buckets"]):
        c = h["buckets"][le]
        if c >= rank:
            if le == float("inf"):
                return prev_le
            span = c - prev_c
            frac = (rank - prev_c) / span if span > 0 else 1.0
            return prev_le + (le - prev_le) * frac
        prev_le, prev_c = le, c
    return prev_le


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--router", required=True)
    ap.add_argument("--owner", action="append", default=[])
    ap.add_argument("--label", default="")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    targets = [a.router] + a.owner
    delta = {}
    for t in targets:
        add(delta, scrape(t), -1)
    run = subprocess.run(cmd, capture_output=True, text=True) if cmd else None
    for t in targets:
        add(delta, scrape(t), +1)
    stages = {}
    for (name, stage), h in sorted(delta.items()):
        if h["count"] <= 0:
            continue
        svc = "router" if "router" in name else "owner"
        stages[f"{svc}.{stage}"] = {
            "count": int(h["count"]),
            "mean_ms": round(1000 * h["sum"] / h["count"], 4),
            "p50_ms": round(1000 * quantile(h, 0.5), 4),
            "p99_ms": round(1000 * quantile(h, 0.99), 4),
        }
    out = {"label": a.label, "stages": stages}
    if run is not None:
        out["workload"] = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
