#!/usr/bin/python3
"""Draws latency.png of a chaos report, as Jepsen draws its latency plots.

Reads history.jsonl and timeline.jsonl from the report directory given as
the only argument. Top: every operation's latency (log scale) at its start
time, coloured by outcome (ok / fail / info), one marker per workload.
Bottom: completed operations per second by outcome. Every fault interval is
shaded on both, labelled with its kind.
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"ok": "#3a86c8", "fail": "#e0567a", "info": "#f2b134"}
MARKERS = {"register": "o", "set": "s", "bank": "^"}
FAULT_COLOURS = ["#bbbbbb", "#c9b3e6", "#b3d9c9", "#e6d3b3", "#b3c9e6"]


def load(path):
    if not path.exists():
        return []
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def main(report_dir):
    report = Path(report_dir)
    ops = [o for o in load(report / "history.jsonl") if o.get("process") != "final"]
    faults = load(report / "timeline.jsonl")
    fig, (lat, rate) = plt.subplots(2, 1, figsize=(14, 8), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    kinds = sorted({f["kind"] for f in faults})
    for f in faults:
        colour = FAULT_COLOURS[kinds.index(f["kind"]) % len(FAULT_COLOURS)]
        for ax in (lat, rate):
            ax.axvspan(f["start_ns"] / 1e9, f["end_ns"] / 1e9, color=colour, alpha=0.45, lw=0)
        lat.text(f["start_ns"] / 1e9, 1.01, f["kind"], transform=lat.get_xaxis_transform(), rotation=45,
                 fontsize=7, va="bottom")
    for workload, marker in MARKERS.items():
        for outcome, colour in COLOURS.items():
            pts = [o for o in ops if o["workload"] == workload and o["type"] == outcome]
            if not pts:
                continue
            xs = [o["start_ns"] / 1e9 for o in pts]
            ys = [max((o["end_ns"] - o["start_ns"]) / 1e6, 0.05) for o in pts]
            lat.scatter(xs, ys, s=6, c=colour, marker=marker, alpha=0.6, lw=0, label=f"{workload} {outcome}")
    lat.set_yscale("log")
    lat.set_ylabel("latency (ms)")
    lat.legend(loc="upper right", fontsize=7, ncol=3, markerscale=2)
    lat.grid(True, which="both", alpha=0.2)
    if ops:
        end = max(o["end_ns"] for o in ops) / 1e9
        buckets = int(end) + 1
        for outcome, colour in COLOURS.items():
            counts = [0] * buckets
            for o in ops:
                if o["type"] == outcome:
                    counts[min(int(o["end_ns"] / 1e9), buckets - 1)] += 1
            rate.plot(range(buckets), counts, color=colour, label=outcome, lw=1)
    rate.set_ylabel("ops/s")
    rate.set_xlabel("time since start (s)")
    rate.legend(loc="upper right", fontsize=7)
    rate.grid(True, alpha=0.2)
    verdict = {}
    if (report / "verdict.json").exists():
        verdict = json.loads((report / "verdict.json").read_text())
    title = "RopeKV chaos run: " + ("valid" if verdict.get("valid") else "INVALID")
    if verdict:
        v = verdict.get("verdict", {})
        title += f" — {v.get('acknowledged_writes', 0)} acknowledged writes, {v.get('lost_writes', 0)} lost"
        title += f", healed in {verdict.get('heal_seconds', 0)} s" if verdict.get("healed") else ", NOT healed"
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(report / "latency.png", dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_report.py REPORT_DIR")
    main(sys.argv[1])
