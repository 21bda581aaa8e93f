# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/site_drill.py: a site's loss planned from booth's views, the samples judged.

The samples are built from real outputs of the geo lab (fixtures/booth: crm_mon of a site holding and not holding
geo-web, booth list), placed on a time line as the observers write them."""

from __future__ import annotations

import copy

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import booth, site_drill
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_observe import sample

SITES = [{"cluster": "site-a", "address": "172.31.244.100", "cidr_netmask": 24},
         {"cluster": "site-b", "address": "172.31.244.200", "cidr_netmask": 24}]
ARBS = [{"host": "geo-arb", "address": "172.31.244.10"}]
CONFIG = booth.normalize({"sites": SITES, "arbitrators": ARBS, "port": 9929, "maxtimeskew": 600,
                          "tickets": [{"name": "geo-web", "expire": 30, "timeout": 2, "retries": 3, "grant_to": "site-a"}]})
PLACED = {"sites": {"site-a": ["geo-a1", "geo-a2"], "site-b": ["geo-b1", "geo-b2"]},
          "site_nodes": ["geo-a1", "geo-a2", "geo-b1", "geo-b2"], "arbitrators": ["geo-arb"]}
AGREED = {"leaders": {"geo-web": "172.31.244.100"}, "answered": ["172.31.244.100", "172.31.244.200", "172.31.244.10"],
          "problems": []}
CONSTRAINTS = {"site-a": [{"id": "ticket-geo-web", "ticket": "geo-web", "resource": "geo-service", "loss_policy": "stop"}],
               "site-b": [{"id": "ticket-geo-web", "ticket": "geo-web", "resource": "geo-service", "loss_policy": "stop"}]}
TICKETS = {"geo-web": ["geo-service"]}
GRANTED = parse_crm_mon(fixture_text("booth/crm_mon-site-granted.xml"))
REVOKED = parse_crm_mon(fixture_text("booth/crm_mon-site-revoked.xml"))
T0 = 1000.0


def the_plan(**kw):
    args = dict(config=CONFIG, agreement=AGREED, placed=PLACED, ticket="geo-web", constraints=CONSTRAINTS)
    args.update(kw)
    return site_drill.plan(**args)


def seen(t, node, crm, leader=None):
    """One observer's sample, as do_observe writes it: crm_mon (None: the node is down or has no Pacemaker)."""
    s = sample(t, node, crm, [], ())
    if crm is not None:
        s["ticket"] = site_drill.ticket_sample(crm if s["up"] else None, TICKETS)
    if leader is not False:
        s["booth"] = site_drill.booth_sample({"tickets": {"geo-web": {"leader": leader}}, "multiple_grants": {}})
    return s


def timeline(lost_until=1000.0, granted_b_from=1030.0, a_back_at=None, a_granted_back=False):
    """Site A holds the ticket until it is lost at T0 (its samples stop, or go on until lost_until when cut off);
    site B holds it from granted_b_from; site A back at a_back_at without (or with) the ticket."""
    out = []
    t = 980.0
    while t <= 1120.0:
        if t <= lost_until:
            out.append(seen(t, "geo-a1", GRANTED, "172.31.244.100"))
        if a_back_at is not None and t >= a_back_at:
            crm, leader = (GRANTED, "172.31.244.100") if a_granted_back else (REVOKED, "172.31.244.200")
            out.append(seen(t, "geo-a1", crm, leader))
        b_has = t >= granted_b_from
        out.append(seen(t + 0.2, "geo-b1", GRANTED if b_has else REVOKED, "172.31.244.200" if b_has else "172.31.244.100"))
        out.append(seen(t + 0.3, "geo-arb", None, "172.31.244.200" if b_has else "172.31.244.100"))
        t += 1.0
    return out


def test_the_plan_loses_the_holder_and_predicts_booths_bound():
    p = the_plan()
    assert p["problems"] == []
    assert p["lost"] == "site-a" and p["lost_hosts"] == ["geo-a1", "geo-a2"] and p["survivors"] == ["site-b"]
    assert p["takeover_expected"] is True
    # expire 30, renewal 15 (half of expire), acquire-after 0, timeout 2 x (3 + 1).
    assert p["expected"] == {"lease_left_min_s": 15.0, "bound_s": 38}
    assert p["resources"] == ["geo-service"]
    assert "crash every host of site-a (geo-a1, geo-a2)" in p["lines"][0]
    assert "between 15 s (expire - renewal) and 38 s" in p["lines"][1]


def test_the_plan_without_a_majority_expects_no_takeover():
    p = the_plan(with_arbitrators=True)
    assert p["problems"] == [] and p["takeover_expected"] is False
    assert p["lost_hosts"] == ["geo-a1", "geo-a2", "geo-arb"]
    assert "no site takes geo-web (the members left are no majority)" in p["lines"][1]


