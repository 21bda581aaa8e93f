# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one set of tests for corosync's timing formulas (module_utils/corosync_timing.py).

Checked against what corosync 3.1.7 runs (runtime.config.totem.* in real corosync-cmapctl captures)
and against the C expressions of exec/totemconfig.c. The other modules' tests only check that they
use these formulas.
"""

from __future__ import annotations

import struct

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_timing as ct
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_tuning
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import effective_timing
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import configured_timing, parse_cmapctl

# Real `corosync-cmapctl` of 3-node clusters with corosync's default timing (three labs).
CAPTURES = [("status", "cmapctl.3nodes.txt"), ("drill", "cmapctl.full.txt"), ("document", "cmapctl.healthy.txt"),
            ("document", "cmapctl.degraded.txt")]


def corosync_consensus(token):
    """exec/totemconfig.c totem_volatile_config_read(): (int)(float)(1.2 * token_timeout), in C's arithmetic."""
    return int(struct.unpack("f", struct.pack("f", 1.2 * token))[0])


# --- effective token ---------------------------------------------------------------------------------

def test_effective_token_scales_from_three_nodes():
    assert [ct.effective_token(3000, 650, n) for n in (0, 1, 2, 3, 5)] == [3000, 3000, 3000, 3650, 4950]
    assert ct.effective_token(node_count=5) == 4950  # corosync's defaults 3000 / 650
    assert ct.effective_token(30000, 0, 5) == 30000  # an explicit coefficient 0 turns scaling off
    assert ct.effective_token(0, None, 3) == 3650  # token 0 is unset for corosync (allow_zero_value 0)
    assert (ct.TOKEN_MS, ct.TOKEN_COEFFICIENT_MS, ct.KNET_PONG_COUNT) == (3000, 650, 2)


@pytest.mark.parametrize("where", CAPTURES, ids=lambda w: w[1])
def test_the_formulas_reproduce_what_corosync_runs(where):
    cmap = parse_cmapctl(fixture_text(*where))
    t = configured_timing(cmap)
    assert t["nodes"] == 3
    assert t["effective_token"] == cmap["runtime.config.totem.token"] == 3650
    assert t["consensus"] == cmap["runtime.config.totem.consensus"] == 4380
    assert ct.knet_ping_timers(t["effective_token"]) == (cmap["runtime.config.totem.interface.0.knet_ping_interval"],
                                                         cmap["runtime.config.totem.interface.0.knet_ping_timeout"])


def test_a_profile_on_three_nodes_as_the_tuning_scenario_runs_it():
    # molecule/tuning asserts these runtime values on a live 3-node cluster with the gcp profile.
    t = ct.timing(20000, None, 3, corosync_tuning.derived_consensus(20000, 650, 3, 24000))
    assert (t["effective_token"], t["consensus"], t["consensus_explicit"]) == (20650, 24780, True)


# --- consensus -----------------------------------------------------------------------------------------

def test_default_consensus_is_corosyncs_truncated_1_2_x_effective_token():
    assert [ct.default_consensus(t) for t in (3000, 3001, 3650, 30650)] == [3600, 3601, 4380, 36780]
    # exactly corosync's float expression for every token a cluster could use ...
    for token in list(range(0, 100001)) + list(range(100000, 3495254, 997)) + [3495253]:
        assert ct.default_consensus(token) == corosync_consensus(token), token
    # ... and where single precision starts to round up (an hour of token): documented in the docstring.
    assert ct.default_consensus(3495254) + 1 == corosync_consensus(3495254)


def test_min_consensus_is_the_ceil_the_rule_needs():
    assert [ct.min_consensus(t) for t in (3000, 3001, 3650, 30650)] == [3600, 3602, 4380, 36780]
    for effective in range(0, 20000):
        low = ct.min_consensus(effective)
        assert low * 5 >= effective * 6 > (low - 1) * 5
        assert ct.default_consensus(effective) in (low, low - 1)


def test_timing_explicit_consensus_is_not_scaled():
    t = ct.timing(30000, 650, 5, 36000)
    assert (t["effective_token"], t["consensus"], t["consensus_explicit"], t["detection"]) == (31950, 36000, True, 67950)
    t = ct.timing(None, None, 3)
    assert t == {"nodes": 3, "token": 3000, "token_coefficient": 650, "effective_token": 3650, "consensus": 4380,
                 "consensus_explicit": False, "detection": 8030}
    # consensus 0 is unset for corosync: derived, not explicit
    assert ct.timing(3000, None, 2, 0)["consensus"] == 3600 and not ct.timing(3000, None, 2, 0)["consensus_explicit"]


# --- knet ping timers ------------------------------------------------------------------------------------

def test_knet_ping_timers_use_the_effective_token_and_the_pong_count():
    assert ct.knet_ping_timers(3650) == (912, 1825)
    assert ct.knet_ping_timers(3000, 3) == (500, 1000)
    assert ct.knet_ping_timers(3000, 0) == ct.knet_ping_timers(3000) == (750, 1500)  # pong 0 is unset


def test_link_timing_explicit_values_win_and_zero_is_derived():
    """calc_knet_ping_timers(): `if (!knet_ping_interval)` - an explicit 0 is derived like an unset value."""
    assert ct.link_timing(3650) == {"knet_pong_count": 2, "knet_ping_interval": 912, "knet_ping_timeout": 1825,
                                    "pinned": False}
    assert ct.link_timing(3650, 4, 100, 400) == {"knet_pong_count": 4, "knet_ping_interval": 100,
                                                 "knet_ping_timeout": 400, "pinned": True}
    assert ct.link_timing(3650, 4, 100) == {"knet_pong_count": 4, "knet_ping_interval": 100,
                                            "knet_ping_timeout": 912, "pinned": False}
    assert ct.link_timing(3650, 0, 0, 0) == ct.link_timing(3650)


# --- every caller uses these ---------------------------------------------------------------------------

def test_corosync_conf_and_tuning_give_the_same_numbers():
    cfg = parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))
    conf = effective_timing(cfg)
    report = corosync_tuning.timing_report(cfg)
    assert (conf["effective_token"], conf["consensus"]) == (report["effective_token_ms"], report["consensus_ms"])
    assert (conf["knet_ping_interval"], conf["knet_ping_timeout"]) == (report["knet_ping_interval_ms"],
                                                                       report["knet_ping_timeout_ms"])
    # corosync_tuning's names are corosync_timing's functions, not copies
    assert corosync_tuning.effective_token is ct.effective_token
    assert corosync_tuning.min_consensus is ct.min_consensus
    assert corosync_tuning.knet_ping_timers is ct.knet_ping_timers
    assert corosync_tuning.corosync_default_consensus(3001) == ct.default_consensus(3001) == 3601


def test_zero_ping_timers_in_corosync_conf_are_derived():
    """Would have caught effective_timing/timing_report reporting an explicit 0 as a 0 ms, pinned timer."""
    cfg = parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))
    cfg["totem"]["interface"] = [{"linknumber": 0, "knet_ping_interval": 0, "knet_ping_timeout": 0}]
    t = effective_timing(cfg)
    assert (t["knet_ping_interval"], t["knet_ping_timeout"]) == (912, 1825)
    link = corosync_tuning.timing_report(cfg)["links"][0]
    assert (link["knet_ping_interval_ms"], link["knet_ping_timeout_ms"], link["pinned"]) == (912, 1825, False)
