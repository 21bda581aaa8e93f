# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf.py (the model: scalar_text, normalize, effective_timing)
on real captured corosync.conf files."""

from __future__ import annotations

import ast
import inspect

import pytest

from conftest import fixture_text
from corosync_conf_data import three_nodes

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf as cc
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_diff
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_parse
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_reload
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_render
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_validate
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import CorosyncConfError, effective_timing, normalize
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_diff import diff
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse


def test_python38_syntax_of_every_file_of_the_engine():
    # The corosync_config module runs on the nodes and AnsiballZ packs every one of these.
    for module in (cc, corosync_conf_diff, corosync_conf_parse, corosync_conf_reload, corosync_conf_render,
                   corosync_conf_validate):
        ast.parse(inspect.getsource(module), feature_version=(3, 8))


# --- scalar_text / normalize ----------------------------------------------------------------------

@pytest.mark.parametrize("chain,value,text", [
    (("logging", "to_syslog"), True, "yes"),
    (("logging", "to_stderr"), False, "no"),
    (("system", "move_to_root_cgroup"), False, "no"),
    (("quorum", "two_node"), True, "1"),
    (("quorum", "wait_for_all"), False, "0"),
    (("quorum", "last_man_standing"), True, "1"),
    (("quorum", "auto_tie_breaker"), True, "1"),
    (("quorum", "allow_downscale"), False, "0"),
    (("logging", "timestamp"), True, "on"),  # corosync only knows on/off/hires here
    (("logging", "debug"), False, "off"),
    (("logging", "logger_subsys", "debug"), True, "on"),
    (("totem", "token"), 3000, "3000"),
    (("totem", "cluster_name"), " prod\t", "prod"),
])
def test_scalar_rendering(chain, value, text):
    assert cc.scalar_text(value, chain) == text


def test_normalize_makes_order_comments_and_whitespace_irrelevant():
    pcs = parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))
    messy = """
# a comment
logging {
        timestamp: on
  to_syslog:   yes
    logfile: /var/log/corosync/corosync.log
    to_logfile: yes
}
nodelist {
    node {
        nodeid: 3
        name: lab-node3
        ring0_addr: 172.31.250.13
    }
    node {
            # and another
        name: lab-node1
        ring0_addr: 172.31.250.11
        nodeid: 1
    }
    node {
        name: lab-node2
        nodeid: 2
        ring0_addr: 172.31.250.12
    }
}
quorum {
    provider: corosync_votequorum
}
totem {
    cluster_uuid: 10e93af1337744eea650f5e48d3407b2
    crypto_hash: sha256
    crypto_cipher: aes256
    transport: knet
    cluster_name: labclu
    version: 2
}
"""
    assert normalize(parse(messy)) == normalize(pcs)
    assert diff(pcs, parse(messy)) == []


def test_normalize_types_and_collapsing():
    norm = normalize({"totem": {"token": 3000, "interface": {"linknumber": 0}, "x": None, "y": [],
                                "z": ["only"]},
                      "nodelist": {"node": {"nodeid": 1}}})
    assert norm == {"totem": {"token": "3000", "z": "only", "interface": [{"linknumber": "0"}]},
                    "nodelist": {"node": [{"nodeid": "1"}]}}


def test_normalize_rejects_impossible_structures():
    with pytest.raises(CorosyncConfError):
        normalize({"totem": {"k": [1, {"a": 1}]}})
    with pytest.raises(CorosyncConfError):
        normalize({"totem": {"k": object()}})
    with pytest.raises(CorosyncConfError):
        normalize(["totem"])


# --- timing ---------------------------------------------------------------------------------------

def test_effective_timing_defaults():
    two = effective_timing({"nodelist": {"node": [{"nodeid": 1}, {"nodeid": 2}]}})
    assert (two["effective_token"], two["consensus"], two["detection"]) == (3000, 3600, 6600)
    three = effective_timing(parse(fixture_text("corosync", "pcs-0.11.corosync.conf")))
    assert (three["effective_token"], three["consensus"], three["detection"]) == (3650, 4380, 8030)
    assert (three["knet_ping_interval"], three["knet_ping_timeout"]) == (912, 1825)


def test_effective_timing_explicit_values():
    cfg = three_nodes()
    cfg["totem"].update(token=30000, consensus=36000, token_coefficient=0)
    t = effective_timing(cfg)
    assert t["effective_token"] == 30000 and t["consensus"] == 36000 and t["consensus_explicit"]
    assert t["knet_ping_interval"] == 1000  # explicit on link 0
    assert t["detection"] == 66000
    cfg["totem"]["token"] = "soon"
    with pytest.raises(CorosyncConfError):
        effective_timing(cfg)
