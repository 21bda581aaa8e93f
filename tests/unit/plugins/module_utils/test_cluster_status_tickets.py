# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the tickets of the cluster status (module_utils/cluster_status.py): crm_mon's <tickets> on a site
of the geo lab, where booth granted and then revoked geo-web (fixtures/booth/)."""

from __future__ import annotations

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon

GRANTED = parse_crm_mon(fixture_text("booth", "crm_mon-site-granted.xml"))
REVOKED = parse_crm_mon(fixture_text("booth", "crm_mon-site-revoked.xml"))


def test_a_granted_ticket():
    assert GRANTED["tickets"] == {"geo-web": {"granted": True, "standby": False,
                                              "last_granted": "Sun Dec  6 19:34:11 2026"}}


def test_a_revoked_ticket_keeps_when_it_was_last_granted():
    assert REVOKED["tickets"] == {"geo-web": {"granted": False, "standby": False,
                                              "last_granted": "Sun Dec  6 19:33:08 2026"}}


@pytest.mark.parametrize("parsed", [GRANTED, REVOKED], ids=["granted", "revoked"])
def test_build_status_carries_the_tickets(parsed):
    status = build_status(crm_mon=parsed)
    assert status["tickets"] == parsed["tickets"]
    # A copy: the status model does not share the parsed dicts.
    status["tickets"]["geo-web"]["granted"] = None
    assert parsed["tickets"]["geo-web"]["granted"] is not None


def test_no_crm_mon_means_no_tickets():
    assert build_status(crm_mon=None)["tickets"] == {}


def test_a_crm_mon_without_a_tickets_section_gives_none():
    parsed = parse_crm_mon(fixture_text("status", "crm_mon.healthy.xml"))
    assert "<tickets" not in fixture_text("status", "crm_mon.healthy.xml")
    assert parsed["tickets"] == {}
    assert build_status(crm_mon=parsed)["tickets"] == {}


def test_standby_and_a_ticket_never_granted():
    xml = fixture_text("booth", "crm_mon-site-granted.xml").replace(
        '<ticket id="geo-web" status="granted" standby="false" last-granted="Sun Dec  6 19:34:11 2026"/>',
        '<ticket id="geo-web" status="granted" standby="true" last-granted="Sun Dec  6 19:34:11 2026"/>\n'
        '    <ticket id="geo-db" status="revoked" standby="false"/>')
    assert parse_crm_mon(xml)["tickets"] == {
        "geo-web": {"granted": True, "standby": True, "last_granted": "Sun Dec  6 19:34:11 2026"},
        "geo-db": {"granted": False, "standby": False, "last_granted": None}}
