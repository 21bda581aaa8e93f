# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of membership: quorum (quorum), the nodes' states (nodes-online, nodes-standby,
nodes-maintenance), corosync's links (links-connected), and what every node must run alike
(corosync-conf-identical, versions-identical, token-consistent).

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.health_base import (
    _describe_groups,
    _failed,
    _groups,
    _join,
    _passed,
    _uniq,
    _unknown,
    _unknown_suffix,
    _version_key,
)


def check_quorum(ctx):
    q = ctx.status["quorum"]
    cl = ctx.status["cluster"]
    if not ctx.status["stack"]["corosync"]:
        return _failed("corosync is not running on %s: no membership, no quorum" % ctx.local,
                       [("pcs cluster start %s" % (ctx.status.get("local_node") or "")).strip(), "corosync-quorumtool -s"],
                       ctx.local_objects())
    if q["quorate"] is False or (ctx.pacemaker and cl["with_quorum"] is False):
        members = [m["name"] for m in q.get("members") or []]
        if members:
            missing = [n for n in ctx.cluster_nodes() if n not in members]
        else:
            missing = [n for n in ctx.cluster_nodes() if n in ctx.status["nodes_offline"]]
        votes = ""
        if q["total_votes"] is not None:
            votes = ": %s of %s expected votes, %s needed" % (q["total_votes"], q["expected_votes"], q["quorum"])
        msg = "the partition of %s is not quorate%s" % (_join(members) or ctx.local, votes)
        if missing:
            msg += "; not members: %s" % _join(missing)
        remedy = ["pcs cluster start %s" % (" ".join(missing) or "--all"), "corosync-quorumtool -s"]
        if missing:
            remedy.append("# only if %s are gone for good (and fenced): pcs quorum expected-votes %s"
                          % (_join(missing), q["total_votes"] or len(members) or 1))
        return _failed(msg, remedy, missing or ctx.local_objects())
    if q["quorate"] is None and cl["with_quorum"] is None:
        return _failed("the quorum state of %s is unknown" % ctx.local, ["corosync-quorumtool -s"], ctx.local_objects())
    if q["total_votes"] is not None:
        return _passed("quorate: %s of %s expected votes (%s needed)" % (q["total_votes"], q["expected_votes"], q["quorum"]))
    return _passed("partition with quorum (DC %s)" % cl["dc"])


def check_nodes_online(ctx):
    if not ctx.pacemaker:
        return _failed("Pacemaker is not running on %s: the node states are unknown" % ctx.local,
                       [("pcs cluster start %s" % (ctx.status.get("local_node") or "")).strip(), "crm_mon -1"], ctx.local_objects())
    names = ctx.cluster_nodes(expected_only=True)
    if not names:
        return _failed("the cluster knows no nodes", ["crm_mon -1", "pcs cluster node add <node>"], [])
    by_name = {n["name"]: n for n in ctx.status["nodes"]}
    problems, offline, unclean, pending, missing = [], [], [], [], []
    for name in names:
        n = by_name.get(name)
        if n is None:
            missing.append(name)
            problems.append("%s unknown to the cluster" % name)
            continue
        bad = []
        if not n.get("online"):
            bad.append("offline")
            offline.append(name)
        if n.get("unclean"):
            bad.append("unclean")
            unclean.append(name)
        if n.get("pending"):
            bad.append("pending")
            pending.append(name)
        if bad:
            problems.append("%s %s" % (name, "/".join(bad)))
    if not problems:
        return _passed("%d nodes online: %s" % (len(names), _join(names)), names)
    remedy = []
    # An offline node whose corosync runs (its facts came from cmap) but is not a member does not need starting:
    # a wrong authkey, another corosync.conf or a cut network keeps it out. Those checks name the cause.
    members = ctx.member_names()
    outside = [n for n in offline if n not in members and ctx.corosync_runs(n)]
    start = [n for n in offline if n not in outside]
    if start:
        remedy.append("pcs cluster start %s" % " ".join(start))
    for name in outside:
        remedy += ["# corosync runs on %s but it is not a member: see authkeys-identical, corosync-conf-identical and "
                   "links-connected" % name,
                   "corosync-cfgtool -s  # on %s" % name]
    for name in unclean:
        remedy.append("pcs stonith fence %s  # or, once it is verified powered off: stonith_admin --confirm %s "
                      "(fencing-history reports it until: stonith_admin --history %s --cleanup)" % (name, name, name))
    for name in pending:
        remedy.append("pcs cluster stop %s && pcs cluster start %s  # if it stays pending" % (name, name))
    for name in missing:
        remedy.append("pcs cluster node add %s  # or drop it from the expected nodes" % name)
    return _failed(", ".join(problems), remedy, _uniq(offline + unclean + pending + missing))


def check_nodes_standby(ctx):
    standby = [n["name"] for n in ctx.status["nodes"] if n.get("standby")]
    onfail = [n["name"] for n in ctx.status["nodes"] if n.get("standby_onfail") and n["name"] not in standby]
    if not standby and not onfail:
        return _passed("no node in standby")
    parts = ["%s in standby" % n for n in standby] + ["%s in standby after a failure (on-fail=standby)" % n for n in onfail]
    remedy = ["pcs node unstandby %s  # or: crm_attribute -N %s -n standby -D" % (n, n) for n in standby]
    remedy += ["crm_resource --cleanup -N %s  # after fixing the failure that put it in standby" % n for n in onfail]
    return _failed(", ".join(parts), remedy, standby + onfail)


