# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the booth role (geo clusters). Thin wrappers over module_utils/booth.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.clusterops.ha.plugins.module_utils import booth
from ansible_collections.clusterops.ha.plugins.module_utils import site_drill
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_plan import PlanError, key_plan
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import FirewallError, booth_errors, booth_ruleset


def _used_tickets(hosts, hostvars):
    """{ticket: [where]} from the rsc_ticket constraints (cluster_tickets) of the sites' nodes."""
    used = {}
    for host in hosts or []:
        hv = hostvars[host]
        for c in hv.get("cluster_tickets") or []:
            if isinstance(c, dict) and c.get("ticket") and c.get("state", "present") == "present":
                where = "cluster %s's constraint %s" % (hv.get("cluster_name"), c.get("id") or c.get("resource") or "?")
                if where not in used.setdefault(c["ticket"], []):
                    used[c["ticket"]].append(where)
    return used


def booth_config(config, hosts=None, hostvars=None, errors=False):
    """The booth configuration judged and completed (booth.check). hosts/hostvars: the sites' nodes, whose
    cluster_tickets must name only tickets booth defines. errors=True: the list of messages instead."""
    used = _used_tickets(hosts, hostvars) if hostvars is not None else {}
    result, problems = booth.check(config, used)
    if errors:
        return problems
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    return result


def booth_hosts(hosts, hostvars, config, errors=False):
    """Where each host of the play belongs: {"arbitrators": [hosts], "site_nodes": [hosts], "sites": {cluster:
    [hosts]}, "place": {cluster: its place in booth_sites, from 1}, "client": the host that runs booth's commands for the
    play (booth list -s, grant, revoke): the first arbitrator, else the first site node}. A site node is a host whose
    cluster_name is a site's cluster; an arbitrator is named by booth_arbitrators[].host. errors=True: the list of
    messages (a host that is neither, an arbitrator or a site with no host in the play) instead."""
    config = config or {}
    sites = [s.get("cluster") for s in config.get("sites") or [] if isinstance(s, dict)]
    arbs = [a.get("host") for a in config.get("arbitrators") or [] if isinstance(a, dict)]
    placed = {"arbitrators": [], "site_nodes": [], "sites": dict((c, []) for c in sites if c),
              "place": dict((c, i + 1) for i, c in enumerate(sites) if c)}
    problems = []
    for host in hosts or []:
        cluster = hostvars[host].get("cluster_name")
        if host in arbs:
            if cluster in sites:
                problems.append("booth_arbitrators: %s is a node of the site %s; an arbitrator must be outside every "
                                "site's cluster" % (host, cluster))
            placed["arbitrators"].append(host)
        elif cluster and cluster in placed["sites"]:
            placed["site_nodes"].append(host)
            placed["sites"][cluster].append(host)
        else:
            problems.append("%s is in the play but is neither an arbitrator (booth_arbitrators[].host) nor a node of a "
                            "site (its cluster_name %s is not one of booth_sites[].cluster: %s)"
                            % (host, cluster, ", ".join(str(c) for c in sites)))
    placed["client"] = (placed["arbitrators"] + placed["site_nodes"] + [""])[0]
    for i, host in enumerate(arbs):
        if host not in (hosts or []):
            problems.append("booth_arbitrators[%d].host: %r is not a host of this play" % (i, host))
    for cluster, members in placed["sites"].items():
        if not members:
            problems.append("booth_sites: the site %s has no node in this play (no host has cluster_name %s)"
                            % (cluster, cluster))
    if errors:
        return problems
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    return placed


def booth_conf(config):
    """booth.conf's text for a configuration booth_config returned."""
    return booth.render(config)


def booth_list(text):
    """`booth list` as {tickets: {name: {leader, expires, manual}}, multiple_grants: {name: [sites]}}."""
    try:
        return booth.parse_list(text)
    except booth.BoothError as e:
        raise AnsibleFilterError(str(e))


def booth_ticket_state(status, constraints, ticket):
    """A site's view of a ticket (booth.ticket_state): granted, and where the resources it guards run."""
    return booth.ticket_state(status, constraints, ticket)


def booth_switchover_plan(config, ticket, target, views, placed):
    """How to move a ticket to a site (booth.switchover_plan): the holder, the nodes to watch, the problems."""
    return booth.switchover_plan(config, ticket, target, dict(views or {}), placed or {})


def booth_agreement(config, views):
    """Every member's view of every ticket (booth.agreement): leaders, answered, problems."""
    return booth.agreement(config, dict(views or {}))


def booth_site_drill_plan(config, agreement, placed, ticket, site="", fault="crash", with_arbitrators=False, constraints=None):
    """A site drill planned (site_drill.plan): the site to lose (site "": the ticket's holder), its hosts, what booth's
    settings predict, and the problems that forbid the drill (none: it may strike)."""
    return site_drill.plan(config, agreement or {}, placed or {}, ticket, site or "", fault, bool(with_arbitrators),
                           dict(constraints or {}))


def booth_restart_order(config, leaders, only=None):
    """The members in the order they restart to take a new authfile or configuration (booth.restart_order); only:
    the addresses of the members to restart (None: all)."""
    return booth.restart_order(config, leaders or {}, None if only is None else list(only))


def booth_key_plan(hosts, checksums):
    """Where the authfile comes from and where it goes (cluster_plan.key_plan, the majority's key kept):
    checksums {host: sha256 or None}."""
    hosts = list(hosts)
    holders = [h for h in hosts if checksums.get(h)]
    try:
        return key_plan(hosts, dict(checksums), holders, restarts=False)
    except PlanError as e:
        raise AnsibleFilterError(str(e).replace("stop pacemaker and corosync there first", "stop booth there first"))


def booth_firewall_rules(hosts, hostvars, config, sources=None):
    """The nft -f text of booth's table on a member (firewall.booth_ruleset): booth's port open to the members,
    the play's hosts (their primary IPv4 addresses, from their facts) and ``sources`` (booth_firewall_sources,
    which the role's preflight judged with check_values)."""
    sources = [] if sources is None else sources
    problems = booth_errors(sources, booth.PORT, enabled=False)
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    addresses = {}
    for host in hosts or []:
        facts = hostvars[host].get("ansible_facts") or {}
        if "interfaces" not in facts:
            raise AnsibleFilterError("booth_firewall_rules: %s has no network facts (gather_subset network); booth's "
                                     "firewall opens the port to the play's hosts by their addresses" % host)
        addresses[host] = booth.primary_ipv4(facts)
    try:
        return booth_ruleset(booth.firewall_sources(config, addresses, sources), config.get("port", booth.PORT))
    except FirewallError as e:
        raise AnsibleFilterError(str(e))


class FilterModule(object):
    def filters(self):
        return {"booth_config": booth_config, "booth_conf": booth_conf, "booth_list": booth_list,
                "booth_hosts": booth_hosts, "booth_ticket_state": booth_ticket_state,
                "booth_switchover_plan": booth_switchover_plan, "booth_agreement": booth_agreement,
                "booth_restart_order": booth_restart_order, "booth_site_drill_plan": booth_site_drill_plan, "booth_key_plan": booth_key_plan,
                "booth_firewall_rules": booth_firewall_rules}
