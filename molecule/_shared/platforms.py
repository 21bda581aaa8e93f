"""Every scenario's containers and networks, made and removed with the docker CLI (Molecule's create and destroy steps).

Molecule's docker driver runs a playbook of some forty module calls for this, one per network and per platform, and
took 24-59 s to create a scenario and 16-51 s to remove it on this 2-core machine (CI of 2026-12-07: 570 s of the
lanes' time in all). Here: one `docker network create` per network, `docker create`, `docker network connect` and
`docker start` per platform (the platforms side by side), and one `docker rm -f` for all.

The platform keys the scenarios use are the ones read below; a key this script does not know is refused, so that a
scenario never runs on a container that silently lacks a setting.

usage: platforms.py create|destroy PLATFORMS_JSON     (molecule/_shared/create.yml and destroy.yml call it)
"""

import json
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

LABEL = "owner=molecule"
# Keys of a platform: what docker is told (below), or what is Molecule's and Ansible's business (the inventory).
KNOWN = {
    "name", "hostname", "image", "command", "stop_signal", "capabilities", "security_opts", "cgroupns_mode",
    "volumes", "tmpfs", "shm_size", "devices", "docker_networks", "networks", "groups", "pre_build_image",
}


class PlatformError(Exception):
    pass


def docker(*argv, check=True):
    proc = subprocess.run(["docker"] + list(argv), capture_output=True, text=True, check=False, timeout=300)
    if check and proc.returncode != 0:
        raise PlatformError("docker %s: rc=%d: %s" % (" ".join(argv), proc.returncode, proc.stderr.strip()))
    return proc


def networks(platforms):
    """{name: subnet or None}: every network a platform declares or joins, in order of appearance."""
    out = {}
    for p in platforms:
        for n in p.get("docker_networks") or []:
            subnets = [c.get("subnet") for c in n.get("ipam_config") or [] if c.get("subnet")]
            out.setdefault(n["name"], subnets[0] if subnets else None)
        for n in p.get("networks") or []:
            out.setdefault(n["name"], None)
    return out


def create_argv(p):
    """`docker create` for one platform, joined to its first network (the others are connected before it starts)."""
    unknown = sorted(set(p) - KNOWN)
    if unknown:
        raise PlatformError("platform %s: keys this script does not apply: %s (molecule/_shared/platforms.py)"
                            % (p.get("name"), ", ".join(unknown)))
    argv = ["create", "--name", p["name"], "--hostname", p.get("hostname") or p["name"], "--label", LABEL]
    for cap in p.get("capabilities") or []:
        argv += ["--cap-add", cap]
    for opt in p.get("security_opts") or []:
        argv += ["--security-opt", opt]
    if p.get("cgroupns_mode"):
        argv += ["--cgroupns", p["cgroupns_mode"]]
    for volume in p.get("volumes") or []:
        argv += ["--volume", volume]
    for mount in p.get("tmpfs") or []:
        argv += ["--tmpfs", mount]
    if p.get("shm_size"):
        argv += ["--shm-size", str(p["shm_size"])]
    if p.get("stop_signal"):
        argv += ["--stop-signal", p["stop_signal"]]
    for device in p.get("devices") or []:
        argv += ["--device", device]
    joined = p.get("networks") or []
    if joined:
        argv += ["--network", joined[0]["name"]]
        if joined[0].get("ipv4_address"):
            argv += ["--ip", joined[0]["ipv4_address"]]
    argv.append(p["image"])
    if p.get("command"):
        argv += shlex.split(p["command"])
    return argv


def start(p):
    docker(*create_argv(p))
    for n in (p.get("networks") or [])[1:]:
        docker("network", "connect", *(["--ip", n["ipv4_address"]] if n.get("ipv4_address") else []), n["name"], p["name"])
    docker("start", p["name"])
    return p["name"]


def create(platforms):
    for name, subnet in networks(platforms).items():
        if docker("network", "inspect", name, check=False).returncode != 0:
            docker("network", "create", "--label", LABEL, *(["--subnet", subnet] if subnet else []), name)
    with ThreadPoolExecutor(max_workers=len(platforms) or 1) as pool:
        return list(pool.map(start, platforms))


def destroy(platforms):
    names = [p["name"] for p in platforms]
    if names:
        docker("rm", "--force", "--volumes", *names, check=False)
    for name in networks(platforms):
        docker("network", "rm", name, check=False)
    return names


def main(argv):
    if len(argv) != 3 or argv[1] not in ("create", "destroy"):
        sys.stderr.write(__doc__)
        return 2
    platforms = json.loads(argv[2])
    try:
        done = create(platforms) if argv[1] == "create" else destroy(platforms)
    except PlatformError as e:
        sys.stderr.write("platforms.py: %s\n" % e)
        return 1
    print("%s: %s" % (argv[1], " ".join(done)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
