"""The loss of site A for good, and its reassembly from its snapshots on new hosts (issue 16, part 4).

Runs after test_geo.py (file order): both of site A's containers are removed, new blank containers with the same names
and addresses take their place, and playbooks/reassemble.yml rebuilds the site from its snapshot repository (the one
booth.yml's and the drills' snapshots filled) while site B keeps the ticket. Evidence is the clusters' own view: crm_mon
at both sites, booth list, corosync-cmapctl and corosync-quorumtool on the new nodes, and the new CIB read with cibadmin
and normalised by the snapshot engine, compared with the commit.
"""

import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import wait  # noqa: E402  pylint: disable=wrong-import-position
from playbook_run import inventory, run_playbook  # noqa: E402  pylint: disable=wrong-import-position
from test_geo import (  # noqa: E402  pylint: disable=wrong-import-position
    ADDRESS, SITES, booth_node, docker, leader_seen_by, sh, site_view, watch_both)
from ansible_collections.clusterops.ha.plugins.module_utils import snapshot  # noqa: E402  pylint: disable=wrong-import-position

LOST = "site-a"
# What a node reads at runtime, before the loss and after the rebuild (corosync-cmapctl -g).
RUNTIME_KEYS = ("runtime.config.totem.token", "runtime.config.totem.consensus", "totem.cluster_name", "totem.transport",
                "totem.crypto_cipher", "totem.crypto_hash")


def repo():
    """The site's snapshot repository, the one the converge's booth.yml filled: config_snapshot_repo's default for the
    inventory source Molecule's converge was given (its inventory directory, or the file in it that the verifier's
    MOLECULE_INVENTORY_FILE names; they put the repository in different places). The reassembly is pointed at it
    with config_snapshot_repo, as an operator points it at the lost cluster's repository."""
    candidates = []
    for source in (inventory(), os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "inventory")):
        source = source.rstrip("/")
        candidates.append(os.path.join(os.path.dirname(source), "snapshots",
                                       os.path.splitext(os.path.basename(source))[0], LOST))
    found = [c for c in candidates if os.path.isdir(os.path.join(c, ".git"))]
    assert found, "no snapshot repository of %s in %s" % (LOST, candidates)
    return found[0]


def git(*argv):
    return subprocess.run(["git", "-C", repo()] + list(argv), capture_output=True, text=True, check=True).stdout


def runtime(node):
    out = {}
    for key in RUNTIME_KEYS:
        rc, text = sh(node, "corosync-cmapctl -g %s" % key)
        assert rc == 0, (node, key, text)
        out[key] = text.strip().split(" = ", 1)[-1]
    return out


def container_spec(node):
    """How to start a blank container in the place of `node`: its image and its networks' addresses (WAN first,
    as Molecule made them)."""
    info = json.loads(docker("inspect", node))[0]
    nets = dict((name, net["IPAMConfig"]["IPv4Address"]) for name, net in info["NetworkSettings"]["Networks"].items())
    order = sorted(nets, key=lambda name: (not name.endswith("-wan"), name))
    return {"image": info["Config"]["Image"], "networks": [(name, nets[name]) for name in order]}


def start_blank(node, spec):
    """A new container named `node` from the lab's image: nothing of the old one but its name and addresses."""
    (first, address), rest = spec["networks"][0], spec["networks"][1:]
    docker("run", "-d", "--name", node, "--hostname", node, "--network", first, "--ip", address,
           "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_NICE", "--cap-add", "IPC_LOCK",
           "--cap-add", "SYS_PTRACE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
           "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock",
           "--tmpfs", "/tmp", "--shm-size", "256m", "--stop-signal", "SIGRTMIN+3", spec["image"], "/lib/systemd/systemd")
    for name, addr in rest:
        docker("network", "connect", "--ip", addr, name, node)
    wait("%s to boot" % node, lambda: sh(node, "systemctl is-system-running")[1].strip() in ("running", "degraded"),
         timeout=90, interval=1)


def lose_for_good(site):
    """Remove the site's containers and everything in them; what start_blank needs to put new ones in their place."""
    specs = dict((node, container_spec(node)) for node in SITES[site])
    docker("rm", "-f", *SITES[site])
    return specs


def reassemble(site, report_dir, extra=None, timeout=1200):
    """(rc, output, seconds) of playbooks/reassemble.yml for the site's group (site_a for site-a). Its health run at
    the end skips the stonith check: the geo scenario runs without fencing."""
    started = time.time()
    extra = dict({"cluster_hosts": site.replace("-", "_"), "health_report_dir": str(report_dir), "config_snapshot_repo": repo(),
                  "health_skip": {"stonith": "no fencing in the geo scenario"}}, **(extra or {}))
    rc, out = run_playbook("reassemble.yml", extra, timeout=timeout)
    return rc, out, time.time() - started


