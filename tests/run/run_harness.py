"""Helpers for the scripts/run tests: free port blocks, a scripts/run under
test (started in a temp data dir, its endpoints read from its stdout, its
children found by parent PID and stopped by PID, also on failure), and small
HTTP / TCP probes. Standard library only; runs with /usr/bin/python3."""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_block(n):
    """First port of n consecutive ports that are free now: a random start in
    20000..32767, below Linux's ephemeral range (32768..60999) so that no
    outgoing connection takes one meanwhile, and concurrent tests rarely
    pick the same block."""
    rng = random.Random(os.getpid() ^ int(time.time() * 1000))
    for _ in range(200):
        base = rng.randrange(20000, 32768 - n)
        if all(port_free(p) for p in range(base, base + n)):
            return base
    raise RuntimeError(f"no free block of {n} ports")


def tcp_answers(host_port, timeout=2.0):
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def http(method, url, body=None, timeout=20.0):
    """(status, body text); status 0 when the connection failed."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError):
        return 0, ""


def eventually(what, fn, timeout=30.0, interval=0.2):
    """Calls fn until it returns something truthy; raises after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s: {what} (last: {last!r})")


def children_of(ppid):
    """{pid: argv list} of the live processes whose parent is ppid."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
            # Fields after the command name in parentheses: state, ppid, ...
            rest = stat[stat.rindex(")") + 2:].split()
            if int(rest[1]) != ppid or rest[0] == "Z":
                continue
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = [a.decode() for a in f.read().split(b"\0") if a]
            out[int(d)] = argv
        except (OSError, ValueError, IndexError):
            continue
    return out


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class ScriptsRun:
    """One scripts/run in the background, with --no-build and the test's
    build tree. Use as a context manager: on exit everything it started is
    stopped by PID (scripts/run by SIGINT, then its children by SIGKILL)."""

    def __init__(self, repo, build_dir, args, data_dir=None, env=None):
        self.repo = repo
        self.build_dir = build_dir
        self.args = list(args)
        self.tmp = tempfile.mkdtemp(prefix="ropekv-run-test-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.out_path = os.path.join(self.tmp, "run.out")
        self.err_path = os.path.join(self.tmp, "run.err")
        self.env = dict(os.environ if env is None else env)
        self.proc = None
        self.known_children = {}  # every ropekv child pid ever seen -> argv

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def start(self):
        cmd = [os.path.join(self.repo, "scripts/run"), "--no-build", "--build-dir", self.build_dir,
               "--data-dir", self.data_dir] + self.args
        # These tests check the single-placement port layout; the placement
        # group (scripts/run's default of 3) has tests of its own.
        if not any(a.startswith("--placements") for a in self.args):
            cmd[1:1] = ["--placements", "1"]
        self.out = open(self.out_path, "w")
        self.err = open(self.err_path, "w")
        # Its own session: a Ctrl-C in the terminal running ctest reaches
        # only us, and we stop it by PID.
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL,
                                     env=self.env, start_new_session=True)

    def stdout(self):
        with open(self.out_path) as f:
            return f.read()

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def wait_started(self, timeout=90.0):
        """Waits for the 'logs in ... Ctrl-C' line scripts/run prints once
        every service is up; returns the endpoints parsed from stdout."""
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"scripts/run exited {self.proc.returncode} at start:\n{self.stderr()}")
            return "Ctrl-C stops the cluster" in self.stderr()
        eventually("scripts/run to start", ready, timeout)
        self.refresh_children()
        return self.endpoints()

    def endpoints(self):
        text = self.stdout()
        return {
            "routers": re.findall(r"^RopeKV router listening on (http://\S+)$", text, re.M),
            "notifiers": re.findall(r"^RopeKV notifier WebSocket on (ws://\S+)$", text, re.M),
            "indexers": re.findall(r"^RopeKV indexer on (\S+)$", text, re.M),
            "placement": re.findall(r"^RopeKV placement on (\S+)$", text, re.M),
            "owners": re.findall(r"^RopeKV segment-owner (\d+) \(rack (r\d+)\) on (\S+), metrics on (http://\S+)$",
                                 text, re.M),
        }

    def refresh_children(self):
        kids = children_of(self.proc.pid)
        for pid, argv in kids.items():
            if argv and "ropekv-" in argv[0]:
                self.known_children[pid] = argv
        return {p: a for p, a in kids.items() if a and "ropekv-" in a[0]}

    def pid_of(self, flag):
        """PID of the live child whose command line has `flag` (e.g.
        --data-dir=.../owner-2), or None."""
        for pid, argv in self.refresh_children().items():
            if flag in argv:
                return pid
        return None

    def interrupt(self, timeout=30.0):
        """SIGINT to scripts/run; returns its exit code."""
        self.refresh_children()
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.refresh_children()
            for pid in self.known_children:
                if alive(pid):
                    os.kill(pid, signal.SIGCONT)  # a test may have paused one
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid, argv in self.known_children.items():
            # Only our own children: the PID must still run the same command.
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    same = [a.decode() for a in f.read().split(b"\0") if a] == argv
            except OSError:
                same = False
            if same:
                os.kill(pid, signal.SIGKILL)
        for f in (getattr(self, "out", None), getattr(self, "err", None)):
            if f:
                f.close()
        shutil.rmtree(self.tmp, ignore_errors=True)  # logs and, unless data_dir was given, the data

    def leftover_children(self):
        """Children seen during the run that still exist."""
        return [p for p in self.known_children if alive(p)]


def put_get(router_url, table, key, value, timeout=40.0):
    """Creates `table` (hash key `id`) if needed, then PUTs and GETs one item
    through the router, retrying while the cluster settles."""
    def create():
        st, _ = http("PUT", f"{router_url}/v1/tables/{table}", {"hash_key": "id"})
        return st in (200, 201, 409) or None  # 409: created already (by a retry or another router)
    eventually(f"create table {table} at {router_url}", create, timeout)

    def put():
        st, _ = http("PUT", f"{router_url}/v1/tables/{table}/items/{key}", {"v": value})
        return st in (200, 201) or None
    eventually(f"PUT {table}/{key} at {router_url}", put, timeout)
    st, body = http("GET", f"{router_url}/v1/tables/{table}/items/{key}")
    assert st == 200, (st, body)
    assert json.loads(body)["item"]["v"] == value, body
    return body
