# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/booth.py: the geo cluster's booth configuration judged and written, and `booth list`
read (fixtures/booth/ were captured on the geo lab, booth 1.0)."""

from __future__ import annotations

import copy
import os
import re

import pytest

from conftest import FIXTURES, FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import booth
from ansible_collections.clusterops.ha.plugins.module_utils.booth import (
    BoothError, check, failover_bound, normalize, parse_list, render, renewal)

SITES = [{"cluster": "site-a", "address": "172.31.244.100", "cidr_netmask": 24},
         {"cluster": "site-b", "address": "172.31.244.200", "cidr_netmask": 24}]
ARBS = [{"host": "geo-arb", "address": "172.31.244.10"}]
MEMBERS = "172.31.244.100, 172.31.244.200, 172.31.244.10"
# The configuration the geo lab ran with: render() of it is fixtures/booth/booth.conf.
LAB = {"sites": SITES, "arbitrators": ARBS, "port": 9929, "maxtimeskew": 600,
       "tickets": [{"name": "geo-web", "expire": 30, "timeout": 2, "retries": 3, "grant_to": "site-a"}]}


def config(**changes):
    """The lab's configuration (a deep copy) with some top-level keys replaced."""
    c = copy.deepcopy(LAB)
    c.update(copy.deepcopy(changes))
    return c


def with_ticket(**fields):
    """The lab's configuration with one ticket "t" (boothd's defaults unless given)."""
    t = {"name": "t"}
    t.update(fields)
    return config(tickets=[t])


# --------------------------------------------------------------------------------------------------
# check(): a good configuration


def test_a_good_configuration_is_normalized_with_the_defaults_filled_in():
    result, errors = check(config(tickets=[{"name": "geo-web"}, {"name": "geo-db", "mode": "Manual",
                                                                 "grant_to": "site-b"}]))
    assert errors == []
    assert result["sites"] == [
        {"cluster": "site-a", "address": "172.31.244.100", "cidr_netmask": 24, "nic": ""},
        {"cluster": "site-b", "address": "172.31.244.200", "cidr_netmask": 24, "nic": ""}]
    assert result["arbitrators"] == [{"host": "geo-arb", "address": "172.31.244.10"}]
    assert (result["port"], result["maxtimeskew"]) == (9929, 600)
    assert result["tickets"][0] == {
        "name": "geo-web", "expire": 600, "acquire_after": 0, "timeout": 5, "retries": 10, "renewal_freq": None,
        "mode": "automatic", "weights": [], "before_acquire_handler": "", "grant_to": ""}
    assert result["tickets"][1]["mode"] == "manual" and result["tickets"][1]["grant_to"] == "site-b"
    assert booth.DEFAULTS == {"expire": 600, "acquire_after": 0, "timeout": 5, "retries": 10}


def test_port_and_maxtimeskew_default_and_no_tickets_is_fine():
    result, errors = check({"sites": SITES, "arbitrators": ARBS})
    assert errors == []
    assert (result["port"], result["maxtimeskew"], result["tickets"]) == (booth.PORT, booth.MAXTIMESKEW, [])


def test_used_tickets_that_booth_defines_are_fine():
    __, errors = check(LAB, {"geo-web": ["cluster site-a's constraint c1"]})
    assert errors == []


def test_a_ticket_with_everything_set_is_kept():
    result, errors = check(with_ticket(expire=600, acquire_after=60, timeout=10, retries=5, renewal_freq=120,
                                       weights=[0, 10, 20], mode="automatic", grant_to="site-a",
                                       before_acquire_handler="/usr/share/booth/service-runnable db"))
    assert errors == []
    assert result["tickets"] == [{"name": "t", "expire": 600, "acquire_after": 60, "timeout": 10, "retries": 5,
                                  "renewal_freq": 120, "weights": [0, 10, 20], "mode": "automatic",
                                  "before_acquire_handler": "/usr/share/booth/service-runnable db",
                                  "grant_to": "site-a"}]


# --------------------------------------------------------------------------------------------------
# check(): every error names its field

_ONE_SITE = [SITES[0]]
_SITE_EXTRA = [dict(SITES[0], vip="x"), SITES[1]]
_SITE_HOSTNAME = [SITES[0], dict(SITES[1], address="site-b.example.com")]
_SAME_CLUSTER = [SITES[0], dict(SITES[1], cluster="site-a")]
_TWO_ARBS = ARBS + [{"host": "geo-arb2", "address": "172.31.244.11"}]


