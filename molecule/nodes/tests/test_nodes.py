"""Verify the node lifecycle from the cluster's own view and from the sampler's record."""

import json
import os
import xml.etree.ElementTree as ET

STAYING = ["nl-node1", "nl-node3", "nl-node4"]
testinfra_hosts = ["ansible://" + n for n in STAYING]
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")


def test_three_nodes_online_quorate_without_the_removed_one(host):
    root = ET.fromstring(host.check_output("crm_mon --output-as=xml"))
    assert root.find("summary/current_dc").get("with_quorum") == "true"
    nodes = {n.get("name"): n.get("online") for n in root.findall("nodes/node")}
    assert nodes == {n: "true" for n in STAYING}


def test_quorum_votes_follow_the_nodelist(host):
    out = host.check_output("corosync-quorumtool -s")
    fields = dict(l.split(":", 1) for l in out.splitlines() if ":" in l)
    assert fields["Expected votes"].strip() == "3"
    assert fields["Total votes"].strip() == "3"
    assert fields["Quorate"].strip() == "Yes"


def test_ids_kept_when_a_middle_node_left(host):
    # nl-node2 had id 2; removing it must not renumber nl-node3 (3) or nl-node4 (4).
    ids = {}
    for line in host.check_output("corosync-cmapctl -b nodelist.node").splitlines():
        # nodelist.node.0.name (str) = nl-node1
        key, _sep, value = line.partition(" = ")
        key = key.split()[0]
        if key.endswith(".name") or key.endswith(".nodeid"):
            index = key.split(".")[2]
            ids.setdefault(index, {})[key.rsplit(".", 1)[1]] = value.strip()
    got = {v["name"]: int(v["nodeid"]) for v in ids.values()}
    assert got == {"nl-node1": 1, "nl-node3": 3, "nl-node4": 4}


def test_four_nodes_were_online_in_between():
    with open(os.path.join(EPHEMERAL, "nodes-four.txt"), encoding="utf-8") as f:
        lines = [l.split() for l in f if l.strip()]
    assert sorted((int(row[0]), row[1]) for row in lines) == [
        (1, "nl-node1"), (2, "nl-node2"), (3, "nl-node3"), (4, "nl-node4")]


def test_quorum_and_service_held_throughout():
    with open(os.path.join(EPHEMERAL, "nodes-samples.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(l) for l in f if l.strip()]
    good = [r for r in rows if "error" not in r]
    assert len(good) > 40, "too few samples: %d" % len(good)
    assert not [r for r in good if not r["quorate"]], "quorum lost"
    assert not [r for r in good if not r["probe_on"]], "no instance of the service running"
    # The samples saw both the grown and the shrunk cluster.
    assert any("nl-node4" in r["online"] and "nl-node2" in r["online"] for r in good)
    assert good[-1]["online"] == STAYING


def test_removed_node_is_out_and_stopped():
    import testinfra

    removed = testinfra.get_host("docker://nl-node2")
    assert not removed.service("corosync").is_running
    assert not removed.service("pacemaker").is_enabled
    assert not removed.file("/etc/corosync/corosync.conf").exists