def test_a_lost_site_is_rebuilt_from_its_snapshots_on_new_hosts(tmp_path):
    head = git("rev-parse", "HEAD").strip()
    commit_cib = git("show", "%s:%s" % (head, snapshot.CIB_PATH))
    salt = open(os.path.join(repo(), ".git", "clusterops-salt")).read().strip()
    before = runtime(SITES[LOST][0])

    both, stop = [], threading.Event()
    watcher = watch_both(both, stop)
    try:
        # The site is gone for good: its containers and everything in them.
        specs = lose_for_good(LOST)
        wait("site B to hold the ticket and run the service",
             lambda: site_view("site-b")["granted"] is True and len(site_view("site-b")["service"]) == 1,
             timeout=180, interval=2)
        for node in SITES[LOST]:
            start_blank(node, specs[node])
        blank = dict((node, sh(node, "ls -la --time-style=full-iso /etc/corosync /etc/booth 2>&1")[1])
                     for node in SITES[LOST])
        assert all(sh(node, "test -e /etc/corosync/authkey")[0] == 1 for node in SITES[LOST]), "not blank"

        # Bad input first, nothing touched: the play's hosts must be exactly the snapshot's nodes.
        rc, out = run_playbook("reassemble.yml", {"cluster_hosts": SITES[LOST][0], "config_snapshot_repo": repo()},
                               timeout=300)
        flat = " ".join(out.split())
        assert rc != 0 and ("has the nodes %s; the play's hosts must be exactly those (missing from the play: %s)"
                            % (" ".join(SITES[LOST]), SITES[LOST][1])) in flat, out[-3000:]
        assert blank == dict((node, sh(node, "ls -la --time-style=full-iso /etc/corosync /etc/booth 2>&1")[1])
                             for node in SITES[LOST]), "a refused reassembly touched a node"

        rc, out, took = reassemble(LOST, tmp_path)
        (tmp_path / "reassemble.log").write_text(out)
        assert rc == 0, out[-6000:]
        print("site A reassembled from %s in %.0f s" % (head[:12], took))
        # Only the new keys differ from the commit (the verification's list, as the play printed it), and the health
        # checks at the end passed.
        flat = " ".join(out.split())
        assert "unexpected: []" in flat and "secret /etc/corosync/authkey: changed (fingerprint differs)" in flat, \
            out[-6000:]
        assert json.loads((tmp_path / "health.json").read_text())["verdict"] in ("healthy", "warning")

        # The clusters' own view: site A whole again with booth, without the ticket (site B kept it), booth everywhere
        # naming site B; corosync on the new nodes runs what the lost ones ran.
        wait("site A's two new nodes online with booth",
             lambda: site_view(LOST)["online"] == SITES[LOST] and len(site_view(LOST)["booth"]) == 1,
             timeout=180, interval=2)
        a, b = site_view(LOST), site_view("site-b")
        assert a["granted"] is False and a["service"] == [], a
        assert b["granted"] is True and len(b["service"]) == 1, b
        assert leader_seen_by(booth_node(LOST)) == ADDRESS["site-b"]
        for node in SITES[LOST]:
            assert runtime(node) == before, node
            rc, quorum = sh(node, "corosync-quorumtool -s")
            assert rc == 0 and "Quorate:          Yes" in quorum and "Total votes:      2" in quorum, quorum
        # The new CIB, read from the cluster and normalised with the repository's salt, is the commit's.
        rc, live = sh(SITES[LOST][0], "cibadmin --query")
        assert rc == 0
        assert snapshot.normalize_cib(live, salt)[0] == commit_cib
        # The reassembly recorded the rebuilt cluster: one commit whose only changes are the new keys.
        message = git("log", "-1", "--format=%B")
        assert git("rev-parse", "HEAD~1").strip() == head, message
        changes = [ln[2:] for ln in message.splitlines() if ln.startswith("- ")]
        assert changes and all(ln.startswith("secret /etc/") and ln.endswith(": changed (fingerprint differs)")
                               for ln in changes), message
        assert "secret /etc/corosync/authkey: changed (fingerprint differs)" in changes
        assert "Why: reassemble.yml: after" in message, message
    finally:
        stop.set()
        watcher.join(30)
    assert both == [], both