@pytest.mark.parametrize("conf, expected", [
    pytest.param(config(sites=_ONE_SITE), [
        ("booth_sites", "is not a list of at least two sites"),
        ("booth_arbitrators", "booth needs at least three members and has 2 (1 site(s), 1 arbitrator(s))")],
        id="one-site"),
    pytest.param(config(sites=None, tickets=[]), [
        ("booth_sites", "None is not a list of at least two sites"),
        ("booth_arbitrators", "booth needs at least three members and has 1 (0 site(s), 1 arbitrator(s))")],
        id="no-sites"),
    pytest.param(config(sites=SITES + ["site-c"], arbitrators=_TWO_ARBS),
                 [("booth_sites[2]", "'site-c' is not a mapping (cluster, address)")], id="site-not-a-mapping"),
    pytest.param(config(sites=_SITE_EXTRA), [("booth_sites[0].vip", "unknown option (allowed: address, cidr_netmask, cluster, nic)")], id="site-unknown-key"),
    pytest.param(with_ticket(expires=60), [("booth_tickets[0].expires", "unknown option (allowed: name, expire,")],
                 id="ticket-unknown-key"),
    pytest.param(config(sites=_SITE_HOSTNAME), [("booth_sites[1].address", "'site-b.example.com' is not an IP address (a site")],
                 id="site-host-name"),
    pytest.param(config(arbitrators=[{"host": "geo-arb", "address": "geo-arb.example.com"}]),
                 [("booth_arbitrators[0].address", "'geo-arb.example.com' is not an IP address")],
                 id="arbitrator-host-name"),
    pytest.param(config(arbitrators=[{"host": "geo-arb", "address": "172.31.244.100"}]),
                 [("booth_arbitrators[0].address", "172.31.244.100 is also site site-a's address")],
                 id="arbitrator-address-of-a-site"),
    pytest.param(config(sites=[SITES[0], dict(SITES[1], address="172.31.244.100")]),
                 [("booth_sites[1].address", "172.31.244.100 is also site site-a's address")],
                 id="two-sites-one-address"),
    pytest.param(config(sites=_SAME_CLUSTER), [("booth_sites[1].cluster", "'site-a' is a second site")], id="two-sites-one-cluster"),
    pytest.param(config(arbitrators=[]), [("booth_arbitrators", "booth needs at least three members and has 2")],
                 id="two-members"),
    pytest.param(config(arbitrators=_TWO_ARBS), [("booth_arbitrators", "4 members (2 sites, 2 arbitrator(s))")], id="four-members"),
    pytest.param(with_ticket(retries=2), [("booth_tickets[0].retries", "2 is not")], id="retries-2"),
    pytest.param(with_ticket(retries=101), [("booth_tickets[0].retries", "101 is not")], id="retries-101"),
    pytest.param(with_ticket(timeout=5, retries=10, renewal_freq=50),
                 [("booth_tickets[0] (t)", "timeout x (retries + 1) = 5 x 11 = 55 s is not below the renewal period "
                                           "(renewal_freq = 50 s)")], id="retry-time-over-renewal-freq"),
    pytest.param(with_ticket(expire=100, timeout=5, retries=10),
                 [("booth_tickets[0] (t)", "timeout x (retries + 1) = 5 x 11 = 55 s is not below the renewal period "
                                           "(expire / 2 = 50 s)")], id="retry-time-over-half-expire"),
    pytest.param(with_ticket(expire=110, timeout=5, retries=10),
                 [("booth_tickets[0] (t)", "= 55 s is not below the renewal period (expire / 2 = 55 s)")],
                 id="retry-time-equal-to-half-expire"),
    pytest.param(with_ticket(expire=600, renewal_freq=600),
                 [("booth_tickets[0] (t)", "renewal_freq 600 is not below expire 600")],
                 id="renewal-freq-not-below-expire"),
    pytest.param(with_ticket(weights=[1, 2]), [("booth_tickets[0].weights", "2 weight(s) for 3 members; give one per "
                                                                            "member, in this order: " + MEMBERS)],
                 id="weights-short"),
    pytest.param(with_ticket(weights="1,2,3"), [("booth_tickets[0].weights", "'1,2,3' is not a list of integers, one "
                                                                             "per member (%s)" % MEMBERS)],
                 id="weights-not-a-list"),
    pytest.param(with_ticket(weights=[1, "x", 3]), [("booth_tickets[0].weights[1]", "'x' is not")],
                 id="weights-not-integers"),
    pytest.param(with_ticket(before_acquire_handler="service-runnable db"),
                 [("booth_tickets[0].before_acquire_handler", "'service-runnable db' is not a program")], id="handler-relative"),
    pytest.param(with_ticket(grant_to="site-c"), [("booth_tickets[0].grant_to", "'site-c' is not a site (the sites are")],
                 id="grant-to-not-a-site"),
    pytest.param(with_ticket(mode="sometimes"), [("booth_tickets[0].mode", "'sometimes' is not one of")], id="mode"),
    pytest.param(with_ticket(name="__defaults__"), [("booth_tickets[0].name", "'__defaults__' is not a ticket name")],
                 id="ticket-named-defaults"),
    pytest.param(with_ticket(name="t" * 64),
                 [("booth_tickets[0].name", "is not a ticket name (at most 63 characters")],
                 id="ticket-name-too-long"),
    pytest.param(config(tickets=[{"name": "geo-web"}, {"name": "geo-web", "expire": 900}]),
                 [("booth_tickets[1].name", "'geo-web' is defined twice")], id="ticket-twice"),
    pytest.param(config(tickets=["geo-web"]), [("booth_tickets[0]", "'geo-web' is not a mapping")],
                 id="ticket-not-a-mapping"),
    pytest.param(config(tickets="geo-web"), [("booth_tickets", "'geo-web' is not a list of tickets")],
                 id="tickets-not-a-list"),
    pytest.param(config(port=0), [("booth_port", "0 is not a port")], id="port"),
    pytest.param(config(maxtimeskew=0), [("booth_maxtimeskew", "0 is not")], id="maxtimeskew"),
])
def test_every_error_names_its_field(conf, expected):
    __, errors = check(conf)
    assert len(errors) == len(expected), errors
    for message, (field, needle) in zip(errors, expected):
        assert message.startswith(field + ": ") and needle in message, (message, field, needle)


