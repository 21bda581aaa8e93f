# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filesystem-single-mount check of health_filesystem.py on the lab (fixtures/health) with the shared-storage group and an
NFS clone added to its CIB (test_filesystem.share_cib), each node's facts as cluster_node_facts reads them
(filesystem.read_local on the mountinfo of fixtures/filesystem, the lab's /dev/clusterops-shared being 7:0 on every
node), and crm_mon's view of where Pacemaker runs them in the status model."""

from __future__ import annotations

import copy

import pytest

from test_filesystem import fake_stat, mountinfo, share_cib
from test_health import NOW, lab_config, lab_facts, lab_root, lab_status

from ansible_collections.clusterops.ha.plugins.module_utils import filesystem
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.health import node_facts_errors, run_checks
from ansible_collections.clusterops.ha.plugins.module_utils.rolling_update import gate

CHECK = "filesystem-single-mount"
NODES = ("lab-node1", "lab-node2", "lab-node3")
HOME = "home-fs (nas.lab:/export/home, nfs4): shared (cloned), mounted on lab-node1, lab-node2, lab-node3: not judged"


def share_status(running=("lab-node1",)):
    """The lab's status with the share group running on `running` (nowhere when empty) and home-fs on every node."""
    status = lab_status()
    for rid, agent in (("share-fs", "ocf:heartbeat:Filesystem"), ("share-vip", "ocf:heartbeat:IPaddr2"),
                       ("share-smbd", "systemd:smbd")):
        status["resources_by_id"][rid] = {"running_on": list(running), "agent": agent, "group": "fileshare", "clone": None}
    status["resources_by_id"]["home-fs"] = {"running_on": list(NODES), "agent": "ocf:heartbeat:Filesystem",
                                            "group": None, "clone": "home-clone"}
    return status


def node_fs(name):
    """A node's facts.filesystems from a mountinfo fixture (the NFS home mounted everywhere)."""
    facts = filesystem.read_local(None, share_cib(), mountinfo_file=mountinfo(name), stat=fake_stat())
    facts["home-fs"] = filesystem.read_local(None, share_cib(), mountinfo_file=mountinfo("mounted-with-nfs"),
                                             stat=fake_stat())["home-fs"]
    return facts


def fs_facts(node1="mounted", node2="unmounted", node3="unmounted"):
    """The lab's facts with the share mounted on lab-node1 only (each argument: a mountinfo fixture, or None for a
    node that reported no filesystems)."""
    nodes = lab_facts()
    for name, which in zip(NODES, (node1, node2, node3)):
        nodes[name]["filesystems"] = node_fs(which) if which else None
    return nodes


def run(status=None, nodes=None, root=None):
    root = share_cib() if root is None else root
    return run_checks(status or share_status(), export(root), nodes or fs_facts(), {"token_ms": 3650}, cib_root=root,
                      now=NOW)


def check(report, check_id=CHECK):
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_the_facts_fit_node_facts_shape():
    assert node_facts_errors(fs_facts()) == []
    bad = fs_facts()
    bad["lab-node1"]["filesystems"]["share-fs"]["mounts"][0]["mount_point"] = None
    assert node_facts_errors(bad) == ["node_facts.lab-node1.filesystems.share-fs.mounts[0].mount_point: must be a "
                                      "string, got NoneType None"]


def test_mounted_on_one_node_where_pacemaker_runs_it():
    report = run()
    c = check(report)
    assert (c["status"], c["severity"], c["remedy"]) == ("pass", "critical", "")
    assert c["message"] == ("share-fs: /dev/clusterops-shared mounted on lab-node1 at /srv/clusterops-share, where Pacemaker runs "
                            "it; " + HOME)
    assert report["verdict"] == "healthy"


def test_one_filesystem_at_two_mount_points_of_one_node():
    c = check(run(nodes=fs_facts(node1="mounted-and-bind")))
    assert c["status"] == "pass"
    assert c["message"].startswith("share-fs: /dev/clusterops-shared mounted on lab-node1 at /srv/clusterops-share, "
                                   "/run/samba users, where Pacemaker runs it")


def test_stopped_and_mounted_nowhere():
    c = check(run(status=share_status(running=()), nodes=fs_facts(node1="unmounted")))
    assert c["status"] == "pass" and c["message"] == "share-fs: stopped, mounted on no node; " + HOME


