# -*- coding: utf-8 -*-
# Copyright: contributors to clusterops.ha
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The loss of a whole site of a booth geo cluster, as a drill: the plan, the judgement of the samples, the report.

Pure: no command runs here. The failover_drill role's entry point ``site`` (playbooks/site_drill.yml) reads booth's
views and the sites' ticket constraints, plans with plan(), strikes every host of one site at once (crash or cut off
the WAN, optionally the arbitrators too), samples every member (failover_drill's observers, with each site's ticket and
booth's own view), brings the site back, and judges the samples with evaluate():

- the other site holds the ticket and runs its services within the bound booth's settings give (booth.failover_bound),
  and not before the lost site's lease ran out (expire - renewal period after the fault at least);
- the ticket is never granted at two sites at once (the sites' CIBs), no two sites' booth claims it at once (booth's
  own view) and the ticket's services never run at two sites at once, in every sample, through the site's return;
- without a majority (the arbitrators lost too), no site takes the ticket: booth must not grant what it cannot renew.
"""

from ansible_collections.clusterops.ha.plugins.module_utils import booth
from ansible_collections.clusterops.ha.plugins.module_utils.validate import shape

FAULTS = ("crash", "partition")
# A site's samples further apart than this leave a gap (its hosts were down): what it held before the gap does not
# last through it. The observers sample every 0.5 s by default, every host of a site.
GAP_S = 5.0
SITE_REPORT_KEYS = ("verdict", "ticket", "lost", "survivors", "fault", "with_arbitrators", "takeover_expected",
                    "expected", "measured", "invariants", "samples")


# The plan, as plan() returns it and evaluate() reads it (the failover_drill module checks it before anything runs).
PLAN_SHAPE = {"ticket": "str", "lost": "str", "survivors": ["str"], "sites": {"*": ["str"]}, "addresses": {"*": "str"},
              "fault": "str", "with_arbitrators": "bool", "takeover_expected": "bool", "resources": ["str"],
              "expected": {"lease_left_min_s": "number?", "bound_s": "number?"}}


def plan_errors(p):
    """Messages for a plan that is not what plan() returned (None: no plan given), naming the key."""
    if p is None:
        return []
    errors = shape(p, PLAN_SHAPE, "site_drill")
    if not errors and p["lost"] not in p["sites"]:
        errors.append("site_drill.lost: %r is not one of the sites (%s)" % (p["lost"], ", ".join(sorted(p["sites"]))))
    if not errors:
        errors.extend("site_drill.addresses: the site %s has no address" % c for c in sorted(p["sites"]) if c not in p["addresses"])
    return errors


def plan(config, agreement, placed, ticket, site="", fault="crash", with_arbitrators=False, constraints=None):
    """The drill, from booth's configuration (booth.check's result), booth's views (booth.agreement's result), the
    hosts' places (booth_hosts filter) and each site's rsc_ticket constraints ({site cluster: cib_info's tickets}),
    which name the ticket's services. site "": the site that holds the ticket.

    Returns {"ticket", "settings", "lost", "lost_hosts", "survivors", "sites": {cluster: [hosts]}, "addresses":
    {cluster: booth address}, "arbitrators": [hosts], "fault", "with_arbitrators", "takeover_expected", "expected":
    {"lease_left_min_s", "bound_s"}, "resources": [ids], "problems": [...], "lines": [...]}. Problems mean nothing
    may be struck: the ticket or site unknown, the lost site not the holder, booth's members not in agreement, a
    manual ticket (it never fails over), a ticket without services."""
    problems = list((agreement or {}).get("problems") or [])
    sites = dict((s["cluster"], list(((placed or {}).get("sites") or {}).get(s["cluster"]) or [])) for s in config["sites"])
    addresses = dict((s["cluster"], s["address"]) for s in config["sites"])
    by_address = dict((a, c) for c, a in addresses.items())
    arbitrators = list((placed or {}).get("arbitrators") or [])
    settings = next((t for t in config["tickets"] if t["name"] == ticket), None)
    if fault not in FAULTS:
        problems.append("the fault %r is not one of %s" % (fault, ", ".join(FAULTS)))
    if settings is None:
        problems.append("the ticket %r is not one of booth's: %s" % (ticket, ", ".join(t["name"] for t in config["tickets"])))
        settings = {}
    elif settings.get("mode") == "manual":
        problems.append("%s is a manual ticket: booth never moves it when a site is lost, so there is nothing to drill" % ticket)
    holder = by_address.get(((agreement or {}).get("leaders") or {}).get(ticket) or "", "")
    lost = site or holder
    if settings and not holder:
        problems.append("%s is granted at no site: losing a site moves nothing (grant it first)" % ticket)
    elif site and site not in sites:
        problems.append("the site %r is not one of %s" % (site, ", ".join(sorted(sites))))
    elif holder and lost != holder:
        problems.append("%s holds %s, not %s: losing %s moves nothing" % (holder, ticket, lost, lost))
    if with_arbitrators and not arbitrators:
        problems.append("the geo cluster has no arbitrator to lose with the site")
    for cluster, hosts in sorted(sites.items()):
        if not hosts:
            problems.append("no host of this play belongs to the site %s" % cluster)
    ids = []
    for cluster in sorted(constraints or {}):
        ids.extend(r for r in booth.ticket_resources(constraints[cluster], ticket) if r not in ids)
    if settings and not ids:
        problems.append("no rsc_ticket constraint at any site ties a service to %s: there is nothing to fail over" % ticket)
    survivors = [c for c in sorted(sites) if c != lost]
    members = len(config["sites"]) + len(config["arbitrators"])
    left = members - 1 - (len(config["arbitrators"]) if with_arbitrators else 0)
    takeover = left * 2 > members
    bound = booth.failover_bound(settings) if settings and settings.get("mode") != "manual" else None
    lease_left = settings["expire"] - booth.renewal(settings) if settings else None
    out = {
        "ticket": ticket, "settings": settings, "lost": lost, "lost_hosts": list(sites.get(lost) or []) + (arbitrators if with_arbitrators else []),
        "survivors": survivors, "sites": sites, "addresses": addresses, "arbitrators": arbitrators, "fault": fault,
        "with_arbitrators": bool(with_arbitrators), "takeover_expected": takeover,
        "expected": {"lease_left_min_s": lease_left, "bound_s": bound}, "resources": ids, "problems": problems,
    }
    out["lines"] = [] if problems else describe(out)
    return out


def describe(p):
    """What the drill will do and what booth's settings predict, one line each."""
    struck = "crash every host of %s (%s)" if p["fault"] == "crash" else "cut every host of %s (%s) off the network"
    lines = [(struck % (p["lost"], ", ".join(p["lost_hosts"])))
             + (", the arbitrators with it" if p["with_arbitrators"] else "")]
    if p["takeover_expected"]:
        lines.append("expected: %s takes %s after the lost site's lease runs out, between %.0f s (expire - renewal) and %.0f s "
                     "(expire + acquire-after + timeout x (retries + 1)) after the fault, then starts %s"
                     % (" or ".join(p["survivors"]), p["ticket"], p["expected"]["lease_left_min_s"], p["expected"]["bound_s"],
                        ", ".join(p["resources"])))
    else:
        lines.append("expected: no site takes %s (the members left are no majority); its services stay stopped until "
                     "the site or the arbitrator is back, or an operator grants it by hand" % p["ticket"])
    lines.append("then: bring %s back; the ticket must never be granted at two sites, in any sample" % ", ".join(p["lost_hosts"]))
    return lines


def ticket_sample(crm_mon, tickets):
    """A site node's view of the tickets, from its parsed crm_mon (cluster_status_crm_mon.parse_crm_mon):
    {ticket: {"granted": bool, "on": [nodes running any of its resources], "all": every resource runs}}.
    tickets: {ticket: [resource ids]}; a group, clone or bundle id counts by its members."""
    out = {}
    granted = (crm_mon or {}).get("tickets") or {}
    for name, ids in sorted((tickets or {}).items()):
        wanted = set(ids or [])
        running = {}
        for r in (crm_mon or {}).get("resources") or []:
            if not r.get("active") or r.get("failed"):
                continue
            for rid in (r.get("id"), r.get("group"), r.get("clone"), r.get("bundle")):
                if rid in wanted:
                    running.setdefault(rid, set()).update(r.get("nodes") or [])
        on = sorted(set(n for nodes in running.values() for n in nodes))
        out[name] = {"granted": bool((granted.get(name) or {}).get("granted")), "on": on,
                     "all": bool(wanted) and all(running.get(rid) for rid in wanted)}
    return out


def booth_sample(parsed):
    """A member's own booth view (booth.parse_list) as {"leaders": {ticket: address or None}, "multiple": [tickets]}."""
    return {"leaders": dict((t, v.get("leader")) for t, v in sorted(parsed["tickets"].items())),
            "multiple": sorted(parsed.get("multiple_grants") or {})}


def _series(samples, hosts, value, when="t"):
    """[(t, bool)] in time order from the samples of these hosts whose value() is not None, each at its time `when`
    (a sample's booth view has a time of its own, booth_t: booth is asked after the cluster was read)."""
    out = []
    for s in samples:
        if s.get("node") in hosts:
            x = value(s)
            if x is not None:
                out.append((s.get(when, s["t"]), bool(x)))
    out.sort()
    return out


def intervals(series, gap_s=GAP_S):
    """The spans [(first, last)] of consecutive True samples, no two further apart than gap_s: where the state was
    certainly true."""
    out, start, last = [], None, None
    for t, x in series:
        if start is not None and t - last > gap_s:
            out.append((start, last))
            start = None
        if x:
            if start is None:
                start = t
            last = t
        elif start is not None:
            out.append((start, last))
            start = None
    if start is not None:
        out.append((start, last))
    return out


def overlaps(a, b):
    """The spans where two interval lists certainly overlap."""
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            lo, hi = max(s1, s2), min(e1, e2)
            if lo <= hi:
                out.append((lo, hi))
    return out


def _first(series, since):
    return next((t for t, x in series if x and t >= since), None)


def _inv(inv_id, title, ok, detail):
    return {"id": inv_id, "title": title, "ok": bool(ok), "detail": detail}


def _two_sites(p, spans, t0, what):
    bad = []
    names = sorted(spans)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for lo, hi in overlaps(spans[a], spans[b]):
                bad.append("%s and %s %s from %+.1f s to %+.1f s" % (a, b, what, lo - t0, hi - t0))
    return bad


def evaluate(p, samples, t_fault, t_end, threshold=1.5, t_restore=None):
    """Judge a site drill (plan()'s p) from every member's samples (failover_drill_observe.sample with "ticket" and "booth"),
    observed until t_end (after the lost site came back; t_restore: when it was brought back, None: t_end). Returns
    the report of the drill: SITE_REPORT_KEYS. Without a majority, only a grant before t_restore breaks the rule:
    once the arbitrator is back, the site left and the arbitrator are a majority again and may take the ticket."""
    t_restore = t_end if t_restore is None else t_restore
    ticket, addresses = p["ticket"], p["addresses"]
    samples = [s for s in samples or [] if isinstance(s, dict) and isinstance(s.get("t"), (int, float))]

    def granted(s):
        return ((s.get("ticket") or {}).get(ticket) or {}).get("granted") if s.get("up") else None

    def running(s):
        return bool(((s.get("ticket") or {}).get(ticket) or {}).get("on")) if s.get("up") else None

    def all_running(s):
        t = (s.get("ticket") or {}).get(ticket) or {}
        return (bool(t.get("granted")) and bool(t.get("all"))) if s.get("up") else None

    claims, grants, runs = {}, {}, {}
    for cluster, hosts in p["sites"].items():
        hosts = set(hosts)

        def claim(s, cluster=cluster):
            leaders = (s.get("booth") or {}).get("leaders")
            return None if leaders is None else leaders.get(ticket) == addresses[cluster]

        grants[cluster] = intervals(_series(samples, hosts, granted))
        runs[cluster] = intervals(_series(samples, hosts, running))
        claims[cluster] = intervals(_series(samples, hosts, claim, when="booth_t"))
    multiple = sorted(set("%s at %+.1f s" % (s["node"], s["t"] - t_fault) for s in samples
                          if ticket in ((s.get("booth") or {}).get("multiple") or [])))
    invariants = []
    bad = _two_sites(p, grants, t_fault, "both granted %s" % ticket)
    invariants.append(_inv("ticket-one-site", "The ticket granted at one site at most (the sites' CIBs)", not bad,
                           "; ".join(bad) or "never at two sites in %d samples" % len(samples)))
    bad = _two_sites(p, claims, t_fault, "both claimed %s in booth" % ticket) + ["booth warned of two grants: %s" % m for m in multiple]
    invariants.append(_inv("booth-one-site", "Booth's own view: no two sites claim the ticket at once", not bad,
                           "; ".join(bad) or "no two sites' booth claimed it at once"))
    bad = _two_sites(p, runs, t_fault, "both ran %s" % ", ".join(p["resources"]))
    invariants.append(_inv("services-one-site", "The ticket's services run at one site at most", not bad,
                           "; ".join(bad) or "never at two sites"))
    expected = dict(p["expected"])
    measured = {"granted_s": None, "running_s": None, "lost_stopped_s": None}
    lost_hosts = set(p["sites"].get(p["lost"]) or [])
    lost_series = _series(samples, lost_hosts, running)
    before = [x for t, x in lost_series if t <= t_fault]
    after = [(t, x) for t, x in lost_series if t > t_fault]
    stopped = next((t for t, x in after if not x), None)
    if stopped is not None:
        measured["lost_stopped_s"] = round(stopped - t_fault, 2)
    took = []
    for cluster in p["survivors"]:
        hosts = set(p["sites"][cluster])
        g = _first(_series(samples, hosts, granted), t_fault)
        r = _first(_series(samples, hosts, all_running), t_fault)
        if g is not None:
            took.append((g, r, cluster))
    took.sort()
    if took:
        measured["granted_s"] = round(took[0][0] - t_fault, 2)
        measured["running_s"] = round(took[0][1] - t_fault, 2) if took[0][1] is not None else None
        measured["taken_by"] = took[0][2]
    bound = expected.get("bound_s")
    lease = expected.get("lease_left_min_s")
    if p["takeover_expected"]:
        ok = measured["granted_s"] is not None and measured["running_s"] is not None
        invariants.append(_inv("taken-over", "Another site took the ticket and ran its services", ok,
                               "%s granted after %s s, its services ran after %s s" % (
                                   measured.get("taken_by") or "no site", measured["granted_s"], measured["running_s"])
                               if took else "no other site held %s by %+.1f s" % (ticket, t_end - t_fault)))
        early = measured["granted_s"] is not None and lease is not None and measured["granted_s"] < lease - 1.0
        when = "granted after %s s" % measured["granted_s"] if measured["granted_s"] is not None else "not granted"
        invariants.append(_inv("not-before-the-lease", "Not granted before the lost site's lease ran out", not early,
                               "%s; the lease had at least %.0f s left at the fault" % (when, lease)))
        in_time = measured["granted_s"] is not None and bound is not None and measured["granted_s"] <= bound * threshold
        invariants.append(_inv("within-the-bound", "Granted within %.1f x booth's bound" % threshold, in_time,
                               "%s; booth's settings give at most %s s" % (when, bound)))
    else:
        early = took and took[0][0] < t_restore
        invariants.append(_inv("no-grant-without-majority", "No site took the ticket without a majority", not early,
                               "%s took %s after %s s with no majority of booth's members" % (took[0][2], ticket, measured["granted_s"])
                               if early else "no site held %s while the majority was lost (%.1f s, until the return)%s" % (
                                   ticket, t_restore - t_fault, "; %s took it after the return, at %s s" % (
                                       took[0][2], measured["granted_s"]) if took else "")))
    if not before:
        invariants.append(_inv("seen-before", "The lost site was seen running the services before the fault", False,
                               "no sample of %s before the fault ran %s" % (p["lost"], ", ".join(p["resources"]))))
    elif not before[-1]:
        invariants.append(_inv("seen-before", "The lost site was seen running the services before the fault", False,
                               "%s did not run %s at the fault" % (p["lost"], ", ".join(p["resources"]))))
    counts = {}
    for s in samples:
        counts[s["node"]] = counts.get(s["node"], 0) + 1
    return {
        "verdict": "pass" if all(i["ok"] for i in invariants) else "fail",
        "ticket": ticket, "lost": p["lost"], "survivors": p["survivors"], "fault": p["fault"],
        "with_arbitrators": p["with_arbitrators"], "takeover_expected": p["takeover_expected"],
        "expected": expected, "measured": measured, "invariants": invariants, "samples": counts,
    }


def render_markdown(result):
    """The site drill's report as Markdown."""
    m, e = result["measured"], result["expected"]
    lines = ["# Site drill: the loss of %s" % result["lost"], "",
             "Verdict: **%s**." % result["verdict"].upper(), "",
             "| | |", "|---|---|",
             "| Ticket | %s |" % result["ticket"],
             "| Fault | %s of every host of %s%s |" % (
                 result["fault"], result["lost"], ", and the arbitrators" if result["with_arbitrators"] else ""),
             "| Expected | %s |" % ("another site holds the ticket between %s s and %s s after the fault" % (
                 e.get("lease_left_min_s"), e.get("bound_s")) if result["takeover_expected"] else "no site takes the ticket (no majority)"),
             "| Granted at | %s |" % ("%s after %s s" % (m.get("taken_by"), m["granted_s"]) if m.get("granted_s") is not None else "no site"),
             "| Services ran after | %s |" % ("%s s" % m["running_s"] if m.get("running_s") is not None else "-"),
             "| Lost site stopped its services after | %s |" % (
                 "%s s" % m["lost_stopped_s"] if m.get("lost_stopped_s") is not None else "- (no sample from it after the fault)"),
             "", "## Invariants", "", "| Invariant | | Detail |", "|---|---|---|"]
    for i in result["invariants"]:
        lines.append("| %s | %s | %s |" % (i["title"], "ok" if i["ok"] else "**FAILED**", i["detail"].replace("|", "\\|")))
    lines += ["", "## Samples", "", "| Member | Samples |", "|---|---|"]
    lines += ["| %s | %d |" % (n, c) for n, c in sorted(result["samples"].items())]
    return "\n".join(lines) + "\n"
