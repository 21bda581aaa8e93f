# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_runtime.py: the one reader of corosync-cmapctl, on real captures."""

from __future__ import annotations

import pytest

from conftest import FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_runtime
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import (
    CmapParseError,
    cmap_get,
    configured_timing,
    node_count,
    nodelist_addresses,
    parse_cmapctl,
    parse_refused_packets,
    read_refused_packets,
    read_cmap,
    running_timing,
)

FULL = [("drill", "cmapctl.full.txt"), ("status", "cmapctl.3nodes.txt"), ("document", "cmapctl.healthy.txt"),
        ("document", "cmapctl.degraded.txt")]


def doc(name):
    return fixture_text("document", name)


# --- parse_cmapctl --------------------------------------------------------------------------------------

def test_cmapctl_is_parsed_with_types():
    cmap = parse_cmapctl(doc("cmapctl.healthy.txt"))
    assert cmap["runtime.config.totem.token"] == 3650
    assert cmap["totem.cluster_name"] == "lab"
    assert cmap["nodelist.node.2.ring0_addr"] == "172.31.240.13"
    assert cmap["runtime.members.1.ip"] == "r(0) ip(172.31.240.11)"


def test_cmapctl_garbage_is_refused():
    with pytest.raises(CmapParseError) as e:
        parse_cmapctl(doc("cmapctl.corosync-down.stderr.txt"))
    assert "corosync-cmapctl" in str(e.value) and e.value.tool == "corosync-cmapctl"
    assert parse_cmapctl("") == {}
    assert parse_cmapctl(None) == {}
    assert parse_cmapctl(doc("cmapctl.corosync-down.stdout.txt")) == {}


@pytest.mark.parametrize("where", FULL, ids="/".join)
def test_every_line_of_a_full_capture_is_one_typed_key(where):
    text = fixture_text(*where)
    cmap = parse_cmapctl(text)
    assert len(cmap) == len([line for line in text.splitlines() if line.strip()])
    for line in text.splitlines():
        key, kind = line.split(" ", 2)[:2]
        value = cmap[key]
        if kind in ("(u8)", "(u16)", "(u32)", "(u64)", "(i8)", "(i16)", "(i32)", "(i64)"):
            assert isinstance(value, int) and not isinstance(value, bool), line
        elif kind in ("(flt)", "(dbl)"):
            assert isinstance(value, float), line
        else:
            assert kind == "(str)" and isinstance(value, str) and value == value.strip(), line


def test_the_full_capture_types():
    cmap = parse_cmapctl(fixture_text("drill", "cmapctl.full.txt"))
    assert cmap["resources.system.load_15min.current"] == 0.0  # (dbl) = 0.000000
    assert cmap["runtime.config.totem.knet_compression_level"] == 0  # (i32)
    assert cmap["runtime.services.cfg.service_id"] == 1  # (u16)
    assert cmap["runtime.votequorum.two_node"] == 0  # (u8)
    assert cmap["runtime.members.2.ip"] == "r(0) ip(172.31.235.12)"  # corosync pads it with a space
    assert cmap["totem.cluster_name"] == "lab" and cmap["totem.version"] == 2


def test_single_key_reads():
    assert parse_cmapctl(fixture_text("node", "cmap.token.txt")) == {"runtime.config.totem.token": 3650}
    assert parse_cmapctl(fixture_text("node", "cmap.crypto_cipher.txt")) == {"totem.crypto_cipher": "aes256"}
    assert parse_cmapctl(fixture_text("drill", "cmapctl-g.consensus.txt")) == {"runtime.config.totem.consensus": 4380}


def test_binary_values_as_corosync_cmapctl_prints_them():
    """tools/corosync-cmapctl.c print_key(): `key (bin)` without -b; with -b escaped bytes or *empty*."""
    text = ("a.b (bin)\n"
            "a.c (bin) = ab\\x00\\x7F\\\\z\n"
            "a.d (bin) = *empty*\n"
            "a.e (str) = \n")
    assert parse_cmapctl(text) == {"a.b": None, "a.c": b"ab\x00\x7f\\z", "a.d": b"", "a.e": ""}