def test_the_plan_refuses_what_would_drill_nothing():
    assert the_plan(site="site-b")["problems"] == ["site-a holds geo-web, not site-b: losing site-b moves nothing"]
    assert the_plan(site="site-c")["problems"] == ["the site 'site-c' is not one of site-a, site-b"]
    nowhere = dict(AGREED, leaders={"geo-web": None})
    assert the_plan(agreement=nowhere)["problems"] == ["geo-web is granted at no site: losing a site moves nothing (grant it first)"]
    assert "is not one of booth's: geo-web" in the_plan(ticket="other")["problems"][0]
    assert "no rsc_ticket constraint" in the_plan(constraints={})["problems"][0]
    assert "is not one of crash, partition" in the_plan(fault="reboot")["problems"][0]
    manual = copy.deepcopy(CONFIG)
    manual["tickets"][0]["mode"] = "manual"
    assert any("manual ticket" in x for x in the_plan(config=manual)["problems"])
    disagree = dict(AGREED, problems=["booth's members disagree on who holds geo-web"])
    assert the_plan(agreement=disagree)["problems"] == ["booth's members disagree on who holds geo-web"]
    assert the_plan(site="site-b")["lines"] == []


def test_ticket_sample_reads_the_ticket_and_where_its_services_run_from_crm_mon():
    assert site_drill.ticket_sample(GRANTED, TICKETS) == {"geo-web": {"granted": True, "on": ["geo-a1"], "all": True}}
    assert site_drill.ticket_sample(REVOKED, TICKETS) == {"geo-web": {"granted": False, "on": [], "all": False}}
    # A group counts by its members: the booth group runs where booth-ip and booth-site run.
    assert site_drill.ticket_sample(GRANTED, {"t": ["booth"]})["t"]["all"] is True
    assert site_drill.ticket_sample(None, TICKETS) == {"geo-web": {"granted": False, "on": [], "all": False}}


def test_booth_sample_from_booth_list():
    parsed = booth.parse_list(fixture_text("booth/list-1.0-granted.txt"))
    assert site_drill.booth_sample(parsed) == {"leaders": {"geo-web": "172.31.244.100"}, "multiple": []}


def test_a_crashed_site_taken_over_within_the_bound_passes():
    r = site_drill.evaluate(the_plan(), timeline(granted_b_from=1032.0, a_back_at=1080.0), T0, 1120.0)
    assert r["verdict"] == "pass", r["invariants"]
    assert r["measured"]["granted_s"] == 32.2 and r["measured"]["running_s"] == 32.2 and r["measured"]["taken_by"] == "site-b"
    # Site A's samples stop at the crash; back at 80 s, it runs nothing.
    assert r["measured"]["lost_stopped_s"] == 80.0
    ids = ["ticket-one-site", "booth-one-site", "services-one-site", "taken-over", "not-before-the-lease", "within-the-bound"]
    assert [i["id"] for i in r["invariants"]] == ids
    md = site_drill.render_markdown(r)
    assert "Verdict: **PASS**." in md and "| Granted at | site-b after 32.2 s |" in md


def test_a_cut_off_site_that_keeps_the_ticket_while_the_other_takes_it_fails_every_view():
    # Site A cut off keeps sampling (its observers run) and still holds the ticket at +40 s; site B took it at +30 s.
    r = site_drill.evaluate(the_plan(fault="partition"), timeline(lost_until=1040.0, granted_b_from=1030.0), T0, 1120.0)
    assert r["verdict"] == "fail"
    bad = dict((i["id"], i) for i in r["invariants"] if not i["ok"])
    assert sorted(bad) == ["booth-one-site", "services-one-site", "ticket-one-site"]
    assert "site-a and site-b both granted geo-web from +30.2 s to +40.0 s" in bad["ticket-one-site"]["detail"]


def test_a_cut_off_site_that_let_go_before_the_other_took_it_passes():
    r = site_drill.evaluate(the_plan(fault="partition"), timeline(lost_until=1029.0, granted_b_from=1031.0), T0, 1120.0)
    assert r["verdict"] == "pass", r["invariants"]


def test_granted_too_early_or_too_late_fails():
    early = site_drill.evaluate(the_plan(), timeline(granted_b_from=1005.0), T0, 1120.0)
    assert [i["id"] for i in early["invariants"] if not i["ok"]] == ["not-before-the-lease"]
    late = site_drill.evaluate(the_plan(), timeline(granted_b_from=1060.0), T0, 1120.0)
    assert [i["id"] for i in late["invariants"] if not i["ok"]] == ["within-the-bound"]
    never = site_drill.evaluate(the_plan(), timeline(granted_b_from=5000.0), T0, 1120.0)
    failed = [i["id"] for i in never["invariants"] if not i["ok"]]
    assert failed == ["taken-over", "within-the-bound"] and never["measured"]["granted_s"] is None


