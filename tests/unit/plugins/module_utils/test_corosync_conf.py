# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf.py on real captured corosync.conf files."""

from __future__ import annotations

import copy
import random

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf as cc
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import (
    RELOAD,
    RESTART,
    CorosyncConfError,
    classify,
    diff,
    effective_timing,
    is_managed,
    normalize,
    parse,
    render,
    summarize,
    validate,
)


def desired():
    """The brief's example, as the role passes it (YAML yes/on already turned into booleans)."""
    return {
        "totem": {"version": 2, "cluster_name": "prod", "transport": "knet", "crypto_cipher": "aes256",
                  "crypto_hash": "sha256", "token": 3000,
                  "interface": [{"linknumber": 0, "knet_ping_interval": 1000}]},
        "nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "10.0.0.1"},
                              {"name": "n2", "nodeid": 2, "ring0_addr": "10.0.0.2"}]},
        "quorum": {"provider": "corosync_votequorum", "two_node": 1},
        "logging": {"to_syslog": True, "to_logfile": True, "logfile": "/var/log/corosync/corosync.log",
                    "timestamp": True, "logger_subsys": [{"subsys": "QUORUM", "debug": False}]},
        "system": {"move_to_root_cgroup": False},
    }


def three_nodes():
    cfg = desired()
    cfg["nodelist"]["node"].append({"name": "n3", "nodeid": 3, "ring0_addr": "10.0.0.3"})
    del cfg["quorum"]["two_node"]
    return cfg


def paths(changes):
    return [c["path"] for c in changes]


def by_path(changes):
    return dict((c["path"], c) for c in changes)


# --- parse ----------------------------------------------------------------------------------------

def test_parse_debian_default_with_comments_and_subsection():
    conf = parse(fixture_text("corosync", "debian-default.corosync.conf"))
    assert conf["totem"] == {"version": "2", "cluster_name": "debian", "crypto_cipher": "none",
                             "crypto_hash": "none"}
    # commented-out keys (#timestamp, #ring1_addr) are not there
    assert "timestamp" not in conf["logging"]
    assert conf["logging"]["logger_subsys"] == [{"subsys": "QUORUM", "debug": "off"}]
    assert conf["logging"]["to_stderr"] == "yes"
    assert conf["quorum"] == {"provider": "corosync_votequorum"}
    assert conf["nodelist"] == {"node": [{"name": "node1", "nodeid": "1", "ring0_addr": "127.0.0.1"}]}


def test_parse_pcs_three_nodes():
    conf = parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))
    assert conf["totem"]["cluster_uuid"] == "10e93af1337744eea650f5e48d3407b2"
    assert [n["nodeid"] for n in conf["nodelist"]["node"]] == ["1", "2", "3"]
    assert conf["nodelist"]["node"][1] == {"ring0_addr": "172.31.250.12", "name": "lab-node2", "nodeid": "2"}
    assert conf["logging"]["timestamp"] == "on"


def test_parse_always_lists_even_for_one_item():
    conf = parse("totem {\n interface {\n linknumber: 0\n }\n}\nnodelist {\n node {\n nodeid: 1\n }\n}\n")
    assert conf["totem"]["interface"] == [{"linknumber": "0"}]
    assert conf["nodelist"]["node"] == [{"nodeid": "1"}]


def test_parse_repeated_keys_and_sections_become_lists():
    conf = parse("a {\n k: 1\n k: 2\n s {\n x: 1\n }\n s {\n x: 2\n }\n}\n")
    assert conf == {"a": {"k": ["1", "2"], "s": [{"x": "1"}, {"x": "2"}]}}


def test_parse_value_keeps_colons_and_no_trailing_comments():
    conf = parse("nodelist {\n\tnode {\n\t\tring0_addr:  fd00::1  \n\t\tname: a # not a comment\n\t}\n}\n")
    node = conf["nodelist"]["node"][0]
    assert node["ring0_addr"] == "fd00::1"
    assert node["name"] == "a # not a comment"


