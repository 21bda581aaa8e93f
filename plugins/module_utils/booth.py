# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Booth, the ticket manager of geo clusters: the configuration judged and written, and `booth list` read.

Pure, but for read_refusals (booth's journal, through the command seam). The booth role (roles/booth) calls this
through the filters in plugins/filter/booth.py; cluster_node_facts reads the refusals for the health check
booth-refused.

The configuration (the role's variables, one dict):
  sites:        [{"cluster": cluster_name, "address": the site's booth address (a VIP Pacemaker runs)}, ...]
  arbitrators:  [{"host": inventory name, "address": its address}, ...]
  port:         9929 (UDP between members, TCP for clients)
  maxtimeskew:  600 (seconds; booth refuses packets older than this, with authentication only)
  tickets:      [{"name", "expire", "acquire_after", "timeout", "retries", "renewal_freq", "weights",
                  "before_acquire_handler", "mode", "grant_to"}, ...]
Booth's rules (boothd(8)): at least three members; retries of at least 3; the total retry time below the renewal
time, timeout * (retries + 1) < renewal (renewal-freq, or half of expire); weights one per member, in the order of
the site and arbitrator lines; retries at most 100 (config.c). The rules of this collection on top: an odd number of members (an even one can tie
and then no site gets a ticket after a loss), renewal-freq below expire, and every ticket a constraint names
defined here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import validate as v
from ansible_collections.clusterops.ha.plugins.module_utils.command import journal_grep
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

PORT = 9929
CONF_PATH = "/etc/booth/booth.conf"
AUTHFILE = "/etc/booth/authkey"
MAXTIMESKEW = 600
MODES = ("automatic", "manual")
# boothd(8)'s defaults, in seconds.
DEFAULTS = {"expire": 600, "acquire_after": 0, "timeout": 5, "retries": 10}
_NAME_MAX = 63  # BOOTH_NAME_LEN 64, with its terminating NUL
# What boothd (1.0 and 1.2) logs when it refuses a message, as journalctl -o short-unix shows it (-t boothd-site
# -t boothd-arbitrator: the daemon's own lines, not the copy the arbitrator also sends through syslog). Each
# refusal is logged twice, once as "<from>: failed to authenticate" and once without the colon: only the first
# form counts. <from> is the sender's address, or "client" for a booth command (list, grant, revoke) whose key is
# not the daemon's. A sender that is no member is logged by its address ("unknown sender: <id> (real: <address>)").
# A timestamp older than maxtimeskew means the sender's clock is behind (or a replay).
REFUSALS_GREP = "failed to authenticate|packet timestamp older|unknown sender"
_REFUSAL = re.compile(r"^(?P<time>\d+(?:\.\d+)?) \S+ boothd-(?:site|arbitrator)\[\d+\]: (?:\[\d+\]: )?\w+: "
                      r"(?:unknown sender: \S+ \(real: (?P<stranger>[^)\s]+)\)"
                      r"|(?P<source>[^\s:]+): (?:(?P<auth>failed to authenticate)"
                      r"|packet timestamp older than (?:(?P<replay>previous one)|(?P<skew>\d+) seconds)))")
# The newest refusal lines read at most (a flood must not make the facts huge).
REFUSALS_MAX_LINES = 20000


class BoothError(ClusterOpsError):
    """The booth configuration does not hold together, or `booth list` said something else than expected."""


def _field(prefix, index, key):
    return "%s[%d].%s" % (prefix, index, key)


def renewal(ticket):
    """The renewal period: renewal_freq, or half of expire (boothd(8))."""
    if ticket.get("renewal_freq") not in (None, ""):
        return ticket["renewal_freq"]
    return ticket["expire"] / 2.0


def _ticket(raw, index, members, sites, errors):
    """One ticket judged; returns it with its defaults filled in, or None when a value is wrong."""
    if not isinstance(raw, dict):
        errors.append("booth_tickets[%d]: %r is not a mapping (name, expire, timeout, retries...)" % (index, raw))
        return None

    def f(key):
        return _field("booth_tickets", index, key)

    known = ("name", "expire", "acquire_after", "timeout", "retries", "renewal_freq", "weights",
             "before_acquire_handler", "mode", "grant_to")
    for key in sorted(raw):
        if key not in known:
            errors.append("%s: unknown option (allowed: %s)" % (f(key), ", ".join(known)))
    before = len(errors)
    name = v.collect(errors, v.cib_id, raw.get("name"), f("name"))
    if name is not None and (len(name) > _NAME_MAX or name == "__defaults__"):
        errors.append("%s: %r is not a ticket name (at most %d characters, not __defaults__)" % (f("name"), name, _NAME_MAX))
    t = {"name": name}
    for key, low, high in (("expire", 1, 86400 * 7), ("acquire_after", 0, 86400 * 7), ("timeout", 1, 3600),
                           ("retries", 3, 100)):
        value = raw.get(key)
        t[key] = DEFAULTS[key] if value in (None, "") else v.collect(errors, v.integer, value, f(key), low, high)
    value = raw.get("renewal_freq")
    t["renewal_freq"] = None if value in (None, "") else v.collect(errors, v.positive_integer, value, f("renewal_freq"))
    mode = raw.get("mode") or "automatic"
    t["mode"] = v.collect(errors, v.choice, str(mode).lower(), f("mode"), MODES)
    weights = raw.get("weights")
    if weights in (None, "", []):
        t["weights"] = []
    elif not isinstance(weights, list):
        errors.append("%s: %r is not a list of integers, one per member (%s)" % (f("weights"), weights, ", ".join(members)))
        t["weights"] = []
    else:
        t["weights"] = [v.collect(errors, v.integer, w, "%s[%d]" % (f("weights"), i)) for i, w in enumerate(weights)]
        if len(weights) != len(members):
            errors.append("%s: %d weight(s) for %d members; give one per member, in this order: %s"
                          % (f("weights"), len(weights), len(members), ", ".join(members)))
    handler = raw.get("before_acquire_handler")
    if handler in (None, ""):
        t["before_acquire_handler"] = ""
    elif not isinstance(handler, str) or not handler.startswith("/") or "\n" in handler or '"' in handler:
        errors.append("%s: %r is not a program or directory path (absolute, one line, no double quote), with "
                      "optional arguments" % (f("before_acquire_handler"), handler))
        t["before_acquire_handler"] = ""
    else:
        t["before_acquire_handler"] = handler.strip()
    grant_to = raw.get("grant_to")
    if grant_to in (None, ""):
        t["grant_to"] = ""
    elif grant_to not in sites:
        errors.append("%s: %r is not a site (the sites are the clusters %s)" % (f("grant_to"), grant_to, ", ".join(sites)))
        t["grant_to"] = ""
    else:
        t["grant_to"] = grant_to
    if len(errors) > before:
        return None
    renewal_s = renewal(t)
    total = t["timeout"] * (t["retries"] + 1)
    if total >= renewal_s:
        source = "renewal_freq" if t["renewal_freq"] else "expire / 2"
        errors.append("booth_tickets[%d] (%s): timeout x (retries + 1) = %d x %d = %d s is not below the renewal period "
                      "(%s = %g s): booth would give up a renewal before it retried enough. Lower timeout or retries, "
                      "or raise renewal_freq or expire"
                      % (index, name, t["timeout"], t["retries"] + 1, total, source, renewal_s))
    if t["renewal_freq"] is not None and t["renewal_freq"] >= t["expire"]:
        errors.append("booth_tickets[%d] (%s): renewal_freq %d is not below expire %d: the ticket would expire before "
                      "it is renewed" % (index, name, t["renewal_freq"], t["expire"]))
    return t


def check(config, used_tickets=None):
    """(normalized config, [messages]). Every problem at once, each naming its field.

    used_tickets: {ticket: [where it is used]} from the sites' rsc_ticket constraints (cluster_tickets); a ticket
    used there that booth does not define would never be granted, so its services would never start.
    """
    errors = []
    config = config or {}
    raw_sites = config.get("sites")
    raw_arbs = config.get("arbitrators")
    sites, arbitrators, seen = [], [], {}
    if not isinstance(raw_sites, list) or len(raw_sites) < 2:
        errors.append("booth_sites: %r is not a list of at least two sites ({cluster: cluster_name, address: the "
                      "site's booth address})" % (raw_sites,))
        raw_sites = raw_sites if isinstance(raw_sites, list) else []
    for i, site in enumerate(raw_sites):
        if not isinstance(site, dict):
            errors.append("booth_sites[%d]: %r is not a mapping (cluster, address)" % (i, site))
            continue
        for key in sorted(site):
            if key not in ("cluster", "address", "cidr_netmask", "nic"):
                errors.append("%s: unknown option (allowed: address, cidr_netmask, cluster, nic)" % _field("booth_sites", i, key))
        cluster = v.collect(errors, v.cib_id, site.get("cluster"), _field("booth_sites", i, "cluster"))
        address = v.collect(errors, v.address, site.get("address"), _field("booth_sites", i, "address"))
        if address is not None and not v.is_ip_literal(address):
            errors.append("%s: %r is not an IP address (a site's booth address is a VIP its cluster runs)"
                          % (_field("booth_sites", i, "address"), site.get("address")))
            address = None
        netmask = site.get("cidr_netmask")
        if netmask not in (None, ""):
            netmask = v.collect(errors, v.integer, netmask, _field("booth_sites", i, "cidr_netmask"), 1, 128)
        nic = site.get("nic")
        if nic not in (None, "") and not (isinstance(nic, str) and re.fullmatch(r"[A-Za-z0-9_.:@-]{1,15}", nic)):
            errors.append("%s: %r is not a network interface name" % (_field("booth_sites", i, "nic"), nic))
        if cluster is not None and any(s["cluster"] == cluster for s in sites):
            errors.append("%s: %r is a second site of the same cluster" % (_field("booth_sites", i, "cluster"), cluster))
            continue
        if address is not None and address in seen:
            errors.append("%s: %s is also %s's address" % (_field("booth_sites", i, "address"), address, seen[address]))
            continue
        if cluster is not None and address is not None:
            seen[address] = "site " + cluster
            sites.append({"cluster": cluster, "address": address,
                          "cidr_netmask": netmask if netmask not in (None, "") else None, "nic": nic or ""})
    if raw_arbs in (None, ""):
        raw_arbs = []
    if not isinstance(raw_arbs, list):
        errors.append("booth_arbitrators: %r is not a list of {host, address}" % (raw_arbs,))
        raw_arbs = []
    for i, arb in enumerate(raw_arbs):
        if not isinstance(arb, dict):
            errors.append("booth_arbitrators[%d]: %r is not a mapping (host, address)" % (i, arb))
            continue
        address = v.collect(errors, v.address, arb.get("address"), _field("booth_arbitrators", i, "address"))
        if address is not None and not v.is_ip_literal(address):
            errors.append("%s: %r is not an IP address" % (_field("booth_arbitrators", i, "address"), arb.get("address")))
            continue
        if address is not None and address in seen:
            errors.append("%s: %s is also %s's address" % (_field("booth_arbitrators", i, "address"), address, seen[address]))
            continue
        if address is not None:
            seen[address] = "arbitrator " + str(arb.get("host") or address)
            arbitrators.append({"host": str(arb.get("host") or ""), "address": address})
    members = [s["address"] for s in sites] + [a["address"] for a in arbitrators]
    count = len(raw_sites) + len(raw_arbs)
    if count and count < 3:
        errors.append("booth_arbitrators: booth needs at least three members and has %d (%d site(s), %d arbitrator(s)): "
                      "add an arbitrator" % (count, len(raw_sites), len(raw_arbs)))
    elif count and count % 2 == 0:
        errors.append("booth_arbitrators: %d members (%d sites, %d arbitrator(s)) is an even number: when they split in "
                      "two halves neither has a majority and no site gets a lost ticket; add or remove an arbitrator"
                      % (count, len(raw_sites), len(raw_arbs)))
    port = v.collect(errors, v.port, config.get("port", PORT), "booth_port")
    skew = v.collect(errors, v.integer, config.get("maxtimeskew", MAXTIMESKEW), "booth_maxtimeskew", 1, 86400)
    raw_tickets = config.get("tickets")
    if raw_tickets in (None, ""):
        raw_tickets = []
    if not isinstance(raw_tickets, list):
        errors.append("booth_tickets: %r is not a list of tickets" % (raw_tickets,))
        raw_tickets = []
    tickets = []
    for i, raw in enumerate(raw_tickets):
        t = _ticket(raw, i, members, [s["cluster"] for s in sites], errors)
        if t is None:
            continue
        if any(o["name"] == t["name"] for o in tickets):
            errors.append("booth_tickets[%d].name: %r is defined twice" % (i, t["name"]))
            continue
        tickets.append(t)
    names = set(t["name"] for t in tickets)
    for ticket, where in sorted((used_tickets or {}).items()):
        if ticket not in names and not any(isinstance(r, dict) and r.get("name") == ticket for r in raw_tickets):
            errors.append("booth_tickets: the ticket %r is used by %s but booth_tickets does not define it, so booth "
                          "would never grant it (define it, or drop the constraint)" % (ticket, ", ".join(sorted(where))))
    return {"sites": sites, "arbitrators": arbitrators, "port": port, "maxtimeskew": skew, "tickets": tickets}, errors


def normalize(config, used_tickets=None):
    """check(), raising BoothError with every message when there is one."""
    result, errors = check(config, used_tickets)
    if errors:
        raise BoothError("; ".join(errors))
    return result


def render(config):
    """booth.conf's text for a normalized configuration: identical on every site and arbitrator."""
    lines = [
        "# booth.conf of this geo cluster. Managed by clusterops.ha (roles/booth): identical on every site and",
        "# arbitrator; edits here are replaced at the next run.",
        "transport = UDP",
        "port = %d" % config["port"],
        "authfile = %s" % AUTHFILE,
        "maxtimeskew = %d" % config["maxtimeskew"],
    ]
    for site in config["sites"]:
        lines.append("# the cluster %s" % site["cluster"])
        lines.append('site = "%s"' % site["address"])
    for arb in config["arbitrators"]:
        if arb.get("host"):
            lines.append("# the arbitrator %s" % arb["host"])
        lines.append('arbitrator = "%s"' % arb["address"])
    for t in config["tickets"]:
        lines.append("")
        lines.append('ticket = "%s"' % t["name"])
        lines.append("    expire = %d" % t["expire"])
        lines.append("    acquire-after = %d" % t["acquire_after"])
        lines.append("    timeout = %d" % t["timeout"])
        lines.append("    retries = %d" % t["retries"])
        if t["renewal_freq"]:
            lines.append("    renewal-freq = %d" % t["renewal_freq"])
        if t["weights"]:
            lines.append("    weights = %s" % ",".join(str(w) for w in t["weights"]))
        if t["before_acquire_handler"]:
            lines.append("    before-acquire-handler = %s" % t["before_acquire_handler"])
        if t["mode"] == "manual":
            lines.append("    mode = manual")
    return "\n".join(lines) + "\n"


def failover_bound(ticket):
    """Seconds after a site's loss until another site may hold its ticket, by the ticket's settings: the lease runs
    out (at most expire after the last renewal), then acquire-after, then one election of at most
    timeout x (retries + 1). A manual ticket never fails over (None)."""
    if ticket.get("mode") == "manual":
        return None
    return ticket["expire"] + ticket["acquire_after"] + ticket["timeout"] * (ticket["retries"] + 1)


_LIST_LINE = re.compile(r"^ticket: (?P<name>[^,\s]+), leader: (?P<leader>[^,\s\[]+)"
                        r"(?:, expires: (?P<expires>INF|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?: \(commit pending until [^)]*\))?)?"
                        r"(?P<manual> \[manual mode\])?$")
# booth 1.1 and later; the sites end with a full stop, then advice ("Revoke the ticket from the faulty sites.").
_MULTIPLE = re.compile(r"^WARNING: The ticket (?P<name>\S+) is granted to multiple sites: (?P<sites>[^ ]+(?:, [^ ]+)*?)\.?"
                       r"(?: [A-Z].*)?$")


def primary_ipv4(facts):
    """A host's primary IPv4 address on each interface but loopback, from its Ansible facts (ansible_facts):
    the address each interface was configured with, never the secondary ones Pacemaker adds and moves (IPaddr2
    VIPs), so that the list does not change when a resource moves."""
    found = []
    for name in (facts or {}).get("interfaces") or []:
        data = facts.get(str(name).replace("-", "_")) or {}
        address = (data.get("ipv4") or {}).get("address") if isinstance(data, dict) else None
        if name != "lo" and address and not address.startswith("127.") and address not in found:
            found.append(address)
    return found


def firewall_sources(config, host_addresses, extra=()):
    """The addresses booth's port stays open to, each once, in this order: every member's booth address (the
    sites' and the arbitrators'), the addresses of the play's hosts ({host: [addresses]}, taken in the hosts'
    order: a site's node asks the members with `booth list -s`, a TCP client), then the extra sources (admin hosts,
    monitoring: booth_firewall_sources)."""
    found = [s["address"] for s in config.get("sites") or []] + [a["address"] for a in config.get("arbitrators") or []]
    for host in sorted(host_addresses):
        found += list(host_addresses[host] or [])
    found += list(extra or ())
    return [a for i, a in enumerate(found) if a not in found[:i]]


def parse_refusals(text):
    """boothd's journal lines (``journalctl -t boothd-site -t boothd-arbitrator -o short-unix``) -> the messages it
    refused, per sender and reason: [{"source": an address, or "client" (a booth command with another key),
    "reason": "authentication" (another key), "stranger" (no member sent it), "timestamp" (older than maxtimeskew:
    the sender's clock is behind) or "replay" (older than the sender's previous one), "count", "first", "last"
    (Unix seconds), "maxtimeskew" (with "timestamp": the limit booth applied)}], sorted by source and reason. Other
    lines are left out."""
    found = {}
    for line in (text or "").splitlines():
        m = _REFUSAL.match(line.strip())
        if not m:
            continue
        if m.group("stranger"):
            source, reason = m.group("stranger"), "stranger"
        else:
            source = m.group("source")
            reason = "authentication" if m.group("auth") else "replay" if m.group("replay") else "timestamp"
        at = float(m.group("time"))
        entry = found.setdefault((source, reason), {"source": source, "reason": reason, "count": 0,
                                                    "first": at, "last": at})
        entry["count"] += 1
        entry["first"], entry["last"] = min(entry["first"], at), max(entry["last"], at)
        if m.group("skew"):
            entry["maxtimeskew"] = int(m.group("skew"))
    return [found[k] for k in sorted(found)]


def read_refusals(runner, window_s, now):
    """(parse_refusals() of boothd's journal since now - window_s, truncated) through the command seam; (None,
    False) when the journal cannot be read. A host where booth never ran has no such lines: ([], False).
    truncated: REFUSALS_MAX_LINES lines or more matched (only the newest were read: the counts are lower
    bounds)."""
    text, truncated = journal_grep(runner, ["-t", "boothd-site", "-t", "boothd-arbitrator"], window_s, now,
                                   REFUSALS_GREP, REFUSALS_MAX_LINES)
    return (None, False) if text is None else (parse_refusals(text), truncated)


def parse_list(text):
    """`booth list` (booth 1.0 and 1.2) as {"tickets": {name: {"leader": address or None, "expires": text or None,
    "manual": bool}}, "multiple_grants": {name: [sites]}}. leader None: the ticket is granted nowhere ("none").
    Raises BoothError on a line it does not know, rather than guess."""
    tickets, multiple = {}, {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        m = _LIST_LINE.match(line)
        if m:
            leader = m.group("leader")
            tickets[m.group("name")] = {
                "leader": None if leader.lower() == "none" else leader,
                "expires": m.group("expires"),
                "manual": bool(m.group("manual")),
            }
            continue
        m = _MULTIPLE.match(line)
        if m:
            multiple[m.group("name")] = [s.strip().rstrip(".") for s in m.group("sites").split(",") if s.strip()]
            continue
        raise BoothError("booth list: a line this parser does not know: %r" % line)
    return {"tickets": tickets, "multiple_grants": multiple}


def ticket_resources(constraints, ticket):
    """The resources a site's rsc_ticket constraints tie to a ticket (cib_info's `tickets`: resource, or sets)."""
    out = []
    for c in constraints or []:
        if not isinstance(c, dict) or c.get("ticket") != ticket or c.get("state", "present") != "present":
            continue
        names = [c.get("resource")] if c.get("resource") else []
        for s in c.get("sets") or []:
            names.extend(s.get("resources") or [])
        out.extend(n for n in names if n and n not in out)
    return out


def ticket_state(status, constraints, ticket):
    """A site's view of a ticket from its status model (cluster_status.build_status) and its rsc_ticket constraints:
    {"granted": bool, "resources": {resource: [nodes it runs on]}, "running": any of them runs,
    "all_running": every one runs (False when there is none)}. A group's or a clone's nodes are its members'."""
    status = status or {}
    tickets = status.get("tickets") or {}
    by_id = status.get("resources_by_id") or {}
    parents = status.get("parents_by_id") or {}
    resources = {}
    for rid in ticket_resources(constraints, ticket):
        entry = parents.get(rid) or by_id.get(rid) or {}
        resources[rid] = sorted(entry.get("running_on") or [])
    return {
        "granted": bool((tickets.get(ticket) or {}).get("granted")),
        "resources": resources,
        "running": any(resources.values()),
        "all_running": bool(resources) and all(resources.values()),
    }


def _member_views(members, views):
    """({member: parsed booth list}, [problems]) for the members whose `booth list -s <member>` answered; a member
    whose output does not parse is a problem, one that did not answer is simply absent."""
    parsed, problems = {}, []
    for member in members:
        result = (views or {}).get(member) or {}
        if result.get("rc") != 0 or result.get("skipped"):
            continue
        try:
            parsed[member] = parse_list(result.get("stdout") or "")
        except BoothError as e:
            problems.append("%s: %s" % (member, e))
    return parsed, problems


def _leaders(parsed, ticket, problems):
    """{member: the holder it names} for a ticket; members that do not know it, and warnings of a ticket granted at
    two sites, go to problems."""
    out = {}
    for member in sorted(parsed):
        tickets = parsed[member]["tickets"]
        if ticket not in tickets:
            problems.append("booth at %s does not know the ticket %s (is its booth.conf current?)" % (member, ticket))
            continue
        out[member] = tickets[ticket]["leader"]
        if ticket in parsed[member]["multiple_grants"]:
            problems.append("booth at %s warns that %s is granted at more than one site: %s"
                            % (member, ticket, ", ".join(parsed[member]["multiple_grants"][ticket])))
    if len(set(out.values())) > 1:
        problems.append("booth's members disagree on who holds %s: %s" % (
            ticket, "; ".join("%s says %s" % (m, out[m] or "none") for m in sorted(out))))
    return out


def switchover_plan(config, ticket, target, views, placed):
    """How to move a ticket to the site `target` (a site's cluster), from booth's views.

    views: {member address: the result of `booth list -s <address>` ({"rc", "stdout"})}; a member whose booth does not
    answer has rc != 0.
    placed: the booth_hosts filter's result. Returns {"holder": the site's cluster that holds the ticket, or "",
    "holder_address", "holder_node" (its first node), "target_address", "target_node", "client": the host that runs
    booth grant and revoke (the first arbitrator, else the first site node), "views": {member: leader}, "problems"}.
    Problems (nothing may change then): no member answered, the members disagree on the holder, the target site's
    booth is not running, the holder's address is not a site's.
    """
    members = [x["address"] for x in config["sites"]] + [x["address"] for x in config["arbitrators"]]
    parsed, problems = _member_views(members, views)
    by_address = dict((x["address"], x["cluster"]) for x in config["sites"])
    target_address = dict((c, a) for a, c in by_address.items()).get(target)
    leaders = _leaders(parsed, ticket, problems)
    if not parsed:
        problems.append("no member's booth answered booth list")
    target_nodes = (placed.get("sites") or {}).get(target) or []
    if target_address and target_address not in leaders:
        problems.append("booth at the site %s (%s) does not answer booth list" % (target, target_address))
    leader = next(iter(leaders.values())) if leaders and len(set(leaders.values())) == 1 else None
    holder = ""
    if leader is not None:
        holder = by_address.get(leader, "")
        if not holder:
            problems.append("%s is held by %s, which is not a site's address" % (ticket, leader))
    clients = [placed["client"]] if placed.get("client") else (placed.get("arbitrators") or []) + (placed.get("site_nodes") or [])
    return {
        "holder": holder,
        "holder_address": leader or "",
        "holder_node": ((placed.get("sites") or {}).get(holder) or [""])[0] if holder else "",
        "target_address": target_address or "",
        "target_node": target_nodes[0] if target_nodes else "",
        "client": clients[0] if clients else "",
        "views": leaders,
        "problems": problems,
    }


def agreement(config, views):
    """Every member's view of every ticket, from `booth list -s <member>` asked of each ({member address: {"rc",
    "stdout"}}): {"leaders": {ticket: its holder's address or None}, "answered": [members], "problems": [...]}.
    Problems: a member that does not answer, a ticket a member does not know, members that disagree on a holder, a
    ticket booth says is granted at two sites."""
    members = [x["address"] for x in config["sites"]] + [x["address"] for x in config["arbitrators"]]
    parsed, problems = _member_views(members, views)
    problems += ["booth at %s does not answer booth list" % m for m in members if m not in parsed]
    answered = [m for m in members if m in parsed]
    leaders = {}
    for ticket in [t["name"] for t in config["tickets"]]:
        views_of = _leaders(parsed, ticket, problems)
        if views_of and len(set(views_of.values())) == 1:
            leaders[ticket] = next(iter(views_of.values()))
    return {"leaders": leaders, "answered": answered, "problems": problems}


def restart_order(config, leaders, only=None):
    """The order in which the members restart to take a new authfile or configuration: the arbitrators, then the
    sites that hold the fewest tickets. While part of the members runs the new key and part the old, each part talks
    only to itself; a holder restarted last keeps a majority (the others) for as long as it can, and is then away for
    one restart, far less than the lease it renewed last. only: the addresses of the members to restart (None: all).
    [{"kind": "arbitrator"|"site", "name": host or cluster, "address"}]."""
    held = {}
    for leader in (leaders or {}).values():
        if leader:
            held[leader] = held.get(leader, 0) + 1
    order = [{"kind": "arbitrator", "name": a["host"], "address": a["address"]} for a in config["arbitrators"]]
    sites = sorted(config["sites"], key=lambda s: (held.get(s["address"], 0), config["sites"].index(s)))
    order += [{"kind": "site", "name": s["cluster"], "address": s["address"]} for s in sites]
    return order if only is None else [m for m in order if m["address"] in only]
