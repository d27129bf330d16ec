"""deploy.compose_commands: runs what deploy/compose/docker-compose.yml
gives each container -- the image's ENTRYPOINT (deploy/docker/entrypoint.sh,
from the Dockerfile), the service's command and its environment, exactly as
`docker-compose config` resolves them -- as local processes on 127.0.0.1:
1 placement, 3 segment-owners, 2 routers, 2 notifiers and 1 indexer, and
checks that the cluster forms and serves, and that a recreated owner
container comes back as the same node.

What differs from a container is only what a container has of its own,
substituted by this mapping (nothing else is touched):
  * the image's ENTRYPOINT path -> the repository file the Dockerfile COPYs
    there (deploy/docker/entrypoint.sh); ropekv-<service> on PATH -> the
    binaries CMake built (a temp bin/ of symlinks first on PATH);
  * HOSTNAME -> <service>-<n> (Docker sets the container id);
    ADVERTISE_HOST -> 127.0.0.1 (the entrypoint's default is `hostname -i`,
    the container's address); LISTEN_HOST -> 127.0.0.1 (default 0.0.0.0);
    HEALTH_FILE -> a file per process (default /tmp/ropekv-health, one per
    container);
  * every --port/--metrics-port/--http-port/--ws-port=<p> in a command ->
    a free port per process (containers each have their own port space);
  * <service>:<p> in an environment value or a command (Compose service DNS
    names) -> 127.0.0.1:<the free port that replica 1 of <service> got for p>;
  * a path under a volume's mount point -> the same path under
    <tmp>/volumes/<volume>/, shared by every replica of the service as the
    named volume is (so the owners' slot claims run for real).
The nginx front (service proxy) runs its image's ENTRYPOINT (nginx from
Debian) with deploy/compose/nginx.conf, where only this is substituted:
the upstream `<service>:<port>` -> 127.0.0.1:<replica 1's port> (Docker's
DNS would answer with every replica), each `listen <port>` -> a free port,
/tmp -> the work dir. A GET and a WebSocket subscription go through it.
"""
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import websocket  # python3-websocket

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_support as ds  # noqa: E402

REPLICAS = {"placement": 1, "segment-owner": 3, "router": 2, "notifier": 2, "indexer": 1}
START_ORDER = ["placement", "segment-owner", "router", "notifier", "indexer"]
DEADLINE = time.monotonic() + 95  # ctest's TIMEOUT is 150 s; stop well before it

procs = []  # (name, Popen)


def die_with_parent():
    # The children die with this test even if ctest SIGKILLs it on timeout.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def stop_all():
    for _, p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    end = time.monotonic() + 15
    for name, p in procs:
        try:
            p.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            print("%s (pid %d) ignored SIGTERM; killing" % (name, p.pid), flush=True)
            p.kill()
            p.wait()


def until(what, fn, seconds):
    end = min(DEADLINE, time.monotonic() + seconds)
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise RuntimeError("timed out waiting for %s (last: %r)" % (what, last))


