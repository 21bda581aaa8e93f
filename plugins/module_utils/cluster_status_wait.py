# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The named conditions of the status model and the one wait of the collection (part of the status engine:
cluster_status.py lists the others).

- CONDITIONS                                     pacemaker, quorate, dc, online, settled
- check_conditions(status, expected_nodes)       -> {name: (holds, why not)}
- evaluate_conditions(), condition_reasons()     -> its two halves
- wait_for(read, done, timeout, interval, ...)   -> Waited: read() until done(value) holds

Pure: the caller gives the clock and the sleep. Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import PACEMAKERD_UP
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import DC_IDLE_STATE

CONDITIONS = ("pacemaker", "quorate", "dc", "online", "settled")


# ---------------------------------------------------------------------------------------------
# conditions


def _check_pacemaker(status):
    if status["stack"]["pacemaker"]:
        return True, None
    cm = status.get("crm_mon") or {}
    state = cm.get("pacemakerd_state")
    if state and state not in PACEMAKERD_UP:
        return False, "pacemakerd is %s" % state
    details = [d for d in [cm.get("message")] + list(cm.get("errors") or [])[-1:] if d]
    if not status["stack"]["corosync"]:
        details.append("corosync not running")
    if details:
        return False, "not running (%s)" % "; ".join(details)
    return False, "not running"


def _check_quorate(status):
    q = status["quorum"]
    cl = status["cluster"]
    if not status["stack"]["corosync"]:
        return False, "corosync not running"
    if q["quorate"] is False:
        return False, "corosync not quorate (%s of %s votes needed)" % (q["total_votes"], q["quorum"])
    if status["stack"]["pacemaker"] and cl["with_quorum"] is False:
        return False, "pacemaker (DC %s) has no quorum" % cl["dc"]
    if q["quorate"] is None and cl["with_quorum"] is None:
        return False, "quorum state unknown"
    return True, None


def _check_dc(status):
    if not status["stack"]["pacemaker"]:
        return False, "pacemaker not running"
    if not status["cluster"]["dc"]:
        return False, "no DC elected"
    return True, None


def _check_online(status, expected_nodes):
    nodes = dict((n["name"], n) for n in status["nodes"])
    if not status["stack"]["pacemaker"]:
        return False, "pacemaker not running, node states unknown"
    if expected_nodes:
        names = list(expected_nodes)
    else:
        names = [n["name"] for n in status["nodes"] if n.get("type") != "ping"]
    if not names:
        return False, "the cluster knows no nodes"
    problems = []
    for name in names:
        n = nodes.get(name)
        if n is None:
            problems.append("%s unknown to the cluster" % name)
            continue
        bad = []
        if not n["online"]:
            bad.append("offline")
        if n["unclean"]:
            bad.append("unclean")
        if n["pending"]:
            bad.append("pending")
        if bad:
            problems.append("%s %s" % (name, "/".join(bad)))
    if problems:
        return False, ", ".join(problems)
    return True, None


def _check_settled(status):
    if status["settled"] is True:
        return True, None
    if not status["stack"]["pacemaker"]:
        return False, "pacemaker not running"
    if not status["cluster"]["dc"]:
        return False, "no DC elected"
    pend = ["%s %s%s" % (p["instance"], p["pending"], " on " + ",".join(p["nodes"]) if p["nodes"] else "")
            for p in status["pending_actions"]]
    pend += ["node %s pending" % n["name"] for n in status["nodes"] if n["pending"]]
    if pend:
        return False, "pending: " + ", ".join(pend)
    if status["dc_state"] is None:
        return False, "state of DC %s unknown" % status["cluster"]["dc"]
    return False, "DC %s is in %s, not %s" % (status["cluster"]["dc"], status["dc_state"], DC_IDLE_STATE)


def check_conditions(status, expected_nodes=None):
    """{name: (ok, reason)} for every condition; reason is None when ok."""
    return {
        "pacemaker": _check_pacemaker(status),
        "quorate": _check_quorate(status),
        "dc": _check_dc(status),
        "online": _check_online(status, expected_nodes),
        "settled": _check_settled(status),
    }


def evaluate_conditions(status, expected_nodes=None):
    """{name: bool} for pacemaker, quorate, dc, online and settled."""
    return dict((k, v[0]) for k, v in check_conditions(status, expected_nodes).items())


def condition_reasons(status, expected_nodes=None):
    """{name: why it does not hold, or None}."""
    return dict((k, v[1]) for k, v in check_conditions(status, expected_nodes).items())


# ---------------------------------------------------------------------------------------------
# the one wait


class Waited:
    """What wait_for saw: met (the condition held), value (the last read that succeeded, or None), error (the
    exception of the last read when it failed and was tolerated, or None), waited (seconds)."""

    def __init__(self, met, value, error, waited):
        self.met, self.value, self.error, self.waited = met, value, error, waited


def wait_for(read, done, timeout, interval, clock, sleep, tolerate=()):
    """The one wait of the collection: read() until done(value) holds, for at most timeout seconds.

    read takes no argument and returns the value (a status, a tuple); an exception of a type in tolerate makes
    that poll fail and the wait go on (a stack that is starting or stopping), any other ends the wait. done is
    called with each value read; it may keep state (the first time something held). Reads happen at once and
    then every interval seconds, the last sleep cut to the time left; a timeout of 0 reads once. clock and
    sleep are the caller's (time.monotonic and time.sleep; tests give fakes), so nothing here sleeps in tests.
    """
    start = clock()
    value = error = None
    while True:
        try:
            value, error = read(), None
        except tolerate as e:  # pylint: disable=catching-non-exception
            error = e
        if error is None and done(value):
            return Waited(True, value, None, clock() - start)
        remaining = start + timeout - clock()
        if remaining <= 0:
            return Waited(False, value, error, clock() - start)
        sleep(min(interval, remaining))
