#!/usr/bin/python3
"""console.headless: the web console (docs/console.md) in headless Chromium
against a real cluster.

Starts ropekv-dev (3 owners) on ports it picks, checks the console's static
routes and the ETag/304 of GET /v1/cluster over HTTP, creates a table with 4
segments (plus an item, an index and a webhook), opens http://127.0.0.1:PORT/
in headless Chromium driven over the DevTools protocol, and checks that:
  - the page throws nothing and logs no error or warning;
  - it shows as many segments and nodes as GET /v1/cluster reports, the
    table with its index and the hook;
  - its XXH64 partition function agrees with libxxhash;
  - the partition inspector shows what GET .../partitions/{p} does, and its
    rollback asks first (dismissed: nothing happens; accepted: rolled back);
  - after POST /v1/tables/{t}/split it shows one more segment, highlighted,
    within a bounded wait.
Saves a screenshot to <out>/console.png and prints its path. Stops Chromium
and the cluster by PID (their process groups), also on failure.

Run by /usr/bin/python3 (Debian's python3-websocket). Exit 0 pass, 1 fail,
77 skipped (no chromium or no python3-websocket).
"""
import argparse
import base64
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

try:
    import websocket  # python3-websocket
except ImportError:
    print("SKIP: python3-websocket is not installed (apt-get install python3-websocket)")
    sys.exit(77)

TABLE = "console_t"
DEADLINE = time.monotonic() + 130  # the whole test; ctest's TIMEOUT is 150


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def log(*args):
    print(f"[{time.strftime('%H:%M:%S')}]", *args, flush=True)


def wait_for(what, fn, timeout):
    """Calls fn until it returns a truthy value; that value, or Failure."""
    end = min(time.monotonic() + timeout, DEADLINE)
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise Failure(f"timed out waiting for {what} (last: {last!r})")


# ---------------------------------------------------------------- processes

class Processes:
    """Every child this test starts, each in its own process group, stopped by PID."""

    def __init__(self):
        self.children = []

    def start(self, name, argv, **kw):
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.children.append((name, p))
        log(f"started {name} pid {p.pid}")
        return p

    def stop_all(self):
        for name, p in reversed(self.children):
            if p.poll() is not None:
                continue
            try:
                os.killpg(p.pid, signal.SIGTERM)  # the group of the child we started
            except ProcessLookupError:
                continue
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log(f"{name} pid {p.pid} ignored SIGTERM; SIGKILL")
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
            log(f"stopped {name} pid {p.pid} (exit {p.returncode})")


# ---------------------------------------------------------------- HTTP

