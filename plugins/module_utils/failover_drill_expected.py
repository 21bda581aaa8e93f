# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The expected recovery of a failover drill (pure): what the cluster's settings say a failover should take.

Part of the failover drill engine (docs/architecture.md lists the others).

- duration_s(text), timing(cmap)  -> Pacemaker's and corosync's durations; the effective token and consensus
- op_durations(cib_root)          -> how long each resource's start, stop, monitor, promote, demote and
                                     notify took (the CIB's own operation history)
- fencing_settings(config, node)  -> what fencing a node costs: devices, delays, timeout
- expected(drill, ...)            -> the recovery to expect, term by term, and a worst-case bound
- grace_seconds(services, ...)    -> how long a node that lost quorum may take to let go

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import running_timing
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_observe import STALE_S
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_plan import NODE_FAULTS, PLANNED, DrillError
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_services import by_id, is_stonith
from ansible_collections.clusterops.ha.plugins.module_utils.validate import flag


# An allowance for the DC's scheduler run and the dispatch of the actions it decides (seconds).
TRANSITION_S = 1.0
# An operation the CIB has no record of is assumed to take this long (seconds).
UNRECORDED_OP_S = 1.0
# Pacemaker's default operation timeout and stonith-timeout (seconds).
DEFAULT_OP_TIMEOUT_S = 20.0
DEFAULT_STONITH_TIMEOUT_S = 60.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$", re.IGNORECASE)
_UNIT_S = {None: 1.0, "ms": 0.001, "msec": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}
# The operations op_durations() reads; each succeeds with rc 0 (a monitor with 7 or 8 too, see there).
_TIMED_TASKS = ("start", "stop", "monitor", "promote", "demote", "notify")


def duration_s(text, default=None):
    """Pacemaker's and corosync's durations ('10s', '500ms', '1min', '20') in seconds; default when empty."""
    if text is None or str(text).strip() == "":
        return default
    m = _DURATION.match(str(text))
    if not m:
        return default
    return float(m.group(1)) * _UNIT_S[(m.group(2) or "").lower() or None]


def _op(prim, name, config):
    """(interval_s, timeout_s) of a primitive's operation (op_defaults and Pacemaker's default fill in)."""
    defaults = (config or {}).get("op_defaults") or {}
    for op in prim.get("operations") or []:
        if op.get("name") == name:
            return (duration_s(op.get("interval"), 0.0),
                    duration_s(op.get("timeout"), duration_s(defaults.get("timeout"), DEFAULT_OP_TIMEOUT_S)))
    return (0.0, duration_s(defaults.get("timeout"), DEFAULT_OP_TIMEOUT_S))


def timing(cmap):
    """Effective token and consensus (ms) from parsed ``corosync-cmapctl`` output (runtime values first;
    corosync_runtime.running_timing())."""
    return running_timing(cmap)


def op_durations(cib_root):
    """{resource: {op: seconds}}: the longest successful run of each start, stop, monitor, promote, demote and
    notify the CIB's status section records (lrm_rsc_op exec-time), over every node. Clone instances count under
    their base id. The history keeps a resource's last operation per node (and its recurring monitors), so a
    promote or demote is there on the node whose last operation it was."""
    out = {}
    if cib_root is None:
        return out
    for rsc in cib_root.iter("lrm_resource"):
        rid = (rsc.get("id") or "").split(":", 1)[0]
        for op in rsc.findall("lrm_rsc_op"):
            task = op.get("operation")
            # Success is rc 0; a probe (a monitor with interval 0) also succeeds with 7 (not running) or
            # 8 (promoted), and a recurring monitor of a promoted instance with 8.
            ok = ("0",)
            if task == "monitor":
                ok = ("0", "7", "8") if op.get("interval") in (None, "0") else ("0", "8")
            if task not in _TIMED_TASKS or op.get("rc-code") not in ok:
                continue
            try:
                secs = int(op.get("exec-time") or 0) / 1000.0
            except ValueError:
                continue
            mine = out.setdefault(rid, {})
            mine[task] = max(mine.get(task, 0.0), secs)
    return out


def fencing_settings(config, victim):
    """What fencing costs for a victim: {enabled, devices, delay_s, delay_terms, timeout_s} from the configuration."""
    props = (config or {}).get("properties") or {}
    enabled = flag(props.get("stonith-enabled"), True)
    devices = []
    delay = 0.0
    terms = []
    timeout = duration_s(props.get("stonith-timeout"), DEFAULT_STONITH_TIMEOUT_S)
    for prim in (config or {}).get("primitives") or []:
        if not is_stonith(prim.get("agent")):
            continue
        params = prim.get("params") or {}
        hosts = str(params.get("pcmk_host_list") or "").replace(",", " ").split()
        if hosts and victim not in hosts:
            continue
        devices.append(prim["id"])
        base = _delay_base(params.get("pcmk_delay_base"), victim)
        dmax = duration_s(params.get("pcmk_delay_max"), 0.0)
        if base + dmax > delay:
            delay = base + dmax
            terms = [t for t in (("pcmk_delay_base of %s" % prim["id"], base),
                                 ("pcmk_delay_max of %s (random, up to)" % prim["id"], dmax)) if t[1]]
        timeout = max(timeout, duration_s(params.get("pcmk_reboot_timeout"), 0.0))
    priority = duration_s(props.get("priority-fencing-delay"), 0.0)
    if priority:
        delay += priority
        terms.append(("priority-fencing-delay", priority))
    return {"enabled": enabled and bool(devices), "stonith_enabled": enabled, "devices": devices,
            "delay_s": delay, "delay_terms": terms, "timeout_s": timeout}


def _delay_base(value, victim):
    """pcmk_delay_base is a duration, or per node 'node1:5s;node2:0s'."""
    if value is None:
        return 0.0
    text = str(value)
    if ":" in text:
        for part in re.split(r"[;,\s]+", text):
            if ":" in part:
                name, _sep, val = part.partition(":")
                if name == victim:
                    return duration_s(val, 0.0)
        return 0.0
    return duration_s(text, 0.0)


def expected(drill, services, config, cmap_timing, durations, fence_action_s, sample_interval_s):
    """{service: {expected_s, bound_s, terms: [{term, s}], bound_terms}} for the services a drill affects.

    expected: the deterministic waits at their full values (detection by token and consensus, the
    monitor interval, fencing delays), the fence action (the caller's estimate of the device), the
    operations as long as the CIB recorded them last (for a standby, the stops of everything the node
    runs, which may run one at a time), a scheduler allowance and the observation's sample interval.
    bound: the same with operation timeouts and stonith-timeout, the worst case.
    An active-passive service that follows a promotable clone's promoted role (discover_services()) takes the
    promotion with it when a move, a standby or a node fault moves it: its terms add the promotion's
    (_promotion_terms()). An active-active service keeps running on the other nodes: 0 expected.
    """
    prims = by_id((config or {}).get("primitives"))
    by_name = dict((s["name"], s) for s in services)
    out = {}
    for name in drill["affected"]:
        svc = by_name[name]
        if svc["kind"] == "active-active":
            out[name] = {"expected_s": 0.0, "bound_s": 0.0,
                         "terms": [{"term": "instances on the other nodes keep serving", "s": 0.0}], "bound_terms": []}
            continue
        terms, bound = [], []
        members = svc["resources"]
        if drill["type"] == "kill_process":
            idx = members.index(drill["resource"])
            members = members[idx:]
            interval, mon_timeout = _op(prims.get(drill["resource"], {}), "monitor", config)
            rec = durations.get(drill["resource"], {}).get("monitor", UNRECORDED_OP_S)
            terms.append(("monitor interval of %s (the failure is seen at the next monitor)" % drill["resource"], interval))
            terms.append(("monitor of %s (recorded)" % drill["resource"], rec))
            bound += [("monitor interval of %s" % drill["resource"], interval), ("monitor timeout", mon_timeout)]
        if drill["type"] == "standby":
            # The node stops everything it runs, and Pacemaker may run those stops one at a time
            # (node-action-limit, lower still when it throttles a loaded node): all of them count.
            stops = list(reversed(members)) + [r for r in drill.get("node_resources") or [] if r not in members]
        elif drill["type"] in PLANNED or drill["type"] == "kill_process":
            stops = list(reversed(members))
        else:
            stops = []
        for m in stops:
            terms.append(_rec(durations, m, "stop"))
            bound.append(("stop timeout of %s" % m, _op(prims.get(m, {}), "stop", config)[1]))
        if drill["type"] in NODE_FAULTS:
            tm = cmap_timing or {}
            if tm.get("token_ms") is None:
                raise DrillError("corosync: the effective token is unknown (corosync-cmapctl gave no runtime.config.totem.token)")
            det = [("token (effective, %d ms)" % tm["token_ms"], tm["token_ms"] / 1000.0),
                   ("consensus (%d ms)" % tm["consensus_ms"], tm["consensus_ms"] / 1000.0)]
            terms += det
            bound += det
            fencing = fencing_settings(config, drill["node"])
            if fencing["enabled"]:
                terms += fencing["delay_terms"]
                bound += fencing["delay_terms"]
                terms.append(("fence action of %s (failover_drill_fence_action_seconds)" % "/".join(fencing["devices"]),
                              float(fence_action_s)))
                bound.append(("stonith-timeout / pcmk_reboot_timeout", fencing["timeout_s"]))
        if svc.get("follows") and drill["type"] in PLANNED + NODE_FAULTS:
            more, more_bound = _promotion_terms(drill, svc["follows"], prims, config, durations)
            terms += more
            bound += more_bound
        for m in members:
            terms.append(_rec(durations, m, "start"))
            bound.append(("start timeout of %s" % m, _op(prims.get(m, {}), "start", config)[1]))
        terms.append(("scheduler and dispatch allowance", TRANSITION_S))
        terms.append(("observation sample interval", float(sample_interval_s)))
        bound.append(("scheduler and dispatch allowance", TRANSITION_S))
        out[name] = {"expected_s": round(sum(t[1] for t in terms), 2), "bound_s": round(sum(t[1] for t in bound), 2),
                     "terms": [{"term": t, "s": round(s, 3)} for t, s in terms],
                     "bound_terms": [{"term": t, "s": round(s, 3)} for t, s in bound]}
    return out


def _promotion_terms(drill, follows, prims, config, durations):
    """([(term, s)], [(bound term, s)]) of moving a promoted role away from the drill's node, which a service that
    follows it (discover_services()) waits for before it starts elsewhere, in the order Pacemaker runs them:

    - the demote of the old promoted instance (a move or a standby): as recorded, else its stop and its start as
      recorded (PAF's demote restarts PostgreSQL as a standby). A node fault runs no demote: the node is gone
      and its fencing stands for the demote and the stop of its instance;
    - a standby stops the demoted instance (counted with the node's other stops) between the demote and the
      promote, and so does a node fault (by fencing);
    - the promote of another instance, as recorded;
    - the clone's notifications (when its meta notify is true): a round before and one after each demote, stop
      and promote of the clone, real or implied by fencing (crm_simulate's transitions: 4 rounds for a move, 6
      for a standby or a node fault), one after the other, each as long as the longest recorded notify (Pacemaker
      2.1 records none: UNRECORDED_OP_S each);
    bound: the demote's and promote's timeouts, the notify timeout per round, and one more scheduler transition:
    when the agent elects another instance than the one Pacemaker chose (PAF: the most advanced standby), it
    changes the promotion scores and Pacemaker schedules the promote anew. Not expected: in every switchover the
    lab recorded, the promote and the service's start ran in the first transition.
    """
    member = follows["member"]
    prim = prims.get(member, {})
    terms, bound, actions = [], [], ["demote"]
    if drill["type"] in PLANNED:
        if (durations.get(member) or {}).get("demote") is not None:
            terms.append(_rec(durations, member, "demote"))
        else:
            for task in ("stop", "start"):
                label, secs = _rec(durations, member, task)
                terms.append(("demote of %s (no record; counted as its restart): %s" % (member, label), secs))
        bound.append(("demote timeout of %s" % member, _op(prim, "demote", config)[1]))
    if drill["type"] != "move":
        actions.append("stop")
    actions.append("promote")
    terms.append(_rec(durations, member, "promote"))
    bound.append(("promote timeout of %s" % member, _op(prim, "promote", config)[1]))
    if follows.get("notify"):
        rounds = 2 * len(actions)
        why = "before and after the %s and the %s" % (", the ".join(actions[:-1]), actions[-1])
        terms.append(_rec(durations, member, "notify", (rounds, why)))
        bound.append(("notify timeout of %s, %d rounds" % (member, rounds), _op(prim, "notify", config)[1] * rounds))
    bound.append(("another scheduler transition (the election of the instance of %s to promote)" % follows["clone"],
                  TRANSITION_S))
    return terms, bound


def _rec(durations, rid, task, rounds=None):
    """(term, seconds) of an operation as long as the CIB recorded it, UNRECORDED_OP_S without a record.
    rounds: (how many, why) for an operation run that many times one after the other."""
    secs = (durations.get(rid) or {}).get(task)
    what = "%s of %s" % (task, rid)
    count = 1
    each = ""
    if rounds:
        count = rounds[0]
        what = "%s, %d rounds: %s" % (what, count, rounds[1])
        each = " each"
    if secs is None:
        return ("%s (no record: %g s assumed%s)" % (what, UNRECORDED_OP_S, each), UNRECORDED_OP_S * count)
    return ("%s (recorded%s)" % (what, ": %g s%s" % (secs, each) if rounds else ""), secs * count)


def grace_seconds(services, durations, cmap_timing):
    """How long a node that lost quorum may take to let go: it notices after token and consensus, then stops
    every active-passive member (as long as the CIB recorded, or UNRECORDED_OP_S), plus the scheduler allowance
    and the staleness of a sample."""
    stops = sum((durations.get(m) or {}).get("stop", UNRECORDED_OP_S)
                for svc in services if svc["kind"] == "active-passive" for m in svc["resources"])
    tm = cmap_timing or {}
    return round(stops + ((tm.get("token_ms") or 0) + (tm.get("consensus_ms") or 0)) / 1000.0 + TRANSITION_S + STALE_S, 2)
