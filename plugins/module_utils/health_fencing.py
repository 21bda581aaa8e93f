# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of fencing: a fence device exists and fencing is on (stonith), and the fencing history holds
no confirmation by hand, no failed, pending or recent fencing (fencing-history, RECENT_FENCING_S).

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import to_bool
from ansible_collections.clusterops.ha.plugins.module_utils.health_base import _failed, _join, _passed, _uniq, _unknown
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time

# A fencing that succeeded less than this long ago (seconds) fails fencing-history as a warning: a node was
# lost (or a drill fenced it), and people should know why. Older ones only count; manual confirmations and
# failures stay reported until the history is cleaned up (stonith_admin --history <node> --cleanup).
RECENT_FENCING_S = 24 * 3600


def check_stonith(ctx):
    if ctx.config is not None:
        enabled = to_bool((ctx.config.get("properties") or {}).get("stonith-enabled"))
        enabled = True if enabled is None else enabled
        devices = [p["id"] for p in ctx.config.get("primitives") or [] if str(p.get("agent", "")).startswith("stonith:")]
    elif ctx.pacemaker:
        enabled = ctx.status["cluster"].get("stonith_enabled")
        enabled = True if enabled is None else enabled
        devices = [rid for rid, r in ctx.status["resources_by_id"].items() if str(r.get("agent") or "").startswith("stonith:")]
    else:
        return _unknown("the configuration could not be read (Pacemaker is not running on %s)" % ctx.local)
    problems, remedy, objects = [], [], []
    if not devices:
        problems.append("no fence device is configured (no primitive with a stonith: agent)")
        remedy += ["pcs stonith list  # the fence agents installed", "pcs stonith create <id> <fence agent> <options>"]
    if not enabled:
        problems.append("stonith-enabled=false: the cluster cannot recover from a node that stops responding")
        remedy.append("pcs property set stonith-enabled=true  # or: crm_attribute -t crm_config -n stonith-enabled -v true")
        objects.append("stonith-enabled")
    if problems:
        if devices:
            remedy.append("pcs stonith fence <node>  # test %s on a node you can lose" % _join(devices))
        return _failed("; ".join(problems), remedy, objects + devices)
    return _passed("stonith-enabled with fence device(s) %s" % _join(devices), devices)


def _when(t, now):
    """'<ISO time> (<age> ago)' of a fence event's completion, for people."""
    if t is None:
        return "at an unknown time"
    age = now - t
    if age < 0:
        ago = "in the future of this node's clock"
    elif age < 3600:
        ago = "%d min ago" % (age // 60)
    elif age < 2 * 86400:
        ago = "%.1f h ago" % (age / 3600.0)
    else:
        ago = "%d days ago" % (age // 86400)
    return "at %s (%s)" % (iso_time(t), ago)


def _recent(event, now):
    # An unknown or future completion time counts as recent: better a warning too many than a fencing missed.
    t = event.get("completed")
    return t is None or now - t < RECENT_FENCING_S


def _later_success(event, events):
    """When the same target was fenced successfully after this event, or None."""
    t = event.get("completed")
    later = [o["completed"] for o in events if o.get("target") == event.get("target") and o.get("status") == "success"
             and t is not None and o.get("completed") is not None and o["completed"] > t]
    return max(later) if later else None


def check_fencing_history(ctx):
    if "fence_history" not in ctx.status:
        return _unknown("the status model has no fencing history")
    events = ctx.status["fence_history"]
    if events is None:
        return _unknown("crm_mon could not read the fencing history from the fencer on %s" % ctx.local)
    now = ctx.now
    manual = [e for e in events if e.get("manual")]
    failed = [e for e in events if e.get("status") == "failed" and not e.get("manual")]
    pending = [e for e in events if e.get("status") == "pending" and not e.get("manual")]
    recent = [e for e in events if e.get("status") == "success" and not e.get("manual") and _recent(e, now)]
    if not (manual or failed or pending or recent):
        if not events:
            return _passed("no fencing in the history")
        return _passed("%d fencing action(s) in the history, none confirmed by hand, none failed, none in the last %d h"
                       % (len(events), RECENT_FENCING_S // 3600))
    unknown = "an unknown node"
    parts, remedy = [], []
    for e in manual:
        parts.append("%s was confirmed fenced by hand (stonith_admin --confirm) %s from %s (client %s): no device fenced it"
                     % (e["target"], _when(e.get("completed"), now), e.get("origin") or unknown, e.get("client") or "unknown"))
    for e in failed:
        later = _later_success(e, events)
        parts.append("fencing (%s) of %s failed %s, asked by %s%s%s" % (
            e.get("action"), e["target"], _when(e.get("completed"), now), e.get("origin") or unknown,
            " (%s)" % e["exit_reason"] if e.get("exit_reason") else "",
            "; fenced later %s" % _when(later, now) if later is not None else ""))
    for e in pending:
        parts.append("fencing (%s) of %s pending, asked by %s" % (e.get("action"), e["target"], e.get("origin") or unknown))
    for e in recent:
        parts.append("%s was fenced (%s) by %s %s, asked by %s" % (
            e["target"], e.get("action"), e.get("executioner") or unknown, _when(e.get("completed"), now),
            e.get("origin") or unknown))
    for t in _uniq([e["target"] for e in manual]):
        remedy += ["# %s: verify it is really off (its power, console or hypervisor), not just unreachable" % t,
                   "# if it was running: stop its resources by hand, or power it off / restart it (systemctl reboot on %s), "
                   "so that nothing runs twice" % t]
    if manual:
        remedy.append("crm_resource --cleanup  # then: Pacemaker probes every resource again and finds any that runs twice")
    remedy.append("stonith_admin --history '*' --verbose  # every fencing the fencers remember: who asked, who did it, when")
    for t in _uniq([e["target"] for e in pending]):
        remedy.append("crm_mon -1 --fence-history=3  # the fencing of %s is under way: wait for it (stonith-timeout)" % t)
    for t in _uniq([e["target"] for e in failed]):
        remedy += ["pcs stonith status  # the fence device(s) of %s; why they failed is in the fencer's log "
                   "(journalctl -u pacemaker | grep -i fenc)" % t,
                   "pcs stonith fence %s  # test the device again once fixed, while %s runs nothing you need" % (t, t)]
    for e in recent:
        remedy.append("journalctl -u pacemaker --since '-%dh' | grep -i fenc  # on %s: why it asked to fence %s"
                      % (RECENT_FENCING_S // 3600, e.get("origin") or "the DC", e["target"]))
    for t in _uniq([e["target"] for e in manual + failed + recent]):
        remedy.append("stonith_admin --history %s --cleanup  # once dealt with: forgets its fencing (or: pcs stonith history cleanup %s)"
                      % (t, t))
    objects = _uniq([e["target"] for e in manual + failed + pending + recent])
    return _failed("; ".join(parts), _uniq(remedy), objects, severity=None if manual else "warning")
