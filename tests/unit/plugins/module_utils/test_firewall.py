# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/firewall.py: the nft rules computed from a corosync.conf (pcs 0.11 wrote the fixture)."""

from __future__ import annotations

import pytest
from conftest import FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf_parse, firewall
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import (
    FirewallError, knet_ports, peers, qnetd_ruleset, ruleset)

PCS = corosync_conf_parse.parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))
TWO_LINKS = {"totem": {"interface": [{"linknumber": 0}, {"linknumber": 1, "mcastport": 5420}]},
             "nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "10.0.0.1", "ring1_addr": "fd00::1"},
                                   {"name": "n2", "nodeid": 2, "ring0_addr": "10.0.0.2", "ring1_addr": "fd00::2"}]}}


def test_ports_follow_the_links_in_use():
    assert knet_ports(PCS) == {0: 5405}
    assert knet_ports(TWO_LINKS) == {0: 5405, 1: 5420}
    # Link 1 without its own mcastport: 5405 + 1, the port the usual firewalld service forgets.
    del TWO_LINKS["totem"]["interface"][1]["mcastport"]
    try:
        assert knet_ports(TWO_LINKS) == {0: 5405, 1: 5406}
    finally:
        TWO_LINKS["totem"]["interface"][1]["mcastport"] = 5420


def test_peers_are_every_ring_address_by_family():
    v4, v6 = peers(TWO_LINKS)
    assert [str(a) for a in v4] == ["10.0.0.1", "10.0.0.2"] and [str(a) for a in v6] == ["fd00::1", "fd00::2"]
    assert [str(a) for a in peers(PCS)[0]] == ["172.31.250.11", "172.31.250.12", "172.31.250.13"]


def test_a_host_name_in_the_nodelist_is_refused():
    config = {"nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "n1.example.com"}]}}
    with pytest.raises(FirewallError, match=r"nodelist.node\[n1\].ring0_addr: 'n1.example.com' is not an IP address"):
        ruleset(config)


def test_the_ruleset_drops_only_the_cluster_ports_from_elsewhere():
    text = ruleset(PCS)
    # One table of its own, replaced in one transaction.
    assert text.splitlines()[3:6] == ["table inet clusterops", "delete table inet clusterops", "table inet clusterops {"]
    assert "policy accept;" in text and "priority filter - 10" in text
    assert "elements = { 172.31.250.11, 172.31.250.12, 172.31.250.13 }" in text
    assert "udp dport 5405 ip saddr @nodes4 accept" in text
    assert 'udp dport 5405 counter drop comment "corosync knet from elsewhere"' in text
    assert 'tcp dport 2224 counter drop comment "pcsd from elsewhere"' in text
    # Nothing else is filtered: every rule names a cluster port or the loopback.
    rules = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(("udp", "tcp", "ip", "iif"))]
    assert all(r.startswith(("udp dport 5405 ", "tcp dport 2224 ", 'iifname "lo"')) for r in rules), rules


def test_pcsd_sources_are_merged_with_the_nodes_without_overlaps():
    text = ruleset(PCS, ["172.31.250.0/24", "192.168.1.7", "2001:db8::/64"])
    # nft refuses overlapping intervals: the nodes inside the /24 are folded into it.
    assert "elements = { 172.31.250.0/24, 192.168.1.7 }" in text
    assert "elements = { 2001:db8::/64 }" in text
    assert text.count("flags interval") == 2


def test_without_pcsd_only_knet_is_filtered_and_two_links_share_one_rule():
    text = ruleset(TWO_LINKS, pcsd=False)
    assert "2224" not in text and "pcsd" not in text
    assert "udp dport { 5405, 5420 } ip6 saddr @nodes6 accept" in text


def test_a_bad_source_is_refused_with_its_field():
    with pytest.raises(FirewallError, match=r"cluster_firewall_pcsd_sources\[1\]: 'ten.0.0.0/8' is not an IP address"):
        ruleset(PCS, ["10.0.0.0/8", "ten.0.0.0/8"])


WEB = {"name": "web", "port": [8080, "9100-9101"], "sources": ["192.0.2.0/24", "2001:db8::7"]}


