# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the parsers of corosync-quorumtool and corosync-cfgtool (module_utils/cluster_status_corosync.py),
fed with outputs captured on a real cluster.
"""

from __future__ import annotations

import pytest

from status_lab import cfgtool, quorumtool, status_fixture

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError


# --------------------------------------------------------------------------------------------- quorumtool


class TestParseQuorumtool:
    def test_three_nodes(self):
        q = quorumtool("3nodes")
        assert q["quorate"] is True
        assert q["provider"] == "corosync_votequorum"
        assert q["nodes"] == 3
        assert q["node_id"] == 1
        assert q["ring_id"] == "1.12"
        assert (q["expected_votes"], q["highest_expected"], q["total_votes"], q["quorum"]) == (3, 3, 3, 2)
        assert q["flags"] == ["Quorate"]
        assert q["activity_blocked"] is False
        assert q["members"] == [
            {"nodeid": 1, "votes": 1, "qdevice": None, "name": "lab-node1", "local": True},
            {"nodeid": 2, "votes": 1, "qdevice": None, "name": "lab-node2", "local": False},
            {"nodeid": 3, "votes": 1, "qdevice": None, "name": "lab-node3", "local": False},
        ]
        assert q["local_name"] == "lab-node1"
        assert q["qdevice"] is None

    def test_parsable_has_qdevice_column(self):
        q = quorumtool("3nodes.parsable")
        assert [m["qdevice"] for m in q["members"]] == ["NR", "NR", "NR"]
        assert [m["name"] for m in q["members"]] == ["lab-node1", "lab-node2", "lab-node3"]
        assert q["members"][0]["local"] is True

    def test_degraded(self):
        q = quorumtool("degraded")
        assert q["quorate"] is True
        assert q["total_votes"] == 2 and q["expected_votes"] == 3
        assert [m["name"] for m in q["members"]] == ["lab-node1", "lab-node2"]

    def test_no_quorum(self):
        q = quorumtool("no-quorum")
        assert q["quorate"] is False
        assert q["quorum"] == 2
        assert q["total_votes"] == 1
        assert q["expected_votes"] == 3
        assert q["activity_blocked"] is True
        assert q["flags"] == []
        assert len(q["members"]) == 1

    def test_single_default(self):
        q = quorumtool("single-default")
        assert q["quorate"] is True
        assert (q["expected_votes"], q["quorum"]) == (1, 1)
        assert q["local_name"] == "node1"

    def test_qdevice_and_flags(self):
        # Derived from quorumtool.3nodes.parsable.txt with a registered net qdevice, the shape
        # corosync-quorumtool's display code prints (Qdevice column, node id 0 line for the device).
        text = status_fixture("quorumtool.3nodes.parsable.txt")
        text = text.replace("Flags:            Quorate ", "Flags:            Quorate Qdevice ")
        text = text.replace("NR lab-node", "A,V,NMW lab-node")
        text += "         0          1            Qdevice\n"
        q = parse_quorumtool(text)
        assert q["flags"] == ["Quorate", "Qdevice"]
        assert [m["qdevice"] for m in q["members"]] == ["A,V,NMW"] * 3
        assert len(q["members"]) == 3
        assert q["qdevice"] == {"name": "Qdevice", "votes": 1, "cast_vote": True}
        q = parse_quorumtool(text.replace("0          1            Qdevice",
                                          "0          0            Qdevice (votes 1)"))
        assert q["qdevice"] == {"name": "Qdevice", "votes": 1, "cast_vote": False}

    def test_rc_used_when_quorate_line_missing(self):
        text = "\n".join(line for line in status_fixture("quorumtool.no-quorum.txt").splitlines()
                         if not line.startswith("Quorate:"))
        assert parse_quorumtool(text, rc=2)["quorate"] is False
        assert parse_quorumtool(text, rc=0)["quorate"] is True
        assert parse_quorumtool(text)["quorate"] is None

    @pytest.mark.parametrize("text", ["", status_fixture("quorumtool.corosync-down.stderr"),
                                      "Membership information\n----\n  bogus header\n"])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_quorumtool(text)
        assert e.value.tool == "corosync-quorumtool"


# --------------------------------------------------------------------------------------------- cfgtool


class TestParseCfgtool:
    def test_connected(self):
        c = cfgtool("3nodes")
        assert c["local_nodeid"] == 1
        assert c["transport"] == "knet"
        assert [(lk["link"], lk["nodeid"], lk["status"], lk["connected"]) for lk in c["links"]] == [
            (0, 1, "localhost", True), (0, 2, "connected", True), (0, 3, "connected", True)]
        assert c["links"][0]["addr"] == "172.31.250.11"
        assert c["links"][0]["local"] is True

    def test_disconnected(self):
        c = cfgtool("degraded")
        assert {lk["nodeid"]: lk["status"] for lk in c["links"]} == {
            1: "localhost", 2: "connected", 3: "disconnected"}
        assert [lk["nodeid"] for lk in c["links"] if not lk["connected"]] == [3]
        c = cfgtool("no-quorum")
        assert [lk["nodeid"] for lk in c["links"] if not lk["connected"]] == [2, 3]

    def test_corosync_30_format(self):
        # corosync 3.0 printed "link enabled:1 link connected:0" per node (derived from the 3.1 capture).
        text = status_fixture("cfgtool-s.degraded.txt")
        text = text.replace("nodeid:          2:\tconnected", "nodeid  2:\tlink enabled:1\tlink connected:1")
        text = text.replace("nodeid:          3:\tdisconnected", "nodeid  3:\tlink enabled:1\tlink connected:0")
        c = parse_cfgtool(text)
        assert {lk["nodeid"]: lk["connected"] for lk in c["links"]} == {1: True, 2: True, 3: False}

    def test_two_links(self):
        text = status_fixture("cfgtool-s.3nodes.txt")
        text += text[text.index("LINK ID"):].replace("LINK ID 0", "LINK ID 1").replace(".11", ".21")
        c = parse_cfgtool(text)
        assert sorted({lk["link"] for lk in c["links"]}) == [0, 1]
        assert [lk["addr"] for lk in c["links"] if lk["link"] == 1] == ["172.31.250.21"] * 3

    @pytest.mark.parametrize("text", ["", status_fixture("cfgtool.down.txt")])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_cfgtool(text)
        assert e.value.tool == "corosync-cfgtool"
