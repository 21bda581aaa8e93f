"""Verify the live key rotation (phase C, playbooks/rotate_keys.yml) from the nodes' own records: the keys'
checksums, corosync's and Pacemaker's start times, the ring id corosync-quorumtool showed, crm_mon's operation
history; and the old key refused afterwards (tu-node1's journal, corosync-quorumtool on both sides)."""

import json
import os
import re

from test_tuning import NODES, probe_start, record

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")


def state(phase, node):
    """[pacemaker's start time, ring id, corosync key sha256, pacemaker key sha256]"""
    return record(phase)["state"][node]


def test_both_keys_are_new_and_the_same_on_every_node():
    for index in (2, 3):
        before = set(state("restart", n)[index] for n in NODES)
        after = set(state("rotated", n)[index] for n in NODES)
        assert len(before) == 1 and len(after) == 1, (before, after)
        assert before != after


def test_nothing_restarted_and_the_membership_stayed():
    before, after = record("restart"), record("rotated")
    assert before["started"] == after["started"], "corosync restarted during the rotation"
    for node in NODES:
        assert state("restart", node)[0] == state("rotated", node)[0], "pacemaker restarted on %s" % node
        assert state("restart", node)[1] == state("rotated", node)[1], "the ring id changed on %s" % node
    assert probe_start(before["crm_mon"]) == probe_start(after["crm_mon"]), "probe restarted or moved"


def test_the_old_key_is_refused():
    with open(os.path.join(EPHEMERAL, "tuning-old-key.json"), encoding="utf-8") as f:
        old = json.load(f)
    assert old["refused"], "tu-node1's corosync logged no refused packet from tu-node3"
    assert re.search(r"^Nodes:\s+1$", old["tu-node3"], re.M) and re.search(r"^Quorate:\s+No$", old["tu-node3"], re.M)
    assert re.search(r"^Nodes:\s+2$", old["tu-node1"], re.M) and "tu-node3" not in old["tu-node1"]


def test_no_copy_of_a_key_is_left_beside_it(host):
    for path in ("/etc/corosync/authkey", "/etc/pacemaker/authkey"):
        for suffix in (".new", ".previous"):
            assert not host.file(path + suffix).exists
    assert not host.file("/root/authkey.rotated").exists


testinfra_hosts = ["ansible://" + n for n in NODES]
