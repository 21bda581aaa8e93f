"""Check the execution environment's build context that `make ee` wrote (argument: its directory, .build/ee).

- ee/requirements.yml names the tarball of galaxy.yml's version, and `make build` wrote it;
- ansible-builder put the tarball and the requirements into the context, and its Containerfile installs them;
- ansible-builder's introspection of the installed collection found what meta/execution-environment.yml lists
  (passlib, git, an SSH client): what an execution environment built from the context would install.
Exits non-zero with every problem named.
"""

import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def _names(entries):
    """The package names of introspect's entries ('passlib>=1.7.4  # from collection ...', 'git [platform:rpm]')."""
    return set(m.group(0) for m in (re.match(r"[A-Za-z0-9_.-]+", e.strip()) for e in entries or []) if m)


def problems(out_dir):
    found = []
    version = _load(os.path.join(ROOT, "galaxy.yml"))["version"]
    tarball = "clusterops-ha-%s.tar.gz" % version
    names = [c["name"] for c in _load(os.path.join(ROOT, "ee", "requirements.yml"))["collections"]]
    if names != ["dist/" + tarball]:
        found.append("ee/requirements.yml: collections are %s; galaxy.yml's version %s is dist/%s" % (names, version, tarball))
    if not os.path.exists(os.path.join(ROOT, ".build", "dist", tarball)):
        found.append(".build/dist/%s: missing (make build)" % tarball)
    context = os.path.join(out_dir, "context")
    for rel in ("_build/requirements.yml", "_build/dist/" + tarball, "Containerfile"):
        if not os.path.exists(os.path.join(context, rel)):
            found.append("%s: missing from the build context" % os.path.join(context, rel))
    containerfile = os.path.join(context, "Containerfile")
    if os.path.exists(containerfile):
        with open(containerfile) as f:
            text = f.read()
        if "ansible-galaxy collection install" not in text or "ansible-core==" not in text:
            found.append("%s: does not install ansible-core and the collections" % containerfile)
    deps = _load(os.path.join(out_dir, "introspect.yml")) or {}
    python, system = _names(deps.get("python")), _names(deps.get("system"))
    for name, where in (("passlib", python), ("git", system), ("openssh-clients", system), ("openssh-client", system)):
        if name not in where:
            found.append("ansible-builder introspect: %s not found among the collection's dependencies" % name)
    return found


def main(argv):
    found = problems(argv[1] if len(argv) > 1 else os.path.join(ROOT, ".build", "ee"))
    for p in found:
        sys.stderr.write("ee: %s\n" % p)
    if not found:
        print("ee: the build context installs clusterops.ha with passlib, git and an SSH client")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