def test_a_ticket_a_constraint_uses_but_booth_does_not_define_is_named_with_where_it_is_used():
    used = {"geo-db": ["cluster site-b's constraint db-needs-ticket", "cluster site-a's constraint db-needs-ticket"],
            "geo-web": ["cluster site-a's constraint web-needs-ticket"]}
    __, errors = check(LAB, used)
    assert errors == [
        "booth_tickets: the ticket 'geo-db' is used by cluster site-a's constraint db-needs-ticket, cluster site-b's "
        "constraint db-needs-ticket but booth_tickets does not define it, so booth would never grant it (define it, "
        "or drop the constraint)"]


def test_a_used_ticket_that_is_defined_but_wrong_is_not_reported_twice():
    __, errors = check(with_ticket(retries=2), {"t": ["cluster site-a's constraint c1"]})
    assert len(errors) == 1 and errors[0].startswith("booth_tickets[0].retries: ")


def test_every_problem_comes_back_at_once():
    conf = {"sites": [SITES[0], dict(SITES[1], cluster="site-a"), {"cluster": "site-c", "address": "site-c.example"}],
            "arbitrators": [{"host": "geo-arb", "address": "172.31.244.100"}],
            "port": "udp",
            "tickets": [{"name": "geo-web", "retries": 2, "colour": "red"},
                        {"name": "geo-db", "weights": "1,2", "grant_to": "site-z"},
                        {"name": "geo-fs", "expire": 600, "renewal_freq": 900},
                        {"name": "geo-fs"}]}
    __, errors = check(conf, {"geo-mq": ["cluster site-a's constraint mq"]})
    fields = [e.split(": ", 1)[0] for e in errors]
    assert fields == [
        "booth_sites[1].cluster",
        "booth_sites[2].address",
        "booth_arbitrators[0].address",
        "booth_arbitrators",
        "booth_port",
        "booth_tickets[0].colour",
        "booth_tickets[0].retries",
        "booth_tickets[1].weights",
        "booth_tickets[1].grant_to",
        "booth_tickets[2] (geo-fs)",
        "booth_tickets[3].name",
        "booth_tickets",
    ], errors
    assert "4 members (3 sites, 1 arbitrator(s)) is an even number" in errors[3]
    assert "'geo-mq' is used by cluster site-a's constraint mq" in errors[-1]