def check_nodes_maintenance(ctx):
    names = [n["name"] for n in ctx.status["nodes"] if n.get("maintenance")]
    if not names:
        return _passed("no node in maintenance")
    return _failed(", ".join("%s in maintenance: its resources are not monitored" % n for n in names),
                   ["pcs node unmaintenance %s  # or: crm_attribute -N %s -n maintenance -D" % (n, n) for n in names],
                   names)


def check_links(ctx):
    if not ctx.status["stack"]["corosync"]:
        return _unknown("corosync is not running on %s" % ctx.local)
    if not ctx.status["links"]:
        return _unknown("the link status of %s is unknown (corosync-cfgtool -s not read)" % ctx.local)
    # A link to a node that is offline is down by definition: nodes-online reports that node.
    offline = set(n["name"] for n in ctx.status["nodes"] if not n.get("online"))
    offline.update(ctx.status.get("nodes_offline") or [])
    down = [d for d in ctx.status["links_disconnected"] if ctx.node_name(d["nodeid"]) not in offline]
    if not down:
        return _passed("every link of %s to an online node connected" % ctx.local)
    names = _uniq([ctx.node_name(d["nodeid"]) for d in down])
    parts = ["link %s to %s disconnected" % (d["link"], ctx.node_name(d["nodeid"])) for d in down]
    return _failed("seen from %s: %s" % (ctx.local, ", ".join(parts)),
                   ["corosync-cfgtool -s  # on %s and %s: which links are down" % (ctx.local, _join(names)),
                    "# check the network and the firewall (UDP 5405 and up) between them; pcs cluster start %s if stopped"
                    % " ".join(names)], names)


def check_corosync_conf(ctx):
    known, unknown = ctx.facts("corosync_conf_sha256")
    if not known:
        return _unknown("no node reported the checksum of its corosync.conf")
    groups = _groups(known)
    if len(groups) == 1:
        return _passed("corosync.conf identical on %s (sha256 %s)%s" % (_join(groups[0][1]), groups[0][0][:12],
                                                                        _unknown_suffix(unknown)))
    odd = [n for g in groups[1:] for n in g[1]] if len(groups[0][1]) > len(groups[1][1]) else sorted(known)
    return _failed("corosync.conf differs: %s%s" % (_describe_groups(groups, lambda v: "sha256 " + v[:12]),
                                                    _unknown_suffix(unknown)),
                   ["pcs cluster sync  # on the node whose corosync.conf is right: copies it to every node",
                    "pcs cluster reload corosync"], odd)


def check_versions(ctx):
    problems, objects, remedy = [], [], []
    any_known = False
    for key, label in (("pacemaker_version", "Pacemaker"), ("corosync_version", "Corosync")):
        known, unknown = ctx.facts(key)
        any_known = any_known or bool(known)
        groups = _groups(known)
        if len(groups) > 1:
            newest = max(known.values(), key=_version_key)
            problems.append("%s %s%s" % (label, _describe_groups(groups), _unknown_suffix(unknown)))
            objects += [n for n in sorted(known) if known[n] != newest]
            remedy.append("# upgrade %s to %s on %s" % (label, newest, _join(n for n in sorted(known) if known[n] != newest)))
    if not problems and ctx.pacemaker and ctx.status["cluster"].get("mixed_version"):
        problems.append("crm_mon reports nodes with mixed Pacemaker versions (DC %s runs %s)"
                        % (ctx.status["cluster"]["dc"], ctx.status["cluster"].get("dc_version")))
        remedy.append("pacemakerd --version  # on every node, to find the ones to upgrade one at a time with pcs node standby")
        any_known = True
    if not any_known:
        return _unknown("no node reported its versions")
    if not problems:
        return _passed("same versions on every node that reported them")
    objects = _uniq(objects)
    steps = []
    for n in objects:
        steps += ["pcs node standby %s" % n, "# upgrade pacemaker and corosync on %s" % n, "pcs node unstandby %s" % n]
    return _failed("; ".join(problems), remedy + steps, objects)


def check_token(ctx):
    known, unknown = ctx.facts("token_ms")
    if not known:
        return _unknown("no node reported its running token timeout")
    want = ctx.expected.get("token_ms")
    if want is not None:
        off = [n for n in sorted(known) if int(known[n]) != int(want)]
        if not off:
            return _passed("token %s ms on %s, as expected%s" % (want, _join(sorted(known)), _unknown_suffix(unknown)))
        msg = "expected token %s ms; %s" % (want, _describe_groups(_groups(known), lambda v: "%s ms" % v))
    else:
        groups = _groups(known)
        if len(groups) == 1:
            return _passed("token %s ms on %s (no expected value given)%s" % (groups[0][0], _join(groups[0][1]),
                                                                              _unknown_suffix(unknown)))
        off = [n for g in groups[1:] for n in g[1]]
        msg = "the running token differs: %s" % _describe_groups(groups, lambda v: "%s ms" % v)
    return _failed(msg + _unknown_suffix(unknown),
                   ["pcs cluster config update totem token=%s  # the configured token, not the runtime value" % (want or "<ms>"),
                    "pcs cluster reload corosync",
                    "corosync-cmapctl -g runtime.config.totem.token  # on %s, to verify" % _join(off)], off)