def main():
    config = ds.compose_config()
    services = config["services"]
    entry, copies = ds.image_entrypoint()
    if not entry:
        sys.exit("the Dockerfile's last stage has no ENTRYPOINT")
    local_entry = [copies.get(a, a) for a in entry]
    if not os.path.exists(local_entry[0]):
        sys.exit("the ENTRYPOINT %s is not COPY'd from the repository" % entry[0])

    tmp = tempfile.mkdtemp(prefix="ropekv-deploy-")
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    for svc in ds.SERVICES:
        os.symlink(ds.binary(svc), os.path.join(bindir, "ropekv-" + svc))
    print("work dir " + tmp, flush=True)

    # Ports: replica -> {container port: local port}.
    ports = {}
    for svc in START_ORDER:
        for n in range(1, REPLICAS[svc] + 1):
            ports[(svc, n)] = {}
            for flag, value in ds.flags_of(services[svc].get("command", [])).items():
                if flag in ds.PORT_FLAGS and value and value.isdigit() and int(value) > 0:
                    ports[(svc, n)][value] = str(ds.free_port())

    def substitute(svc, n, value):
        value = str(value)
        if value.startswith("--") and "=" in value:  # a flag: its value only
            flag, _, rest = value.partition("=")
            return flag + "=" + substitute(svc, n, rest)
        # Compose service DNS names -> 127.0.0.1 and replica 1's port.
        def dns(m):
            target, port = m.group(1), m.group(2)
            if target in services and (target, 1) in ports and port in ports[(target, 1)]:
                return "127.0.0.1:" + ports[(target, 1)][port]
            return m.group(0)
        value = re.sub(r"\b([a-z][a-z0-9-]*):(\d+)\b", dns, value)
        # Volume mount points -> the shared local directory of the volume.
        for mount in services[svc].get("volumes", []):
            source, target = (mount["source"], mount["target"]) if isinstance(mount, dict) else \
                mount.split(":")[:2]
            if value == target or value.startswith(target.rstrip("/") + "/"):
                value = os.path.join(tmp, "volumes", source) + value[len(target.rstrip("/")):]
        return value

    def command_of(svc, n):
        out = []
        for a in services[svc].get("command", []):
            flag, eq, value = a.partition("=")
            name = flag[2:] if flag.startswith("--") else None
            if eq and name in ds.PORT_FLAGS and value in ports[(svc, n)]:
                out.append(flag + "=" + ports[(svc, n)][value])
            else:
                out.append(substitute(svc, n, a))
        return out

    started = {}  # (svc, n) -> {out, log, health, proc}

    def start(svc, n):
        """Starts replica n of svc as its container would run; returns a
        function that is true once it listens (raises if it exited)."""
        name = "%s-%d" % (svc, n)
        if (svc, n) not in ports:  # a new container: new ports (and address)
            ports[(svc, n)] = {c: str(ds.free_port()) for c in ports[(svc, 1)]}
        env = {k: v for k, v in os.environ.items() if not k.startswith("ROPEKV_")}
        env.update({k: substitute(svc, n, v) for k, v in (services[svc].get("environment") or {}).items()})
        health = os.path.join(tmp, name + ".health")
        env.update({
            "HOSTNAME": name,
            "ADVERTISE_HOST": "127.0.0.1",
            "LISTEN_HOST": "127.0.0.1",
            "HEALTH_FILE": health,
            "PATH": bindir + ":/usr/bin:/bin",
        })
        argv = local_entry + command_of(svc, n)
        out = os.path.join(tmp, name + ".out")
        err = os.path.join(tmp, name + ".log")
        print("start %s: %s" % (name, " ".join(argv)), flush=True)
        with open(out, "w") as o, open(err, "w") as e:
            p = subprocess.Popen(argv, env=env, stdout=o, stderr=e, cwd=tmp, preexec_fn=die_with_parent)
        procs.append((name, p))
        started[(svc, n)] = {"out": out, "log": err, "health": health, "proc": p}

        def listening():
            if p.poll() is not None:
                raise RuntimeError("%s exited with %d:\n%s" % (name, p.returncode, open(err).read()[-3000:]))
            return "listening on " in open(out).read()
        return name, listening

    def start_proxy():
        """The proxy service as its image runs it; returns {container port:
        local port}."""
        proxy = services["proxy"]
        entry = None
        for stage in ds.dockerfile_stages()[1]:
            if stage["name"] == proxy["build"].get("target"):
                entry = [json.loads(l[len("ENTRYPOINT"):]) for l in stage["lines"] if l.startswith("ENTRYPOINT")][-1]
                conf_copy = [l.split()[1:] for l in stage["lines"] if l.startswith("COPY ")][-1]
        conf = open(os.path.join(ds.REPO, conf_copy[0])).read()
        listen = {}  # upstream service -> local port
        for port, target in re.findall(r"listen (\d+);.*?set \$\w+ ([a-z][a-z0-9-]*):\d+;", conf, re.S):
            listen[target] = str(ds.free_port())
            conf = conf.replace("listen %s;" % port, "listen 127.0.0.1:%s;" % listen[target])

        def upstream(m):
            return m.group(1) + "127.0.0.1:" + ports[(m.group(2), 1)][m.group(3)] + ";"
        conf = re.sub(r"(set \$\w+ )([a-z][a-z0-9-]*):(\d+);", upstream, conf)
        conf = conf.replace("/tmp/", tmp + "/")
        path = os.path.join(tmp, "nginx.conf")
        open(path, "w").write(conf)
        argv = entry[:1] + ["-p", tmp, "-c", path] + entry[1:]
        print("start proxy: " + " ".join(argv), flush=True)
        log = os.path.join(tmp, "proxy.log")
        with open(log, "w") as e:
            p = subprocess.Popen(argv, stdout=e, stderr=subprocess.STDOUT, cwd=tmp, preexec_fn=die_with_parent)
        procs.append(("proxy", p))

        def up():
            if p.poll() is not None:
                raise RuntimeError("nginx exited with %d:\n%s" % (p.returncode, open(log).read()[-2000:]))
            return ds.http("GET", "http://127.0.0.1:%s/healthz" % listen["router"])[0] == 200
        until("the proxy", up, 15)
        return listen

    # Replicas of a service start together, as `up --scale` starts them (the
    # owners race for slots of their shared volume).
    for svc in START_ORDER:
        waits = [start(svc, n) for n in range(1, REPLICAS[svc] + 1)]
        for name, listening in waits:
            until(name + " to listen", listening, 30)

    # Each owner and indexer claimed its own slot of its service's volume.
    for svc in ("segment-owner", "indexer"):
        shared = substitute(svc, 1, services[svc]["environment"]["SHARED_DATA_DIR"])
        claimed = sorted(re.findall(r"claimed (\S+)", "".join(
            open(started[(svc, n)]["log"]).read() for n in range(1, REPLICAS[svc] + 1))))
        want = sorted(os.path.join(shared, "slot-%d" % n) for n in range(1, REPLICAS[svc] + 1))
        ds.check(claimed == want, "%s replicas claimed %s, want %s" % (svc, claimed, want))

    http_port = ds.flags_of(services["router"]["command"])["http-port"]
    ws_port = ds.flags_of(services["notifier"]["command"])["ws-port"]
    r1 = "http://127.0.0.1:" + ports[("router", 1)][http_port]
    r2 = "http://127.0.0.1:" + ports[("router", 2)][http_port]

    def three_nodes():
        status, body = ds.http("GET", r1 + "/v1/cluster")
        if status == 200 and isinstance(body, dict) and len([x for x in body.get("nodes", []) if x.get("alive")]) == 3:
            return body
        return None
    cluster = until("GET /v1/cluster to show 3 alive nodes", three_nodes, 30)
    labels = sorted((x["labels"]["host"], x["labels"]["rack"]) for x in cluster["nodes"])
    ds.check(labels == [("slot-1", "slot-1"), ("slot-2", "slot-2"), ("slot-3", "slot-3")],
             "owners' host/rack labels from their slots: %s" % labels)
    ds.check(all(x["address"].startswith("127.0.0.1:") for x in cluster["nodes"]),
             "owners registered their ADVERTISE_HOST: %s" % [x["address"] for x in cluster["nodes"]])

    # Every process passes its HEALTHCHECK (the image's command, through the
    # same entrypoint) and answers /readyz on the address it recorded.
    def passes(key, what):
        s = started[key]
        if what == "healthcheck":
            env = dict(os.environ, HEALTH_FILE=s["health"])
            return subprocess.run(local_entry + ["healthcheck"], env=env, capture_output=True,
                                  timeout=10).returncode == 0
        if not os.path.exists(s["health"]):
            return False
        return ds.http("GET", "http://%s/readyz" % open(s["health"]).read().strip())[0] == 200
    pending = {(key, what) for key in started for what in ("healthcheck", "/readyz")}
    end = min(DEADLINE - 25, time.monotonic() + 20)  # all in parallel; leave time to serve
    while pending and time.monotonic() < end:
        pending = {p for p in pending if not passes(*p)}
        if pending:
            time.sleep(0.3)
    for (svc, n), what in sorted(pending):
        ds.check(False, "%s-%d: %s did not pass" % (svc, n, what))

    # Serve: a table, a write through router 1, a read through router 2, and
    # the write as an event on each notifier.
    table = "deploy_check"
    status, body = ds.http("PUT", r1 + "/v1/tables/" + table, {"hash_key": "id"})
    ds.check(status in (200, 201), "create table: %s %s" % (status, body))
    until("router 2 to route the table",
          lambda: ds.http("GET", r2 + "/v1/tables/%s/items/nobody" % table)[0] == 404, 20)

    proxy_ports = start_proxy()
    status, body = ds.http("GET", "http://127.0.0.1:%s/v1/tables/%s/items/nobody" % (proxy_ports["router"], table))
    ds.check(status == 404, "GET through the proxy: %s %s" % (status, body))

    subscribers = []
    for n, port in ((1, ports[("notifier", 1)][ws_port]), (2, ports[("notifier", 2)][ws_port]),
                    ("1 via the proxy", proxy_ports["notifier"])):
        ws_url = "ws://127.0.0.1:%s/v1/ws" % port
        ws = websocket.create_connection(ws_url, timeout=15)
        ws.send(json.dumps({"op": "subscribe", "id": "s1", "table": table, "from": "now"}))
        reply = json.loads(ws.recv())
        ds.check(reply.get("op") == "subscribed", "notifier %s subscribe: %s" % (n, reply))
        subscribers.append((n, ws))

    status, body = until("PUT through router 1",
                         lambda: (lambda r: r if r[0] in (200, 201) else None)(
                             ds.http("PUT", r1 + "/v1/tables/%s/items/alice" % table, {"city": "Oslo"})), 20)
    status, body = ds.http("GET", r2 + "/v1/tables/%s/items/alice" % table)
    ds.check(status == 200 and "Oslo" in json.dumps(body), "GET through router 2: %s %s" % (status, body))

    for n, ws in subscribers:
        seen = None
        end = min(DEADLINE, time.monotonic() + 20)
        while time.monotonic() < end and seen is None:
            try:
                frame = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                break
            if frame.get("op") == "event" and frame.get("hash_key") == "alice":
                seen = frame
        ds.check(seen is not None and seen.get("kind") == "create",
                 "notifier %s saw the write as a create event: %s" % (n, seen))
        ws.close()

    # A recreated container (new hostname, new address) claims the slot the
    # stopped one left and comes back as the same node: no new node id.
    ids = sorted(x["id"] for x in cluster["nodes"])
    gone = started[("segment-owner", 2)]["proc"]
    gone_slot = os.path.basename(re.search(r"claimed (\S+)", open(started[("segment-owner", 2)]["log"]).read()).group(1))
    gone.send_signal(signal.SIGTERM)
    gone.wait(timeout=20)
    name, listening = start("segment-owner", REPLICAS["segment-owner"] + 1)
    until(name + " to listen", listening, 30)
    caf_port = ds.flags_of(services["segment-owner"]["command"])["port"]
    new_address = "127.0.0.1:" + ports[("segment-owner", REPLICAS["segment-owner"] + 1)][caf_port]

    def back():
        status, body = ds.http("GET", r1 + "/v1/cluster")
        if status != 200 or not isinstance(body, dict):
            return None
        nodes = body.get("nodes", [])
        if any(x["address"] == new_address and x.get("alive") for x in nodes):
            return nodes
        return None
    try:
        nodes = until("the recreated owner to re-register at %s" % new_address, back, 20)
        ds.check(sorted(x["id"] for x in nodes) == ids, "node ids before %s, after %s" %
                 (ids, sorted(x["id"] for x in nodes)))
        again = [x for x in nodes if x["address"] == new_address][0]
        ds.check(again["labels"]["host"] == gone_slot, "the recreated owner has labels %s, not those of %s" %
                 (again["labels"], gone_slot))
    except RuntimeError as e:
        ds.check(False, str(e))
    status, body = ds.http("GET", r2 + "/v1/tables/%s/items/alice" % table)
    ds.check(status == 200 and "Oslo" in json.dumps(body), "GET after the owner came back: %s %s" % (status, body))
    return tmp


if __name__ == "__main__":
    tmp = None
    try:
        tmp = main()
    except Exception as e:  # a failed wait or start: report it, then stop everything
        ds.check(False, "%s: %s" % (type(e).__name__, e))
    finally:
        stop_all()
    if not ds.failures and tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    elif ds.failures:
        print("logs kept in the work dir above", flush=True)
    ds.finish("deploy.compose_commands")