def test_normalize_raises_with_every_message():
    assert normalize(LAB)["tickets"][0]["name"] == "geo-web"
    conf = config(arbitrators=_TWO_ARBS, tickets=[{"name": "t", "retries": 101}])
    messages = check(conf)[1]
    assert len(messages) == 2
    with pytest.raises(BoothError) as e:
        normalize(conf)
    assert str(e.value) == "; ".join(messages)
    with pytest.raises(BoothError, match=r"the ticket 'x' is used by here"):
        normalize(LAB, {"x": ["here"]})


# --------------------------------------------------------------------------------------------------
# render()


def test_render_is_the_lab_booth_conf_byte_for_byte():
    with open(os.path.join(FIXTURES, "booth", "booth.conf"), "rb") as f:
        captured = f.read()
    assert render(normalize(LAB)).encode("utf-8") == captured


def test_render_writes_the_optional_ticket_settings_only_when_set():
    text = render(normalize(with_ticket(expire=600, renewal_freq=120, weights=[0, 10, 20], mode="manual",
                                        before_acquire_handler="/usr/share/booth/service-runnable db")))
    assert text.endswith('\nticket = "t"\n    expire = 600\n    acquire-after = 0\n    timeout = 5\n    retries = 10\n'
                         "    renewal-freq = 120\n    weights = 0,10,20\n"
                         "    before-acquire-handler = /usr/share/booth/service-runnable db\n    mode = manual\n")
    plain = render(normalize(with_ticket()))
    for word in ("renewal-freq", "weights", "before-acquire-handler", "mode"):
        assert word not in plain
    # grant_to is the role's business (booth client grant), not booth.conf's.
    assert "grant" not in render(normalize(LAB))


def test_render_names_an_arbitrator_only_when_it_has_a_host():
    text = render(normalize(config(arbitrators=[{"address": "172.31.244.10"}])))
    assert "# the arbitrator" not in text and 'arbitrator = "172.31.244.10"' in text


# --------------------------------------------------------------------------------------------------
# renewal() and failover_bound()


def test_renewal_is_renewal_freq_or_half_of_expire():
    assert renewal({"expire": 30, "renewal_freq": None}) == 15
    assert renewal({"expire": 31, "renewal_freq": ""}) == 15.5
    assert renewal({"expire": 600, "renewal_freq": 120}) == 120


def test_failover_bound():
    lab = normalize(LAB)["tickets"][0]
    assert failover_bound(lab) == 30 + 0 + 2 * (3 + 1)
    assert failover_bound({"expire": 600, "acquire_after": 60, "timeout": 5, "retries": 10,
                           "mode": "automatic"}) == 600 + 60 + 5 * 11
    assert failover_bound(dict(lab, mode="manual")) is None


# --------------------------------------------------------------------------------------------------
# parse_list()


def test_parse_list_of_booth_1_0_granted_and_revoked():
    assert parse_list(fixture_text("booth", "list-1.0-granted.txt")) == {
        "tickets": {"geo-web": {"leader": "172.31.244.100", "expires": "2026-12-06 19:34:41", "manual": False}},
        "multiple_grants": {}}
    # booth 1.0 prints a ticket granted nowhere with leader "none", in lower case.
    assert parse_list(fixture_text("booth", "list-1.0-revoked.txt")) == {
        "tickets": {"geo-web": {"leader": None, "expires": None, "manual": False}}, "multiple_grants": {}}


def test_parse_list_of_booth_1_2_manual_tickets():
    text = ("ticket: t1, leader: 10.0.0.1, expires: 2026-12-06 19:34:41 [manual mode]\n"
            "ticket: t2, leader: NONE [manual mode]\n"
            "ticket: t3, leader: 10.0.0.2, expires: INF [manual mode]\n")
    assert parse_list(text)["tickets"] == {
        "t1": {"leader": "10.0.0.1", "expires": "2026-12-06 19:34:41", "manual": True},
        "t2": {"leader": None, "expires": None, "manual": True},
        "t3": {"leader": "10.0.0.2", "expires": "INF", "manual": True}}


def test_parse_list_with_a_commit_pending():
    text = "ticket: t1, leader: 10.0.0.1, expires: 2026-12-06 19:34:41 (commit pending until 2026-12-06 19:35:00)\n"
    assert parse_list(text)["tickets"] == {
        "t1": {"leader": "10.0.0.1", "expires": "2026-12-06 19:34:41", "manual": False}}


def test_parse_list_of_an_ipv6_leader():
    assert parse_list("ticket: t1, leader: fd00::1, expires: 2026-12-06 19:34:41\n")["tickets"]["t1"]["leader"] \
        == "fd00::1"


