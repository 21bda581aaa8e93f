# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the booth role's filters (plugins/filter/booth.py): the configuration with the sites'
constraints, where each host of the play belongs, the authfile's plan and `booth list`."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import fixture_text

from ansible.errors import AnsibleFilterError
from ansible_collections.clusterops.ha.plugins.module_utils import booth
from ansible_collections.clusterops.ha.plugins.filter.booth import (
    FilterModule,
    booth_conf,
    booth_config,
    booth_firewall_rules,
    booth_hosts,
    booth_key_plan,
    booth_list,
)

CONFIG = {"sites": [{"cluster": "site-a", "address": "172.31.244.100", "cidr_netmask": 24},
                    {"cluster": "site-b", "address": "172.31.244.200", "cidr_netmask": 24}],
          "arbitrators": [{"host": "geo-arb", "address": "172.31.244.10"}],
          "port": 9929, "maxtimeskew": 600,
          "tickets": [{"name": "geo-web", "expire": 30, "timeout": 2, "retries": 3, "grant_to": "site-a"}]}
HOSTS = ["geo-a1", "geo-a2", "geo-b1", "geo-b2", "geo-arb"]


def hostvars(**tickets):
    """hostvars of the geo lab's play: two nodes per site and the arbitrator; tickets: {host: cluster_tickets}."""
    hv = {"geo-a1": {"cluster_name": "site-a"}, "geo-a2": {"cluster_name": "site-a"},
          "geo-b1": {"cluster_name": "site-b"}, "geo-b2": {"cluster_name": "site-b"}, "geo-arb": {}}
    for host, constraints in tickets.items():
        hv[host.replace("_", "-")]["cluster_tickets"] = constraints
    return hv


def test_the_filters_are_registered():
    filters = FilterModule().filters()
    for name, fn in (("booth_conf", booth_conf), ("booth_config", booth_config), ("booth_hosts", booth_hosts),
                     ("booth_key_plan", booth_key_plan), ("booth_list", booth_list)):
        assert filters[name] is fn


# --------------------------------------------------------------------------------------------------
# booth_config


def test_booth_config_completes_a_good_configuration():
    result = booth_config(CONFIG, HOSTS, hostvars(geo_a1=[{"id": "web-needs-ticket", "ticket": "geo-web",
                                                           "resource": "web"}]))
    assert result["tickets"][0]["acquire_after"] == 0 and result["tickets"][0]["mode"] == "automatic"
    assert booth_conf(result) == fixture_text("booth", "booth.conf")
    assert booth_config(CONFIG, errors=True) == []


def test_booth_config_names_a_ticket_a_site_constraint_uses_but_booth_does_not_define():
    hv = hostvars(geo_a1=[{"id": "db-needs-ticket", "ticket": "geo-db", "resource": "db"},
                          {"id": "web-needs-ticket", "ticket": "geo-web", "resource": "web"}],
                  geo_a2=[{"id": "db-needs-ticket", "ticket": "geo-db", "resource": "db"}],
                  geo_b1=[{"resource": "mq", "ticket": "geo-mq"},
                          {"id": "old", "ticket": "geo-old", "state": "absent"},
                          "not a constraint", {"id": "no-ticket"}])
    assert booth_config(CONFIG, HOSTS, hv, errors=True) == [
        "booth_tickets: the ticket 'geo-db' is used by cluster site-a's constraint db-needs-ticket but booth_tickets "
        "does not define it, so booth would never grant it (define it, or drop the constraint)",
        "booth_tickets: the ticket 'geo-mq' is used by cluster site-b's constraint mq but booth_tickets does not "
        "define it, so booth would never grant it (define it, or drop the constraint)"]
    # Without hostvars the constraints are not looked at.
    assert booth_config(CONFIG, HOSTS, errors=True) == []


def test_booth_config_raises_every_message_at_once():
    bad = copy.deepcopy(CONFIG)
    bad["arbitrators"].append({"host": "geo-arb2", "address": "172.31.244.11"})
    bad["tickets"][0]["retries"] = 2
    with pytest.raises(AnsibleFilterError) as e:
        booth_config(bad)
    msg = str(e.value)
    assert "booth_arbitrators: 4 members (2 sites, 2 arbitrator(s)) is an even number" in msg
    assert "; booth_tickets[0].retries: 2 is not" in msg
    with pytest.raises(AnsibleFilterError, match="the ticket 'geo-db' is used by cluster site-b's constraint c"):
        booth_config(CONFIG, HOSTS, hostvars(geo_b2=[{"id": "c", "ticket": "geo-db"}]))


# --------------------------------------------------------------------------------------------------
# booth_hosts