def test_mounted_on_two_nodes_is_critical():
    report = run(nodes=fs_facts(node2="loop0-by-hand"))
    c = check(report)
    assert (c["status"], c["severity"]) == ("fail", "critical")
    assert c["message"] == (
        "share-fs (/dev/clusterops-shared, ext4) is mounted on 2 nodes, lab-node1 at /srv/clusterops-share, lab-node2 at /mnt: "
        "a local filesystem mounted on two nodes at once gets corrupted; Pacemaker runs it on lab-node1")
    assert c["objects"] == ["share-fs", "lab-node1", "lab-node2"]
    remedy = c["remedy"].splitlines()
    assert remedy[0] == "crm_resource --locate -r share-fs  # Pacemaker runs it on lab-node1"
    assert remedy[1] == ("umount /mnt  # on lab-node2, now: Pacemaker does not run share-fs there (fuser -vm /mnt: what "
                         "still holds it)")
    assert remedy[2].startswith("grep -e '/dev/clusterops-shared' -e '/srv/clusterops-share' /etc/fstab; systemctl list-units "
                                "--type=mount  # on lab-node2")
    assert not any("on lab-node1" in line for line in remedy[1:3])  # the node Pacemaker runs it on keeps it
    assert remedy[3].startswith("pcs stonith status; crm_mon -1 --fence-history=3  # fencing must work")
    assert remedy[4] == ("# then check the filesystem while no node has it mounted: pcs resource disable fileshare; "
                         "fsck -f -n /dev/clusterops-shared on one node; pcs resource enable fileshare")
    assert report["verdict"] == "critical"
    assert any(r.startswith("%s failed" % CHECK) for r in gate(share_status(), report))


def test_mounted_on_two_nodes_neither_where_pacemaker_runs_it():
    c = check(run(status=share_status(running=("lab-node3",)), nodes=fs_facts(node2="mounted")))
    assert c["severity"] == "critical"
    assert c["message"].endswith("gets corrupted; Pacemaker runs it on lab-node3")
    remedy = c["remedy"]
    assert "umount /srv/clusterops-share  # on lab-node1, now: Pacemaker runs share-fs on none of them" in remedy
    assert "umount /srv/clusterops-share  # on lab-node2, now: Pacemaker runs share-fs on none of them" in remedy
    assert "crm_resource --cleanup -r share-fs  # once no node has it mounted: Pacemaker mounts it on one" in remedy


def test_mounted_where_pacemaker_does_not_run_it():
    c = check(run(nodes=fs_facts(node1="unmounted", node2="mounted")))
    assert (c["status"], c["severity"]) == ("fail", "critical")
    assert c["message"] == (
        "share-fs (/dev/clusterops-shared, ext4) is mounted on lab-node2 at /srv/clusterops-share, where Pacemaker does not run it "
        "(Pacemaker runs it on lab-node1): mounted outside the cluster's control")
    assert c["objects"] == ["share-fs", "lab-node2"]
    assert c["remedy"].splitlines()[0].startswith("umount /srv/clusterops-share  # on lab-node2, now: Pacemaker does not run "
                                                  "share-fs there")
    assert "crm_resource --cleanup -r share-fs  # then Pacemaker probes every node again" in c["remedy"]


def test_mounted_while_pacemaker_has_it_stopped():
    c = check(run(status=share_status(running=()), nodes=fs_facts(node1="unmounted", node3="loop0-by-hand")))
    assert c["severity"] == "critical"
    assert c["message"] == (
        "share-fs (/dev/clusterops-shared, ext4) is mounted on lab-node3 at /mnt, where Pacemaker does not run it "
        "(Pacemaker runs it on no node): mounted outside the cluster's control")


def test_started_but_mounted_nowhere_is_a_warning():
    report = run(nodes=fs_facts(node1="unmounted"))
    c = check(report)
    assert (c["status"], c["severity"]) == ("fail", "warning")
    assert c["message"] == ("share-fs (/dev/clusterops-shared, ext4): Pacemaker runs it on lab-node1, but no node has it "
                            "mounted")
    assert c["remedy"].splitlines() == [
        "crm_resource --refresh -r share-fs -N lab-node1  # Pacemaker probes it again, finds it unmounted and recovers it",
        "findmnt /srv/clusterops-share  # on lab-node1: unmounted by hand, or mounted in another mount namespace",
        "# a Filesystem resource without a monitor operation never notices: pcs resource op add share-fs monitor "
        "interval=20s"]
    assert report["verdict"] == "degraded"


