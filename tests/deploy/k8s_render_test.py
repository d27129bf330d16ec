"""deploy.k8s_render: `kubectl kustomize deploy/k8s` renders offline, and
the rendered objects fit the binaries this tree builds:
  * every container's args start with a service the entrypoint knows, and
    every --flag after it is in that binary's --help;
  * every environment variable (env and envFrom ConfigMap keys) is
    ROPEKV_<OPTION> of an option the binary has, or one the entrypoint reads;
  * readiness and liveness probes GET /healthz or /readyz on a port that is
    a containerPort of the container and the port flag the service serves
    them on (router --http-port, notifier --ws-port, others --metrics-port);
    every --*port flag has a containerPort and vice versa;
  * every Service selects a workload and targets its containerPorts;
    StatefulSets name an existing headless Service;
  * every volumeMount names a volume or a volumeClaimTemplate; every
    container has resource requests; every PodDisruptionBudget selects a
    workload; StatefulSets for placement and segment-owner (with
    volumeClaimTemplates), Deployments for router, indexer and notifier.
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_support as ds  # noqa: E402

import yaml  # noqa: E402

EXPECTED_KIND = {"placement": "StatefulSet", "segment-owner": "StatefulSet", "router": "Deployment",
                 "indexer": "Deployment", "notifier": "Deployment"}


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def main():
    out = subprocess.run(["kubectl", "kustomize", ds.K8S_DIR], capture_output=True, text=True, timeout=60)
    if not ds.check(out.returncode == 0, "kubectl kustomize failed: " + out.stderr.strip()):
        return
    objects = [o for o in yaml.safe_load_all(out.stdout) if o]
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], []).append(o)
    configmaps = {o["metadata"]["name"]: o.get("data", {}) for o in by_kind.get("ConfigMap", [])}
    workloads = by_kind.get("StatefulSet", []) + by_kind.get("Deployment", [])
    entry_vars = ds.entrypoint_variables()
    seen_services = {}

    for w in workloads:
        wname = w["metadata"]["name"]
        pod = w["spec"]["template"]
        pod_labels = pod["metadata"].get("labels", {})
        ds.check(selects(w["spec"]["selector"]["matchLabels"], pod_labels),
                 "%s: selector does not match its pod labels" % wname)
        spec = pod["spec"]
        ds.check(spec.get("enableServiceLinks") is False,
                 "%s: service links would inject ROPEKV_*_PORT variables" % wname)
        volumes = {v["name"] for v in spec.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in w["spec"].get("volumeClaimTemplates", [])}
        for c in spec["containers"]:
            cname = "%s/%s" % (wname, c["name"])
            args = c.get("args") or []
            if not ds.check(args and args[0] in ds.SERVICES, "%s: args must start with a service: %r" %
                            (cname, args)):
                continue
            svc = args[0]
            seen_services[svc] = w
            ds.check(w["kind"] == EXPECTED_KIND[svc], "%s: %s should be a %s" % (cname, svc, EXPECTED_KIND[svc]))
            if svc in ("placement", "segment-owner"):
                ds.check(claims, "%s: a StatefulSet for %s needs volumeClaimTemplates" % (cname, svc))
            options = ds.help_options(svc)
            flags = ds.flags_of(args[1:])
            for flag in flags:
                ds.check(flag in options, "%s: ropekv-%s has no --%s" % (cname, svc, flag))

            env_names = [e["name"] for e in c.get("env", [])]
            for src in c.get("envFrom", []):
                ref = src.get("configMapRef", {}).get("name")
                if ds.check(ref in configmaps, "%s: envFrom names no rendered ConfigMap %s" % (cname, ref)):
                    env_names += list(configmaps[ref])
            for var in env_names:
                if var.startswith("ROPEKV_"):
                    option = var[len("ROPEKV_"):].lower().replace("_", "-")
                    # A shared ConfigMap may carry options of other services
                    # (the entrypoint and the binaries ignore those); a
                    # container's own env must fit its binary.
                    own = var in [e["name"] for e in c.get("env", [])]
                    if own:
                        ds.check(option in options, "%s: ropekv-%s has no --%s (%s)" % (cname, svc, option, var))
                    else:
                        ds.check(any(option in ds.help_options(s) for s in ds.SERVICES),
                                 "%s: %s is no option of any service" % (cname, var))
                else:
                    ds.check(var in entry_vars, "%s: the entrypoint does not read %s" % (cname, var))

            ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            numbers = set(ports.values())
            flag_ports = {f: int(v) for f, v in flags.items() if f in ds.PORT_FLAGS and v and v.isdigit()}
            for f, p in flag_ports.items():
                ds.check(p in numbers, "%s: --%s=%d is not a containerPort" % (cname, f, p))
            for p in numbers:
                ds.check(p in flag_ports.values(), "%s: containerPort %d is given to no --*port flag" % (cname, p))
            health_flag = ds.HEALTH_PORT_FLAG[svc]
            for kind in ("readinessProbe", "livenessProbe"):
                probe = c.get(kind)
                if not ds.check(probe and "httpGet" in probe, "%s: no HTTP %s" % (cname, kind)):
                    continue
                get = probe["httpGet"]
                ds.check(get.get("path") in ds.HEALTH_PATHS, "%s: %s path %s is not one of %s" %
                         (cname, kind, get.get("path"), sorted(ds.HEALTH_PATHS)))
                port = get.get("port")
                number = ports.get(port) if isinstance(port, str) else port
                ds.check(number in numbers, "%s: %s port %s is no containerPort" % (cname, kind, port))
                ds.check(number == flag_ports.get(health_flag),
                         "%s: %s on %s, but %s serves health on --%s=%s" %
                         (cname, kind, port, svc, health_flag, flag_ports.get(health_flag)))
            ds.check(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
                     "%s: readiness should be /readyz" % cname)
            ds.check(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
                     "%s: liveness should be /healthz" % cname)
            requests = (c.get("resources") or {}).get("requests") or {}
            ds.check("cpu" in requests and "memory" in requests, "%s: no cpu/memory requests" % cname)
            for m in c.get("volumeMounts", []):
                ds.check(m["name"] in volumes | claims, "%s: volumeMount %s names no volume or claim template" %
                         (cname, m["name"]))

    for svc in ds.SERVICES:
        ds.check(svc in seen_services, "no workload runs %s" % svc)

    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    for sname, s in services.items():
        selected = [w for w in workloads
                    if selects(s["spec"].get("selector"), w["spec"]["template"]["metadata"].get("labels", {}))]
        if not ds.check(selected, "Service %s selects no workload" % sname):
            continue
        for w in selected:
            containers = w["spec"]["template"]["spec"]["containers"]
            names = {p.get("name") for c in containers for p in c.get("ports", [])}
            numbers = {p["containerPort"] for c in containers for p in c.get("ports", [])}
            for p in s["spec"]["ports"]:
                target = p.get("targetPort", p["port"])
                ds.check(target in names if isinstance(target, str) else target in numbers,
                         "Service %s: targetPort %s is no containerPort of %s" % (sname, target,
                                                                                  w["metadata"]["name"]))
    for w in by_kind.get("StatefulSet", []):
        s = services.get(w["spec"].get("serviceName"))
        ds.check(s is not None and s["spec"].get("clusterIP") == "None",
                 "StatefulSet %s: serviceName must be a headless Service" % w["metadata"]["name"])

    for pdb in by_kind.get("PodDisruptionBudget", []):
        sel = pdb["spec"]["selector"]["matchLabels"]
        ds.check(any(selects(sel, w["spec"]["template"]["metadata"].get("labels", {})) for w in workloads),
                 "PodDisruptionBudget %s selects no workload" % pdb["metadata"]["name"])
    covered = [w["metadata"]["name"] for w in workloads
               if any(selects(p["spec"]["selector"]["matchLabels"], w["spec"]["template"]["metadata"]["labels"])
                      for p in by_kind.get("PodDisruptionBudget", []))]
    ds.check(len(covered) == len(workloads), "workloads without a PodDisruptionBudget: %s" %
             sorted({w["metadata"]["name"] for w in workloads} - set(covered)))

    # Every service names the same placement address, and it is a pod of the
    # placement StatefulSet behind its headless Service.
    placement = seen_services.get("placement")
    addresses = {v for data in configmaps.values() for k, v in data.items() if k == "ROPEKV_PLACEMENT"}
    if placement and ds.check(len(addresses) == 1, "one ROPEKV_PLACEMENT expected, got %s" % addresses):
        address = addresses.pop()
        host, _, port = address.rpartition(":")
        want = "%s-0.%s" % (placement["metadata"]["name"], placement["spec"]["serviceName"])
        ds.check(host == want or host.startswith(want + "."), "ROPEKV_PLACEMENT %s is not %s" % (address, want))
        caf = ds.flags_of(placement["spec"]["template"]["spec"]["containers"][0]["args"]).get("port")
        ds.check(port == caf, "ROPEKV_PLACEMENT port %s, placement --port=%s" % (port, caf))


if __name__ == "__main__":
    main()
    ds.finish("deploy.k8s_render")