def test_parse_list_reports_a_ticket_granted_to_several_sites():
    text = ("ticket: t1, leader: 10.0.0.1, expires: INF [manual mode]\n"
            "\nWARNING: The ticket t1 is granted to multiple sites: 10.0.0.1, 10.0.0.2.")
    result = parse_list(text)
    assert result["multiple_grants"] == {"t1": ["10.0.0.1", "10.0.0.2"]}
    assert result["tickets"]["t1"]["leader"] == "10.0.0.1"


def test_parse_list_reports_the_sites_of_booth_1_2_warning_with_its_advice():
    """booth 1.1, 1.2 and later (src/ticket.c, list_ticket) end the warning with ". Revoke the ticket from the
    faulty sites.\\n": the sites are the addresses only."""
    text = ("ticket: t1, leader: 10.0.0.1, expires: INF [manual mode]\n"
            "\nWARNING: The ticket t1 is granted to multiple sites: 10.0.0.1, 10.0.0.2. "
            "Revoke the ticket from the faulty sites.\n")
    assert parse_list(text)["multiple_grants"] == {"t1": ["10.0.0.1", "10.0.0.2"]}


def test_parse_list_of_nothing_is_empty():
    assert parse_list("") == {"tickets": {}, "multiple_grants": {}}
    assert parse_list(None) == {"tickets": {}, "multiple_grants": {}}


@pytest.mark.parametrize("line", [
    "ticket geo-web is granted",
    "ticket: geo-web, leader: 10.0.0.1, expires: tomorrow",
    "Connection refused",
])
def test_parse_list_refuses_a_line_it_does_not_know(line):
    with pytest.raises(BoothError, match=re.escape("booth list: a line this parser does not know: %r" % line)):
        parse_list("ticket: t1, leader: none\n%s\n" % line)


# ---------------------------------------------------------------------------------------------
# every member's view, the switchover's plan, the rotation's order (booth list -s <member>, real captures)

GRANTED = fixture_text("booth", "list-1.0-granted.txt")  # leader 172.31.244.100 (site-a)
REVOKED = fixture_text("booth", "list-1.0-revoked.txt")  # leader none
PLACED = {"arbitrators": ["geo-arb"], "site_nodes": ["geo-a1", "geo-a2", "geo-b1", "geo-b2"],
          "sites": {"site-a": ["geo-a1", "geo-a2"], "site-b": ["geo-b1", "geo-b2"]}}


def views(a=GRANTED, b=GRANTED, arb=GRANTED):
    out = {}
    for address, text in (("172.31.244.100", a), ("172.31.244.200", b), ("172.31.244.10", arb)):
        out[address] = {"rc": 1, "stdout": ""} if text is None else {"rc": 0, "stdout": text}
    return out


def normalized():
    return booth.normalize(LAB)


def test_agreement_of_every_member():
    got = booth.agreement(normalized(), views())
    assert got == {"leaders": {"geo-web": "172.31.244.100"},
                   "answered": ["172.31.244.100", "172.31.244.200", "172.31.244.10"], "problems": []}


def test_agreement_names_a_silent_member_and_members_that_disagree():
    got = booth.agreement(normalized(), views(b=None, arb=REVOKED))
    assert got["leaders"] == {}
    assert "booth at 172.31.244.200 does not answer booth list" in got["problems"]
    assert ("booth's members disagree on who holds geo-web: 172.31.244.10 says none; 172.31.244.100 says "
            "172.31.244.100") in got["problems"]


def test_switchover_plan_from_site_a_to_site_b():
    plan = booth.switchover_plan(normalized(), "geo-web", "site-b", views(), PLACED)
    assert plan["problems"] == []
    assert (plan["holder"], plan["holder_address"], plan["holder_node"]) == ("site-a", "172.31.244.100", "geo-a1")
    assert (plan["target_address"], plan["target_node"], plan["client"]) == ("172.31.244.200", "geo-b1", "geo-arb")


def test_switchover_plan_of_a_ticket_granted_nowhere_and_a_target_whose_booth_is_down():
    plan = booth.switchover_plan(normalized(), "geo-web", "site-b", views(a=REVOKED, b=None, arb=REVOKED), PLACED)
    assert plan["holder"] == "" and plan["holder_address"] == ""
    assert plan["problems"] == ["booth at the site site-b (172.31.244.200) does not answer booth list"]


