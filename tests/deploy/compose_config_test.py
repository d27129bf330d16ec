"""deploy.compose_config: `docker-compose config` accepts
deploy/compose/docker-compose.yml, and the resolved file has what
`up --scale segment-owner=5 --scale router=3 --scale notifier=2` needs:
every service; nothing fixed per container on scaled services (no
container_name, hostname or published port); each stateful replica its own
data directory (a slot of a shared volume, never one fixed --data-dir);
flags and ROPEKV_* variables the binaries accept; service DNS references to
ports a service listens on; a fixed health port for the HEALTHCHECK; and an
nginx configuration that nginx -t accepts and that points at the router's
and the notifier's ports.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_support as ds  # noqa: E402

SCALED = ["segment-owner", "router", "notifier", "indexer"]
STATEFUL = {"placement": False, "segment-owner": True, "indexer": True}  # -> scaled


def mounts(svc):
    out = []
    for m in svc.get("volumes", []):
        if isinstance(m, dict):
            out.append((m.get("type", "volume"), m.get("source"), m["target"]))
        else:
            parts = m.split(":")
            out.append(("volume", parts[0], parts[1]))
    return out


def under(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def main():
    try:
        config = ds.compose_config()
    except RuntimeError as e:
        ds.check(False, str(e))
        return
    services = config.get("services", {})
    _, stages = ds.dockerfile_stages()
    stage_names = {s["name"] for s in stages}
    entry_vars = ds.entrypoint_variables()
    all_options = {}
    for name in ds.SERVICES:
        all_options.update({o: name for o in ds.help_options(name)})

    for name in ds.SERVICES + ["proxy"]:
        ds.check(name in services, "service %s is missing" % name)
    for name, svc in services.items():
        build = svc.get("build")
        if ds.check(isinstance(build, dict), "%s: no build section" % name):
            dockerfile = os.path.join(build["context"], build.get("dockerfile", "Dockerfile"))
            ds.check(os.path.samefile(dockerfile, ds.DOCKERFILE), "%s builds %s" % (name, dockerfile))
            ds.check(build.get("target") in stage_names, "%s: target %s is no Dockerfile stage" %
                     (name, build.get("target")))
        ds.check("image" in svc, "%s: no image name (the build would be repeated per service)" % name)

    for name in SCALED:
        svc = services.get(name, {})
        for key in ("container_name", "hostname", "ports", "mac_address"):
            ds.check(key not in svc, "%s is scaled but sets %s" % (name, key))

    # Ports each service listens on (from its command), for DNS references.
    listens = {}
    for name in ds.SERVICES:
        command = services.get(name, {}).get("command", [])
        ds.check(isinstance(command, list) and command and command[0] == name,
                 "%s: command must start with the service name, got %r" % (name, command))
        flags = ds.flags_of(command[1:])
        options = ds.help_options(name)
        for flag in flags:
            ds.check(flag in options, "%s: ropekv-%s has no --%s" % (name, name, flag))
        listens[name] = {v for f, v in flags.items() if f in ds.PORT_FLAGS and v}
        health = flags.get(ds.HEALTH_PORT_FLAG[name])
        ds.check(health is not None and health.isdigit() and int(health) > 0,
                 "%s: needs a fixed --%s for its HEALTHCHECK" % (name, ds.HEALTH_PORT_FLAG[name]))
        for var in (services[name].get("environment") or {}):
            if var.startswith("ROPEKV_"):
                option = var[len("ROPEKV_"):].lower().replace("_", "-")
                ds.check(option in all_options, "%s: %s is no option of any service" % (name, var))
            else:
                ds.check(var in entry_vars, "%s: the entrypoint does not read %s" % (name, var))

    for name in ds.SERVICES:
        svc = services.get(name, {})
        values = list(svc.get("command", [])) + [str(v) for v in (svc.get("environment") or {}).values()]
        for v in values:
            for target, port in re.findall(r"\b([a-z][a-z0-9-]*):(\d+)\b", v):
                if target in services:
                    ds.check(port in listens.get(target, set()),
                             "%s refers to %s:%s, a port %s does not listen on" % (name, target, port, target))

    top_volumes = set((config.get("volumes") or {}).keys())
    for name, scaled in STATEFUL.items():
        svc = services.get(name, {})
        env = svc.get("environment") or {}
        flags = ds.flags_of(svc.get("command", []))
        data_dir = flags.get("data-dir") or env.get("ROPEKV_DATA_DIR")
        shared = env.get("SHARED_DATA_DIR")
        volume_mounts = [m for m in mounts(svc) if m[0] == "volume"]
        ds.check(volume_mounts, "%s keeps state but mounts no named volume" % name)
        for _, source, _ in volume_mounts:
            ds.check(source in top_volumes, "%s: volume %s is not declared" % (name, source))
        if scaled:
            ds.check(data_dir is None, "%s is scaled: a fixed data dir (%s) would be shared by every replica" %
                     (name, data_dir))
            ds.check(shared is not None, "%s is scaled and needs SHARED_DATA_DIR (one slot per replica)" % name)
        path = shared if scaled else data_dir
        ds.check(path is not None and any(under(path, t) for _, _, t in volume_mounts),
                 "%s: its data (%s) is not on a named volume" % (name, path))

    # The proxy: published ports, upstreams, nginx -t.
    proxy = services.get("proxy", {})
    ds.check(proxy.get("ports"), "proxy publishes no port")
    conf = os.path.join(ds.REPO, "deploy", "compose", "nginx.conf")
    text = open(conf).read()
    upstreams = dict(re.findall(r"set \$\w+ ([a-z][a-z0-9-]*):(\d+);", text))
    ds.check(upstreams.get("router") == ds.flags_of(services["router"]["command"]).get("http-port"),
             "nginx must proxy to router:<--http-port>, has %s" % upstreams)
    ds.check(upstreams.get("notifier") == ds.flags_of(services["notifier"]["command"]).get("ws-port"),
             "nginx must proxy to notifier:<--ws-port>, has %s" % upstreams)
    listen = set(re.findall(r"listen (\d+);", text))
    published = set()
    for p in proxy.get("ports", []):
        published.add(str(p["target"]) if isinstance(p, dict) else str(p).split(":")[-1])
    ds.check(published <= listen, "proxy publishes %s, nginx listens on %s" % (published, listen))
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if ds.check(nginx is not None, "nginx (Debian nginx-light, from scripts/setup) is needed for nginx -t"):
        prefix = tempfile.mkdtemp(prefix="ropekv-nginx-")
        try:
            out = subprocess.run([nginx, "-t", "-p", prefix, "-e", "stderr", "-c", conf],
                                 capture_output=True, text=True, timeout=30)
            ds.check(out.returncode == 0, "nginx -t: %s" % out.stderr.strip())
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    main()
    ds.finish("deploy.compose_config")
