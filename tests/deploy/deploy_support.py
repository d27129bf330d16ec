"""Shared helpers of the deploy tests (tests/deploy/*_test.py).

Run with /usr/bin/python3: it sees Debian's python3-yaml and
python3-websocket. The service binaries come from CMake in the environment
(ROPEKV_<SERVICE>_BIN, see tests/deploy/CMakeLists.txt).
"""
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import yaml

REPO = os.path.abspath(os.environ.get("ROPEKV_REPO", os.path.join(os.path.dirname(__file__), "..", "..")))
COMPOSE_FILE = os.path.join(REPO, "deploy", "compose", "docker-compose.yml")
DOCKERFILE = os.path.join(REPO, "deploy", "docker", "Dockerfile")
ENTRYPOINT = os.path.join(REPO, "deploy", "docker", "entrypoint.sh")
K8S_DIR = os.path.join(REPO, "deploy", "k8s")

# The services the entrypoint starts, by the name its first argument takes.
SERVICES = ["placement", "segment-owner", "router", "indexer", "notifier"]
BIN_ENV = {
    "placement": "ROPEKV_PLACEMENT_BIN",
    "segment-owner": "ROPEKV_OWNER_BIN",
    "router": "ROPEKV_ROUTER_BIN",
    "indexer": "ROPEKV_INDEXER_BIN",
    "notifier": "ROPEKV_NOTIFIER_BIN",
    "ropectl": "ROPECTL_BIN",
}
# Where each service serves GET /healthz and /readyz (the health contract):
# router on --http-port, notifier on --ws-port, the others on --metrics-port.
HEALTH_PORT_FLAG = {
    "placement": "metrics-port",
    "segment-owner": "metrics-port",
    "indexer": "metrics-port",
    "router": "http-port",
    "notifier": "ws-port",
}
PORT_FLAGS = {"port", "metrics-port", "http-port", "ws-port"}
HEALTH_PATHS = {"/healthz", "/readyz"}

failures = []


def check(ok, message):
    """Records a failed check (the test goes on to report every one)."""
    if not ok:
        failures.append(message)
        print("FAIL: " + message, flush=True)
    return ok


def finish(name):
    if failures:
        print("%s: %d check(s) failed" % (name, len(failures)), flush=True)
        sys.exit(1)
    print("%s: all checks passed" % name, flush=True)
    sys.exit(0)


def binary(service):
    var = BIN_ENV[service]
    path = os.environ.get(var)
    path = os.path.abspath(path) if path else path
    if not path or not os.access(path, os.X_OK):
        sys.exit("%s must name the built ropekv binary for %s (got %r)" % (var, service, path))
    return path


_help_cache = {}


def help_options(service):
    """{option name: takes_value} from the binary's --help."""
    if service not in _help_cache:
        out = subprocess.run([binary(service), "--help"], capture_output=True, text=True, timeout=30)
        text = out.stdout + out.stderr
        opts = {}
        for m in re.finditer(r"--([a-z0-9][a-z0-9-]*)(=?)", text):
            opts[m.group(1)] = opts.get(m.group(1), False) or m.group(2) == "="
        _help_cache[service] = opts
    return _help_cache[service]


def flags_of(args):
    """{name: value or None} of every --name[=value] in args."""
    out = {}
    for a in args:
        if a.startswith("--"):
            name, eq, value = a[2:].partition("=")
            out[name] = value if eq else None
    return out


def entrypoint_variables():
    """Names of the environment variables deploy/docker/entrypoint.sh reads
    (besides ROPEKV_*, which it maps to flags)."""
    text = open(ENTRYPOINT).read()
    names = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))
    return {n for n in names if not n.startswith("ROPEKV_")}


def compose_config():
    """The compose file as docker-compose resolves it (anchors merged,
    ${VAR:-default} interpolated)."""
    out = subprocess.run(["docker-compose", "-f", COMPOSE_FILE, "config"], capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0:
        raise RuntimeError("docker-compose config failed: " + out.stderr.strip())
    return yaml.safe_load(out.stdout)


def dockerfile_stages():
    """[{name, base, lines}] of deploy/docker/Dockerfile, continuation lines
    joined, comments dropped."""
    logical, cur = [], ""
    for raw in open(DOCKERFILE):
        line = raw.rstrip("\n")
        if not cur and line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        if cur.strip():
            logical.append(cur.strip())
        cur = ""
    stages = []
    for line in logical:
        m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
        if m:
            stages.append({"base": m.group(1), "name": m.group(2), "lines": []})
        elif stages:
            stages[-1]["lines"].append(line)
    return logical, stages


def image_entrypoint():
    """(entrypoint argv, {image path: repo path} of files COPY'd from the
    repository) of the Dockerfile's last stage (the service image)."""
    _, stages = dockerfile_stages()
    last = stages[-1]
    entry, copies = None, {}
    for line in last["lines"]:
        if line.upper().startswith("ENTRYPOINT"):
            entry = json.loads(line[len("ENTRYPOINT"):].strip())
        m = re.match(r"COPY\s+(?!--from)(\S+)\s+(\S+)$", line, re.I)
        if m:
            copies[m.group(2)] = os.path.join(REPO, m.group(1))
    return entry, copies


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=5):
    """(status, parsed JSON or text) of one request; (0, error) when the
    connection fails."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")
