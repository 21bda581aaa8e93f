# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""crm_simulate's XML on captured outputs: predicted actions, active resources, stopping everything."""

from __future__ import annotations

import pytest

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError
from ansible_collections.clusterops.ha.plugins.module_utils.cib_simulate import parse_simulate, parse_simulate_run, stops_everything


def test_parse_simulate_move():
    assert parse_simulate(fixture_text("cib", "simulate.move.xml")) == [
        {"action": "move", "resource": "d2", "source": "lab-node2", "dest": "lab-node3"}]


def test_parse_simulate_orphan_stop():
    actions = parse_simulate(fixture_text("cib", "simulate.orphan.xml"))
    assert len(actions) == 1
    assert actions[0]["action"] == "stop"
    assert actions[0]["resource"] == "d3"
    assert actions[0]["node"] == "lab-node2"


def test_parse_simulate_refuses_text():
    with pytest.raises(CibError, match="crm_simulate printed no XML"):
        parse_simulate("crm_simulate: Could not connect")


def test_stops_everything_from_captured_simulations():
    live = parse_simulate_run(fixture_text("cib", "simulate.lab-live.xml"))
    stop_all = parse_simulate_run(fixture_text("cib", "simulate.lab-stop-all.xml"))
    assert len(live["active"]) == 10 and live["actions"] == []
    assert ["site-vip", "lab-node2"] in live["active"]
    assert stops_everything(live["active"], stop_all["actions"])
    assert not stops_everything(live["active"], stop_all["actions"][1:])
    assert not stops_everything([], stop_all["actions"])
    moved = stop_all["actions"] + [{"action": "start", "resource": "site-vip", "node": "lab-node1"}]
    assert not stops_everything(live["active"], moved)