# --- read_cmap / cmap_get -----------------------------------------------------------------------------

def test_read_cmap_through_the_command_seam():
    runner = FakeRunner()
    runner.add(["corosync-cmapctl"], stdout=doc("cmapctl.healthy.txt"))
    cmap = read_cmap(runner, ["totem.", "nodelist."])
    assert cmap["totem.cluster_name"] == "lab"
    assert runner.calls[0]["argv"] == ["corosync-cmapctl", "totem.", "nodelist."]


def test_read_cmap_is_none_when_corosync_cannot_be_asked():
    runner = FakeRunner()
    runner.add(["corosync-cmapctl"], rc=1, stdout=doc("cmapctl.corosync-down.stdout.txt"),
               stderr=doc("cmapctl.corosync-down.stderr.txt"))
    assert read_cmap(runner, ["totem."]) is None
    assert read_cmap(FakeRunner()) is None  # not installed
    runner = FakeRunner()
    runner.add(["corosync-cmapctl"], stdout="this is not cmap\n")
    with pytest.raises(CmapParseError):
        read_cmap(runner)


def test_cmap_get_one_key():
    runner = FakeRunner()
    runner.add(["corosync-cmapctl", "-g"], rc=1, stdout=fixture_text("node", "cmap.missing.stdout.txt"),
               stderr=fixture_text("node", "cmap.missing.stderr.txt"))
    runner.add(["corosync-cmapctl", "-g", "runtime.config.totem.token"], stdout=fixture_text("node", "cmap.token.txt"))
    assert cmap_get(runner, "runtime.config.totem.token") == 3650
    assert cmap_get(runner, "totem.nosuch") is None
    assert runner.calls[0]["argv"] == ["corosync-cmapctl", "-g", "runtime.config.totem.token"]


# --- timing of a parsed cmap ---------------------------------------------------------------------------

def test_node_count_and_configured_timing():
    cmap = parse_cmapctl(doc("cmapctl.healthy.txt"))
    assert node_count(cmap) == 3 and node_count({}) == 0 and node_count(None) == 0
    assert configured_timing(cmap)["effective_token"] == 3650
    assert configured_timing(cmap, 2)["effective_token"] == 3000
    assert configured_timing({"totem.token": "5000", "totem.consensus": 7000}, 5)["consensus"] == 7000


def test_running_timing_reads_the_runtime_values():
    assert running_timing(parse_cmapctl(fixture_text("drill", "cmapctl.full.txt"))) == {"token_ms": 3650,
                                                                                        "consensus_ms": 4380}


def test_running_timing_without_runtime_keys_scales_the_configured_token():
    """Would have caught failover_drill_expected.timing() taking totem.token for the effective token on 3 nodes."""
    cmap = dict((k, v) for k, v in parse_cmapctl(fixture_text("drill", "cmapctl.full.txt")).items()
                if not k.startswith("runtime.config.totem."))
    cmap["totem.token"] = 3000
    assert running_timing(cmap) == {"token_ms": 3650, "consensus_ms": 4380}
    cmap["totem.consensus"] = 5000
    assert running_timing(cmap) == {"token_ms": 3650, "consensus_ms": 5000}
    assert running_timing({}) == {"token_ms": None, "consensus_ms": None}


# --- the nodelist and the refused packets ------------------------------------------------------------------

def test_nodelist_addresses_from_a_real_capture():
    cmap = parse_cmapctl(fixture_text("node", "cmap.nodelist.txt"))
    assert nodelist_addresses(cmap) == {"172.31.250.11": "lab-node1", "172.31.250.12": "lab-node2",
                                        "172.31.250.13": "lab-node3"}
    # Two links, and a node without a name (the address stands for it).
    cmap.update({"nodelist.node.0.ring1_addr": "10.9.0.11", "nodelist.node.3.ring0_addr": "172.31.250.14"})
    assert nodelist_addresses(cmap)["10.9.0.11"] == "lab-node1"
    assert nodelist_addresses(cmap)["172.31.250.14"] == "172.31.250.14"
    assert nodelist_addresses(None) == {}


