# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of the resources: whether Pacemaker manages them (maintenance-mode, unmanaged-blocked),
their failures (failed-actions, fail-counts), constraints left behind by a move or a ban (leftover-bans), whether
the cluster has settled (resources-placed), and a configuration Pacemaker 3.0 would change (pacemaker3-ready).

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import pcmk3
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import to_bool
from ansible_collections.clusterops.ha.plugins.module_utils.health_base import (
    _failed,
    _join,
    _passed,
    _score_text,
    _uniq,
    _unknown,
)

CLI_CONSTRAINT_PREFIXES = ("cli-ban-", "cli-prefer-")


def check_maintenance_mode(ctx):
    sources = []
    known = False
    if ctx.config is not None:
        known = True
        if to_bool((ctx.config.get("properties") or {}).get("maintenance-mode")):
            sources.append("cluster property")
    if ctx.pacemaker and ctx.status["cluster"].get("maintenance_mode") is not None:
        known = True
        if ctx.status["cluster"]["maintenance_mode"] and not sources:
            sources.append("crm_mon")
    if not known:
        return _unknown("neither the configuration nor crm_mon could be read (Pacemaker is not running on %s)" % ctx.local)
    if not sources:
        return _passed("maintenance-mode is off")
    return _failed("maintenance-mode=true (%s): Pacemaker manages no resource" % sources[0],
                   ["pcs property set maintenance-mode=false  # or: crm_attribute -t crm_config -n maintenance-mode -v false"],
                   ["maintenance-mode"])


def check_failed_actions(ctx):
    failures = ctx.status["failed_actions"]
    if not failures:
        return _passed("no failed actions")
    parts = []
    pairs = []
    for f in failures:
        why = f.get("exitstatus") or "failed"
        if f.get("exitreason"):
            why += " (%s)" % f["exitreason"]
        parts.append("%s %s on %s: %s" % (f["resource"], f.get("operation") or "action", f["node"], why))
        if (f["resource"], f["node"]) not in pairs:
            pairs.append((f["resource"], f["node"]))
    remedy = ["crm_resource --cleanup -r %s -N %s" % pair for pair in pairs]
    return _failed("; ".join(parts), remedy, _uniq([f["resource"] for f in failures]))


def check_fail_counts(ctx):
    if "fail_counts" not in ctx.status:
        return _unknown("the status model has no fail counts")
    counts = ctx.status["fail_counts"]
    if not counts:
        return _passed("no resource has a fail count")
    parts = []
    for fc in counts:
        text = "%s on %s: fail count %s (migration-threshold %s)" % (
            fc["resource"], fc["node"], _score_text(fc["fail_count"]), _score_text(fc.get("migration_threshold")))
        threshold = fc.get("migration_threshold")
        if threshold and fc["fail_count"] >= threshold:
            text += ", banned from %s" % fc["node"]
        parts.append(text)
    remedy = _uniq(["crm_resource --cleanup -r %s -N %s" % (fc["resource"], fc["node"]) for fc in counts])
    return _failed("; ".join(parts), remedy, _uniq([fc["resource"] for fc in counts]))


def _location_node(loc):
    if loc.get("node"):
        return loc["node"]
    for rule in loc.get("rules") or []:
        for e in rule.get("expressions") or []:
            if e.get("attribute") == "#uname" and e.get("value"):
                return e["value"]
    return None


def check_leftover_bans(ctx):
    found = []  # (constraint id, resource, node, kind)
    if ctx.config is not None:
        for loc in ctx.config.get("locations") or []:
            cid = loc.get("id") or ""
            if cid.startswith(CLI_CONSTRAINT_PREFIXES):
                kind = "ban" if cid.startswith("cli-ban-") else "prefer"
                found.append((cid, loc.get("resource") or loc.get("resource_pattern"), _location_node(loc), kind))
    elif ctx.pacemaker:
        for b in ctx.status.get("bans") or []:
            if (b.get("id") or "").startswith(CLI_CONSTRAINT_PREFIXES):
                found.append((b["id"], b.get("resource"), b.get("node"), "ban"))
    else:
        return _unknown("the configuration could not be read (Pacemaker is not running on %s)" % ctx.local)
    if not found:
        return _passed("no cli-ban or cli-prefer constraint")
    parts = []
    for cid, rsc, node, kind in found:
        where = " %s %s" % ("from" if kind == "ban" else "to", node) if node else ""
        parts.append("%s %s %s%s" % (cid, "bans" if kind == "ban" else "pins", rsc, where))
    resources = _uniq([f[1] for f in found])
    return _failed("; ".join(parts), ["crm_resource --clear -r %s  # or: pcs resource clear %s" % (r, r) for r in resources],
                   resources)


