#!/usr/bin/python3
"""run.flags: scripts/run with several --owners/--routers/--indexers/--notifiers
combinations starts, prints every endpoint on the documented port layout,
each endpoint answers (routers: /healthz and a PUT/GET; notifiers: /healthz
on the WebSocket port; owners: /metrics and their cluster port; placement and
indexers: their cluster port), and SIGINT stops it: exit 0, no child left.

  run_flags_test.py --repo DIR --build-dir DIR [unittest args]"""

import argparse
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_harness import ScriptsRun, free_port_block, http, put_get, tcp_answers  # noqa: E402

REPO = BUILD = None


def expected_layout(p, owners, routers, notifiers, indexers):
    """The port layout scripts/run documents, for P = --http-port."""
    o, n, i = owners, notifiers, indexers
    return {
        "routers": [p] + [p + 2 * o + 2 * n + i + r for r in range(2, routers + 1)],
        "placement": p + 1,
        "owners": [p + 1 + k for k in range(1, o + 1)],
        "metrics": [p + 1 + o + k for k in range(1, o + 1)],
        "notifier_ws": [p + 2 + 2 * o + 2 * (k - 1) for k in range(1, n + 1)],
        "indexers": [p + 1 + 2 * o + 2 * n + k for k in range(1, i + 1)],
        "last": p + 2 * o + 2 * n + i + routers,
    }


class RunFlags(unittest.TestCase):
    def check(self, owners, routers, notifiers, indexers, flags):
        size = 2 * owners + 2 * notifiers + indexers + routers + 1
        base = free_port_block(size)
        want = expected_layout(base, owners, routers, notifiers, indexers)
        self.assertEqual(want["last"], base + size - 1)
        with ScriptsRun(REPO, BUILD, ["--http-port", str(base)] + flags) as run:
            ep = run.wait_started()
            # Every endpoint printed, on the documented ports.
            self.assertEqual(ep["routers"], [f"http://127.0.0.1:{p}" for p in want["routers"]], run.stdout())
            self.assertEqual(ep["notifiers"], [f"ws://127.0.0.1:{p}/v1/ws" for p in want["notifier_ws"]])
            self.assertEqual(ep["indexers"], [f"127.0.0.1:{p}" for p in want["indexers"]])
            self.assertEqual(ep["placement"], [f"127.0.0.1:{want['placement']}"])
            self.assertEqual([(int(i), r) for i, r, _, _ in ep["owners"]],
                             [(k, f"r{k}") for k in range(1, owners + 1)])
            self.assertEqual([a for _, _, a, _ in ep["owners"]], [f"127.0.0.1:{p}" for p in want["owners"]])
            self.assertEqual([m for _, _, _, m in ep["owners"]],
                             [f"http://127.0.0.1:{p}/metrics" for p in want["metrics"]])
            # One child per service, distinct data dirs for owners.
            kids = run.refresh_children()
            self.assertEqual(len(kids), 1 + owners + routers + notifiers + indexers, kids)
            owner_dirs = {a for argv in kids.values() for a in argv if a.startswith("--data-dir=") and "owner-" in a}
            self.assertEqual(len(owner_dirs), owners)
            # Each endpoint answers.
            self.assertTrue(tcp_answers(ep["placement"][0]))
            for _, _, addr, metrics in ep["owners"]:
                self.assertTrue(tcp_answers(addr), addr)
                st, body = http("GET", metrics)
                self.assertEqual(st, 200, metrics)
            for addr in ep["indexers"]:
                self.assertTrue(tcp_answers(addr), addr)
            for ws in ep["notifiers"]:
                url = ws.replace("ws://", "http://").replace("/v1/ws", "/healthz")
                st, _ = http("GET", url)
                self.assertEqual(st, 200, url)
            for k, url in enumerate(ep["routers"]):
                st, _ = http("GET", url + "/healthz")
                self.assertEqual(st, 200, url)
                put_get(url, "flags", f"key-{k}", k)
            # Every router sees what the others wrote.
            for url in ep["routers"]:
                for k in range(len(ep["routers"])):
                    st, _ = http("GET", f"{url}/v1/tables/flags/items/key-{k}")
                    self.assertEqual(st, 200, (url, k))
            # SIGINT: exit 0, every child gone.
            seen = list(run.known_children)
            self.assertEqual(run.interrupt(), 0, run.stderr())
            self.assertEqual(run.leftover_children(), [], seen)
            self.assertIn("run: stopping cluster", run.stderr())

    def test_defaults(self):
        self.check(3, 1, 1, 1, [])

    def test_more_of_everything(self):
        self.check(4, 2, 2, 2, ["--owners", "4", "--routers", "2", "--indexers", "2", "--notifiers=2"])

    def test_one_owner(self):
        # Replication factor 3 with one owner: placement places one replica
        # per rack it has (under-protected), so writes still commit.
        self.check(1, 1, 1, 1, ["--owners", "1"])

    def test_bad_counts_are_rejected(self):
        import subprocess
        for flags in (["--owners", "0"], ["--routers", "x"], ["--notifiers"], ["--bogus"]):
            r = subprocess.run([os.path.join(REPO, "scripts/run"), "--no-build", "--build-dir", BUILD] + flags,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, (flags, r.stderr))
            self.assertIn("run: ", r.stderr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--build-dir", required=True)
    ns, rest = ap.parse_known_args()
    REPO, BUILD = ns.repo, ns.build_dir
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