def test_a_service_is_open_to_the_nodes_and_its_sources_and_dropped_from_elsewhere():
    text = ruleset(PCS, services=[WEB, {"name": "dns", "port": 53, "protocol": "udp", "sources": []}])
    flat = " ".join(text.split())
    # The nodes and the sources, folded as nft wants them (no overlapping intervals).
    assert "set svc0_4 { type ipv4_addr flags interval elements = { 172.31.250.11, 172.31.250.12/31, 192.0.2.0/24 } }" in flat
    assert "set svc0_6 { type ipv6_addr elements = { 2001:db8::7 } }" in flat
    assert "tcp dport { 8080, 9100-9101 } ip saddr @svc0_4 accept" in text
    assert 'tcp dport { 8080, 9100-9101 } counter drop comment "service web from elsewhere"' in text
    # Sources [] : the nodes only; one port without braces.
    assert "set svc1_4 { type ipv4_addr flags interval elements = { 172.31.250.11, 172.31.250.12/31 } }" in flat
    assert 'udp dport 53 counter drop comment "service dns from elsewhere"' in text
    # The cluster's own rules come first and are unchanged.
    assert text.index("corosync knet from elsewhere") < text.index("pcsd from elsewhere") < text.index("service web")
    assert ruleset(PCS, services=[]) == ruleset(PCS)


def test_the_drop_counter_of_a_service_is_read_back_by_its_label():
    got = firewall.parse_table('tcp dport 8080 counter packets 3 bytes 180 drop comment "service web from elsewhere"')
    assert got == {"drops": [{"rule": "service web from elsewhere", "packets": 3}]}


@pytest.mark.parametrize("services, needle", [
    ([{"name": "pg", "port": 5432, "sources": []}, {"name": "pg", "port": 5433, "sources": []}],
     r"cluster_firewall_services\[1\]\.name: 'pg' is named twice"),
    ([{"name": "k", "port": "5400-5410", "protocol": "udp", "sources": []}],
     r"cluster_firewall_services\[0\]\.port: 5400-5410/udp holds corosync's knet port \(5405\)"),
    ([{"name": "p", "port": [80, 2224], "sources": []}], r"\[0\]\.port: 2224/tcp holds pcsd's port"),
    ([{"name": "w", "port": 80, "sources": ["10.0.0.0/33"]}], r"\[0\]\.sources\[0\]: '10.0.0.0/33' is not an IP"),
    ("web", r"cluster_firewall_services: 'web' is not a list"),
])
def test_a_service_the_table_cannot_guard_is_refused_naming_its_field(services, needle):
    with pytest.raises(FirewallError, match=needle):
        ruleset(PCS, services=services)


def test_a_service_on_udp_2224_or_tcp_5405_is_no_clash_and_without_pcsd_2224_is_free():
    text = ruleset(PCS, services=[{"name": "a", "port": 2224, "protocol": "udp", "sources": []},
                                  {"name": "b", "port": 5405, "sources": []}])
    assert "udp dport 2224 counter drop" in text and "tcp dport 5405 counter drop" in text
    assert "tcp dport 2224 counter drop" in ruleset(PCS, pcsd=False, services=[{"name": "c", "port": 2224, "sources": []}])


def test_every_message_about_the_services_comes_at_once():
    with pytest.raises(FirewallError) as e:
        ruleset(PCS, services=[{"name": "A", "port": 1, "sources": []}, {"name": "b", "port": 0, "sources": []},
                               {"name": "c", "port": 5405, "protocol": "udp", "sources": []}])
    assert str(e.value).count("; ") == 2, str(e.value)


def test_the_qnetd_table_lets_only_the_sources_reach_corosync_qnetd():
    text = qnetd_ruleset(["172.31.247.12", "172.31.247.11", "10.1.0.0/16", "10.1.2.3", "fd00::/64"])
    flat = " ".join(text.split())
    assert "Managed by the clusterops.ha qnetd role (qnetd_firewall_enabled)" in text
    assert "delete table inet clusterops table inet clusterops {" in flat
    # sorted, merged (10.1.2.3 is inside 10.1.0.0/16), single addresses without a prefix
    assert "set clients4 { type ipv4_addr flags interval elements = { 10.1.0.0/16, 172.31.247.11, 172.31.247.12 } }" \
        in flat
    assert "set clients6 { type ipv6_addr flags interval elements = { fd00::/64 } }" in flat
    assert "tcp dport 5403 ip saddr @clients4 accept tcp dport 5403 ip6 saddr @clients6 accept " \
           "tcp dport 5403 counter drop comment \"corosync-qnetd from elsewhere\"" in flat
    assert "udp" not in flat and "2224" not in flat
    assert "tcp dport 5500 " in qnetd_ruleset(["10.0.0.1"], "5500")


@pytest.mark.parametrize("sources, port, needle", [
    ([], 5403, "qnetd_firewall_sources: no address or network"),
    (["10.0.0.1", "qd-node1"], 5403, r"qnetd_firewall_sources\[1\]: 'qd-node1' is not an IP address or network"),
    (["10.0.0.1"], 70000, r"qnetd_port: 70000 is not a port \(an integer from 1 to 65535\)"),
])
def test_the_qnetd_table_refuses_what_it_cannot_filter(sources, port, needle):
    with pytest.raises(FirewallError, match=needle):
        qnetd_ruleset(sources, port)


