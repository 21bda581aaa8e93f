"""The file service (roles/fileshare_ha: Samba on the shared disk, one group with the Filesystem resource, the VIP and
smbd), through a switchover and a crash of its node with a client counting the files Samba acknowledged, and a sampler
reading every node's mounts all along (side_effect.yml, fileshare_drill.py).

The record holds the cluster's own view (crm_mon's placement, /proc/self/mountinfo of each node, the files read back on
the node that mounts the filesystem); the snapshots' wipe removes the service afterwards, so these tests read the record
and the files the role left on the nodes."""

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import output as on, record, running_on, short_of_writes  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["svc-node1", "svc-node2", "svc-node3"]


def drill():
    return record("fileshare-drill")


def test_no_acknowledged_write_lost_in_a_switchover_and_a_crash():
    record = drill()
    assert [f["fault"] for f in record["faults"]] == ["switchover", "crash"]
    # Writes acknowledged on both sides of each fault, counted (the machine's pace only makes it longer).
    assert short_of_writes(record) == [], record
    # Every file the client was told was written is there, byte for byte, on the node that took over.
    assert record["lost"] == [] and record["intact"] == record["acknowledged"], record
    switchover, crash = record["faults"]
    assert switchover["to"] != switchover["from"] and crash["to"] != crash["node"] == switchover["to"], record
    assert record["node_after"] == crash["to"], record


def test_the_filesystem_was_never_mounted_on_two_nodes():
    """Sampled from every node's /proc/self/mountinfo throughout both faults: one node at a time, never two."""
    record = drill()
    assert record["mount_samples"] > 20, record
    assert record["most_nodes_mounted"] == 1, record


def test_the_crashed_node_is_back_and_the_service_runs_on_one_node():
    record = drill()
    node, online = record["placement_after"]
    assert online == NODES, record
    assert node == record["node_after"], record


def test_samba_is_the_same_on_every_node_and_syncs_every_write():
    confs = {node: on(node, "cat", "/etc/samba/smb.conf") for node in NODES}
    assert len(set(confs.values())) == 1, "smb.conf differs between the nodes"
    conf = confs[NODES[0]]
    assert "molecule-only-share-secret" not in conf
    effective = on(NODES[0], "testparm", "--suppress-prompt", "--parameter-name", "sync always", "--section-name", "data")
    assert effective.strip() == "Yes", effective
    for node in NODES:
        # Pacemaker starts smbd, not systemd at boot.
        assert on(node, "sh", "-c", "systemctl is-enabled smbd || true").strip() == "disabled"


def test_users_have_the_same_uid_everywhere_and_the_password_only_in_samba():
    for node in NODES:
        assert on(node, "id", "-u", "alice").strip() == "2001"
        assert on(node, "getent", "group", "fileshare").split(":")[2] == "9700"
        assert on(node, "stat", "-c", "%U %a", "/var/lib/clusterops/fileshare-users/alice").split() == ["root", "600"]
        assert "alice:2001:" in on(node, "pdbedit", "-L")
        stamp = on(node, "cat", "/var/lib/clusterops/fileshare-users/alice")
        assert stamp.startswith("$6$") and "molecule-only-share-secret" not in stamp


def test_health_check_sees_one_mount_where_pacemaker_runs_it():
    """playbooks/health.yml ran on this cluster (side_effect.yml): filesystem-single-mount passes, naming the node
    crm_mon showed running the filesystem right after it (the documentation step's record; nothing moves between)."""
    report = record("database-health/health")
    check = {c["id"]: c for c in report["checks"]}["filesystem-single-mount"]
    assert check["status"] == "pass", check
    node = running_on(ET.fromstring(record("storage-document")["crm_mon"]), "share-fs")
    assert node in NODES
    assert "mounted on %s at /srv/clusterops-share" % node in check["message"], check