class Api:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
            h = dict(headers or {})
            if data is not None:
                h["Content-Type"] = "application/json"
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, raw
        finally:
            c.close()

    def json(self, method, path, body=None, expect=(200,)):
        status, _, raw = self.request(method, path, body)
        check(status in expect, f"{method} {path}: {status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def check_static_routes(api):
    status, h, body = api.request("GET", "/")
    check(status == 200, f"GET / answered {status}")
    check(h.get("content-type") == "text/html; charset=utf-8", f"GET / content-type {h.get('content-type')}")
    check(h.get("cache-control") == "no-cache", f"GET / cache-control {h.get('cache-control')}")
    check(b"/console/console.js" in body, "index.html does not load console.js")
    tag = h.get("etag")
    check(tag and tag.startswith('"'), f"GET / has no strong ETag: {tag!r}")
    status, h2, body = api.request("GET", "/", headers={"If-None-Match": tag})
    check(status == 304 and body == b"", f"GET / with its ETag: {status}, {len(body)} bytes")
    check(h2.get("etag") == tag, "304 lost the ETag")
    for name, ctype in [("console.js", "text/javascript; charset=utf-8"), ("xxhash64.js", "text/javascript; charset=utf-8"),
                        ("console.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml")]:
        status, h, _ = api.request("GET", "/console/" + name)
        check(status == 200 and h.get("content-type") == ctype, f"/console/{name}: {status} {h.get('content-type')}")
    status, h, body = api.request("GET", "/console/nope.js")
    check(status == 404 and h.get("content-type") == "application/json", f"/console/nope.js: {status} {h.get('content-type')}")
    check(json.loads(body)["error"]["code"] == "not_found", f"/console/nope.js body {body!r}")
    status, _, _ = api.request("POST", "/", body="{}")
    check(status == 405, f"POST / answered {status}")
    # GET /v1/cluster: an ETag, and 304 when nothing changed in between (segment
    # rates can move between two reads, so a few tries).
    for attempt in range(20):
        status, h, body = api.request("GET", "/v1/cluster")
        check(status == 200 and h.get("etag"), f"GET /v1/cluster: {status}, etag {h.get('etag')!r}")
        status2, h2, body2 = api.request("GET", "/v1/cluster", headers={"If-None-Match": h["etag"]})
        if status2 == 304:
            check(body2 == b"" and h2.get("etag") == h["etag"], "304 of /v1/cluster has a body or another ETag")
            break
        check(status2 == 200 and h2.get("etag") != h["etag"], f"If-None-Match on /v1/cluster: {status2}, same tag")
        time.sleep(0.2)
    else:
        raise Failure("GET /v1/cluster never answered 304 to its own ETag")
    status, h, _ = api.request("GET", "/v1/cluster", headers={"If-None-Match": '"0000000000000000"'})
    check(status == 200, f"/v1/cluster with a stale ETag answered {status}")
    for path in ["/v1/tables", "/v1/hooks"]:
        status, h, _ = api.request("GET", path)
        check(status == 200 and h.get("etag"), f"GET {path}: {status}, etag {h.get('etag')!r}")
        status, _, body = api.request("GET", path, headers={"If-None-Match": h["etag"]})
        check(status == 304 and body == b"", f"GET {path} with its ETag: {status}")
    log("static routes and ETags: ok")


# ---------------------------------------------------------------- DevTools

class DevTools:
    """A minimal synchronous CDP client: commands wait for their answer,
    events are kept (a reader thread) for the checks."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.lock = threading.Condition()
        self.replies = {}
        self.events = []
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                msg = json.loads(self.ws.recv())
            except Exception:  # closed: wake every waiter
                with self.lock:
                    self.closed = True
                    self.lock.notify_all()
                return
            with self.lock:
                if "id" in msg:
                    self.replies[msg["id"]] = msg
                else:
                    self.events.append(msg)
                self.lock.notify_all()

    def send(self, method, params=None, timeout=30):
        with self.lock:
            self.next_id += 1
            mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        end = time.monotonic() + timeout
        with self.lock:
            while mid not in self.replies:
                if self.closed or time.monotonic() > end:
                    raise Failure(f"DevTools: no answer to {method}")
                self.lock.wait(0.2)
            reply = self.replies.pop(mid)
        if "error" in reply:
            raise Failure(f"DevTools {method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method, timeout, start=0):
        """The first event `method` at index >= start; (index, event)."""
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                for i in range(start, len(self.events)):
                    if self.events[i]["method"] == method:
                        return i, self.events[i]
                if self.closed or time.monotonic() > end:
                    raise Failure(f"DevTools: no {method} event")
                self.lock.wait(0.2)

    def eval(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Failure(f"evaluating {expression[:80]!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def problems(self):
        """Exceptions, console errors/warnings and error log entries seen so far."""
        out = []
        with self.lock:
            events = list(self.events)
        for e in events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append(f"exception: {d.get('text')} {d.get('exception', {}).get('description', '')}")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                entry = p["entry"]
                out.append(f"log {entry['level']} ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
        return out

    def close(self):
        try:
            self.ws.close()
        except Exception as e:  # already closed by the browser going away
            log(f"closing DevTools socket: {e}")


def start_chromium(procs, chromium, profile):
    argv = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1400,1000", "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"]
    log_file = open(os.path.join(profile, "..", "chromium.log"), "wb")
    procs.start("chromium", argv, stdout=log_file, stderr=subprocess.STDOUT)
    port_file = os.path.join(profile, "DevToolsActivePort")
    port = wait_for("DevToolsActivePort", lambda: os.path.exists(port_file) and open(port_file).read().split("\n")[0].strip(), 30)
    targets = wait_for("a page target", lambda: [t for t in json.loads(Api(int(port)).request("GET", "/json/list")[2])
                                                 if t.get("type") == "page"], 15)
    return DevTools(targets[0]["webSocketDebuggerUrl"])


# ---------------------------------------------------------------- the test

def start_cluster(procs, dev, tmp):
    out_path = os.path.join(tmp, "dev.out")
    out = open(out_path, "wb")
    err = open(os.path.join(tmp, "dev.log"), "wb")
    procs.start("ropekv-dev", [dev, "--owners=3", "--http-port=0", "--ws-port=0",
                               f"--data-dir={os.path.join(tmp, 'data')}", "--log-level=info"],
                stdout=out, stderr=err)

    def port():
        m = re.search(rb"RopeKV router listening on http://127\.0\.0\.1:(\d+)", open(out_path, "rb").read())
        return int(m.group(1)) if m else None
    port = wait_for("the router's listening line", port, 45)
    api = Api(port)
    wait_for("/readyz", lambda: api.request("GET", "/readyz")[0] == 200, 30)
    log(f"cluster up: router on http://127.0.0.1:{port}/")
    return api


def dom_counts(cdp):
    return cdp.eval("""({
        ready: document.body.dataset.ready,
        segments: Number(document.getElementById('rope').dataset.segmentCount),
        rects: document.querySelectorAll('#rope rect.seg').length,
        nodes: Number(document.getElementById('nodes').dataset.nodeCount),
        nodeRows: document.querySelectorAll('#nodes tbody tr[data-node-id]').length,
        fresh: [...document.querySelectorAll('#rope rect.seg.fresh')].map(r => Number(r.dataset.segmentId)),
        ids: [...document.querySelectorAll('#rope rect.seg')].map(r => Number(r.dataset.segmentId)),
    })""")


def check_partition_function(cdp):
    try:
        lib = ctypes.CDLL("libxxhash.so.0")
    except OSError:
        log("libxxhash.so.0 not found: partition function checked against one known value only")
        check(cdp.eval("ropeXXH64.partitionOf('alice')") == 29603, "partition of alice is not 29603")
        return
    lib.XXH64.restype = ctypes.c_uint64
    lib.XXH64.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint64]
    keys = ["", "a", "alice", "abcd", "abcdefg", "abcdefgh", "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef", "x" * 33, "y" * 100, "ünïcødé ✓", "key/with/slashes"]
    got = cdp.eval("(%s).map(k => ropeXXH64.xxh64(new TextEncoder().encode(k)).toString(16))" % json.dumps(keys))
    for k, g in zip(keys, got):
        b = k.encode()
        want = lib.XXH64(b, len(b), 0)
        check(int(g, 16) == want, f"XXH64({k!r}) in the page is {g}, libxxhash says {want:x}")
    log(f"XXH64 in the page agrees with libxxhash on {len(keys)} keys")


def check_inspector(cdp, api):
    partition = cdp.eval("ropeXXH64.partitionOf('alice')")
    v1 = api.json("GET", f"/v1/tables/{TABLE}/items/alice")["version"]
    api.json("PUT", f"/v1/tables/{TABLE}/items/alice", {"age": 99})
    expected = api.json("GET", f"/v1/tables/{TABLE}/partitions/{partition}")
    cdp.eval(f"""(() => {{
        const t = document.getElementById('inspect-table'); t.value = {json.dumps(TABLE)};
        const k = document.getElementById('inspect-key'); k.value = 'alice';
        k.dispatchEvent(new Event('input'));
        document.getElementById('inspect-button').click();
    }})()""")
    wait_for("the inspector's answer", lambda: cdp.eval("document.getElementById('inspect-result').dataset.state") in ("done", "error"), 10)
    shown = cdp.eval("""Object.fromEntries([...document.querySelectorAll('#inspect-result [data-field]')]
                       .map(d => [d.dataset.field, d.textContent]))""")
    check(shown and shown.get("partition") == str(partition), f"inspector shows {shown}, wanted partition {partition}")
    check(shown["items"] == str(expected["items"]) and shown["bytes"] == str(expected["bytes"])
          and shown["head_version"] == str(expected["head_version"]),
          f"inspector shows {shown}, the API says {expected}")
    log(f"inspector: partition {partition} items {shown['items']} bytes {shown['bytes']} head {shown['head_version']}")

    def click_rollback(accept):
        start = len(cdp.events)
        cdp.eval(f"document.getElementById('rollback-version').value = '{v1}';"
                 "setTimeout(() => document.getElementById('rollback-button').click(), 0); true")
        _, ev = cdp.wait_event("Page.javascriptDialogOpening", 10, start)
        check(ev["params"]["type"] == "confirm" and str(partition) in ev["params"]["message"],
              f"rollback asked {ev['params']}")
        cdp.send("Page.handleJavaScriptDialog", {"accept": accept})

    # Dismissed: nothing is rolled back.
    click_rollback(False)
    wait_for("the cancelled rollback", lambda: cdp.eval("document.getElementById('rollback-result').dataset.state") == "cancelled", 10)
    check(api.json("GET", f"/v1/tables/{TABLE}/items/alice")["item"] == {"age": 99}, "a dismissed rollback changed the item")
    # Accepted: the item is back at v1, and the inspector shows the new head.
    click_rollback(True)
    wait_for("the rollback", lambda: cdp.eval("document.getElementById('rollback-result').dataset.state") in ("done", "error"), 15)
    result = cdp.eval("document.getElementById('rollback-result').textContent")
    check(cdp.eval("document.getElementById('rollback-result').dataset.state") == "done", f"rollback failed: {result}")
    item = api.json("GET", f"/v1/tables/{TABLE}/items/alice")
    check(item["version"] == v1 and item["item"] == {"age": 30}, f"after the rollback alice is {item}")
    log(f"rollback through the page: {result}")


def check_move(cdp, api):
    """Drains a node holding replicas of a 1-replica table: the page shows the
    moves in flight (a row with kind and progress, a strip on the moving
    segment) while GET /v1/cluster lists them, and none once they are done."""
    api.json("PUT", "/v1/tables/console_moves", {"hash_key": "id", "segments": 2, "replication": 1}, expect=(201,))
    filler = "x" * 2000
    for start in range(0, 2000, 100):
        api.json("POST", "/v1/tables/console_moves/batch",
                 {"ops": [{"op": "put", "hash_key": f"k{i}", "item": {"v": filler}} for i in range(start, start + 100)]})
    cluster = api.json("GET", "/v1/cluster")
    mine = [s for s in cluster["segments"] if s.get("table") == "console_moves"]
    node = mine[0]["replicas"][0]
    api.json("POST", f"/v1/nodes/{node}/drain", {}, expect=(200, 202))
    log(f"draining node {node}")
    seen_api, seen_dom, t0 = set(), {}, time.monotonic()
    while time.monotonic() - t0 < 60:
        moves = api.json("GET", "/v1/cluster")["moves"]
        seen_api |= {m["segment"] for m in moves}
        dom = cdp.eval("""({rows: [...document.querySelectorAll('#moves tbody tr[data-move-segment]')].map(r => [Number(r.dataset.moveSegment), r.children[3].textContent, r.children[5].textContent]),
                         strips: [...document.querySelectorAll('#rope rect.move-fill')].map(r => Number(r.dataset.moveSegment)),
                         moving: document.querySelectorAll('#rope rect.seg.moving').length})""")
        for seg, kind, progress in dom["rows"]:
            seen_dom[seg] = (kind, progress, seg in dom["strips"], dom["moving"])
        if seen_api and not moves and not dom["rows"]:
            break
        time.sleep(0.1)
    check(seen_api, "the drain ordered no move")
    check(seen_dom, f"GET /v1/cluster listed moves of segments {sorted(seen_api)}, the page showed none")
    for seg, (kind, progress, strip, moving) in seen_dom.items():
        check(kind == "drain", f"move of segment {seg} shown with kind {kind!r}")
        check(strip and moving >= 1, f"segment {seg} moving without its strip or outline in the rope")
    check(not cdp.eval("document.querySelectorAll('#moves tbody tr[data-move-segment]').length"),
          "moves still shown after GET /v1/cluster has none")
    log(f"drain of node {node}: moves {sorted(seen_api)} in the API, {sorted(seen_dom.items())} in the page")
    api.json("DELETE", f"/v1/nodes/{node}/drain", None, expect=(200, 202, 204))


def run(args, procs, tmp):
    api = start_cluster(procs, args.dev, tmp)
    check_static_routes(api)

    api.json("PUT", f"/v1/tables/{TABLE}", {"hash_key": "id", "segments": 4}, expect=(201,))
    api.json("PUT", f"/v1/tables/{TABLE}/items/alice", {"age": 30})
    api.json("PUT", f"/v1/tables/{TABLE}/indexes/by_age", {"attribute": "age", "type": "number"}, expect=(200, 201))
    secret = "whsec_" + base64.b64encode(b"console-test-secret-0123").decode()
    api.json("PUT", "/v1/hooks/console_hook", {"url": "http://127.0.0.1:9/hook", "table": TABLE,
                                                "events": ["create"], "secret": secret}, expect=(201,))

    profile = os.path.join(tmp, "chrome")
    os.makedirs(profile)
    cdp = start_chromium(procs, args.chromium, profile)
    try:
        for domain in ("Runtime", "Log", "Page"):
            cdp.send(f"{domain}.enable")
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        url = f"http://127.0.0.1:{api.port}/"
        cdp.send("Page.navigate", {"url": url})
        wait_for("the page's first render", lambda: cdp.eval("document.body && document.body.dataset.ready") == "true", 20)

        # The page agrees with GET /v1/cluster (polled every second: wait for it to catch up).
        def same_as_api():
            cluster = api.json("GET", "/v1/cluster")
            d = dom_counts(cdp)
            want = (len(cluster["segments"]), len(cluster["nodes"]))
            return d if (d["segments"], d["nodes"]) == want and d["rects"] == want[0] and d["nodeRows"] == want[1] else None
        d = wait_for("the page's segment and node counts to match GET /v1/cluster", same_as_api, 15)
        check(d["nodes"] == 3, f"3 owners, the page shows {d['nodes']} nodes")
        check(d["segments"] >= 4, f"a table of 4 segments, the page shows {d['segments']} segments")
        log(f"page shows {d['segments']} segments and {d['nodes']} nodes, as GET /v1/cluster")
        labels = cdp.eval("[...document.querySelectorAll('#nodes tbody tr')].map(r => r.children[3].textContent + '/' + r.children[4].textContent)")
        cluster = api.json("GET", "/v1/cluster")
        check(sorted(labels) == sorted(f"{n['labels']['rack']}/{n['labels']['host']}" for n in cluster["nodes"]),
              f"node labels in the page {labels}")

        # Tables, the index (with its state) and the hook.
        def catalog():
            return cdp.eval(f"""(() => {{
                const card = document.querySelector('#tables [data-table="{TABLE}"]');
                const ix = card && card.querySelector('tr[data-index="by_age"] td.state-active, tr[data-index="by_age"] td[class^="state-"]');
                return {{card: !!card, index: ix ? ix.textContent : null,
                         hook: !!document.querySelector('#hooks tr[data-hook="console_hook"]')}};
            }})()""")
        cat = wait_for("the table, its index and the hook", lambda: (lambda c: c if c["card"] and c["index"] and c["hook"] else None)(catalog()), 15)
        log(f"table {TABLE}: index by_age {cat['index']}, hook console_hook shown")

        check_partition_function(cdp)
        check_inspector(cdp, api)

        # A split: one more segment, highlighted as new.
        before = dom_counts(cdp)
        split = api.json("POST", f"/v1/tables/{TABLE}/split", {"at_hash_key": "console-split-key"})
        new_ids = {split["left"]["id"], split["right"]["id"]}
        log(f"split: left {split['left']['id']} right {split['right']['id']}")

        def one_more():
            d = dom_counts(cdp)
            return d if d["segments"] == before["segments"] + 1 and new_ids <= set(d["ids"]) else None
        t0 = time.monotonic()
        after = wait_for("one more segment in the page after the split", one_more, 20)
        check(set(after["fresh"]) & new_ids, f"no new segment highlighted: fresh {after['fresh']}, split made {new_ids}")
        changes = cdp.eval("document.getElementById('changes').textContent")
        check("new" in changes, f"the layout change is not listed: {changes!r}")
        log(f"page shows {after['segments']} segments {time.monotonic() - t0:.1f} s after the split; highlighted {after['fresh']}")

        check_move(cdp, api)

        # Let the page poll a few more rounds (304s) and look for problems.
        time.sleep(2.5)
        shot = cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path = os.path.join(args.out, "console.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"screenshot: {path}", flush=True)
        problems = cdp.problems()
        check(not problems, "the page reported problems:\n  " + "\n  ".join(problems))
        log("no exceptions, console errors or warnings in the page")
    finally:
        cdp.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True, help="the ropekv-dev binary")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--out", default=".", help="where console.png goes")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, data)")
    args = ap.parse_args()
    if not args.chromium or not shutil.which(args.chromium):
        print(f"SKIP: no chromium ({args.chromium})")
        return 77
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="ropekv-console-")
    procs = Processes()
    code = 1
    try:
        run(args, procs, tmp)
        code = 0
        log("PASS")
    except Failure as e:
        log(f"FAIL: {e}")
        for name in ("dev.log", "chromium.log"):
            p = os.path.join(tmp, name)
            if os.path.exists(p):
                tail = open(p, "rb").read()[-3000:].decode(errors="replace")
                print(f"--- last lines of {name} ---\n{tail}", flush=True)
    finally:
        procs.stop_all()
        if args.keep or code != 0:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
