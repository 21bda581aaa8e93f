# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status read through the command seam (part of the status engine: cluster_status.py lists the others).

- collect(runner)              -> runs corosync-quorumtool, corosync-cfgtool, crm_mon and crmadmin (crm_node
                                  when quorumtool does not name the local node) and returns build_status()'s model
- read_stack_versions(runner)  -> {corosync, pacemaker}: the installed versions (parse_version())

Raises the seam's CommandError/CommandNotFound for unexpected failures and StatusParseError for output that
cannot be understood. Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import (
    QUORUMTOOL_RC_DOWN,
    QUORUMTOOL_RC_NOT_QUORATE,
    QUORUMTOOL_RC_QUORATE,
    parse_cfgtool,
    parse_quorumtool,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_dc, parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError

# crm_mon exits with CRM_EX_DISCONNECT (102) when it cannot reach the cluster.
CRM_MON_RC_DISCONNECTED = 102
DEFAULT_CRMADMIN_TIMEOUT_MS = 5000
# Seconds a crmadmin call may run past its own -t before the seam kills it.
CRMADMIN_GRACE_S = 5
# The first dotted number of `corosync -v` / `pacemakerd --version`.
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


# ---------------------------------------------------------------------------------------------
# collection through the command seam


def _tail(result):
    lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
    return lines[-1] if lines else "no output"


def collect(runner, crmadmin_timeout_ms=DEFAULT_CRMADMIN_TIMEOUT_MS):
    """Run the cluster's own tools through the seam and return the status model.

    Raises CommandError/CommandNotFound (from the seam) for unexpected failures and
    StatusParseError for output that cannot be understood.
    """
    notes = []
    timeout = str(int(crmadmin_timeout_ms))

    # Corosync: quorum and membership. rc 1 means corosync cannot be reached.
    res = runner.run(["corosync-quorumtool", "-s"],
                     ok_rcs=(QUORUMTOOL_RC_QUORATE, QUORUMTOOL_RC_NOT_QUORATE, QUORUMTOOL_RC_DOWN))
    quorum = None
    corosync = res.rc != QUORUMTOOL_RC_DOWN
    if corosync:
        quorum = parse_quorumtool(res.stdout, rc=res.rc)
    else:
        notes.append("corosync-quorumtool -s: rc=%s: %s" % (res.rc, _tail(res)))

    # Corosync: knet link status. rc 1 means corosync cannot be reached.
    cfg = None
    if corosync:
        res = runner.run(["corosync-cfgtool", "-s"], ok_rcs=(0, 1))
        if res.rc == 0:
            cfg = parse_cfgtool(res.stdout)
        else:
            notes.append("corosync-cfgtool -s: rc=%s: %s" % (res.rc, _tail(res)))

    # Pacemaker: the whole picture, with every fencing action the fencers remember (level 3: successes too,
    # among them the manual confirmations). rc 102 means not connected (the XML still says why).
    res = runner.run(["crm_mon", "--output-as=xml", "--fence-history=3"], ok_rcs=(0, CRM_MON_RC_DISCONNECTED))
    if res.stdout.strip() or res.rc == 0:
        crm = parse_crm_mon(res.stdout)
    else:
        crm = {"running": False, "code": res.rc, "message": "Not connected",
               "errors": [_tail(res)] if (res.stderr.strip() or res.stdout.strip()) else [],
               "api_version": None, "pacemakerd_state": None}
    pacemaker = crm["running"]

    dc = crm["cluster"]["dc"] if pacemaker else None
    if pacemaker and dc is None and not crm.get("has_current_dc", True):
        # Only an older crm_mon without <current_dc> leaves us asking the controller directly.
        dc = _ask_dc(runner, timeout, notes)
        if dc:
            crm["cluster"]["dc"] = dc

    dc_state = None
    if pacemaker and dc:
        dc_state = _ask_dc_state(runner, dc, timeout, notes)

    local_node = quorum.get("local_name") if quorum else None
    if local_node is None and pacemaker:
        local_node = _ask_local_node(runner, notes)

    return build_status(crm_mon=crm, quorum=quorum, cfgtool=cfg, dc_state=dc_state,
                        corosync_running=corosync, local_node=local_node, notes=notes)


def _crmadmin_kill_after(timeout):
    """Seconds after which a crmadmin call is killed: its own -t does not hold when the DC it asks
    has just died (seen in a rolling update when the DC was killed: crmadmin -S waited for ever)."""
    return int(timeout) / 1000.0 + CRMADMIN_GRACE_S


def parse_version(text):
    """The first dotted number of ``corosync -v`` / ``pacemakerd --version``, or None."""
    m = _VERSION.search(text or "")
    return m.group(1) if m else None


def read_stack_versions(runner):
    """{corosync, pacemaker}: the installed versions on this node (None where the tool is missing or fails)."""
    out = {}
    for name, argv in (("corosync", ["corosync", "-v"]), ("pacemaker", ["pacemakerd", "--version"])):
        try:
            res = runner.run(argv, check=False)
        except CommandError:
            out[name] = None
            continue
        out[name] = parse_version(res.stdout) if res.rc == 0 else None
    return out


def _ask_dc(runner, timeout, notes):
    res = runner.run(["crmadmin", "-D", "-t", timeout, "--output-as=xml"], check=False,
                     timeout=_crmadmin_kill_after(timeout))
    if res.rc != 0:
        notes.append("crmadmin -D: rc=%s: %s" % (res.rc, _tail(res)))
        return None
    return parse_crmadmin_dc(res.stdout)


def _ask_dc_state(runner, dc, timeout, notes):
    res = runner.run(["crmadmin", "-S", dc, "-t", timeout, "--output-as=xml"], check=False,
                     timeout=_crmadmin_kill_after(timeout))
    if res.rc == 0:
        return parse_crmadmin_state(res.stdout)
    # A DC that does not answer in time (election, overload) leaves "settled" unknown.
    notes.append("crmadmin -S %s: rc=%s: %s" % (dc, res.rc, _tail(res)))
    try:
        parsed = parse_crmadmin_state(res.stdout)
    except StatusParseError:
        return None
    return parsed if parsed["state"] else None


def _ask_local_node(runner, notes):
    try:
        res = runner.run(["crm_node", "-n"], check=False)
    except CommandError as e:
        notes.append(str(e))
        return None
    lines = [ln.strip() for ln in res.stdout.splitlines() if ln.strip()]
    if res.rc == 0 and len(lines) == 1:
        return lines[0]
    notes.append("crm_node -n: rc=%s: %s" % (res.rc, _tail(res)))
    return None
