"""deploy.dockerfile: a static check of deploy/docker/Dockerfile (there is
no Docker engine here to build it):
  * every stage is Debian 12 (bookworm); the build stage runs the repo's
    scripts/setup and builds exactly the five services and ropectl;
  * every COPY source exists and is not excluded by .dockerignore, which
    keeps build trees, data and .git out of the context;
  * every service the entrypoint starts is a binary the build stage copies
    out, and the runtime stage runs the entrypoint as a non-root user with
    a HEALTHCHECK through `ropekv-entrypoint healthcheck`;
  * every shared library the binaries built here load (ldd; same Debian 12
    as the image) comes from a package the runtime stage installs, or from
    libc6/libgcc-s1/libstdc++6/zlib1g of the base image; and every package
    it installs is a runtime package (no -dev) Debian has;
  * entrypoint.sh parses (bash -n).
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_support as ds  # noqa: E402

BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}
TARGETS = ["ropekv-%s" % s for s in ds.SERVICES] + ["ropectl"]


def dockerignore():
    path = os.path.join(ds.REPO, ".dockerignore")
    if not ds.check(os.path.exists(path), ".dockerignore is missing at the repository root"):
        return []
    return [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]


def ignored(rel, patterns):
    """Docker's rule, simplified: a pattern matches the path or one of its
    parent directories; ** matches any number of directories."""
    parts = rel.split("/")
    result = False
    for pat in patterns:
        negate = pat.startswith("!")
        pat = pat.lstrip("!").strip("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatch(prefix, pat) or (pat.startswith("**/") and fnmatch.fnmatch(prefix, pat[3:])) or \
                    (pat.startswith("**/") and fnmatch.fnmatch(parts[i - 1], pat[3:])):
                result = not negate
                break
    return result


_owners = {}


def package_of(path):
    """The Debian package that ships a library (merged /usr: try both)."""
    real = os.path.realpath(path)
    if real not in _owners:
        _owners[real] = None
        for candidate in dict.fromkeys((path, real, real.replace("/usr/lib/", "/lib/", 1),
                                        real.replace("/lib/", "/usr/lib/", 1))):
            q = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if q.returncode == 0:
                _owners[real] = q.stdout.split(":")[0].strip()
                break
    return _owners[real]


def main():
    logical, stages = ds.dockerfile_stages()
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", "\n".join(logical), re.M))
    names = [s["name"] for s in stages]
    for want in ("build", "runtime"):
        ds.check(want in names, "no stage named %s" % want)
    ds.check(names[-1] == "runtime", "the last (default) stage must be the service image, is %s" % names[-1])
    for s in stages:
        base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), s["base"])
        ds.check(base in names or base.startswith("debian:bookworm"), "stage %s is FROM %s, not Debian 12" %
                 (s["name"], base))

    patterns = dockerignore()
    for rel in ("build", "build-dep", "build-sim", "data", ".git", "data/owner-1/node.id"):
        ds.check(ignored(rel, patterns), ".dockerignore does not exclude %s" % rel)
    for rel in ("scripts/setup", "CMakeLists.txt", "services/router/main.cpp", "deploy/docker/entrypoint.sh"):
        ds.check(not ignored(rel, patterns), ".dockerignore excludes %s, which the build needs" % rel)
    for s in stages:
        for line in s["lines"]:
            m = re.match(r"(COPY|ADD)\s+(.*)$", line, re.I)
            if not m or "--from" in m.group(2):
                continue
            sources = m.group(2).split()[:-1]
            for src in sources:
                if src == ".":
                    continue
                ds.check(os.path.exists(os.path.join(ds.REPO, src)), "COPY source %s does not exist" % src)
                ds.check(not ignored(src.rstrip("/"), patterns), "COPY source %s is excluded by .dockerignore" % src)

    build = next((s for s in stages if s["name"] == "build"), {"lines": []})
    text = "\n".join(build["lines"])
    ds.check("scripts/setup" in text, "the build stage does not run scripts/setup")
    m = re.search(r"--target\s+((?:[\w-]+\s*)+)", text)
    built = m.group(1).split() if m else []
    ds.check(sorted(built) == sorted(TARGETS), "cmake --build targets %s, want %s" % (built, TARGETS))
    m = re.search(r"for service in ([\w\s-]+);\s*do\s*cp \S+ /out/", text)
    copied = {"ropekv-" + s for s in m.group(1).split()} if m else set()
    if re.search(r"cp \S*/ropectl /out/", text):
        copied.add("ropectl")
    ds.check(set(copied) == set(TARGETS), "binaries copied out of the build: %s" % sorted(copied))

    entry_text = open(ds.ENTRYPOINT).read()
    m = re.search(r"^\s*((?:[\w-]+\s*\|\s*)+[\w-]+)\)\s*;;", entry_text, re.M)
    entry_services = [x.strip() for x in m.group(1).split("|")] if m else []
    ds.check(sorted(entry_services) == sorted(ds.SERVICES), "the entrypoint starts %s" % entry_services)
    for svc in entry_services:
        ds.check("ropekv-" + svc in copied, "entrypoint service %s has no binary in the image" % svc)
    ds.check(subprocess.run(["bash", "-n", ds.ENTRYPOINT]).returncode == 0, "bash -n entrypoint.sh failed")

    runtime_lines = [l for s in stages if s["name"] in ("runtime", "runtime-base") for l in s["lines"]]
    runtime = "\n".join(runtime_lines)
    packages = set()
    for install in re.findall(r"apt-get install ([^&]*)", runtime):
        packages |= {w for w in install.split() if not w.startswith("-")}
    for p in sorted(packages):
        ds.check(not p.endswith("-dev"), "the runtime image installs %s" % p)
    if shutil.which("apt-cache"):
        out = subprocess.run(["apt-cache", "policy"] + sorted(packages), capture_output=True, text=True).stdout
        candidates = dict(re.findall(r"^(\S+):\n\s+Installed: .*\n\s+Candidate: (.*)$", out, re.M))
        for p in sorted(packages):
            ds.check(candidates.get(p, "(none)") != "(none)", "Debian has no package %s" % p)
    for target in TARGETS:
        service = "ropectl" if target == "ropectl" else target[len("ropekv-"):]
        path = ds.binary(service)
        out = subprocess.run(["ldd", path], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            m = re.match(r"\s*(\S+)\s+=>\s+(\S+)", line)
            if not m:
                continue
            lib, resolved = m.groups()
            if not ds.check(resolved != "not", "%s: %s not found" % (target, lib)):
                continue
            owner = package_of(resolved)
            if ds.check(owner is not None, "%s: no Debian package owns %s" % (target, resolved)):
                ds.check(owner in packages or owner in BASE_IMAGE_PACKAGES,
                         "%s loads %s from %s, which the runtime stage does not install" % (target, lib, owner))

    final = stages[-1]
    user = [l.split()[1] for l in final["lines"] if l.upper().startswith("USER ")]
    ds.check(user and user[-1].split(":")[0] not in ("root", "0"), "the service image runs as root")
    health = [l for l in final["lines"] if l.upper().startswith("HEALTHCHECK")]
    ds.check(health and "healthcheck" in health[-1] and "ropekv-entrypoint" in health[-1],
             "the service image has no HEALTHCHECK through ropekv-entrypoint healthcheck")
    entry, copies = ds.image_entrypoint()
    ds.check(entry and os.path.samefile(copies.get(entry[0], "/nonexistent"), ds.ENTRYPOINT),
             "ENTRYPOINT %s is not deploy/docker/entrypoint.sh" % entry)


if __name__ == "__main__":
    main()
    ds.finish("deploy.dockerfile")