def test_a_node_without_facts_is_unknown_not_ok():
    nodes = fs_facts()
    del nodes["lab-node3"]
    c = check(run(nodes=nodes))
    assert c["status"] == "skip"
    assert c["message"] == ("share-fs: /dev/clusterops-shared mounted on lab-node1 at /srv/clusterops-share, where Pacemaker runs "
                            "it, but unknown on lab-node3 (no facts): it may be mounted there; " + HOME.replace(
                                "lab-node1, lab-node2, lab-node3", "lab-node1, lab-node2"))


@pytest.mark.parametrize("change,why", [
    (lambda f: f.update(reachable=False), "unreachable"),
    (lambda f: f.update(filesystems=None), "no Filesystem facts"),
    (lambda f: f["filesystems"].pop("share-fs"), "its CIB has no share-fs"),
    (lambda f: f["filesystems"]["share-fs"].update(mounted=None, mounts=None,
                                                   error="cannot read /proc/self/mountinfo: Permission denied"),
     "cannot read /proc/self/mountinfo: Permission denied"),
])
def test_why_a_node_is_unknown(change, why):
    nodes = fs_facts()
    change(nodes["lab-node2"])
    c = check(run(nodes=nodes))
    assert c["status"] == "skip"
    assert "but unknown on lab-node2 (%s): it may be mounted there" % why in c["message"]


def test_where_pacemaker_runs_it_has_no_facts():
    nodes = fs_facts(node1=None)
    c = check(run(nodes=nodes))
    assert c["status"] == "skip"
    assert c["message"].startswith("share-fs: Pacemaker runs it on lab-node1, no node that reported has it mounted, but "
                                   "unknown on lab-node1 (no Filesystem facts)")


def test_a_double_mount_fails_even_with_a_node_unknown():
    nodes = fs_facts(node2="loop0-by-hand")
    nodes["lab-node3"]["reachable"] = False
    c = check(run(nodes=nodes))
    assert c["status"] == "fail" and c["severity"] == "critical"
    assert c["message"].endswith("Pacemaker runs it on lab-node1; unknown on lab-node3 (unreachable)")


def test_without_pacemaker_a_double_mount_is_still_critical():
    status = lab_status("crm_mon.lab.xml")
    status["stack"]["pacemaker"] = False
    c = check(run(status=status, nodes=fs_facts(node2="mounted")))
    assert c["severity"] == "critical"
    assert c["message"].endswith("where Pacemaker runs it is unknown (Pacemaker is not running on lab-node1)")
    c = check(run(status=status))
    assert c["status"] == "skip"
    assert c["message"].startswith("share-fs: where Pacemaker runs it is unknown (Pacemaker is not running on lab-node1)")


def test_nfs_is_shared_and_not_judged():
    # mounted on every node, and on lab-node2 only too: neither is judged
    c = check(run(nodes=fs_facts()))
    assert c["message"].endswith(HOME)
    nodes = fs_facts()
    for name in ("lab-node1", "lab-node3"):
        nodes[name]["filesystems"]["home-fs"].update(mounted=False, mounts=[])
    c = check(run(nodes=nodes))
    assert c["status"] == "pass"
    assert c["message"].endswith("home-fs (nas.lab:/export/home, nfs4): shared (cloned), mounted on lab-node2: not judged")


@pytest.mark.parametrize("with_xml", [True, False])
def test_not_applicable_without_a_filesystem_primitive(with_xml):
    # without the CIB's XML (a caller that gives only the exported configuration) the configuration tells
    root = lab_root() if with_xml else None
    report = run_checks(lab_status(), lab_config(), lab_facts(), {"token_ms": 3650}, cib_root=root, now=NOW)
    c = check(report)
    assert c["status"] == "pass"
    assert c["message"] == "no Filesystem resource (ocf:heartbeat:Filesystem) in the configuration: not applicable"


def test_skipped_without_the_cib_or_any_facts():
    report = run_checks(share_status(), None, fs_facts(), {}, cib_root=None, now=NOW)
    assert check(report)["status"] == "skip"
    assert check(report)["message"] == "the CIB could not be read (Pacemaker is not running on lab-node1)"
    report = run(nodes=lab_facts())
    assert check(report)["status"] == "skip"
    assert check(report)["message"] == "no node reported its Filesystem resources (cluster_node_facts)"


def test_the_facts_are_not_changed():
    nodes = fs_facts(node2="loop0-by-hand")
    before = copy.deepcopy(nodes)
    run(nodes=nodes)
    assert nodes == before