def test_restart_order_puts_the_holders_last():
    order = booth.restart_order(normalized(), {"geo-web": "172.31.244.100"})
    assert [(m["kind"], m["name"]) for m in order] == [("arbitrator", "geo-arb"), ("site", "site-b"), ("site", "site-a")]
    order = booth.restart_order(normalized(), {"geo-web": "172.31.244.200"})
    assert [m["name"] for m in order] == ["geo-arb", "site-a", "site-b"]
    assert [m["name"] for m in booth.restart_order(normalized(), {"geo-web": None})] == ["geo-arb", "site-a", "site-b"]


def test_restart_order_keeps_only_the_members_asked_for_in_the_same_order():
    """A configuration change restarts the members whose files changed while booth ran (the booth role's restart
    phase), by their addresses."""
    leaders = {"geo-web": "172.31.244.100"}
    order = booth.restart_order(normalized(), leaders, only=["172.31.244.100", "172.31.244.10"])
    assert [m["name"] for m in order] == ["geo-arb", "site-a"]
    assert booth.restart_order(normalized(), leaders, only=[]) == []
    assert booth.restart_order(normalized(), leaders, only=None) == booth.restart_order(normalized(), leaders)


# --------------------------------------------------------------------------------------------------
# parse_refusals / read_refusals (journalctl -t boothd-site -t boothd-arbitrator -o short-unix, captured in the geo
# scenario: during the key rotation, a booth list run with a wrong key, and junk from a host that is no member)


def test_parse_refusals_counts_each_refusal_once_per_sender_and_reason():
    """boothd logs each refusal twice ("<from>: failed ..." and "<from> failed ..."): only the first form counts."""
    assert booth.parse_refusals(fixture_text("booth", "journal-refused.site-member.txt")) == [
        {"source": "172.31.244.10", "reason": "authentication", "count": 1, "first": 1796598980.090487,
         "last": 1796598980.090487},
        {"source": "172.31.244.100", "reason": "authentication", "count": 1, "first": 1796598982.988985,
         "last": 1796598982.988985}]
    got = booth.parse_refusals(fixture_text("booth", "journal-refused.arbitrator.txt"))
    assert [(e["source"], e["reason"], e["count"]) for e in got] == [
        ("172.31.244.12", "stranger", 1), ("172.31.244.200", "authentication", 4), ("client", "authentication", 2)]
    assert booth.parse_refusals("") == [] and booth.parse_refusals("-- No entries --") == []


def test_parse_refusals_reads_booths_timestamp_refusals():
    # boothd's own format strings (the lab's containers share one clock, so none was captured).
    text = ("1796599050.5 geo-b1 boothd-site[1305]: [1305]: ERROR: 172.31.244.10: packet timestamp older than 600 seconds\n"
            "1796599051.5 geo-b1 boothd-site[1305]: [1305]: ERROR: 172.31.244.10: packet timestamp older than 600 seconds\n"
            "1796599052.5 geo-b1 boothd-site[1305]: [1305]: ERROR: 172.31.244.200: packet timestamp older than previous one\n")
    assert booth.parse_refusals(text) == [
        {"source": "172.31.244.10", "reason": "timestamp", "count": 2, "first": 1796599050.5, "last": 1796599051.5,
         "maxtimeskew": 600},
        {"source": "172.31.244.200", "reason": "replay", "count": 1, "first": 1796599052.5, "last": 1796599052.5}]


def test_read_refusals_asks_the_journal_for_booths_own_lines_in_the_window():
    runner = FakeRunner()
    runner.add(["journalctl"], stdout=fixture_text("booth", "journal-refused.site-client.txt"))
    got, truncated = booth.read_refusals(runner, 3600, 1796599100)
    assert got == [{"source": "client", "reason": "authentication", "count": 3, "first": 1796598992.154874,
                    "last": 1796599027.301927}] and truncated is False
    argv = runner.calls[0]["argv"]
    assert argv[:5] == ["journalctl", "-t", "boothd-site", "-t", "boothd-arbitrator"]
    assert argv[argv.index("--since") + 1] == "@1796595500" and argv[-1] == booth.REFUSALS_GREP


@pytest.mark.parametrize("rc, out, expected", [
    (1, "", ([], False)),                     # nothing matched (or booth never ran here)
    (1, "-- No entries --\n", ([], False)),
    (1, "Failed to open journal\n", (None, False)),
    (2, "", (None, False)),
])
def test_read_refusals_tells_none_from_unreadable(rc, out, expected):
    runner = FakeRunner()
    runner.add(["journalctl"], rc=rc, stdout=out)
    assert booth.read_refusals(runner, 3600, 1796599100) == expected
