# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of the cluster role: the nodelist from inventory, and what a node's existing
corosync.conf means for joining it. Used on the controller by filters; no I/O here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import CorosyncConfError
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

from ansible_collections.clusterops.ha.plugins.module_utils.validate import (
    ValidationError,
    address as check_address,
    address_on_host as check_on_host,
    node_name,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_tuning import (
    LINK_DEFAULT_KEYS,
    TIMING_KEYS,
    TuningError,
    tuned_totem,
)

MAX_LINKS = 8


class PlanError(ClusterOpsError):
    pass


def _as_int(value, host, field):
    if isinstance(value, bool):
        raise PlanError("%s: %s must be a positive integer, got %r" % (host, field, value))
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise PlanError("%s: %s must be a positive integer, got %r" % (host, field, value))
    if number < 1:
        raise PlanError("%s: %s must be a positive integer, got %r" % (host, field, value))
    return number


def existing_nodeids(texts):
    """{node name: nodeid} from the corosync.conf texts of a cluster's members (unparsable ones skipped)."""
    ids = {}
    for text in texts:
        if not text or not str(text).strip():
            continue
        try:
            conf = parse(text)
        except CorosyncConfError:
            continue
        for node in (conf.get("nodelist") or {}).get("node") or []:
            if isinstance(node, dict) and node.get("name") and str(node.get("nodeid", "")).isdigit():
                ids.setdefault(str(node["name"]), int(node["nodeid"]))
    return ids


def _host_addresses(hv):
    """The host's own IPv4 and IPv6 addresses from its gathered facts, or None when none were gathered."""
    facts = hv.get("ansible_facts") or {}
    v4 = facts.get("all_ipv4_addresses", hv.get("ansible_all_ipv4_addresses"))
    v6 = facts.get("all_ipv6_addresses", hv.get("ansible_all_ipv6_addresses"))
    if v4 is None and v6 is None:
        return None
    return list(v4 or []) + list(v6 or [])


def nodelist(hosts, hostvars, existing=None, ip_version=None):
    """Node dicts for corosync.conf from the hosts' variables, sorted by nodeid.

    Per host: cluster_node_name (default: the inventory name), cluster_node_id (default: the id the
    node already has in the running cluster's nodelist (`existing`, {name: id}), else the next free id
    after every id in use, in play order), cluster_node_addresses (default: [ansible_host], else the
    default IPv4). Ids never follow the play's order once a node is a member: removing a host from the
    middle of the inventory must not renumber the others.

    Every address is judged before anything is written: one address or host name (not a list, not a
    CIDR), of the family totem.ip_version allows (ip_version), and an IP address must be one the host
    has (its gathered facts, when there are any).
    """
    if not hosts:
        raise PlanError("the play has no hosts to form a cluster")
    existing = dict(existing or {})
    names = [(hostvars[h] if h in hostvars else {}).get("cluster_node_name") or h for h in hosts]
    for host, name in zip(hosts, names):
        try:
            node_name(name, "cluster_node_name")
        except ValidationError as e:
            raise PlanError("%s: %s%s" % (host, e, "" if name != host else
                                          " (the inventory name; set cluster_node_name for this host)"))
    explicit = [(hostvars[h] if h in hostvars else {}).get("cluster_node_id") for h in hosts]
    used = set(existing.values())
    for host, value in zip(hosts, explicit):
        if value is not None:
            used.add(_as_int(value, host, "cluster_node_id"))
    next_free = [max(used) + 1 if used else 1]

    def pick_id(host, name, value):
        if value is not None:
            return _as_int(value, host, "cluster_node_id")
        if str(name) in existing:
            return existing[str(name)]
        while next_free[0] in used:
            next_free[0] += 1
        used.add(next_free[0])
        return next_free[0]

    nodes = []
    for host, name, value in zip(hosts, names, explicit):
        hv = hostvars[host] if host in hostvars else {}
        nodeid = pick_id(host, name, value)
        addrs = hv.get("cluster_node_addresses")
        if addrs is None:
            fallback = hv.get("ansible_host") or (hv.get("ansible_default_ipv4") or {}).get("address")
            addrs = [fallback] if fallback else []
        if isinstance(addrs, str) or not isinstance(addrs, (list, tuple)):
            raise PlanError("%s: cluster_node_addresses must be a list of addresses, got %r" % (host, addrs))
        if not addrs:
            raise PlanError("%s: cluster_node_addresses is empty and no ansible_host or default IPv4 address "
                            "is known; give the node at least one address" % host)
        if len(addrs) > MAX_LINKS:
            raise PlanError("%s: cluster_node_addresses has %d addresses; knet allows at most %d links"
                            % (host, len(addrs), MAX_LINKS))
        node = {"name": str(name), "nodeid": nodeid}
        own = _host_addresses(hv)
        for link, addr in enumerate(addrs):
            field = "%s: cluster_node_addresses[%d]" % (host, link)
            if addr is None or (isinstance(addr, str) and not addr.strip()):
                raise PlanError("%s is empty" % field)
            try:
                text = check_address(addr, field, ip_version)
                if own is not None:
                    check_on_host(text, field, own)
            except ValidationError as e:
                raise PlanError(str(e))
            node["ring%d_addr" % link] = text
        nodes.append((host, node))

    seen = {}
    for host, node in nodes:
        for field in sorted(node):
            if field == "nodeid" or field == "name" or field.endswith("_addr"):
                key = (field if not field.endswith("_addr") else "address", node[field])
                if key in seen:
                    label = {"nodeid": "cluster_node_id", "name": "cluster_node_name"}.get(field, "cluster_node_addresses")
                    raise PlanError("%s and %s: %s %r is used twice; names, ids and addresses must be unique"
                                    % (seen[key], host, label, node[field]))
                seen[key] = host
    links = [sorted(k for k in entry[1] if k.endswith("_addr")) for entry in nodes]
    for (host, node), have in zip(nodes, links):
        if have != links[0]:
            raise PlanError("%s: has %d address(es) but %s has %d; every node needs one address per link"
                            % (host, len(have), nodes[0][0], len(links[0])))
    return [entry[1] for entry in sorted(nodes, key=lambda item: item[1]["nodeid"])]


def conf_kind(text, cluster_name):
    """absent | debian-default | member | foreign | unparsable."""
    if text is None or not str(text).strip():
        return "absent"
    try:
        conf = parse(text)
    except CorosyncConfError:
        return "unparsable"
    totem = conf.get("totem") or {}
    if isinstance(totem, list):
        totem = totem[0] if totem else {}
    name = totem.get("cluster_name")
    nodes = (conf.get("nodelist") or {}).get("node") or []
    if isinstance(nodes, dict):
        nodes = [nodes]
    if str(name) == str(cluster_name):
        return "member"
    if name == "debian" and len(nodes) == 1 and str(nodes[0].get("ring0_addr")) in ("127.0.0.1", "::1"):
        return "debian-default"
    return "foreign"


def key_plan(hosts, checksums, members, views=None, restarts=True):
    """Where a shared key comes from, which nodes need a copy, and which must restart corosync to use it.

    checksums: {host: sha256 of the node's key file, or None when it has none}.
    members: hosts already part of this cluster (their corosync.conf names it).
    views: {host: {"quorate": bool, "members": [hosts in its corosync membership]}} where corosync runs
    (corosync-quorumtool -s, as each node sees it); a host without a view is not running corosync.

    First bootstrap (no member holds a key): generate a new key on the first host, copy to all.
    Otherwise the key to keep is the one the most members hold; in a tie, the one held by a quorate member
    when only one of the tied keys is (a node restarted with another key is alone and, with a majority
    rule, not quorate); a tie that nothing breaks raises PlanError naming the nodes of each key, before
    anything is copied. Nodes whose copy differs get the key. restart: those of them whose corosync runs
    outside the source's membership (it reads the key only when it starts, and with another key it was
    never a member); a node still in the membership runs with the right key already, whatever its file says.
    restarts=False for a key the daemons do not hold (Pacemaker's: only remote connections read it).
    """
    views = views or {}
    holders = [h for h in hosts if h in members and checksums.get(h)]
    if not holders:
        return {"source": hosts[0], "generate": True, "targets": [h for h in hosts if h != hosts[0]], "restart": []}
    groups = {}
    for h in holders:
        groups.setdefault(checksums[h], []).append(h)

    def quorate(group):
        return [h for h in group if (views.get(h) or {}).get("quorate") is True]

    ranked = sorted(groups.values(), key=lambda g: (-len(g), -len(quorate(g)), hosts.index(g[0])))
    if len(ranked) > 1 and len(ranked[0]) == len(ranked[1]) and bool(quorate(ranked[0])) == bool(quorate(ranked[1])):
        tied = [g for g in ranked if len(g) == len(ranked[0])]
        raise PlanError("the members hold different keys and none is held by a majority or only by quorate "
                        "members: %s. Nothing was copied. Keep the key of the nodes that run the services: copy it by "
                        "hand to the others (stop pacemaker and corosync there first), then run again."
                        % "; ".join("key %d on %s" % (i + 1, ", ".join(g)) for i, g in enumerate(tied)))
    keep = ranked[0]
    source = (quorate(keep) or keep)[0]
    want = checksums[source]
    targets = [h for h in hosts if checksums.get(h) != want]
    in_source = set((views.get(source) or {}).get("members") or [])
    restart = [h for h in targets if restarts and h in views and h in members and h not in in_source]
    return {"source": source, "generate": False, "targets": targets, "restart": restart}


def apply_plan(hosts, members, running, results):
    """How a written corosync.conf takes effect.

    members: hosts that were part of this cluster before this run.
    running: {host: [running services]} from the survey.
    results: {host: corosync_config result (changed, reload_required, restart_required)}.
    Nodes that join start with the new file. Running members whose file changed either reload
    (all changes reloadable: one `corosync-cfgtool -R`, run on one member, applies on all) or are
    restarted one at a time (any change needs a restart).
    """
    live = [h for h in hosts if h in members and "corosync" in (running.get(h) or [])]
    # "changes" too: the plan phase's check-mode preview reports its changes with changed_when: false.
    changed = [h for h in live if (results.get(h) or {}).get("changed") or (results.get(h) or {}).get("changes")]
    restart = [h for h in changed if (results.get(h) or {}).get("restart_required")]
    reload_ = bool(changed) and not restart
    return {
        "reload": reload_,
        "reload_on": live[0] if reload_ else None,
        "restart": restart,
        "action": "restart" if restart else ("reload" if reload_ else "none"),
    }


def totem_section(base, profile, totem_vars, node_count, link_count, link_vars=None, pin_ping_timers=True):
    """The totem section from the role's variables.

    base: the keys the role always writes (version, cluster_name, transport, crypto).
    totem_vars (cluster_totem): timing keys, per-link knet keys and `interface` go through the profile
    (corosync_tuning.tuned_totem, which derives consensus for the node count); any other key is
    written as given. link_vars (cluster_links): options per knet link, by linknumber or position;
    one interface entry is made for each of the link_count addresses every node has, so that pinned
    knet ping timers cover every link (a token change is then reloadable on corosync <= 3.1.10).
    """
    totem_vars = dict(totem_vars or {})
    timing_names = TIMING_KEYS + LINK_DEFAULT_KEYS + ("interface",)
    timing = dict((k, v) for k, v in totem_vars.items() if k in timing_names)
    rest = dict((k, v) for k, v in totem_vars.items() if k not in timing_names)
    by_number = {}
    for position, link in enumerate(link_vars or []):
        if not isinstance(link, dict):
            raise PlanError("cluster_links[%d] must be a dict of knet link options, got %r" % (position, link))
        number = link.get("linknumber", position)
        if isinstance(number, bool) or not str(number).isdigit() or int(number) >= MAX_LINKS:
            raise PlanError("cluster_links[%d].linknumber must be 0..%d, got %r" % (position, MAX_LINKS - 1, number))
        by_number[int(number)] = link
    extra = sorted(n for n in by_number if n >= link_count)
    if extra:
        raise PlanError("cluster_links names link %d but the nodes have %d address(es) (links 0..%d)"
                        % (extra[0], link_count, link_count - 1))
    links = [dict(by_number.get(n, {}), linknumber=n) for n in range(link_count)]
    try:
        tuned = tuned_totem(profile, timing, node_count, links, pin_ping_timers)
    except TuningError as e:
        raise PlanError(str(e))
    section = dict(base)
    section.update(rest)
    section.update(tuned)
    return section


# ---------------------------------------------------------------------------------------------
# who may do what: people and the haclient group

# Pacemaker's ACLs guard the CIB only. Every member of haclient also reaches the fencer, the controller and
# the attribute manager: stonith_admin --reboot/--confirm, crm_resource --cleanup and attrd_updater work for
# any of them, whatever their ACL roles say.
HACLIENT_POWERS = "stonith_admin --reboot/--confirm, crm_resource --cleanup, attrd_updater"


def access_errors(readers, acl_system_users, acl_targets, acl_roles):
    """Messages (empty when none) for the role's people variables, before any node is touched.

    readers: cluster_status_readers (read the status through the sudo wrapper, never in haclient);
    acl_system_users: cluster_acl_system_users (put in haclient); acl_targets / acl_roles: the CIB ACLs.
    A member of haclient can fence nodes and tell the cluster a running node is fenced (split brain), so
    haclient is only for people who act: a system user given haclient must be an ACL target with at least
    one role that writes; who only reads goes into cluster_status_readers instead."""
    errors = []
    readers = [str(r) for r in readers or []]
    acl_system_users = [str(u) for u in acl_system_users or []]
    both = [u for u in acl_system_users if u in readers]
    if both:
        errors.append("cluster_status_readers and cluster_acl_system_users both name %s: a status reader must not be "
                      "in haclient (name each person in one of them)" % ", ".join(both))
    writes = {}
    for role in acl_roles or []:
        if isinstance(role, dict) and role.get("state", "present") != "absent":
            writes[role.get("id")] = any(isinstance(p, dict) and p.get("kind") == "write"
                                         for p in role.get("permissions") or [])
    targets = dict((t.get("id"), list(t.get("roles") or [])) for t in acl_targets or []
                   if isinstance(t, dict) and t.get("state", "present") != "absent")
    for user in acl_system_users:
        if user in both:
            continue
        if user not in targets:
            errors.append("cluster_acl_system_users: %s is no ACL target (cluster_acl_targets), yet haclient lets it "
                          "run %s; give it an ACL target or list it in cluster_status_readers" % (user, HACLIENT_POWERS))
        elif not any(writes.get(r) for r in targets[user]):
            errors.append("cluster_acl_system_users: %s only reads (roles %s), yet haclient lets it run %s, whatever "
                          "its ACL says; list it in cluster_status_readers instead (read-only through sudo, not in "
                          "haclient)" % (user, ", ".join(targets[user]) or "none", HACLIENT_POWERS))
    return errors
