# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_tuning.py: profiles, links, validation rules, timing report."""

from __future__ import annotations

import copy

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_diff import diff
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_reload import RELOAD, RESTART
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_render import render
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_validate import validate
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_tuning import (
    PROFILES,
    TuningError,
    derived_consensus,
    interfaces,
    timing_report,
    tuned_totem,
    validate_tuning,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl


def cmap(name):
    """A real `corosync-cmapctl` of a 3-node cluster with defaults, parsed."""
    return parse_cmapctl(fixture_text("status", name))


def nodes(count, links=1):
    out = []
    for i in range(1, count + 1):
        node = {"name": "n%d" % i, "nodeid": i}
        for link in range(links):
            node["ring%d_addr" % link] = "10.0.%d.%d" % (link, i)
        out.append(node)
    return out


def config(count=3, totem=None, quorum=None, links=1):
    cfg = {
        "totem": {"version": 2, "cluster_name": "prod", "transport": "knet", "crypto_cipher": "aes256",
                  "crypto_hash": "sha256"},
        "nodelist": {"node": nodes(count, links)},
        "quorum": {"provider": "corosync_votequorum"},
    }
    if count == 2:
        cfg["quorum"]["two_node"] = 1
    cfg["totem"].update(totem or {})
    cfg["quorum"].update(quorum or {})
    return cfg


def qdevice(algorithm="ffsplit", tie_breaker="lowest", **net):
    dev_net = {"host": "qnetd1", "algorithm": algorithm, "tie_breaker": tie_breaker}
    dev_net.update(net)
    return {"model": "net", "net": dev_net}


def one(messages, field):
    found = [m for m in messages if m.startswith(field + ":")]
    assert len(found) == 1, (field, messages)
    return found[0]


# --- formulas --------------------------------------------------------------------------------------

# effective token, default consensus and knet ping timers: test_corosync_timing.py (one set of tests).

def test_derived_consensus_is_ceil_and_never_below_published():
    assert derived_consensus(30000, 650, 2, 36000) == 36000
    assert derived_consensus(30000, 650, 3, 36000) == 36780
    assert derived_consensus(3001, 0, 2) == 3602  # ceil(3601.2), corosync's own default truncates to 3601
    assert derived_consensus(30000, 0, 5, 40000) == 40000


# --- profiles ----------------------------------------------------------------------------------------

EXPECTED_PROFILES = {
    # profile: (token, published consensus, other keys written)
    "lan": (3000, None, {}),
    "azure": (30000, 36000, {"token_retransmits_before_loss_const": 10, "join": 60, "max_messages": 20}),
    "aws": (30000, 36000, {}),
    "gcp": (20000, 24000, {}),
    "wan": (10000, 12000, {"token_retransmits_before_loss_const": 10, "join": 100}),
}


def test_profile_table_is_complete():
    assert sorted(PROFILES) == sorted(EXPECTED_PROFILES)
    for name, profile in PROFILES.items():
        assert profile["description"] and profile["source"], name


@pytest.mark.parametrize("profile", sorted(EXPECTED_PROFILES))
@pytest.mark.parametrize("count", [2, 3, 5])
def test_every_profile_for_2_3_5_nodes(profile, count):
    token, published, others = EXPECTED_PROFILES[profile]
    totem = tuned_totem(profile, None, count)
    effective = token + max(count - 2, 0) * 650
    if profile == "lan":
        # corosync's defaults: nothing written, corosync derives consensus itself
        assert totem == {}
    else:
        expected = dict(others, token=token, consensus=max(published, -(-effective * 6 // 5)))
        assert totem == expected
        assert totem["consensus"] * 5 >= effective * 6  # consensus >= 1.2 x effective token
        assert totem["consensus"] >= published
    # the full config built from it passes every rule, with no tuning warning
    cfg = config(count, totem)
    errors, warnings = validate_tuning(cfg)
    assert errors == []
    assert [w for w in warnings if not w.startswith("quorum:")] == []
    report = timing_report(cfg)
    assert report["effective_token_ms"] == effective
    assert report["consensus_ms"] * 5 >= effective * 6


def test_published_pair_on_three_nodes_would_violate_the_rule():
    """Why the consensus is derived: 30000/36000 written as published fails on 3 nodes."""
    cfg = config(3, {"token": 30000, "consensus": 36000})
    message = one(validate_tuning(cfg)[0], "totem.consensus")
    assert "30650" in message and "36780" in message


def test_lan_default_cluster_stays_minimal():
    assert tuned_totem() == {}
    assert tuned_totem(None, {}, 3) == {}
    assert tuned_totem("", {"token": 3000, "join": 50}, 5) == {}  # defaults written out: left out


def test_overrides_win_over_the_profile():
    totem = tuned_totem("azure", {"token": 40000, "join": 50, "max_messages": "25"}, 2)
    # join 50 is corosync's default: left out, corosync uses 50
    assert totem == {"token": 40000, "consensus": 48000, "token_retransmits_before_loss_const": 10,
                     "max_messages": 25}
    # an explicit consensus is kept as given (validate_tuning judges it)
    assert tuned_totem("gcp", {"consensus": 22000}, 3)["consensus"] == 22000
    assert tuned_totem("lan", {"token": 5000}, 3) == {"token": 5000}


@pytest.mark.parametrize("key", ["token", "token_coefficient", "consensus", "join", "token_retransmits_before_loss_const",
                                 "max_messages", "merge", "downcheck", "fail_recv_const", "send_join", "window_size",
                                 "hold"])
def test_every_timing_override_is_accepted(key):
    assert tuned_totem("lan", {key: 12345}, 2)[key] == 12345


def test_unknown_profile_names_the_variable_and_the_choices():
    with pytest.raises(TuningError) as e:
        tuned_totem("azur", None, 2)
    assert "cluster_totem_profile" in str(e.value)
    for name in ("aws", "azure", "gcp", "lan", "wan"):
        assert name in str(e.value)


@pytest.mark.parametrize("overrides,fragment", [
    ({"tokn": 5000}, "totem.tokn: not a timing override; did you mean token"),
    ({"token": "fast"}, "totem.token: 'fast' must be a non-negative integer"),
    ({"token": True}, "totem.token: True must be an integer"),
    ({"join": -1}, "totem.join: -1 must be at least 0"),
])
def test_bad_overrides_name_the_key(overrides, fragment):
    with pytest.raises(TuningError) as e:
        tuned_totem("lan", overrides, 2)
    assert fragment in str(e.value)


def test_bad_node_count():
    with pytest.raises(TuningError, match="node_count"):
        tuned_totem("lan", None, 0)


# --- links -------------------------------------------------------------------------------------------

def test_interfaces_sorted_and_cleaned():
    links = [{"linknumber": 1, "knet_link_priority": "20", "knet_transport": "sctp"},
             {"linknumber": 0, "knet_ping_interval": 1000, "knet_ping_timeout": 2000, "knet_pong_count": 3}]
    assert interfaces(links, 3) == [
        {"linknumber": 0, "knet_ping_interval": 1000, "knet_ping_timeout": 2000, "knet_pong_count": 3},
        {"linknumber": 1, "knet_link_priority": 20, "knet_transport": "sctp"},
    ]
    # linknumber defaults to the position
    assert interfaces([{}, {"knet_link_priority": 5}], 2) == [{"linknumber": 0},
                                                              {"linknumber": 1, "knet_link_priority": 5}]


@pytest.mark.parametrize("links,fragment", [
    ([{"linknumber": n} for n in range(9)], "at most 8"),
    ([{"linknumber": 8}], "links[0].linknumber: 8 must be from 0 to 7"),
    ([{"linknumber": 1}, {"linknumber": 1}], "links[1].linknumber: 1 is already used by links[0]"),
    ([{"knet_link_priority": 256}], "links[0].knet_link_priority: 256 must be from 0 to 255"),
    ([{"knet_pong_count": 0}], "links[0].knet_pong_count: 0 must be from 1 to 255"),
    ([{"knet_ping_timeout": 0}], "links[0].knet_ping_timeout: 0 must be at least 1"),
    ([{"knet_transport": "tcp"}], "links[0].knet_transport: 'tcp' must be one of udp, sctp"),
    ([{"knet_ping_intervall": 5}], "links[0].knet_ping_intervall: unknown link option; did you mean knet_ping_interval"),
    ({"linknumber": 0}, "links: must be a list"),
    (["link0"], "links[0]: must be a dict"),
])
def test_interfaces_errors_name_the_link(links, fragment):
    with pytest.raises(TuningError) as e:
        interfaces(links, 2)
    assert fragment in str(e.value)


@pytest.mark.parametrize("count,expected", [(2, (750, 1500)), (3, (912, 1825)), (5, (1237, 2475))])
def test_pinned_ping_timers_use_the_effective_token(count, expected):
    items = interfaces([{"linknumber": 0}, {"linknumber": 1}], count, pin_knet_ping_timers=True)
    for item in items:
        assert (item["knet_ping_interval"], item["knet_ping_timeout"]) == expected


def test_pinned_ping_timers_respect_explicit_values_and_pong_count():
    items = interfaces([{"linknumber": 0, "knet_ping_interval": 400},
                        {"linknumber": 1, "knet_pong_count": 4}], 3, token=30000, pin_knet_ping_timers=True)
    assert items[0] == {"linknumber": 0, "knet_ping_interval": 400, "knet_ping_timeout": 15325}
    assert items[1] == {"linknumber": 1, "knet_ping_interval": 3831, "knet_ping_timeout": 7662, "knet_pong_count": 4}


def test_tuned_totem_links_and_link_defaults():
    totem = tuned_totem("azure", {"knet_link_priority": 10}, 3,
                        links=[{"linknumber": 0}, {"linknumber": 1, "knet_link_priority": 20}],
                        pin_knet_ping_timers=True)
    assert totem["interface"] == [
        {"linknumber": 0, "knet_link_priority": 10, "knet_ping_interval": 7662, "knet_ping_timeout": 15325},
        {"linknumber": 1, "knet_link_priority": 20, "knet_ping_interval": 7662, "knet_ping_timeout": 15325},
    ]
    # pinning without links: link 0
    assert tuned_totem("lan", None, 3, pin_knet_ping_timers=True)["interface"] == [
        {"linknumber": 0, "knet_ping_interval": 912, "knet_ping_timeout": 1825}]
    # links without options: no interface section
    assert tuned_totem("lan", None, 3, links=[{"linknumber": 0}, {"linknumber": 1}]) == {}
    # an interface list in the overrides is used as links
    assert tuned_totem("lan", {"interface": [{"linknumber": 0, "knet_pong_count": 3}]}, 2) == {
        "interface": [{"linknumber": 0, "knet_pong_count": 3}]}


def test_pinned_timers_make_a_later_token_change_reloadable():
    """The corosync 3.1.7 ping timer bug: diff() restarts on a token change unless every link is pinned."""
    before = config(3, links=2)
    before["totem"].update(tuned_totem("lan", None, 3, links=[{}, {}], pin_knet_ping_timers=True))
    after = config(3, links=2)
    after["totem"].update(tuned_totem("wan", None, 3, links=[{}, {}], pin_knet_ping_timers=True))
    changes = diff(before, after)
    assert {c["path"]: c["action"] for c in changes if c["path"] == "totem.token"} == {"totem.token": RELOAD}
    assert all(c["action"] == RELOAD for c in changes)
    unpinned_before = config(3, links=2)
    unpinned_after = config(3, links=2, totem=tuned_totem("wan", None, 3))
    token = [c for c in diff(unpinned_before, unpinned_after) if c["path"] == "totem.token"][0]
    assert token["action"] == RESTART


def test_tuned_totem_renders():
    cfg = config(3, tuned_totem("azure", None, 3, pin_knet_ping_timers=True))
    text = render(cfg)
    assert "    consensus: 36780\n" in text and "        knet_ping_timeout: 15325\n" in text
    assert validate(parse(text)) == validate(cfg)


# --- validate_tuning: one test per rule ------------------------------------------------------------------

def test_good_configs_have_no_findings():
    assert validate_tuning(config(3)) == ([], [])
    assert validate_tuning(config(2)) == ([], [])
    assert validate_tuning(config(4, quorum={"device": qdevice()})) == ([], [])
    assert validate_tuning(config(5, quorum={"device": qdevice("lms", "3")})) == ([], [])
    assert validate_tuning(parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))) == ([], [])


def test_includes_corosync_conf_validate_findings():
    cfg = config(3, {"transport": "tcp"})
    assert set(validate(cfg)[0]) <= set(validate_tuning(cfg)[0])


def test_rule_consensus_below_1_2_effective_token():
    cfg = config(3, {"token": 5000, "consensus": 6000})
    message = one(validate_tuning(cfg)[0], "totem.consensus")
    assert "'6000'" in message and "1.2 x" in message and "5650" in message and "6780" in message
    errors, warnings = validate_tuning(cfg, allow_low_consensus=True)
    assert [e for e in errors if e.startswith("totem.consensus")] == []
    assert "allow_low_consensus" in one(warnings, "totem.consensus")
    # exactly 1.2 x is fine; corosync's own derived default is never judged
    assert validate_tuning(config(3, {"token": 5000, "consensus": 6780})) == ([], [])
    assert validate_tuning(config(3, {"token": 5001})) == ([], [])


def test_rule_consensus_below_join():
    message = one(validate_tuning(config(2, {"consensus": 4000, "join": 5000}))[0], "totem.consensus")
    assert "totem.join" in message and "refuses" in message
    # derived consensus below an explicit join: names join
    message = one(validate_tuning(config(2, {"join": 4000}))[0], "totem.join")
    assert "3600" in message


def test_rule_minimum_timeouts():
    message = one(validate_tuning(config(2, {"token": 20}))[0], "totem.token")
    assert "30 ms" in message


def test_rule_token_retransmit_minimum():
    errors = validate_tuning(config(2, {"token": 100, "token_retransmits_before_loss_const": 10}))[0]
    assert "token_retransmit" in one(errors, "totem.token_retransmits_before_loss_const")


def test_rule_non_integer_timing_reuses_corosync_conf():
    errors = validate_tuning(config(3, {"token": "3s"}))[0]
    assert one(errors, "totem.token") == "totem.token: '3s' must be a non-negative integer"


def test_rule_two_node_needs_two_nodes_reuses_corosync_conf():
    errors = validate_tuning(config(3, quorum={"two_node": 1}))[0]
    assert "needs exactly 2 nodes" in one(errors, "quorum.two_node")


def test_rule_last_man_standing_needs_wait_for_all():
    errors = validate_tuning(config(5, quorum={"last_man_standing": 1}))[0]
    assert "wait_for_all" in one(errors, "quorum.last_man_standing")
    assert validate_tuning(config(5, quorum={"last_man_standing": 1, "wait_for_all": 1})) == ([], [])


@pytest.mark.parametrize("key", ["last_man_standing", "auto_tie_breaker", "allow_downscale"])
def test_rule_quorum_feature_with_qdevice(key):
    cfg = config(4, quorum={key: 1, "wait_for_all": 1, "device": qdevice()})
    message = one(validate_tuning(cfg)[0], "quorum." + key)
    assert "quorum.device" in message


def test_rule_two_node_with_qdevice():
    cfg = config(2, quorum={"device": qdevice()})
    message = one(validate_tuning(cfg)[0], "quorum.two_node")
    assert "quorum.device" in message


def test_rule_ffsplit_with_odd_node_count():
    message = one(validate_tuning(config(3, quorum={"device": qdevice()}))[0], "quorum.device.net.algorithm")
    assert "'ffsplit'" in message and "lms" in message and "3 nodes" in message


def test_rule_qdevice_algorithm():
    message = one(validate_tuning(config(4, quorum={"device": qdevice("2nodelms")}))[0], "quorum.device.net.algorithm")
    assert "ffsplit" in message and "lms" in message


def test_rule_qdevice_tie_breaker():
    message = one(validate_tuning(config(4, quorum={"device": qdevice(tie_breaker="7")}))[0],
                  "quorum.device.net.tie_breaker")
    assert "'7'" in message and "1, 2, 3, 4" in message
    for ok in ("lowest", "highest", "4"):
        assert validate_tuning(config(4, quorum={"device": qdevice(tie_breaker=ok)})) == ([], [])


def test_rule_qdevice_model():
    dev = qdevice()
    dev["model"] = "disk"
    assert "must be net" in one(validate_tuning(config(4, quorum={"device": dev}))[0], "quorum.device.model")
    del dev["model"]
    assert "required" in one(validate_tuning(config(4, quorum={"device": dev}))[0], "quorum.device.model")


def test_rule_qdevice_host_and_net_values():
    dev = qdevice(tls="maybe", port=70000)
    del dev["net"]["host"]
    errors = validate_tuning(config(4, quorum={"device": dev}))[0]
    assert "required" in one(errors, "quorum.device.net.host")
    assert "on, off, required" in one(errors, "quorum.device.net.tls")
    assert "65535" in one(errors, "quorum.device.net.port")


def test_rule_qdevice_votes_by_algorithm():
    dev = qdevice()
    dev["votes"] = 2
    assert "must be 1" in one(validate_tuning(config(4, quorum={"device": dev}))[0], "quorum.device.votes")
    dev = qdevice("lms")
    dev["votes"] = 2
    assert "unset" in one(validate_tuning(config(5, quorum={"device": dev}))[1], "quorum.device.votes")


@pytest.mark.parametrize("count", [2, 4, 6])
def test_rule_even_node_count_without_tie_breaker_warns(count):
    cfg = config(count)
    cfg["quorum"].pop("two_node", None)
    errors, warnings = validate_tuning(cfg)
    assert errors == []
    message = one(warnings, "quorum")
    assert "%d nodes" % count in message and "two_node" in message and "quorum.device" in message
    assert "auto_tie_breaker" in message and "every resource stops" in message


def test_rule_even_node_count_with_a_tie_breaker_is_quiet():
    assert validate_tuning(config(2)) == ([], [])
    assert validate_tuning(config(4, quorum={"auto_tie_breaker": 1})) == ([], [])
    assert validate_tuning(config(4, quorum={"device": qdevice()})) == ([], [])
    assert validate_tuning(config(3)) == ([], [])


def test_rule_auto_tie_breaker_odd_count():
    warnings = validate_tuning(config(5, quorum={"auto_tie_breaker": 1}))[1]
    assert "switched off" in one(warnings, "quorum.auto_tie_breaker")
    errors = validate_tuning(config(5, quorum={"auto_tie_breaker": 1, "last_man_standing": 1}))[0]
    assert "refuses" in one(errors, "quorum.auto_tie_breaker")


def test_rule_auto_tie_breaker_node():
    errors = validate_tuning(config(4, quorum={"auto_tie_breaker": 1, "auto_tie_breaker_node": "1 9"}))[0]
    assert "9" in one(errors, "quorum.auto_tie_breaker_node")
    assert validate_tuning(config(4, quorum={"auto_tie_breaker": 1, "auto_tie_breaker_node": "4 1"})) == ([], [])


@pytest.mark.parametrize("section,key,hint", [
    ("totem", "tokn", "did you mean token"),
    ("totem", "consensus_timeout", "did you mean consensus"),
    ("quorum", "wait_for_al", "did you mean wait_for_all"),
    ("quorum", "two_nodes", "did you mean two_node"),
])
def test_rule_unknown_keys_in_totem_and_quorum(section, key, hint):
    cfg = config(3)
    cfg[section][key] = 1
    message = one(validate_tuning(cfg)[0], "%s.%s" % (section, key))
    assert "unknown key" in message and hint in message


def test_rule_unknown_keys_without_close_match_list_the_known_ones():
    cfg = config(3)
    cfg["quorum"]["zzz"] = 1
    message = one(validate_tuning(cfg)[0], "quorum.zzz")
    assert "known:" in message and "two_node" in message


def test_rule_unknown_keys_in_qdevice_sections():
    dev = qdevice(timeout=5000)
    dev["modle"] = "net"
    errors = validate_tuning(config(4, quorum={"device": dev}))[0]
    assert "did you mean model" in one(errors, "quorum.device.modle")
    # timeout belongs to quorum.device, not quorum.device.net
    assert "connect_timeout" in one(errors, "quorum.device.net.timeout")
    dev = qdevice()
    dev["heuristics"] = {"mode": "sync", "exec_ping": "/bin/ping -c1 gw", "intervall": 1}
    errors = validate_tuning(config(4, quorum={"device": dev}))[0]
    assert [e for e in errors if "exec_ping" in e] == []
    assert "interval" in one(errors, "quorum.device.heuristics.intervall")


def test_rule_unknown_keys_in_interface_and_obsolete_keys():
    cfg = config(3, {"rrp_mode": "passive", "knet_ping_interval": 500,
                     "interface": [{"linknumber": 0, "ringnumber": 0, "knet_pong_cnt": 2}]})
    errors = validate_tuning(cfg)[0]
    assert "link_mode" in one(errors, "totem.rrp_mode")
    assert "totem.interface" in one(errors, "totem.knet_ping_interval")
    assert "linknumber" in one(errors, "totem.interface[linknumber=0].ringnumber")
    assert "knet_pong_count" in one(errors, "totem.interface[linknumber=0].knet_pong_cnt")


def test_known_keys_of_real_files():
    # Debian's default file knows only corosync's own keys; its loopback address is no cluster's.
    errors = validate_tuning(parse(fixture_text("corosync", "debian-default.corosync.conf")))[0]
    assert errors == ["nodelist.node[nodeid=1].ring0_addr: '127.0.0.1' is a loopback address, which cannot be "
                      "a cluster node's address"]


def test_rule_knet_ping_pair():
    cfg = config(3, {"interface": [{"linknumber": 0, "knet_ping_interval": 500}]})
    assert "pair" in one(validate_tuning(cfg)[1], "totem.interface[linknumber=0].knet_ping_interval")


def test_rule_knet_ping_timeout_not_above_interval():
    cfg = config(3, {"interface": [{"linknumber": 0, "knet_ping_interval": 500, "knet_ping_timeout": 500}]})
    assert "before the next" in one(validate_tuning(cfg)[1], "totem.interface[linknumber=0].knet_ping_timeout")


def test_rule_knet_ping_timeout_above_token_with_two_links():
    cfg = config(3, {"interface": [{"linknumber": 0, "knet_ping_interval": 1000, "knet_ping_timeout": 4000},
                                   {"linknumber": 1, "knet_ping_interval": 1000, "knet_ping_timeout": 1500}]},
                 links=2)
    warnings = validate_tuning(cfg)[1]
    assert "3650" in one(warnings, "totem.interface[linknumber=0].knet_ping_timeout")
    assert [w for w in warnings if "linknumber=1" in w] == []


def test_rule_pinned_on_some_links_only():
    cfg = config(3, {"interface": [{"linknumber": 0, "knet_ping_interval": 900, "knet_ping_timeout": 1800}]},
                 links=2)
    assert "restart" in one(validate_tuning(cfg)[1], "totem.interface")


def test_rule_interface_without_nodelist_link():
    cfg = config(3, {"interface": [{"linknumber": 0}, {"linknumber": 3, "knet_link_priority": 2}]})
    assert "ring3_addr" in one(validate_tuning(cfg)[1], "totem.interface[linknumber=3]")


def test_validate_tuning_survives_broken_structure():
    errors, warnings = validate_tuning(["totem"])
    assert errors and warnings == []
    errors = validate_tuning({"totem": {"token": 1.5}, "nodelist": {"node": nodes(2)}})[0]
    assert any(e.startswith("totem.token") for e in errors)


def test_messages_name_path_value_and_rule():
    cfg = config(3, {"consensus": 1000})
    message = one(validate_tuning(cfg)[0], "totem.consensus")
    assert message.startswith("totem.consensus: '1000' is below")


# --- timing_report -------------------------------------------------------------------------------------

def test_timing_report_matches_the_running_three_node_cluster():
    runtime = cmap("cmapctl.3nodes.txt")
    report = timing_report(parse(fixture_text("corosync", "pcs-0.11.corosync.conf")))
    assert report["nodes"] == 3
    assert report["effective_token_ms"] == int(runtime["runtime.config.totem.token"]) == 3650
    assert report["consensus_ms"] == int(runtime["runtime.config.totem.consensus"]) == 4380
    assert report["knet_ping_interval_ms"] == int(runtime["runtime.config.totem.interface.0.knet_ping_interval"])
    assert report["knet_ping_timeout_ms"] == int(runtime["runtime.config.totem.interface.0.knet_ping_timeout"])
    assert (report["knet_ping_interval_ms"], report["knet_ping_timeout_ms"]) == (912, 1825)
    assert report["detection_ms"] == 8030
    assert (report["effective_token_s"], report["consensus_s"], report["detection_s"]) == (3.65, 4.38, 8.03)
    assert (report["knet_ping_interval_s"], report["knet_ping_timeout_s"]) == (0.912, 1.825)
    assert report["summary"] == "3 nodes: a lost node is declared after about 8.0 s (token 3650 ms + consensus 4380 ms)"
    assert "912 ms" in report["link_summary"] and "1825 ms" in report["link_summary"]


def test_timing_report_two_nodes_and_profiles():
    report = timing_report(config(2))
    assert report["summary"] == "2 nodes: a lost node is declared after about 6.6 s (token 3000 ms + consensus 3600 ms)"
    report = timing_report(config(5, tuned_totem("azure", None, 5)))
    assert (report["effective_token_ms"], report["consensus_ms"], report["detection_ms"]) == (31950, 38340, 70290)
    assert report["consensus_explicit"] is True
    assert report["summary"].startswith("5 nodes: a lost node is declared after about 70.3 s")
    assert (report["knet_ping_interval_ms"], report["knet_ping_timeout_ms"]) == (7987, 15975)


def test_timing_report_per_link_and_pinned():
    totem = tuned_totem("lan", None, 3, links=[{}, {"knet_pong_count": 4}], pin_knet_ping_timers=True)
    report = timing_report(config(3, totem, links=2))
    assert [(lk["linknumber"], lk["knet_ping_interval_ms"], lk["knet_ping_timeout_ms"], lk["pinned"])
            for lk in report["links"]] == [(0, 912, 1825, True), (1, 456, 912, True)]
    unpinned = timing_report(config(3, links=2))
    assert [lk["pinned"] for lk in unpinned["links"]] == [False, False]


def test_timing_report_one_node():
    assert timing_report(config(1))["summary"].startswith("1 node: ")


def test_timing_report_does_not_change_its_input():
    cfg = config(3, tuned_totem("wan", None, 3))
    saved = copy.deepcopy(cfg)
    timing_report(cfg)
    validate_tuning(cfg)
    assert cfg == saved