def test_parse_crlf_and_missing_final_newline():
    assert parse("totem {\r\n version: 2\r\n}") == {"totem": {"version": "2"}}


def test_parse_empty_section_and_empty_value():
    assert parse("quorum {\n}\nlogging {\n logfile:\n}\n") == {"quorum": {}, "logging": {"logfile": ""}}


@pytest.mark.parametrize("text,line,problem", [
    ("totem {\n version: 2\n}\nlogging { to_syslog: yes\n}\n", 4, "Extra characters after opening bracket '{'"),
    ("totem {\n}\n}\n", 3, "Unexpected closing brace"),
    ("totem {\n version: 2\n\n", 3, "Missing closing brace"),  # corosync names the last line
    ("totem {\n version 2\n}\n", 2, "Line is not opening or closing section or key value"),
    ("totem {\n : 2\n}\n", 2, "Empty key"),
    ("{\n}\n", 1, "Missing section name"),
    ("totem {\n } x\n}\n", 2, "Extra characters before or after closing bracket '}'"),
    ("totem {\n k: " + "x" * 600 + "\n}\n", 2, "Line too long"),
    ("totem {\n k: 1\n k {\n }\n}\n", 3, "both"),
])
def test_parse_errors_name_the_line(text, line, problem):
    with pytest.raises(CorosyncConfError) as e:
        parse(text, source="/etc/corosync/corosync.conf")
    assert e.value.line == line
    assert problem in e.value.problem
    assert str(e.value).startswith("parser error: /etc/corosync/corosync.conf:%d: " % line)


def test_parse_missing_brace_names_the_open_section():
    with pytest.raises(CorosyncConfError) as e:
        parse("totem {\n interface {\n linknumber: 0\n}\n")
    assert "totem' opened at line 1" in str(e.value)


# --- render / normalize ---------------------------------------------------------------------------

EXPECTED = """\
# Managed by clusterops.ha (corosync_config module): local edits are replaced on the next run. See corosync.conf(5).

totem {
    version: 2
    cluster_name: prod
    transport: knet
    crypto_cipher: aes256
    crypto_hash: sha256
    token: 3000
    interface {
        linknumber: 0
        knet_ping_interval: 1000
    }
}

nodelist {
    node {
        name: n1
        nodeid: 1
        ring0_addr: 10.0.0.1
    }

    node {
        name: n2
        nodeid: 2
        ring0_addr: 10.0.0.2
    }
}

quorum {
    provider: corosync_votequorum
    two_node: 1
}

logging {
    logfile: /var/log/corosync/corosync.log
    timestamp: on
    to_logfile: yes
    to_syslog: yes
    logger_subsys {
        subsys: QUORUM
        debug: off
    }
}

system {
    move_to_root_cgroup: no
}
"""


def test_render_canonical_text():
    assert render(desired()) == EXPECTED


def _shuffled(value, rng):
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return dict((k, _shuffled(v, rng)) for k, v in items)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        items = [_shuffled(v, rng) for v in value]
        rng.shuffle(items)
        return items
    return value


def test_render_is_independent_of_input_order():
    rng = random.Random(7)
    cfg = three_nodes()
    cfg["nodelist"]["node"][0]["ring1_addr"] = "192.168.0.1"
    cfg["nodelist"]["node"][1]["ring1_addr"] = "192.168.0.2"
    cfg["nodelist"]["node"][2]["ring1_addr"] = "192.168.0.3"
    cfg["totem"]["interface"].append({"linknumber": 1, "knet_link_priority": 2})
    cfg["logging"]["logger_subsys"].append({"subsys": "KNET", "debug": True})
    reference = render(cfg)
    for dummy in range(20):
        assert render(_shuffled(copy.deepcopy(cfg), rng)) == reference


