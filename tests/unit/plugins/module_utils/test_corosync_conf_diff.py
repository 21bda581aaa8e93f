# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf_diff.py on real captured corosync.conf files."""

from __future__ import annotations

import copy

import pytest

from conftest import fixture_text
from corosync_conf_data import desired, three_nodes

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_diff import diff, summarize
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_reload import RELOAD, RESTART
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_render import render


def paths(changes):
    return [c["path"] for c in changes]


def by_path(changes):
    return dict((c["path"], c) for c in changes)


def test_diff_no_change():
    assert diff(desired(), parse(render(desired()))) == []


def test_diff_token_is_reload_with_explicit_ping_timers():
    before = desired()
    before["totem"]["interface"][0].update(knet_ping_interval=750, knet_ping_timeout=1500)
    after = copy.deepcopy(before)
    after["totem"]["token"] = 5000
    changes = diff(before, after)
    assert changes == [{"path": "totem.token", "before": "3000", "after": "5000", "action": RELOAD,
                        "reason": changes[0]["reason"]}]
    assert "totem_volatile_config_read" in changes[0]["reason"]
    assert summarize(changes) == (True, False)


def test_diff_token_is_restart_with_derived_ping_timers_on_3_1_x():
    after = desired()
    after["totem"]["token"] = 5000
    change = by_path(diff(desired(), after))["totem.token"]
    assert change["action"] == RESTART
    assert "ping timers" in change["reason"]
    # a corosync with the upstream fix reloads it
    assert by_path(diff(desired(), after, ping_timer_bug=False))["totem.token"]["action"] == RELOAD


def test_diff_token_written_out_at_its_default_is_not_a_restart():
    before = desired()
    del before["totem"]["token"]
    change = by_path(diff(before, desired()))["totem.token"]
    assert change["action"] == RELOAD


def test_diff_node_added_and_removed():
    changes = diff(desired(), three_nodes())
    c = by_path(changes)
    assert c["nodelist.node[nodeid=3]"]["before"] is None
    assert c["nodelist.node[nodeid=3]"]["after"] == {"name": "n3", "nodeid": "3", "ring0_addr": "10.0.0.3"}
    assert c["nodelist.node[nodeid=3]"]["action"] == RELOAD
    assert c["quorum.two_node"]["action"] == RELOAD
    back = by_path(diff(three_nodes(), desired()))
    assert back["nodelist.node[nodeid=3]"]["after"] is None
    assert back["nodelist.node[nodeid=3]"]["action"] == RELOAD


def test_diff_ring_address_change_is_restart():
    after = desired()
    after["nodelist"]["node"][1]["ring0_addr"] = "10.0.0.22"
    changes = diff(desired(), after)
    assert paths(changes) == ["nodelist.node[nodeid=2].ring0_addr"]
    assert changes[0]["action"] == RESTART
    assert "check_things_have_not_changed" in changes[0]["reason"]


def test_diff_adding_a_link_is_reload():
    after = desired()
    for i, node in enumerate(after["nodelist"]["node"]):
        node["ring1_addr"] = "192.168.1.%d" % (i + 1)
    changes = diff(desired(), after)
    assert paths(changes) == ["nodelist.node[nodeid=1].ring1_addr", "nodelist.node[nodeid=2].ring1_addr"]
    assert all(c["action"] == RELOAD for c in changes)


def test_diff_changed_nodeid_is_restart():
    after = desired()
    after["nodelist"]["node"][1]["nodeid"] = 5
    changes = by_path(diff(desired(), after))
    assert changes["nodelist.node[nodeid=2]"]["action"] == RESTART
    assert changes["nodelist.node[nodeid=5]"]["action"] == RESTART
    assert "nodeid" in changes["nodelist.node[nodeid=5]"]["reason"]


def test_diff_node_name_change_is_restart():
    after = desired()
    after["nodelist"]["node"][0]["name"] = "other"
    assert by_path(diff(desired(), after))["nodelist.node[nodeid=1].name"]["action"] == RESTART


