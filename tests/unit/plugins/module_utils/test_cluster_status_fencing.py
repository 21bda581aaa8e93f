# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the fencing history (module_utils/cluster_status_fencing.py): the one parser of
<fence_event>, for crm_mon --fence-history=3 and stonith_admin --history.
"""

from __future__ import annotations

import calendar
import xml.etree.ElementTree as ET

import pytest

from conftest import fixture_text
from status_lab import crm_mon, runner_for

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_fencing import fence_events, parse_fence_history
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError


FENCE_EVENT_KEYS = {"target", "action", "status", "client", "origin", "delegate", "executioner", "completed", "exit_reason",
                    "manual"}


# --------------------------------------------------------------------------------------------- fencing history


def health_fixture(name):
    return fixture_text("health", name)


CONFIRMED = {"target": "lab-node3", "action": "off", "status": "success", "client": "stonith_admin.8396",
             "origin": "lab-node1", "delegate": "a human", "executioner": "a human",
             "completed": calendar.timegm((2026, 12, 4, 14, 0, 8, 0, 0, 0)), "exit_reason": None, "manual": True}


class TestFenceHistory:
    """Issue 17: one parser of <fence_event>, for crm_mon --fence-history=3 and stonith_admin --history."""

    def test_a_manual_confirmation_in_crm_mon(self):
        m = parse_crm_mon(health_fixture("crm_mon.lab-fence-confirmed.xml"))
        assert m["running"] is True
        assert m["fence_history"] == [CONFIRMED]
        assert set(CONFIRMED) == FENCE_EVENT_KEYS

    def test_the_same_confirmation_from_stonith_admin(self):
        assert parse_fence_history(health_fixture("stonith_admin-history.lab-confirmed.xml")) == [CONFIRMED]

    def test_a_fencing_by_a_device(self):
        (ev,) = parse_crm_mon(health_fixture("crm_mon.lab-fenced.xml"))["fence_history"]
        assert ev == {"target": "lab-node1", "action": "reboot", "status": "success", "client": "pacemaker-controld.1234",
                      "origin": "lab-node3", "delegate": "lab-node2", "executioner": "lab-node2",
                      "completed": calendar.timegm((2026, 11, 24, 22, 31, 40, 0, 0, 0)), "exit_reason": None,
                      "manual": False}

    def test_a_failed_fencing(self):
        (ev,) = parse_crm_mon(health_fixture("crm_mon.lab-fence-failed.xml"))["fence_history"]
        assert (ev["target"], ev["status"], ev["delegate"], ev["manual"]) == ("lab-node2", "failed", "lab-node1", False)
        assert ev["completed"] == calendar.timegm((2026, 11, 24, 22, 40, 12, 0, 0, 0))
        xml = health_fixture("crm_mon.lab-fence-failed.xml").replace('status="failed"', 'status="failed" exit-reason="timed out"')
        assert parse_crm_mon(xml)["fence_history"][0]["exit_reason"] == "timed out"

    def test_pending_and_completed_in_the_drill_captures(self):
        events = fence_events(ET.fromstring(fixture_text("drill", "crm_mon.hang.xml")))
        assert [(e["target"], e["status"], e["executioner"], e["completed"], e["manual"]) for e in events] == [
            ("fx-node2", "pending", None, None, False),
            ("fx-node1", "success", "fx-node3", 1795581148.0, False),
            ("fx-node2", "success", "fx-node1", 1795581001.0, False)]
        assert len(parse_fence_history(fixture_text("drill", "stonith_admin-history.verbose.xml"))) == 3

    def test_without_fencing(self):
        assert parse_crm_mon(health_fixture("crm_mon.lab.xml"))["fence_history"] == []
        assert parse_crm_mon(fixture_text("health", "trixie", "crm_mon.lab.xml"))["fence_history"] == []
        assert crm_mon("pacemaker-down")["fence_history"] == []
        assert parse_fence_history("") == [] and parse_fence_history(None) == [] and parse_fence_history(" \n") == []

    def test_pacemaker_3_keeps_the_element(self):
        # Pacemaker 3.0 (trixie, API 2.38) prints the same <fence_event> in the same place.
        xml = fixture_text("health", "trixie", "crm_mon.lab.xml").replace(
            '  <status code="0" message="OK"/>',
            '  <fence_history>\n    <fence_event action="off" target="lab-node3" client="stonith_admin.8396" origin="lab-node1" '
            'status="success" delegate="a human" completed="2026-12-04 14:00:08Z"/>\n  </fence_history>\n'
            '  <status code="0" message="OK"/>')
        assert parse_crm_mon(xml)["fence_history"] == [CONFIRMED]

    def test_a_history_the_fencer_did_not_give_is_unknown(self):
        status = '  <status code="0" message="OK"/>'
        xml = health_fixture("crm_mon.lab.xml").replace(status, '  <fence_history status="102"/>\n' + status)
        assert parse_crm_mon(xml)["fence_history"] is None
        assert build_status(crm_mon=parse_crm_mon(xml))["fence_history"] is None

    def test_malformed_stonith_admin_output_names_the_tool(self):
        with pytest.raises(StatusParseError, match="^stonith_admin: malformed XML"):
            parse_fence_history("<pacemaker-result><list")
        with pytest.raises(StatusParseError, match="^stonith_admin: unexpected XML root <cib>"):
            parse_fence_history("<cib/>")

    def test_in_the_status_model(self):
        m = parse_crm_mon(health_fixture("crm_mon.lab-fence-confirmed.xml"))
        st = build_status(crm_mon=m)
        assert st["fence_history"] == [CONFIRMED]
        st["fence_history"][0]["target"] = "changed"
        assert m["fence_history"][0]["target"] == "lab-node3"  # a copy, not the parse
        assert build_status(crm_mon=crm_mon("pacemaker-down"))["fence_history"] == []
        assert build_status()["fence_history"] == []
        del m["fence_history"]
        assert build_status(crm_mon=m)["fence_history"] == []

    def test_collect_reads_the_whole_history(self):
        r = runner_for()
        r.add(["crm_mon"], stdout=health_fixture("crm_mon.lab-fence-confirmed.xml"))
        st = collect(r)
        assert [c["argv"] for c in r.calls if c["argv"][0] == "crm_mon"] == [["crm_mon", "--output-as=xml", "--fence-history=3"]]
        assert st["fence_history"] == [CONFIRMED]
