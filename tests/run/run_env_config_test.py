#!/usr/bin/python3
"""run.env_config: option loading through the real binaries (flags >
ROPEKV_* environment > --config-file > defaults, service_options.hpp).

  * every service's and ropekv-dev's --help names its ROPEKV_* variables and
    the precedence;
  * ropekv-placement listens on ROPEKV_PORT, warns about (and ignores) an
    unknown ROPEKV_ variable; a config file's port is used, ROPEKV_PORT beats
    it, --port beats both;
  * a bad ROPEKV_PORT exits 2 with "bad configuration: ROPEKV_PORT=abc: ...";
  * ropekv-dev takes its ports from the environment and its owner count and
    data dir from a config file named by ROPEKV_CONFIG_FILE.

  run_env_config_test.py --build-dir DIR [unittest args]"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_harness import eventually, free_port_block, http, tcp_answers  # noqa: E402

BUILD = None
BINARIES = {
    "placement/ropekv-placement": ["ROPEKV_PORT", "ROPEKV_DATA_DIR", "ROPEKV_DOWN_AFTER"],
    "segment-owner/ropekv-segment-owner": ["ROPEKV_PORT", "ROPEKV_PLACEMENT", "ROPEKV_RACK", "ROPEKV_METRICS_PORT"],
    "router/ropekv-router": ["ROPEKV_HTTP_PORT", "ROPEKV_PLACEMENT", "ROPEKV_REQUEST_DEADLINE"],
    "notifier/ropekv-notifier": ["ROPEKV_WS_PORT", "ROPEKV_PORT", "ROPEKV_HOOK_SCHEDULE"],
    "indexer/ropekv-indexer": ["ROPEKV_PORT", "ROPEKV_BACKFILL_RATE"],
    "dev/ropekv-dev": ["ROPEKV_HTTP_PORT", "ROPEKV_WS_PORT", "ROPEKV_OWNERS"],
}


def binary(rel):
    return os.path.join(BUILD, "services", rel)


def clean_env(**extra):
    """The test's environment without ROPEKV_* (ctest may set some), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROPEKV_")}
    env.update(extra)
    return env


class Service:
    """One binary in the background; stopped by PID (SIGTERM, then SIGKILL)."""

    def __init__(self, argv, env, cwd):
        self.out = tempfile.TemporaryFile(mode="w+")
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def text(self, f):
        f.flush()
        f.seek(0)
        return f.read()

    def wait_line(self, pattern, timeout=60):
        def found():
            if self.proc.poll() is not None:
                raise AssertionError(f"exited {self.proc.returncode}: {self.text(self.err)}")
            return re.search(pattern, self.text(self.out), re.M)
        return eventually(f"{pattern!r} on stdout", found, timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self):
        self.stop()
        self.out.close()
        self.err.close()


class EnvConfig(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ropekv-env-test-")
        self.services = []

    def tearDown(self):
        for s in self.services:
            s.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, rel, args, env):
        s = Service([binary(rel)] + args, env, self.tmp)
        self.services.append(s)
        return s

    def test_help_names_variables_and_precedence(self):
        for rel, names in BINARIES.items():
            r = subprocess.run([binary(rel), "--help"], env=clean_env(), cwd=self.tmp, capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 0, (rel, r.stderr))
            self.assertIn("highest precedence first", r.stdout, rel)
            self.assertIn("command-line flags", r.stdout, rel)
            self.assertIn("ROPEKV_CONFIG_FILE", r.stdout, rel)
            for n in names:
                self.assertIn(n, r.stdout, (rel, n))

    def test_placement_port_from_env_file_and_flag(self):
        base = free_port_block(4)
        ini = os.path.join(self.tmp, "placement.ini")
        with open(ini, "w") as f:
            f.write(f'[global]\nport={base + 1}\ndata-dir="{self.tmp}/p-file"\n')
        cases = [
            # (environment, flags, expected port)
            ({"ROPEKV_PORT": str(base), "ROPEKV_DATA_DIR": f"{self.tmp}/p-env", "ROPEKV_NOT_AN_OPTION": "1"}, [],
             base),
            ({}, [f"--config-file={ini}"], base + 1),
            ({"ROPEKV_CONFIG_FILE": ini}, [], base + 1),
            ({"ROPEKV_CONFIG_FILE": ini, "ROPEKV_PORT": str(base + 2)}, [], base + 2),
            ({"ROPEKV_PORT": str(base + 2)}, [f"--config-file={ini}", f"--port={base + 3}"], base + 3),
        ]
        for env, flags, port in cases:
            with self.subTest(env=env, flags=flags):
                s = self.start("placement/ropekv-placement", flags, clean_env(**env))
                s.wait_line(rf"^listening on 127\.0\.0\.1:{port}$")
                self.assertTrue(tcp_answers(f"127.0.0.1:{port}"))
                if "ROPEKV_NOT_AN_OPTION" in env:
                    self.assertIn("warning: ignoring ROPEKV_NOT_AN_OPTION", s.text(s.err))
                    self.assertTrue(os.path.isdir(f"{self.tmp}/p-env"))
                self.assertEqual(s.stop(), 0, s.text(s.err))
        self.assertTrue(os.path.isdir(f"{self.tmp}/p-file"))

    def test_bad_environment_value_exits_2(self):
        for rel, var, value in (("placement/ropekv-placement", "ROPEKV_PORT", "abc"),
                                ("router/ropekv-router", "ROPEKV_REQUEST_DEADLINE", "soon"),
                                ("segment-owner/ropekv-segment-owner", "ROPEKV_HEARTBEAT_MS", "-5")):
            r = subprocess.run([binary(rel)], env=clean_env(**{var: value}), cwd=self.tmp, capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 2, (rel, r.stderr))
            self.assertTrue(r.stderr.startswith(f"bad configuration: {var}={value}: "), (rel, r.stderr))

    def test_bad_config_file_value_exits_2(self):
        ini = os.path.join(self.tmp, "bad.ini")
        with open(ini, "w") as f:
            f.write('[global]\nport="abc"\n')
        r = subprocess.run([binary("placement/ropekv-placement"), f"--config-file={ini}"], env=clean_env(),
                           cwd=self.tmp, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"bad configuration: {ini}: port = ", r.stderr)

    def test_dev_reads_environment_and_config_file(self):
        base = free_port_block(2)
        ini = os.path.join(self.tmp, "dev.ini")
        with open(ini, "w") as f:
            f.write(f'[global]\nowners=1\ndata-dir="{self.tmp}/dev-data"\nhttp-port=1\n')
        env = clean_env(ROPEKV_CONFIG_FILE=ini, ROPEKV_HTTP_PORT=str(base), ROPEKV_WS_PORT=str(base + 1))
        s = self.start("dev/ropekv-dev", [], env)
        s.wait_line(rf"^RopeKV router listening on http://127\.0\.0\.1:{base}$", timeout=90)
        s.wait_line(rf"^RopeKV notifier WebSocket on ws://127\.0\.0\.1:{base + 1}/v1/ws$")
        self.assertEqual(http("GET", f"http://127.0.0.1:{base}/healthz")[0], 200)
        self.assertTrue(os.path.isdir(f"{self.tmp}/dev-data/owner-1"))
        self.assertFalse(os.path.exists(f"{self.tmp}/dev-data/owner-2"))
        self.assertEqual(s.stop(), 0, s.text(s.err))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ns, rest = ap.parse_known_args()
    BUILD = ns.build_dir
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