def test_a_site_back_with_the_ticket_while_the_other_holds_it_fails():
    r = site_drill.evaluate(the_plan(), timeline(granted_b_from=1032.0, a_back_at=1080.0, a_granted_back=True), T0, 1120.0)
    assert r["verdict"] == "fail"
    assert "from +80.0 s to +120.0 s" in next(i for i in r["invariants"] if i["id"] == "ticket-one-site")["detail"]


def test_without_a_majority_no_site_may_take_the_ticket():
    p = the_plan(with_arbitrators=True)
    assert site_drill.evaluate(p, timeline(granted_b_from=5000.0), T0, 1120.0)["verdict"] == "pass"
    r = site_drill.evaluate(p, timeline(granted_b_from=1032.0), T0, 1120.0)
    assert [i["id"] for i in r["invariants"] if not i["ok"]] == ["no-grant-without-majority"]
    # Once the arbitrator is back (the restore at +60 s), site B and the arbitrator are a majority: B may take it.
    r = site_drill.evaluate(p, timeline(granted_b_from=1065.0), T0, 1120.0, t_restore=1060.0)
    assert r["verdict"] == "pass", r["invariants"]
    assert r["invariants"][-1]["detail"] == ("no site held geo-web while the majority was lost (60.0 s, until the return); "
                                             "site-b took it after the return, at 65.2 s")


def test_booths_warning_of_two_grants_fails_the_booth_view():
    samples = timeline(granted_b_from=1032.0)
    samples[5]["booth"]["multiple"] = ["geo-web"]
    r = site_drill.evaluate(the_plan(), samples, T0, 1120.0)
    assert "booth warned of two grants" in next(i for i in r["invariants"] if i["id"] == "booth-one-site")["detail"]


def test_a_site_not_seen_running_before_the_fault_fails():
    samples = [s for s in timeline(granted_b_from=1032.0) if s["node"] != "geo-a1"]
    r = site_drill.evaluate(the_plan(), samples, T0, 1120.0)
    assert [i["id"] for i in r["invariants"] if not i["ok"]] == ["seen-before"]


def test_plan_errors_name_the_key():
    assert site_drill.plan_errors(None) == []
    assert site_drill.plan_errors(the_plan()) == []
    assert site_drill.plan_errors({"ticket": "t"})[0] == "site_drill: the key lost is missing"
    bad = dict(the_plan(), lost="site-c")
    assert site_drill.plan_errors(bad) == ["site_drill.lost: 'site-c' is not one of the sites (site-a, site-b)"]


def test_intervals_and_overlaps():
    assert site_drill.intervals([(1, True), (2, True), (3, False), (4, True)]) == [(1, 2), (4, 4)]
    # A gap (the site's hosts down) ends a span: what held before it did not hold through it.
    assert site_drill.intervals([(1, True), (2, True), (20, True), (21, True)]) == [(1, 2), (20, 21)]
    assert site_drill.overlaps([(1, 2)], [(2, 3)]) == [(2, 2)]
    assert site_drill.overlaps([(1, 2)], [(2.5, 3)]) == []


def test_a_booth_view_is_judged_at_its_own_time_not_when_the_cluster_was_read():
    """An observer reads the cluster, then asks booth, which can take its whole timeout (a member cut off the WAN):
    the sample's t is when the cluster was read, booth_t when booth answered. Site A, cut off, holds the ticket until
    +30.5 s; site B's booth takes it and answers at +31.5 s, in a sample whose cluster was read at +30.1 s. Judged at
    booth_t, the claims follow each other; judged at t, site B would seem to claim it 0.4 s before site A let go."""
    out = []
    for k in range(980, 1100):
        if k + 0.5 <= 1030.5:
            out.append(seen(k + 0.5, "geo-a1", GRANTED, "172.31.244.100"))
        elif k >= 1040:
            out.append(seen(k + 0.5, "geo-a1", REVOKED, "172.31.244.200"))
        read, asked = k + 0.1, k + 1.5
        s = seen(read, "geo-b1", GRANTED if read >= 1031 else REVOKED,
                 "172.31.244.200" if asked >= 1031.5 else "172.31.244.100")
        s["booth_t"] = asked
        out.append(s)
    r = site_drill.evaluate(the_plan(fault="partition"), out, T0, 1100.0)
    assert r["verdict"] == "pass", r["invariants"]
    for s in out:
        s.pop("booth_t", None)
    r = site_drill.evaluate(the_plan(fault="partition"), out, T0, 1100.0)
    bad = dict((i["id"], i["detail"]) for i in r["invariants"] if not i["ok"])
    assert bad == {"booth-one-site": "site-a and site-b both claimed geo-web in booth from +30.1 s to +30.5 s"}
