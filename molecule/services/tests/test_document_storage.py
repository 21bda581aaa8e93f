"""The living documentation's Storage section (cluster_document with every node's cluster_node_facts) on this cluster
with its database and file service running (side_effect.yml, after the database's health run).

The record holds the page and its diagram next to the cluster's own view taken at the same moment: crm_mon's XML
(where Pacemaker promoted the pgsqlms clone, where it runs the Filesystem) and each node's /proc/self/mountinfo (where
the filesystem is mounted); the snapshots' wipe removes both services afterwards, so these tests read the record."""

import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import record  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["svc-node1", "svc-node2", "svc-node3"]
# The file service's Filesystem resource (group_vars/cluster.yml: fileshare_ha_device, fileshare_ha_directory).
FILESYSTEM = "share-fs"
DEVICE = "/dev/clusterops-shared"
DIRECTORY = "/srv/clusterops-share"


def document():
    return record("storage-document")


def storage_section(markdown):
    return markdown.split("## Storage\n", 1)[1].split("\n## ", 1)[0]


def crm_mon_roles(agent):
    """{role: [nodes]} of the resource instances of an agent, from the recorded crm_mon XML."""
    out = {}
    for r in ET.fromstring(document()["crm_mon"]).iter("resource"):
        if r.get("resource_agent") == agent and r.get("active") == "true":
            out.setdefault(r.get("role"), []).extend(n.get("name") for n in r.findall("node"))
    return out


def mounted_here(mountinfo):
    """Whether a node's /proc/self/mountinfo (proc(5): the fifth field is the mount point, octal escapes) has the
    shared filesystem at its directory."""
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if len(fields) > 4 and re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]) == DIRECTORY:
            return True
    return False


def test_the_page_names_the_primary_crm_mon_promoted():
    roles = crm_mon_roles("ocf:heartbeat:pgsqlms")
    (promoted,) = roles["Promoted"]
    standbys = sorted(roles.get("Unpromoted") or [])
    assert standbys == sorted(n for n in NODES if n != promoted), roles
    section = storage_section(document()["markdown"])
    assert "- Primary: **%s** (not in recovery, promoted there by Pacemaker)" % promoted in section, section
    assert "- Standbys: %s" % ", ".join(n for n in NODES if n != promoted) in section, section
    assert "| %s | Promoted | primary | - | - | - |" % promoted in section, section
    for node in standbys:
        # ANY 1 (...): every standby streams as a quorum member
        assert "| %s | Unpromoted | standby | streaming | quorum | under 16.0 MiB / 30 s |" % node in section, section
    (db,) = document()["storage"]["databases"]
    assert (db["primary"], db["primary_source"], db["primaries"], db["notes"]) == (promoted, "PostgreSQL", [promoted], [])


def test_the_page_names_the_node_that_has_the_filesystem_mounted():
    mountinfo = document()["mountinfo"]
    assert sorted(mountinfo) == NODES
    mounted = [n for n in NODES if mounted_here(mountinfo[n])]
    assert len(mounted) == 1, mounted
    node = mounted[0]
    assert crm_mon_roles("ocf:heartbeat:Filesystem") == {"Started": [node]}
    section = storage_section(document()["markdown"])
    assert "| %s | %s | %s | ext4 | group fileshare | %s | %s at %s |" % (
        FILESYSTEM, DEVICE, DIRECTORY, node, node, DIRECTORY) in section, section
    (fs,) = document()["storage"]["filesystems"]
    assert fs["mounted_on"] == [{"node": node, "mount_points": [DIRECTORY]}] and fs["notes"] == [], fs


def test_the_diagram_says_primary_standby_and_mounted():
    roles = crm_mon_roles("ocf:heartbeat:pgsqlms")
    (promoted,) = roles["Promoted"]
    dot = document()["dot"]
    assert '"rsc/pgsqld/%s" [label="pgsqld\\n(pgsqld-clone)\\nPromoted\\nocf:heartbeat:pgsqlms\\nprimary"' % promoted in dot
    for node in roles["Unpromoted"]:
        assert re.search(r'"rsc/pgsqld/%s" \[label="[^"]*\\nstandby, streaming, quorum, lag under 16.0 MiB / 30 s"' % node, dot), dot
    (node,) = [n for n in NODES if mounted_here(document()["mountinfo"][n])]
    assert '"rsc/%s/%s" [label="%s\\nocf:heartbeat:Filesystem\\nmounted at %s"' % (FILESYSTEM, node, FILESYSTEM, DIRECTORY) in dot
    assert "mounted at %s" % DIRECTORY in document()["markdown"].split("## Map", 1)[1].split("## Nodes", 1)[0]


def test_no_secret_on_the_page():
    page = document()["markdown"] + document()["dot"]
    for secret in ("molecule-only-replication-secret", "molecule-only-share-secret", "molecule-only-secret"):
        assert secret not in page