def test_qnetd_errors_gives_every_message_at_once():
    """The one place of these messages: the qnetd role's preflight shows this list, the ruleset refuses with it."""
    assert firewall.qnetd_errors(["10.0.0.1", "fd00::/64"], 5403) == []
    assert firewall.qnetd_errors([], "5403", enabled=False) == []
    errors = firewall.qnetd_errors(["10.0.0.1", "qd-node1", "10.0.0.0/33"], 0)
    assert [e.split(":")[0] for e in errors] == ["qnetd_firewall_sources[1]", "qnetd_firewall_sources[2]", "qnetd_port"]
    assert firewall.qnetd_errors([], 5403) == [
        "qnetd_firewall_sources: no address or network; list the addresses the cluster nodes reach corosync-qnetd "
        "from, or qnetd_firewall_enabled: false"]
    assert firewall.qnetd_errors("10.0.0.1", 5403) == [
        "qnetd_firewall_sources: '10.0.0.1' is not a list of addresses or networks",
        "qnetd_firewall_sources: no address or network; list the addresses the cluster nodes reach corosync-qnetd "
        "from, or qnetd_firewall_enabled: false"]
    with pytest.raises(FirewallError) as e:
        qnetd_ruleset(["qd-node1"], "x")
    assert str(e.value) == "; ".join(firewall.qnetd_errors(["qd-node1"], "x"))


def test_parse_table_reads_each_drop_rules_counter():
    text = fixture_text("node", "nft-list-table.clusterops.bookworm.txt")
    assert firewall.parse_table(text) == {"drops": [{"rule": "corosync knet from elsewhere", "packets": 3},
                                                    {"rule": "pcsd from elsewhere", "packets": 2}]}
    assert firewall.parse_table("") == {"drops": []}


def test_read_table_when_nft_is_missing(tmp_path):
    rules = tmp_path / "firewall.nft"
    rules.write_text("")
    got = firewall.read_table(FakeRunner(), str(rules))
    assert got["managed"] is True and got["loaded"] is False and "nft" in got["error"]


def test_the_booth_table_is_a_table_of_its_own_for_udp_and_tcp():
    """booth's table: UDP between the members, TCP for its clients, both to the members only; its own table, so the
    cluster role's table (inet clusterops) is never replaced by the booth role's, or the other way round."""
    text = firewall.booth_ruleset(["172.31.244.100", "172.31.244.10", "172.31.244.21", "10.9.0.0/24", "fd00::7"])
    flat = " ".join(text.split())
    assert "table inet clusterops_booth delete table inet clusterops_booth table inet clusterops_booth {" in flat
    assert "table inet clusterops " not in flat + " "
    assert "set members4 { type ipv4_addr flags interval elements = { 10.9.0.0/24, 172.31.244.10, " \
           "172.31.244.21, 172.31.244.100 } }" in flat
    assert "set members6 { type ipv6_addr elements = { fd00::7 } }" in flat
    assert "udp dport 9929 ip saddr @members4 accept udp dport 9929 ip6 saddr @members6 accept " \
           "udp dport 9929 counter drop comment \"booth from elsewhere\"" in flat
    assert "tcp dport 9929 ip saddr @members4 accept tcp dport 9929 ip6 saddr @members6 accept " \
           "tcp dport 9929 counter drop comment \"booth client from elsewhere\"" in flat
    assert "5405" not in flat and "2224" not in flat and "5403" not in flat
    assert "udp dport 9930 " in firewall.booth_ruleset(["10.0.0.1"], 9930)


def test_booth_errors_name_the_booth_fields():
    assert firewall.booth_errors(["10.0.0.1"], 9929) == []
    assert firewall.booth_errors([], 9929, enabled=False) == []
    assert firewall.booth_errors(["site-a", "10.0.0.0/33"], 0) == [
        "booth_firewall_sources[0]: 'site-a' is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/24)",
        "booth_firewall_sources[1]: '10.0.0.0/33' is not an IP address or network (such as 10.0.0.5 or 10.0.0.0/24)",
        "booth_port: 0 is not a port (an integer from 1 to 65535)"]
    assert firewall.booth_errors([], 9929) == [
        "booth_firewall_sources: no address or network; list the addresses booth's members and clients reach it "
        "from, or booth_firewall_enabled: false"]
    with pytest.raises(FirewallError, match=r"booth_firewall_sources\[0\]"):
        firewall.booth_ruleset(["site-a"])


def test_each_firewall_has_its_table_and_rules_file():
    """One naming rule; the common role's vars (roles/common/vars/main.yml) follow it."""
    assert firewall.table_name() == "clusterops" and firewall.rules_file() == firewall.RULES_FILE
    assert firewall.table_name("booth") == "clusterops_booth"
    assert firewall.rules_file("booth") == "/etc/clusterops/firewall-booth.nft"
