# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the heartbeat and quorum tuning filters (plugins/filter/corosync.py)."""

from __future__ import annotations

import os

import pytest
import yaml

from conftest import ROOT, fixture_text

from ansible.errors import AnsibleFilterError
from ansible_collections.clusterops.ha.plugins.filter import corosync as filters
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse

NAMES = ("corosync_timing", "corosync_tuned_totem", "corosync_tuning_validate")


def three_nodes():
    return parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))


def test_filter_module_exports():
    table = filters.FilterModule().filters()
    assert sorted(table) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_filter_has_a_sidecar_doc(name):
    with open(os.path.join(ROOT, "plugins", "filter", name + ".yml"), encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    assert doc["DOCUMENTATION"]["name"] == name
    assert doc["DOCUMENTATION"]["version_added"] == "0.1.0"
    assert doc["DOCUMENTATION"]["author"] == "clusterops.ha developers (!UNKNOWN)"
    assert "_input" in doc["DOCUMENTATION"]["options"]
    assert name in doc["EXAMPLES"]
    assert "_value" in doc["RETURN"]
    for positional in [p.strip() for p in doc["DOCUMENTATION"].get("positional", "").split(",") if p.strip()]:
        assert positional in doc["DOCUMENTATION"]["options"]


def test_corosync_timing():
    report = filters.corosync_timing(three_nodes())
    assert report["summary"] == "3 nodes: a lost node is declared after about 8.0 s (token 3650 ms + consensus 4380 ms)"
    assert (report["knet_ping_interval_ms"], report["knet_ping_timeout_ms"]) == (912, 1825)


def test_corosync_timing_bad_value():
    cfg = three_nodes()
    cfg["totem"]["token"] = "soon"
    with pytest.raises(AnsibleFilterError, match="totem.token"):
        filters.corosync_timing(cfg)


def test_corosync_tuned_totem():
    assert filters.corosync_tuned_totem("lan") == {}
    assert filters.corosync_tuned_totem("azure", {}, 3) == {
        "token": 30000, "consensus": 36780, "join": 60, "token_retransmits_before_loss_const": 10, "max_messages": 20}
    # the documented example
    assert filters.corosync_tuned_totem("azure", {}, 3, pin_knet_ping_timers=True)["interface"] == [
        {"linknumber": 0, "knet_ping_interval": 7662, "knet_ping_timeout": 15325}]
    assert filters.corosync_tuned_totem("gcp", {"token": "25000"}, "2") == {"token": 25000, "consensus": 30000}


def test_corosync_tuned_totem_unknown_profile():
    with pytest.raises(AnsibleFilterError) as e:
        filters.corosync_tuned_totem("onprem", {}, 3)
    assert "cluster_totem_profile" in str(e.value) and "lan" in str(e.value)


def test_corosync_tuning_validate():
    assert filters.corosync_tuning_validate(three_nodes()) == {"errors": [], "warnings": []}
    cfg = three_nodes()
    cfg["totem"]["consensus"] = "3700"
    result = filters.corosync_tuning_validate(cfg)
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("totem.consensus:")
    result = filters.corosync_tuning_validate(cfg, True)
    assert result["errors"] == [] and result["warnings"][0].startswith("totem.consensus:")