@pytest.mark.parametrize("key,value", [
    ("knet_ping_interval", 500), ("knet_ping_timeout", 2000), ("knet_pong_count", 3),
    ("knet_link_priority", 5),
])
def test_diff_knet_link_options_are_reload(key, value):
    after = desired()
    after["totem"]["interface"][0][key] = value
    changes = diff(desired(), after)
    assert paths(changes) == ["totem.interface[linknumber=0].%s" % key]
    assert changes[0]["action"] == RELOAD
    assert "totemknet_refresh_config" in changes[0]["reason"]


@pytest.mark.parametrize("key,value", [("knet_transport", "sctp"), ("mcastport", 5420)])
def test_diff_knet_link_transport_and_port_are_restart(key, value):
    after = desired()
    after["totem"]["interface"][0][key] = value
    changes = diff(desired(), after)
    assert paths(changes) == ["totem.interface[linknumber=0].%s" % key]
    assert changes[0]["action"] == RESTART


def test_diff_interface_section_added_whole():
    after = desired()
    after["totem"]["interface"].append({"linknumber": 1, "knet_link_priority": 2})
    changes = diff(desired(), after)
    assert paths(changes) == ["totem.interface[linknumber=1]"]
    assert changes[0]["action"] == RELOAD
    after["totem"]["interface"][1]["knet_transport"] = "sctp"
    changes = diff(desired(), after)
    assert changes[0]["action"] == RESTART
    assert "knet_transport" in changes[0]["reason"]


def test_diff_logging_is_reload():
    after = desired()
    after["logging"]["logger_subsys"][0]["debug"] = True
    after["logging"]["to_stderr"] = False
    changes = diff(desired(), after)
    assert paths(changes) == ["logging.to_stderr", "logging.logger_subsys[subsys=QUORUM].debug"]
    assert [c["after"] for c in changes] == ["no", "on"]
    assert all(c["action"] == RELOAD for c in changes)


def test_crypto_without_knet_reconfig_is_restart():
    after = desired()
    after["totem"]["crypto_cipher"] = "aes128"
    assert by_path(diff(desired(), after))["totem.crypto_cipher"]["action"] == RELOAD
    assert by_path(diff(desired(), after, crypto_reload=False))["totem.crypto_cipher"]["action"] == RESTART


def test_diff_whole_sections():
    after = desired()
    del after["system"]
    change = diff(desired(), after)[0]
    assert change["path"] == "system" and change["after"] is None and change["action"] == RESTART
    changes = diff({}, desired())
    assert paths(changes) == ["totem", "nodelist", "quorum", "logging", "system"]
    assert summarize(changes) == (True, True)


def test_diff_from_debian_default():
    changes = by_path(diff(parse(fixture_text("corosync", "debian-default.corosync.conf")), desired()))
    assert changes["totem.cluster_name"]["action"] == RESTART
    assert changes["nodelist.node[nodeid=1].ring0_addr"]["before"] == "127.0.0.1"
    assert changes["nodelist.node[nodeid=2]"]["action"] == RELOAD
    assert changes["logging.to_stderr"]["after"] is None


def test_diff_nodes_without_nodeid_use_name():
    before = {"nodelist": {"node": [{"name": "a", "ring0_addr": "1"}]}}
    after = {"nodelist": {"node": [{"name": "a", "ring0_addr": "2"}]}}
    assert paths(diff(before, after)) == ["nodelist.node[name=a].ring0_addr"]


def test_diff_order_is_canonical_and_numeric():
    before = {"nodelist": {"node": [{"nodeid": str(i), "name": "n%d" % i, "ring0_addr": "a%d" % i}
                                    for i in (1, 2)]}}
    after = {"nodelist": {"node": [{"nodeid": str(i), "name": "n%d" % i, "ring0_addr": "a%d" % i}
                                   for i in (10, 9, 1, 2)]}}
    assert paths(diff(before, after)) == ["nodelist.node[nodeid=9]", "nodelist.node[nodeid=10]"]
