#!/usr/bin/python3
"""run.supervise: scripts/run supervises its services.

With restarts (the default): `kill -9` of one owner is reported on
scripts/run's stderr (name, pid, signal), writes through the router go on
meanwhile, the owner comes back as a new process on the same port with the
same data directory, and it rejoins: with another owner paused (SIGSTOP),
writes still commit, which needs the restarted owner's vote. SIGINT then
stops everything (exit 0, no child left).

With --no-restart (a second run on the same data and ports): the killed
owner stays down, the rest keeps serving (and still has the first run's
items), SIGINT stops everything.

  run_supervise_test.py --repo DIR --build-dir DIR [unittest args]"""

import argparse
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_harness import (ScriptsRun, alive, eventually, free_port_block, http, put_get,  # noqa: E402
                         tcp_answers)

REPO = BUILD = None


def write(url, key, value, timeout=40.0):
    def put():
        st, _ = http("PUT", f"{url}/v1/tables/sup/items/{key}", {"v": value})
        return st in (200, 201) or None
    eventually(f"PUT sup/{key}", put, timeout)


class RunSupervise(unittest.TestCase):
    def test_kill_restart_rejoin_then_no_restart(self):
        base = free_port_block(11)
        data = tempfile.mkdtemp(prefix="ropekv-supervise-")  # shared by both runs
        self.addCleanup(shutil.rmtree, data, True)
        with ScriptsRun(REPO, BUILD, ["--http-port", str(base)], data_dir=data) as run:
            ep = run.wait_started()
            router = ep["routers"][0]
            owner2_addr, owner2_metrics = ep["owners"][1][2], ep["owners"][1][3]
            put_get(router, "sup", "before", 1)

            flag = f"--data-dir={data}/owner-2"
            old = run.pid_of(flag)
            self.assertIsNotNone(old)
            os.kill(old, signal.SIGKILL)

            # Reported on stderr: which service, its pid, the signal.
            eventually("exit report", lambda: re.search(
                rf"^run: owner-2 \(pid {old}\) killed by signal KILL .*restarting in 1 s", run.stderr(), re.M))
            # The rest keeps serving writes (two of three replicas).
            write(router, "during", 2)

            # Restarted: a new process, same command (port, data dir).
            m = eventually("restart report", lambda: re.search(r"^run: owner-2 restarted, pid (\d+)$",
                                                                run.stderr(), re.M))
            new = int(m.group(1))
            self.assertNotEqual(new, old)
            self.assertTrue(alive(new))
            self.assertEqual(run.pid_of(flag), new)
            eventually("listening again", lambda: re.search(
                rf"^run: owner-2 \(pid {new}\) listening on {re.escape(owner2_addr)} again$", run.stderr(), re.M))
            self.assertTrue(tcp_answers(owner2_addr))
            eventually("metrics again", lambda: http("GET", owner2_metrics)[0] == 200)

            # Rejoined: pause owner-1; a write needs owner-2 and owner-3 now.
            # (Retried: leaders on owner-1 must be replaced first.)
            owner1 = run.pid_of(f"--data-dir={data}/owner-1")
            os.kill(owner1, signal.SIGSTOP)
            try:
                write(router, "rejoined", 3, timeout=60)
            finally:
                os.kill(owner1, signal.SIGCONT)
            st, body = http("GET", f"{router}/v1/tables/sup/items/during")
            self.assertEqual(st, 200, body)
            # No other service was touched.
            self.assertNotIn("owner-1 (pid", run.stderr())
            self.assertNotIn("router-1 (pid", run.stderr())

            # Dying again soon after: the back-off has doubled.
            os.kill(new, signal.SIGKILL)
            eventually("second exit report", lambda: re.search(
                rf"^run: owner-2 \(pid {new}\) killed by signal KILL .*restarting in 2 s", run.stderr(), re.M))
            m = eventually("second restart", lambda: re.search(r"^run: owner-2 restarted, pid (?!{new}$)(\d+)$"
                                                               .format(new=new), run.stderr(), re.M))
            eventually("owner-2 back", lambda: run.pid_of(flag) == int(m.group(1)))

            seen = list(run.known_children)
            self.assertEqual(run.interrupt(), 0, run.stderr())
            self.assertEqual(run.leftover_children(), [], seen)

        # --no-restart, same data and ports: the items are still there.
        with ScriptsRun(REPO, BUILD, ["--http-port", str(base), "--no-restart"], data_dir=data) as run:
            ep = run.wait_started()
            router = ep["routers"][0]
            eventually("first run's item", lambda: http("GET", f"{router}/v1/tables/sup/items/rejoined")[0] == 200)
            flag = f"--data-dir={data}/owner-3"
            old = run.pid_of(flag)
            os.kill(old, signal.SIGKILL)
            eventually("exit report", lambda: re.search(
                rf"^run: owner-3 \(pid {old}\) killed by signal KILL; not restarted \(--no-restart\)",
                run.stderr(), re.M))
            write(router, "no-restart", 4)
            time.sleep(2.5)  # longer than the first back-off: it would have been restarted by now
            self.assertIsNone(run.pid_of(flag))
            self.assertNotIn("owner-3 restarted", run.stderr())
            self.assertFalse(tcp_answers(ep["owners"][2][2]))
            put_get(router, "sup", "still-serving", 5)

            seen = list(run.known_children)
            self.assertEqual(run.interrupt(), 0, run.stderr())
            self.assertEqual(run.leftover_children(), [], seen)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--build-dir", required=True)
    ns, rest = ap.parse_known_args()
    REPO, BUILD = ns.repo, ns.build_dir
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