def test_render_orders_nodes_links_and_subsys():
    cfg = three_nodes()
    cfg["nodelist"]["node"] = [
        {"ring1_addr": "b", "nodeid": 10, "name": "n10", "ring0_addr": "a", "quorum_votes": 1},
        {"nodeid": 2, "name": "n2", "ring0_addr": "c", "ring1_addr": "d"},
    ]
    cfg["totem"]["interface"] = [{"linknumber": 1}, {"linknumber": 0}]
    cfg["logging"]["logger_subsys"] = [{"subsys": "QUORUM"}, {"subsys": "KNET"}]
    text = render(cfg)
    assert text.index("name: n2") < text.index("name: n10")  # numeric, not text, order
    node10 = text[text.index("name: n10"):]
    assert node10.index("nodeid") < node10.index("ring0_addr") < node10.index("ring1_addr") \
        < node10.index("quorum_votes")
    assert text.index("linknumber: 0") < text.index("linknumber: 1")
    assert text.index("subsys: KNET") < text.index("subsys: QUORUM")
    assert text.index("\nsystem {") > text.index("\nlogging {") > text.index("\nquorum {") \
        > text.index("\nnodelist {") > text.index("\ntotem {")


def test_render_other_sections_alphabetically_after_known_ones():
    cfg = desired()
    cfg["uidgid"] = {"uid": "hacluster"}
    cfg["nozzle"] = {"name": "noz0"}
    text = render(cfg)
    assert text.index("\nsystem {") < text.index("\nnozzle {") < text.index("\nuidgid {")


def test_render_header_indent_and_trailing_newline():
    text = render(desired())
    assert text.splitlines()[0].startswith("# ")
    assert "clusterops.ha" in text.splitlines()[0] and "replaced" in text.splitlines()[0]
    assert is_managed(text)
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert "\n    version: 2\n" in text and "\t" not in text


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


def test_bool_rendering_in_files():
    text = render(desired())
    assert "two_node: 1" in text
    assert "to_syslog: yes" in text
    assert "move_to_root_cgroup: no" in text
    assert "timestamp: on" in text


@pytest.mark.parametrize("fixture", ["debian-default.corosync.conf", "pcs-0.11.corosync.conf"])
def test_round_trip_fixtures(fixture):
    conf = parse(fixture_text("corosync", fixture))
    assert parse(render(conf)) == normalize(conf)
    assert render(parse(render(conf))) == render(conf)


def test_round_trip_desired():
    assert parse(render(desired())) == normalize(desired())


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


def test_render_refuses_values_corosync_cannot_read():
    with pytest.raises(CorosyncConfError):
        render({"totem": {"cluster_name": "a{b"}})
    with pytest.raises(CorosyncConfError):
        render({"totem": {"cluster name": "a"}})
    with pytest.raises(CorosyncConfError):
        render({"totem": {"cluster_name": "a\nb"}})


def test_is_managed():
    assert not is_managed(fixture_text("corosync", "debian-default.corosync.conf"))
    assert not is_managed(fixture_text("corosync", "pcs-0.11.corosync.conf"))
    assert not is_managed("")


# --- diff and classification ----------------------------------------------------------------------

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


@pytest.mark.parametrize("path,action", [
    ("totem.version", RESTART), ("totem.threads", RESTART), ("totem.ip_version", RESTART),
    ("totem.netmtu", RESTART), ("totem.transport", RESTART), ("totem.cluster_name", RESTART),
    ("totem.link_mode", RESTART), ("totem.consensus", RELOAD), ("totem.join", RELOAD),
    ("totem.token_coefficient", RELOAD), ("totem.max_messages", RELOAD), ("totem.knet_mtu", RELOAD),
    ("totem.crypto_cipher", RELOAD), ("totem.crypto_hash", RELOAD), ("totem.something_new", RESTART),
    ("quorum.provider", RESTART), ("quorum.two_node", RELOAD), ("quorum.expected_votes", RELOAD),
    ("quorum.wait_for_all", RESTART), ("quorum.last_man_standing", RESTART),
    ("quorum.last_man_standing_window", RESTART), ("quorum.auto_tie_breaker", RESTART),
    ("quorum.allow_downscale", RESTART), ("quorum.device.votes", RELOAD),
    ("system.move_to_root_cgroup", RESTART), ("system.sched_rr", RESTART),
    ("logging.to_syslog", RELOAD), ("logging.logger_subsys.debug", RELOAD),
    ("nodelist.node.quorum_votes", RELOAD), ("uidgid.uid", RESTART),
])
def test_classification_table(path, action):
    assert classify(tuple(path.split(".")))[0] == action


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