def check_unmanaged(ctx):
    # Maintenance (cluster-wide or of a node) unmanages resources on purpose: its own checks say so.
    cluster_maintenance = bool(ctx.status["cluster"].get("maintenance_mode"))
    nodes_maintenance = set(n["name"] for n in ctx.status["nodes"] if n.get("maintenance"))
    unmanaged, blocked = [], []
    for r in ctx.status["resources"]:
        in_maintenance = cluster_maintenance or (r.get("nodes") and set(r["nodes"]) <= nodes_maintenance)
        if not r.get("managed", True) and not in_maintenance and r["id"] not in unmanaged:
            unmanaged.append(r["id"])
        if r.get("blocked"):
            blocked.append("%s blocked%s" % (r["instance"], " on " + _join(r["nodes"]) if r["nodes"] else ""))
    if not unmanaged and not blocked:
        return _passed("every resource managed, none blocked")
    parts = ["%s unmanaged" % r for r in unmanaged] + blocked
    remedy = []
    remedy += ["pcs resource manage %s  # or: crm_resource -r %s --meta -p is-managed -v true" % (r, r) for r in unmanaged]
    blocked_ids = _uniq([r["id"] for r in ctx.status["resources"] if r.get("blocked")])
    remedy += ["crm_resource --cleanup -r %s  # after fencing or stopping it by hand where its stop failed" % r for r in blocked_ids]
    return _failed(", ".join(parts), remedy, _uniq(unmanaged + blocked_ids))


def check_placed(ctx):
    st = ctx.status
    dc = st["cluster"].get("dc")
    if st["settled"] is True:
        return _passed("settled: the DC %s is idle with no pending actions" % dc)
    pend = ["%s %s%s" % (p["instance"], p["pending"], " on " + _join(p["nodes"]) if p["nodes"] else "")
            for p in st["pending_actions"]]
    pend += ["node %s pending" % n["name"] for n in st["nodes"] if n.get("pending")]
    objects = _uniq([p["resource"] for p in st["pending_actions"]])
    if pend:
        msg = "not settled, pending: %s" % ", ".join(pend)
    elif not dc:
        msg = "not settled: no DC elected"
    elif st["settled"] is None:
        return _unknown("the state of the DC %s is unknown" % dc)
    else:
        msg = "not settled: the DC %s is in %s, not S_IDLE" % (dc, st.get("dc_state"))
    remedy = ["crm_resource --wait  # until the cluster has settled", "crm_simulate -Ls  # the actions still planned"]
    remedy += ["crm_resource --why -r %s" % r for r in objects]
    return _failed(msg, remedy, objects)


def check_pacemaker3(ctx):
    if ctx.cib_root is None:
        return _unknown("the CIB could not be read (Pacemaker is not running on %s)" % ctx.local)
    found = pcmk3.findings(ctx.cib_root)
    if not found:
        return _passed("nothing in the configuration that Pacemaker 3.0 drops or refuses")
    fixable = [f for f in found if f["fixable"]]
    remedy = []
    if fixable:
        remedy += ["# %d of them have a replacement that keeps their meaning; see it, then make it in one transaction:"
                   % len(fixable),
                   "ansible <cluster> -m clusterops.ha.cib -a pacemaker3_fixes=true --check --diff",
                   "ansible <cluster> -m clusterops.ha.cib -a pacemaker3_fixes=true"]
    remedy += ["# %s: %s" % (f["object"], f["replacement"]) for f in found if not f["fixable"]]
    return _failed("%d form(s) Pacemaker 3.0 drops or refuses: %s" % (len(found), "; ".join(f["message"] for f in found)),
                   remedy, _uniq(f["object"] for f in found))