def test_booth_hosts_places_every_host():
    assert booth_hosts(HOSTS, hostvars(), CONFIG) == {
        "arbitrators": ["geo-arb"],
        "site_nodes": ["geo-a1", "geo-a2", "geo-b1", "geo-b2"],
        "sites": {"site-a": ["geo-a1", "geo-a2"], "site-b": ["geo-b1", "geo-b2"]},
        "place": {"site-a": 1, "site-b": 2}, "client": "geo-arb"}
    assert booth_hosts(HOSTS, hostvars(), CONFIG, errors=True) == []
    # Without an arbitrator, booth's commands run on the first site node.
    assert booth_hosts(HOSTS[:4], hostvars(), dict(CONFIG, arbitrators=[]))["client"] == "geo-a1"


def test_booth_hosts_place_follows_the_order_of_the_sites():
    config = dict(CONFIG, sites=list(reversed(CONFIG["sites"])))
    assert booth_hosts(HOSTS, hostvars(), config)["place"] == {"site-b": 1, "site-a": 2}


def test_booth_hosts_names_a_host_that_is_neither():
    hv = hostvars()
    hv["geo-c1"] = {"cluster_name": "site-c"}
    assert booth_hosts(HOSTS + ["geo-c1"], hv, CONFIG, errors=True) == [
        "geo-c1 is in the play but is neither an arbitrator (booth_arbitrators[].host) nor a node of a site (its "
        "cluster_name site-c is not one of booth_sites[].cluster: site-a, site-b)"]


def test_booth_hosts_refuses_an_arbitrator_that_is_a_site_node():
    config = dict(CONFIG, arbitrators=[{"host": "geo-b2", "address": "172.31.244.10"}])
    hosts = ["geo-a1", "geo-a2", "geo-b1", "geo-b2"]
    assert booth_hosts(hosts, hostvars(), config, errors=True) == [
        "booth_arbitrators: geo-b2 is a node of the site site-b; an arbitrator must be outside every site's cluster"]
    with pytest.raises(AnsibleFilterError, match="geo-b2 is a node of the site site-b"):
        booth_hosts(hosts, hostvars(), config)


def test_booth_hosts_names_an_arbitrator_outside_the_play_and_a_site_without_a_node():
    hosts = ["geo-a1", "geo-a2"]
    assert booth_hosts(hosts, hostvars(), CONFIG, errors=True) == [
        "booth_arbitrators[0].host: 'geo-arb' is not a host of this play",
        "booth_sites: the site site-b has no node in this play (no host has cluster_name site-b)"]
    with pytest.raises(AnsibleFilterError) as e:
        booth_hosts(hosts, hostvars(), CONFIG)
    assert str(e.value) == ("booth_arbitrators[0].host: 'geo-arb' is not a host of this play; booth_sites: the site "
                            "site-b has no node in this play (no host has cluster_name site-b)")


def test_booth_hosts_lists_problems_even_when_a_site_has_no_cluster():
    """The role's validation calls booth_hosts(errors=true) on the raw input, next to booth_config(errors=true), to
    show every message at once: a site without its cluster (booth_config names it) must not make booth_hosts
    fail on a host without cluster_name."""
    config = copy.deepcopy(CONFIG)
    del config["sites"][0]["cluster"]
    hv = hostvars()
    hv["stray"] = {}
    problems = booth_hosts(HOSTS + ["stray"], hv, config, errors=True)
    assert any(p.startswith("stray is in the play but is neither an arbitrator") for p in problems), problems


# --------------------------------------------------------------------------------------------------
# booth_key_plan


def test_booth_key_plan_generates_on_the_first_host_when_no_host_has_a_key():
    assert booth_key_plan(HOSTS, dict((h, None) for h in HOSTS)) == {
        "source": "geo-a1", "generate": True, "targets": ["geo-a2", "geo-b1", "geo-b2", "geo-arb"], "restart": []}


def test_booth_key_plan_keeps_the_majority_key():
    checksums = {"geo-a1": "k", "geo-a2": "k", "geo-b1": "odd", "geo-b2": "k", "geo-arb": "k"}
    assert booth_key_plan(HOSTS, checksums) == {"source": "geo-a1", "generate": False, "targets": ["geo-b1"],
                                                "restart": []}
    # A host without a key gets the one the others hold.
    checksums = {"geo-a1": None, "geo-a2": "k", "geo-b1": "k", "geo-b2": "k", "geo-arb": "k"}
    assert booth_key_plan(HOSTS, checksums) == {"source": "geo-a2", "generate": False, "targets": ["geo-a1"],
                                                "restart": []}
    # The hosts may come as any iterable (a Jinja list or generator).
    assert booth_key_plan(iter(["x", "y", "z"]), {"x": "a", "y": "b", "z": "b"})["targets"] == ["x"]


def test_booth_key_plan_refuses_a_tie_and_tells_to_stop_booth():
    checksums = {"geo-a1": "k1", "geo-a2": "k1", "geo-b1": "k2", "geo-b2": "k2", "geo-arb": None}
    with pytest.raises(AnsibleFilterError) as e:
        booth_key_plan(HOSTS, checksums)
    msg = str(e.value)
    assert "key 1 on geo-a1, geo-a2; key 2 on geo-b1, geo-b2" in msg
    assert "stop booth there first" in msg and "pacemaker" not in msg