# --- validate -------------------------------------------------------------------------------------

def test_validate_good_configs():
    assert validate(desired()) == ([], [])
    assert validate(three_nodes()) == ([], [])
    errors, warnings = validate(parse(fixture_text("corosync", "pcs-0.11.corosync.conf")))
    assert errors == [] and warnings == []


def _errors(mutate, base=desired):
    cfg = base()
    mutate(cfg)
    return validate(cfg)[0]


def _one(errors, field):
    hits = [e for e in errors if e.startswith(field + ":")]
    assert hits, "no error for %s in %r" % (field, errors)
    return hits[0]


@pytest.mark.parametrize("mutate,field,fragment", [
    (lambda c: c.update(extra="x"), "extra", "top level must hold sections"),
    (lambda c: c.pop("nodelist"), "nodelist.node", "at least one node"),
    (lambda c: c["nodelist"].update(node=[]), "nodelist.node", "at least one node"),
    (lambda c: c["nodelist"]["node"][0].pop("nodeid"), "nodelist.node[name=n1].nodeid", "required"),
    (lambda c: c["nodelist"]["node"][0].pop("name"), "nodelist.node[nodeid=1].name", "required"),
    (lambda c: c["nodelist"]["node"][0].pop("ring0_addr"), "nodelist.node[nodeid=1].ring0_addr", "required"),
    (lambda c: c["nodelist"]["node"][0].update(nodeid=0), "nodelist.node[nodeid=0].nodeid", "positive integer"),
    (lambda c: c["nodelist"]["node"][0].update(nodeid="x"), "nodelist.node[nodeid=x].nodeid", "positive integer"),
    (lambda c: c["nodelist"]["node"][0].update(nodeid=70000), "nodelist.node[nodeid=70000].nodeid", "65536"),
    (lambda c: c["nodelist"]["node"][1].update(nodeid=1), "nodelist.node[nodeid=1].nodeid", "unique"),
    (lambda c: c["nodelist"]["node"][1].update(name="n1"), "nodelist.node[nodeid=2].name", "unique"),
    (lambda c: c["nodelist"]["node"][1].update(ring0_addr="10.0.0.1"), "nodelist.node[nodeid=2].ring0_addr",
     "unique"),
    (lambda c: c["nodelist"]["node"][1].update(ring1_addr="10.1.0.2"), "nodelist.node[nodeid=2]",
     "same links"),
    (lambda c: [n.update(ring8_addr="10.8.0.%d" % n["nodeid"]) for n in c["nodelist"]["node"]],
     "nodelist.node[nodeid=1].ring8_addr", "at most 8 links"),
    (lambda c: c["totem"].update(transport="tcp"), "totem.transport", "one of knet, udp, udpu"),
    (lambda c: c["totem"].update(crypto_cipher="aes512"), "totem.crypto_cipher", "one of none, aes256"),
    (lambda c: c["totem"].update(crypto_hash="sha3"), "totem.crypto_hash", "one of none, md5"),
    (lambda c: c["totem"].update(crypto_hash="none"), "totem.crypto_hash", "must not be none"),
    (lambda c: c["totem"].update(transport="udpu"), "totem.crypto_cipher", "needs transport knet"),
    (lambda c: c["totem"].update(link_mode="fast"), "totem.link_mode", "one of passive, active, rr"),
    (lambda c: c["totem"].update(version=3), "totem.version", "one of 2"),
    (lambda c: c["totem"].update(token=-1), "totem.token", "non-negative integer"),
    (lambda c: c["totem"].update(consensus="3.6s"), "totem.consensus", "non-negative integer"),
    (lambda c: c["totem"].update(token_coefficient=True), "totem.token_coefficient", "non-negative integer"),
    (lambda c: c["totem"].update(join=1.5), "totem.join", "not a float"),
    (lambda c: c["totem"]["interface"][0].update(knet_ping_timeout="soon"),
     "totem.interface[linknumber=0].knet_ping_timeout", "non-negative integer"),
    (lambda c: c["totem"]["interface"][0].update(knet_link_priority=300),
     "totem.interface[linknumber=0].knet_link_priority", "0 to 255"),
    (lambda c: c["totem"]["interface"][0].update(linknumber=8), "totem.interface[linknumber=8].linknumber",
     "0 to 7"),
    (lambda c: c["quorum"].update(provider="corosync_qdevice"), "quorum.provider", "corosync_votequorum"),
    (lambda c: c["quorum"].update(wait_for_all=2), "quorum.wait_for_all", "one of 0, 1"),
    (lambda c: c["quorum"].update(auto_tie_breaker=1), "quorum.auto_tie_breaker", "not compatible with two_node"),
    (lambda c: c["totem"].update(cluster_name="a{b"), "totem.cluster_name", "'{'"),
    (lambda c: c["totem"].update(cluster_name="a\nb"), "totem.cluster_name", "single line"),
    (lambda c: c["totem"].update({"bad key": 1}), "totem.bad key", "not a valid corosync name"),
    (lambda c: c["totem"].update(token_list=[1, {"a": 1}]), "totem.token_list", "not a mix"),
])
def test_validate_rules_name_the_field(mutate, field, fragment):
    message = _one(_errors(mutate), field)
    assert fragment in message


