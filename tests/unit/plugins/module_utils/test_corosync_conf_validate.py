# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf_validate.py on real captured corosync.conf files."""

from __future__ import annotations

import pytest

from conftest import fixture_text
from corosync_conf_data import desired, three_nodes

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_validate as ccv
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_validate import validate


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

    monkeypatch.setattr(ccv, "RULES", ccv.RULES + [no_short_tokens])
    assert validate(desired())[1] == ["totem.token: '3000' is short for a cloud"]