# --------------------------------------------------------------------------------------------------
# booth_list


def test_booth_list_reads_booth_list():
    granted = booth_list(fixture_text("booth", "list-1.0-granted.txt"))
    assert granted["tickets"]["geo-web"]["leader"] == "172.31.244.100"
    assert booth_list(fixture_text("booth", "list-1.0-revoked.txt"))["tickets"]["geo-web"]["leader"] is None


def test_booth_list_turns_a_booth_error_into_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="booth list: a line this parser does not know: 'connect: refused'"):
        booth_list("connect: refused\n")


# --------------------------------------------------------------------------------------------------
# booth_firewall_rules (the facts: `setup gather_subset=min,network` on geo-a1 of the geo scenario, while it held
# the site's booth address 172.31.244.100 as a secondary address of eth1)

FACTS_A1 = json.loads(fixture_text("booth", "facts-network-geo-a1.json"))


def _facts(eth0, eth1):
    """Another host's facts: geo-a1's, with other primary addresses and no secondary one."""
    facts = copy.deepcopy(FACTS_A1)
    facts["eth0"]["ipv4"]["address"], facts["eth1"]["ipv4"]["address"] = eth0, eth1
    facts["eth1"].pop("ipv4_secondaries", None)
    return facts


def test_primary_ipv4_leaves_out_loopback_and_the_addresses_pacemaker_moves():
    assert "172.31.244.100" in FACTS_A1["all_ipv4_addresses"]
    assert sorted(booth.primary_ipv4(FACTS_A1)) == ["172.31.242.11", "172.31.244.11"]
    assert booth.primary_ipv4({}) == []
    assert booth.primary_ipv4({"interfaces": ["br-x", "lo"], "br_x": {"ipv4": {"address": "10.0.0.1"}}}) == ["10.0.0.1"]


def test_firewall_sources_are_the_members_then_the_hosts_then_the_extra_ones_each_once():
    config = booth_config(CONFIG)
    got = booth.firewall_sources(config, {"geo-b1": ["172.31.244.21"], "geo-a1": ["172.31.244.11", "172.31.244.100"]},
                                 ["10.9.0.0/24", "172.31.244.21"])
    assert got == ["172.31.244.100", "172.31.244.200", "172.31.244.10", "172.31.244.11", "172.31.244.21",
                   "10.9.0.0/24"]


def test_booth_firewall_rules_open_the_port_to_the_play_and_nobody_else():
    hv = hostvars()
    hv["geo-a1"]["ansible_facts"] = FACTS_A1
    hv["geo-a2"]["ansible_facts"] = _facts("172.31.242.12", "172.31.244.12")
    hv["geo-b1"]["ansible_facts"] = _facts("172.31.241.21", "172.31.244.21")
    hv["geo-b2"]["ansible_facts"] = _facts("172.31.241.22", "172.31.244.22")
    hv["geo-arb"]["ansible_facts"] = _facts("172.31.244.10", "172.31.244.10")
    text = booth_firewall_rules(HOSTS, hv, booth_config(CONFIG), ["192.0.2.7"])
    flat = " ".join(text.split())
    assert "table inet clusterops_booth {" in flat
    # Every primary address of the play (the arbitrator's 172.31.244.10 and geo-a1's .11 merged into one interval),
    # the members' booth addresses and the extra source; never a node's secondary address alone.
    assert ("elements = { 172.31.241.21, 172.31.241.22, 172.31.242.11, 172.31.242.12, 172.31.244.10/31, "
            "172.31.244.12, 172.31.244.21, 172.31.244.22, 172.31.244.100, 172.31.244.200, 192.0.2.7 }") in flat, flat
    assert "udp dport 9929 counter drop" in flat and "tcp dport 9929 counter drop" in flat
    # The same rules whichever node holds the site's address: no churn when a resource moves.
    hv["geo-a1"]["ansible_facts"] = _facts("172.31.242.11", "172.31.244.11")
    assert booth_firewall_rules(HOSTS, hv, booth_config(CONFIG), ["192.0.2.7"]) == text
    assert FilterModule().filters()["booth_firewall_rules"] is booth_firewall_rules


def test_booth_firewall_rules_refuse_a_bad_source_and_a_host_without_network_facts():
    hv = hostvars()
    for host in HOSTS:
        hv[host]["ansible_facts"] = _facts("10.0.0.1", "10.0.1.1")
    with pytest.raises(AnsibleFilterError, match=r"booth_firewall_sources\[1\]: 'admin' is not an IP address"):
        booth_firewall_rules(HOSTS, hv, booth_config(CONFIG), ["10.9.0.1", "admin"])
    hv["geo-arb"]["ansible_facts"] = {}
    with pytest.raises(AnsibleFilterError, match="geo-arb has no network facts"):
        booth_firewall_rules(HOSTS, hv, booth_config(CONFIG))