def test_validate_two_node_needs_two_nodes():
    cfg = three_nodes()
    cfg["quorum"]["two_node"] = True
    message = _one(validate(cfg)[0], "quorum.two_node")
    assert "exactly 2 nodes (there are 3)" in message


def test_validate_udp_single_link():
    cfg = desired()
    cfg["totem"].update(transport="udpu", crypto_cipher="none", crypto_hash="none")
    assert validate(cfg)[0] == []
    for n in cfg["nodelist"]["node"]:
        n["ring1_addr"] = "10.1.0.%d" % n["nodeid"]
    assert "single link" in _one(validate(cfg)[0], "totem.transport")


def test_validate_strings_of_digits_accepted():
    cfg = desired()
    cfg["totem"].update(token="5000", consensus="6000")
    cfg["nodelist"]["node"][0]["nodeid"] = "1"
    assert validate(cfg) == ([], [])


def test_validate_top_level_must_be_mapping():
    errors = validate(["totem"])[0]
    assert errors and errors[0].startswith("config:")


def test_validate_reports_all_errors_at_once():
    cfg = desired()
    cfg["totem"]["transport"] = "tcp"
    cfg["quorum"]["wait_for_all"] = 5
    errors = validate(cfg)[0]
    assert len(errors) == 2


def test_validate_warnings():
    warnings = validate(parse(fixture_text("corosync", "debian-default.corosync.conf")))[1]
    assert warnings == ["totem.crypto_cipher: 'none' cluster traffic is not encrypted"]
    cfg = desired()
    del cfg["quorum"]
    assert validate(cfg) == ([], ["quorum.provider: is not set: the cluster has no quorum"])


def test_validate_table_is_extensible(monkeypatch):
    def no_short_tokens(norm, f):
        if int(norm["totem"].get("token", "3000")) < 5000:
            f.warn("totem.token", norm["totem"].get("token", "3000"), "is short for a cloud")

    monkeypatch.setattr(cc, "RULES", cc.RULES + [no_short_tokens])
    assert validate(desired())[1] == ["totem.token: '3000' is short for a cloud"]


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