def test_refused_packets_of_a_real_journal():
    """lab-node1's journal (bookworm, libknet 1.25) while lab-node3 ran with another key, and five random UDP
    datagrams from the Docker host."""
    found = parse_refused_packets(fixture_text("node", "journal-corosync-refused.bookworm.txt"))
    assert [(e["address"], e["reason"], e["count"]) for e in found] == [
        ("172.31.250.1", "undecryptable", 5), ("172.31.250.13", "undecryptable", 88)]
    member = found[1]
    assert member["first"] == 1796407305.952763 and member["last"] == 1796407393.95562
    assert (found[0]["first"], found[0]["last"]) == (1796407324.17258, 1796407324.172825)


def test_refused_packets_every_form_libknet_writes():
    text = "\n".join([
        "1796407000.5 n1 corosync[9]:   [KNET  ] rx: Unable to decrypt packet from 10.0.0.3:5405 (size 80)!",
        "1796407002.5 n1 corosync[9]:   [KNET  ] rx: Unable to decrypt packet from 10.0.0.3:5406 (size 80)!",
        "1796407001.0 n1 corosync[9]:   [KNET  ] rx: Packet rejected from 10.0.0.9:5405",
        "1796407003.0 n1 corosync[9]:   [KNET  ] rx: Unable to decrypt packet from unknown host/port (size 12)!",
        "1796407004.0 n1 corosync[9]:   [KNET  ] rx: Unable to decrypt packet from fd00::3:5405 (size 80)!",
        "1796407005.0 n1 corosync[9]:   [KNET  ] nsscrypto: Digest does not match. Check crypto key and configuration.",
        "-- No entries --",
        "[KNET  ] rx: Packet rejected from 10.0.0.9:5405",
    ])
    found = {(e["address"], e["reason"]): e for e in parse_refused_packets(text)}
    assert sorted(found) == [("10.0.0.3", "undecryptable"), ("10.0.0.9", "rejected"),
                             ("fd00::3", "undecryptable"), ("unknown", "undecryptable")]
    # Both links of one host count as that host; a line without a time still counts.
    assert (found[("10.0.0.3", "undecryptable")]["count"], found[("10.0.0.3", "undecryptable")]["first"],
            found[("10.0.0.3", "undecryptable")]["last"]) == (2, 1796407000.5, 1796407002.5)
    assert (found[("10.0.0.9", "rejected")]["count"], found[("10.0.0.9", "rejected")]["last"]) == (2, 1796407001.0)
    assert parse_refused_packets("") == [] and parse_refused_packets("-- No entries --\n") == []


def journal_runner():
    """journalctl --grep as it answers when nothing matched (rc 1)."""
    runner = FakeRunner()
    runner.add(["journalctl"], rc=1, stdout="-- No entries --\n")
    return runner


def test_refused_packets_none_nothing_and_too_many(monkeypatch):
    now = 1796407400.0
    assert read_refused_packets(journal_runner(), 3600, now) == ([], False)
    runner = FakeRunner()
    runner.add(["journalctl"], rc=1, stderr="Failed to open journal: Permission denied\n", stdout="x\n")
    assert read_refused_packets(runner, 3600, now) == (None, False)
    assert read_refused_packets(FakeRunner(), 3600, now) == (None, False)  # no journalctl
    runner = journal_runner()
    line = "1796407300.5 n1 corosync[9]:   [KNET  ] rx: Unable to decrypt packet from 10.0.0.3:5405 (size 80)!\n"
    runner.add(["journalctl"], stdout=line * 3)
    monkeypatch.setattr(corosync_runtime, "REFUSED_PACKETS_MAX_LINES", 3)
    found, truncated = read_refused_packets(runner, 3600, now)
    assert found[0]["count"] == 3 and truncated is True
    since = [c["argv"] for c in runner.calls][-1]
    assert since[since.index("--since") + 1] == "@1796403800"
