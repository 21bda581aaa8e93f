# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/failover_drill_observe.py: the samples, the fence history and the log lines of a failover
(the drill lab's captures, fixtures/drill: drill_lab.py)."""

from __future__ import annotations

import calendar

import pytest

from conftest import fixture_text
from drill_lab import SITE_VIP, WATCH, crash_journal, crm, drill, lab_services

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_services as drill_services
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_fencing import parse_fence_history
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError


# ---------------------------------------------------------------------------------------------
# observation


def test_parse_addresses_of_the_lab():
    assert drill_observe.parse_addresses(drill("ip-addr.plain.txt")) == ["127.0.0.1", "172.31.235.11"]
    assert drill_observe.parse_addresses(drill("ip-addr.vip-holder.txt")) == ["127.0.0.1", "172.31.235.12", SITE_VIP]
    assert drill_observe.parse_addresses(drill("ip-addr.cut-off.txt")) == ["127.0.0.1"]
    assert drill_observe.parse_addresses("") == [] and drill_observe.parse_addresses(None) == []


def test_sample_finds_the_vip_on_its_holder_not_on_the_cut_off_node():
    holder = drill_observe.sample(10.0, "fx-node2", crm("crash-recovered"), drill_observe.parse_addresses(drill("ip-addr.vip-holder.txt")), WATCH)
    assert holder["vips"] == [SITE_VIP]
    cut = drill_observe.sample(10.0, "fx-node1", crm("partition-no-quorum"), drill_observe.parse_addresses(drill("ip-addr.cut-off.txt")), WATCH)
    assert cut["vips"] == []
    plain = drill_observe.sample(10.0, "fx-node1", crm("hang-undetected"), drill_observe.parse_addresses(drill("ip-addr.plain.txt")), WATCH)
    assert plain["vips"] == []
    # Only the watched addresses count.
    assert drill_observe.sample(1, "n", None, ["172.31.235.12", SITE_VIP], [])["vips"] == []


def test_sample_of_the_recovered_crash():
    s = drill_observe.sample(1795581008.0123, "fx-node1", crm("crash-recovered"), [], WATCH)
    assert s["t"] == 1795581008.012
    assert (s["node"], s["up"], s["quorate"]) == ("fx-node1", True, True)
    assert s["online"] == ["fx-node1", "fx-node3"]
    # Fencing devices are left out; clone instances collect their nodes.
    assert s["rsc"] == {"site-vip": ["fx-node1"], "site-nginx": ["fx-node1"], "lb-vip": ["fx-node3"],
                        "app-nginx": ["fx-node3", "fx-node1"], "lb-haproxy": ["fx-node3", "fx-node1"]}
    assert s["fail"] == {}


def test_sample_of_the_unclean_node_and_the_failed_process():
    s = drill_observe.sample(1.0, "fx-node1", crm("crash-unclean"), [], WATCH)
    assert s["online"] == ["fx-node1", "fx-node3"]
    assert s["rsc"]["site-vip"] == ["fx-node2"]  # still listed there, but the node is not online
    assert drill_services.service_node(lab_services()[0], s) is None
    s = drill_observe.sample(1.0, "fx-node1", crm("kill-process-failed"), [], WATCH)
    assert s["fail"] == {"site-nginx": 1}
    # Captured at +3.2 s: restarted already (failed="false", its first monitor pending).
    assert s["rsc"]["site-nginx"] == ["fx-node1"] and "failed" not in s
    s = drill_observe.sample(1.0, "fx-node1", crm("partition-no-quorum"), [], WATCH)
    assert (s["up"], s["quorate"], s["online"]) == (True, False, ["fx-node1"])
    # Its monitor failed when the interface went away: failed, still there for the invariants.
    assert s["failed"]["site-vip"] == ["fx-node1"] and "site-vip" not in s["rsc"]


def test_sample_when_pacemaker_is_not_connected():
    s = drill_observe.sample(5, "fx-node1", crm("not-connected"), drill_observe.parse_addresses(drill("ip-addr.plain.txt")), WATCH)
    assert s == {"t": 5.0, "node": "fx-node1", "up": False, "quorate": None, "online": [], "rsc": {}, "fail": {}, "vips": []}
    assert drill_observe.sample(5, "fx-node1", None, [SITE_VIP], WATCH)["up"] is False
    assert drill_observe.sample(5, "fx-node1", None, [SITE_VIP], WATCH)["vips"] == [SITE_VIP]


def test_parse_fence_history_of_the_lab():
    events = drill_observe.parse_fence_history(drill("stonith_admin-history.verbose.xml"))
    assert [(e["target"], e["action"], e["status"], e["executioner"]) for e in events] == [
        ("fx-node2", "reboot", "success", "fx-node3"),
        ("fx-node1", "reboot", "success", "fx-node3"),
        ("fx-node2", "reboot", "success", "fx-node1")]
    # completed="2026-11-25 04:34:53Z"
    assert events[0]["completed"] == calendar.timegm((2026, 11, 25, 4, 34, 53, 0, 0, 0)) == 1795581293
    # The crash drill's fencing: the journal of fx-node1 says 1795581001.35.
    assert events[2]["completed"] == 1795581001.0
    (crash,) = drill_observe.parse_fence_history(drill("stonith_admin-history.xml"))
    assert crash == events[2]


def test_parse_fence_history_of_a_pending_fencing_and_of_nothing():
    # crm_mon during the hang drill carries the fence history too: the pending one has no completion.
    events = drill_observe.parse_fence_history(drill("crm_mon.hang.xml"))
    assert events[0] == {"target": "fx-node2", "action": "reboot", "status": "pending", "executioner": None, "completed": None}
    assert [e["completed"] for e in events[1:]] == [1795581148.0, 1795581001.0]
    assert drill_observe.parse_fence_history("") == [] and drill_observe.parse_fence_history(None) == []


def test_parse_fence_history_keeps_its_keys_and_reads_a_manual_confirmation():
    # The one parser of <fence_event> is cluster_status_fencing.fence_events(); a drill keeps these five keys of it.
    text = fixture_text("health", "stonith_admin-history.lab-confirmed.xml")
    assert drill_observe.parse_fence_history(text) == [{"target": "lab-node3", "action": "off", "status": "success",
                                                        "executioner": "a human", "completed": 1796392808.0}]
    full = parse_fence_history(text)
    assert full[0]["manual"] is True
    assert drill_observe.parse_fence_history(text) == [dict((k, e[k]) for k in ("target", "action", "status", "executioner", "completed"))
                                                       for e in full]


def test_parse_fence_history_of_bad_output_names_stonith_admin():
    with pytest.raises(StatusParseError, match="^stonith_admin: malformed XML"):
        drill_observe.parse_fence_history("<pacemaker-result>")


def test_relevant_lines_of_the_crash_keep_the_service_and_the_fencing():
    lines = drill_observe.relevant_lines(crash_journal(), ["site-vip", "site-nginx"], "fx-node2", limit=1000)
    text = "\n".join(lines)
    # The victim's loss, its fencing, the takeover.
    assert "1795580999.880382 fx-node1 pacemaker-controld[870]:  notice: Node fx-node2 state is now lost" in lines
    assert ("1795581001.347528 fx-node1 pacemaker-fenced[866]:  notice: Operation 'reboot' targeting fx-node2 by fx-node1 "
            "for pacemaker-controld.810@fx-node3: OK (complete)") in lines
    assert ("1795581001.481006 fx-node1 pacemaker-controld[870]:  notice: Result of start operation for site-vip on "
            "fx-node1: ok") in lines
    assert ("1795581001.613229 fx-node1 pacemaker-controld[870]:  notice: Result of start operation for site-nginx on "
            "fx-node1: ok") in lines
    assert "Operation 'reboot' [1905] targeting fx-node2 using fence-docker returned 0" in text
    # Unrelated: the clone's monitors, knet's link chatter, attrd's writer election.
    assert "app-nginx" not in text
    assert "[KNET  ]" not in text
    assert "Detected another attribute writer" not in text
    assert "State transition S_NOT_DC -> S_PENDING" not in text
    # In order, as the journal had them, without line ends.
    journal = crash_journal()
    assert [journal.index(ln) for ln in lines] == sorted(journal.index(ln) for ln in lines)
    assert all(not ln.endswith("\n") for ln in lines)


def test_relevant_lines_without_a_victim_keep_the_resources_fencing_and_quorum_only():
    lines = drill_observe.relevant_lines(crash_journal(), ["site-nginx"], None, limit=1000)
    assert lines and all("site-nginx" in ln or "fenc" in ln.lower() or "QUORUM" in ln or "TOTEM" in ln
                         or "terminated" in ln for ln in lines), lines
    assert not any("Node fx-node2 state is now lost" in ln and "fenced" not in ln for ln in lines)


def test_relevant_lines_do_not_keep_a_fencer_line_for_the_daemon_s_name():
    # pacemaker-fenced's CIB bookkeeping names neither the services, the victim, fencing nor quorum;
    # only the daemon's name contains "fenc".
    lines = drill_observe.relevant_lines(crash_journal(), ["site-vip", "site-nginx"], "fx-node2", limit=1000)
    assert not any("Versions did not change in patch 0.7.91" in ln for ln in lines)


def test_relevant_lines_keep_the_quorum_changes():
    # The docstring: "the log lines about these resources, the victim node, fencing and quorum". The
    # survivor's corosync names members by id, not by name: the new membership without fx-node2.
    lines = drill_observe.relevant_lines(crash_journal(), ["site-vip", "site-nginx"], "fx-node2", limit=1000)
    assert "1795580999.880309 fx-node1 corosync[842]:   [QUORUM] Members[2]: 1 3" in lines


def test_relevant_lines_are_capped_with_a_marker():
    full = drill_observe.relevant_lines(crash_journal(), ["site-vip", "site-nginx"], "fx-node2", limit=1000)
    assert len(full) > 30
    capped = drill_observe.relevant_lines(crash_journal(), ["site-vip", "site-nginx"], "fx-node2", limit=25)
    assert len(capped) == 26
    assert capped[:12] == full[:12]
    assert capped[12] == "... %d lines left out ..." % (len(full) - 25)
    assert capped[13:] == full[-13:]
    assert drill_observe.relevant_lines([], ["x"], "n") == [] and drill_observe.relevant_lines(None, None, None) == []


def test_relevant_lines_match_whole_names():
    lines = ["a site-vip2 b", "a site-vip b", "Node fx-node22 state is now lost", "Node fx-node2 state is now lost",
             "fx-node2 did something"]
    assert drill_observe.relevant_lines(lines, ["site-vip"], "fx-node2") == ["a site-vip b", "Node fx-node2 state is now lost"]


def test_relevant_lines_keep_the_dc_s_operation_keys():
    # The DC names operations by key: <resource>_<task>_<interval>; a resource named like another's prefix does not match.
    lines = ["1.0 n3 pacemaker-controld[805]:  notice: Initiating stop operation site-nginx_stop_0 on n2",
             "1.1 n3 pacemaker-controld[805]:  notice: Initiating start operation site-nginx_start_0 on n2",
             "1.2 n3 pacemaker-controld[805]:  notice: Initiating stop operation site-nginx-extra_stop_0 on n2",
             "1.3 n3 pacemaker-controld[805]:  notice: Initiating start operation site-nginx_extra_start_0 on n2"]
    assert drill_observe.relevant_lines(lines, ["site-nginx"], None) == lines[:2]


def test_drill_lines_read_the_members_of_the_affected_services_and_the_victim():
    lines = crash_journal()
    crash = {"type": "crash", "node": "fx-node2", "affected": ["site-vip", "app-clone"]}
    assert drill_observe.drill_lines(lines, crash, lab_services()) == drill_observe.relevant_lines(
        lines, ["site-vip", "site-nginx", "app-nginx"], "fx-node2")
    # A move does nothing to its node: no victim's lines.
    move = {"type": "move", "node": "fx-node2", "affected": ["site-vip"]}
    assert drill_observe.drill_lines(lines, move, lab_services(), limit=60) == drill_observe.relevant_lines(
        lines, ["site-vip", "site-nginx"], None, limit=60)
