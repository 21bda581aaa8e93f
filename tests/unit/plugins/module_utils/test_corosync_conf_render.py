# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf_render.py on real captured corosync.conf files."""

from __future__ import annotations

import copy
import random

import pytest

from conftest import fixture_text
from corosync_conf_data import desired, three_nodes

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import CorosyncConfError, normalize
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_render import is_managed, render


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
