#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rolling_update
short_description: Decisions of a rolling update from the live cluster (order, gate, drain, pending updates, report)
version_added: 0.3.0
description:
  - The reading half of the C(clusterops.ha.rolling_update) role. It never changes the cluster; the role does,
    one node at a time.
  - V(plan) reads the cluster's status and orders the nodes to service, passive nodes first, the nodes that
    host an active-passive service or a promoted instance last, and a node an interrupted run left behind first
    of all (it carries the node attribute C(clusterops-rolling-update)). Given O(pending), it refuses, before any
    node is touched, a move to Pacemaker 3.0 while the CIB holds forms 3.0 drops or refuses.
  - V(gate) judges a health report (from M(clusterops.ha.cluster_health)) and the status. Every critical check
    must pass, and also failed-actions, leftover-bans, nodes-maintenance, maintenance-mode and unmanaged-blocked;
    every node must be online and the cluster settled. Only a node of O(marked) may be in standby.
  - V(drained) waits until O(node) hosts no active-passive service and no promoted instance, the cluster
    has settled, and everything O(hosted) lists runs on another node - an active-passive service active there, a
    promotable clone (a replicated database) promoted there. When the cluster has settled without one of them
    (it stopped instead of moving), the wait ends with a failure naming it after a short grace, not at the timeout.
  - V(pending) lists the updates C(apt-get) would apply on the target node (optionally only O(packages)), and
    which of them belong to the cluster stack.
  - V(schema) decides whether the CIB's schema moves to Pacemaker 3's (C(pacemaker-4.0)) now, which is only when every node
    of O(node_facts) runs Pacemaker 3 and the live CIB validates with a numbered schema below 4.0. The role then
    runs C(cibadmin --upgrade).
  - V(report) reads no cluster. It turns the moments the role recorded (O(events)) into the run's report and
    returns it - RV(markdown), the timeline as RV(svg) (a lane per node and per service) and one self-contained
    RV(html) page. The role writes them on the controller.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  action:
    description: What to decide; see the description.
    type: str
    required: true
    choices: [plan, gate, drained, pending, schema, report]
  nodes:
    description: The cluster's nodes, in inventory order (ties in the order keep it). Required for V(plan).
    type: list
    elements: str
  up_to_date:
    description: For V(plan), nodes with nothing to apply (C(true)); they are skipped unless marked.
    type: dict
    default: {}
  preferred:
    description: For V(plan), the node services return to at the end (failback policy C(preferred)).
    type: str
  pending:
    description:
      - For V(plan), the result of V(pending) on each node, by node name. A node whose result has a readiness list
        (RV(pacemaker3) not null) is moving to Pacemaker 3.0, and the plan fails while that list is not empty.
    type: dict
    default: {}
  node_facts:
    description:
      - For V(schema), each node's facts by node name, as M(clusterops.ha.cluster_health) takes them (the
        C(cluster_health_inputs) filter over M(clusterops.ha.cluster_node_facts) results); their
        C(pacemaker_version) is read. A node without one (unreachable) counts as unknown, and the schema stays.
    type: dict
  health_report:
    description: For V(gate), the C(report) of M(clusterops.ha.cluster_health).
    type: dict
  expected_nodes:
    description: For V(gate), the nodes that must be online (default every node the cluster knows).
    type: list
    elements: str
  marked:
    description: For V(gate), nodes an interrupted run left in standby on purpose.
    type: list
    elements: str
    default: []
  node:
    description:
      - For V(drained), the node that must have handed its services over.
      - For V(gate), the node about to be taken out; the gate then also checks that the other members keep quorum without it,
        and asks Pacemaker's scheduler (C(crm_simulate) on a copy of the live CIB with the node in standby) where the
        services it hosts would go. One that would run nowhere (a promotable clone promoted nowhere, a service a constraint
        keeps on the node) stops the run before the node is touched.
    type: str
  hosted:
    description:
      - For V(drained), what O(node) hosted before its standby, in RV(roles)' form for one node (C(active) and
        C(promoted) are read). Each must run on another node before the node counts as drained.
      - Without it, only what the node still hosts is checked.
    type: dict
    default: {}
  timeout:
    description: For V(drained), how long to wait, in seconds.
    type: int
    default: 300
  packages:
    description: For V(pending), only these packages (default every pending update).
    type: list
    elements: str
    default: []
  events:
    description:
      - For V(report), the moments of the run in any order, each C({at, event, node, roles, message}) - C(at) in Unix
        seconds, C(event) one of V(start), V(node), V(standby), V(drained), V(stack-stopped), V(updated), V(started),
        V(done), V(failed), V(finish); C(roles) where the services ran then (RV(roles)'s form).
    type: list
    elements: dict
  cluster:
    description: For V(report), the cluster's name in the title.
    type: str
    default: cluster
  release:
    description: For V(report), the release the run moved the nodes to, when it did.
    type: str
    default: ""
  report_name:
    description: For V(report), the report's file name without extension; the Markdown links the timeline as NAME.svg.
    type: str
    default: rolling-update
  pacemaker3_check:
    description:
      - For V(pending), read the live CIB's Pacemaker 3.0 readiness (RV(pacemaker3)) even when the pending updates
        do not move Pacemaker to 3.x, because the node is about to move to Debian 13 (the role's rolling_update_release).
    type: bool
    default: false
notes:
  - V(pending) reads C(apt-get -s dist-upgrade) (a simulation; nothing is installed). Refresh the package lists
    first (the role does, with M(ansible.builtin.apt) C(update_cache)). Other package managers are not supported yet.
"""

EXAMPLES = r"""
- name: The order, from the live cluster
  clusterops.ha.rolling_update:
    action: plan
    nodes: "{{ groups['cluster'] }}"
  register: plan
  run_once: true

- name: The gate
  clusterops.ha.rolling_update:
    action: gate
    health_report: "{{ health.report }}"
    expected_nodes: "{{ groups['cluster'] }}"
  register: gate
  run_once: true

- name: Wait until db2's services run elsewhere (its database primary promoted on another node)
  clusterops.ha.rolling_update:
    action: drained
    node: db2
    hosted: "{{ gate.roles['db2'] }}"
    timeout: 300
  run_once: true

- name: Pending updates on this node
  clusterops.ha.rolling_update:
    action: pending
  register: pending

- name: The run's report from the moments the role recorded
  clusterops.ha.rolling_update:
    action: report
    events:
      - {at: 1796380000.0, event: start, roles: {db1: {active: []}, db2: {active: [site-vip]}}}
      - {at: 1796380002.5, event: node, node: db1}
      - {at: 1796380031.0, event: done, node: db1}
      - {at: 1796380032.0, event: finish}
    cluster: db
    report_name: db-20261204T100000Z
  delegate_to: localhost
  register: report
  run_once: true

- name: Whether the CIB's schema moves to Pacemaker 3's now
  clusterops.ha.rolling_update:
    action: schema
    node_facts: {db1: {pacemaker_version: 3.0.0}, db2: {pacemaker_version: 3.0.0}, db3: {pacemaker_version: 3.0.0}}
  register: schema
  run_once: true
"""

RETURN = r"""
plan:
  description: For V(plan), the order with a reason per node, the skipped nodes, and which nodes are active or passive.
  returned: action is plan
  type: dict
  sample:
    order:
      - {node: db1, reason: hosts no active or promoted instance, active: [], promoted: [], resume: false}
      - {node: db2, reason: "hosts site-vip, site-nginx: serviced after the passive nodes", active: [site-vip, site-nginx],
         promoted: [], resume: false}
    skip: [{node: db3, reason: up to date}]
    active_nodes: [db2]
    passive_nodes: [db1, db3]
    preferred: null
lines:
  description: For V(plan), the plan in words, one line per node.
  returned: action is plan
  type: list
  elements: str
markers:
  description: For V(plan), the phase an interrupted run reached, per marked node.
  returned: action is plan
  type: dict
roles:
  description: For V(plan), V(gate) and V(drained), what each node hosts (active, promoted, clones, fencing).
  returned: action is plan, gate or drained
  type: dict
serving:
  description: For V(plan), where each active-passive service and promoted instance runs, one line each.
  returned: action is plan
  type: list
  elements: str
  sample: [site-vip on db2, lb on db3]
online:
  description: For V(plan), the nodes online.
  returned: action is plan
  type: list
  elements: str
standby:
  description: For V(plan), the nodes in standby.
  returned: action is plan
  type: list
  elements: str
upgrade:
  description: For V(schema), whether the CIB's schema should move to Pacemaker 3's now.
  returned: action is schema
  type: bool
reason:
  description: For V(schema), why or why not, in words.
  returned: action is schema
  type: str
  sample: every node runs Pacemaker 3 and the CIB validates with pacemaker-3.9
validate_with:
  description: For V(schema), the schema the live CIB validates with.
  returned: action is schema
  type: str
  sample: pacemaker-3.9
not_ready:
  description: For V(plan) when it refuses a move to Pacemaker 3.0, the CIB's forms 3.0 drops or refuses.
  returned: failure of action plan
  type: list
  elements: dict
markdown:
  description: For V(report), the report in Markdown (the verdict, a row per node, the timeline's link, every moment).
  returned: action is report
  type: str
svg:
  description: For V(report), the timeline as an SVG document.
  returned: action is report
  type: str
html:
  description: For V(report), the report as one self-contained HTML page (the timeline inlined).
  returned: action is report
  type: str
summary:
  description: For V(report), the run in numbers - its verdict (done, stopped, incomplete), times, and per node the seconds of each phase.
  returned: action is report
  type: dict
predicted:
  description:
    - For V(gate) with O(node) hosting services, Pacemaker's prediction of the node's standby - C(serving) (where each
      service would run, as RV(serving)) and C(missing) (what would run nowhere). Null when the node hosts nothing to move.
  returned: action is gate
  type: dict
  sample: {"serving": ["pgsqld-clone (promoted) on db1", "pgsql-vip on db1"], "missing": []}
passed:
  description: For V(gate), whether the rolling update may go on.
  returned: action is gate
  type: bool
reasons:
  description: For V(gate), why it may not (empty when it may).
  returned: action is gate
  type: list
  elements: str
waited:
  description: For V(drained), seconds waited.
  returned: action is drained
  type: float
missing:
  description: For V(drained), what O(hosted) lists that runs on no other node (a promoted instance as C(id (promoted))).
  returned: action is drained
  type: list
  elements: str
packages:
  description: For V(pending), the updates C(apt-get) would apply.
  returned: action is pending
  type: list
  elements: dict
  sample: [{name: haproxy, old: 2.6.12-1+deb12u3, new: 2.6.12-1+deb12u4, origin: "Debian-Security:12/oldstable-security", arch: amd64}]
stack:
  description: For V(pending), the pending packages that belong to the cluster stack (the role stops the stack for them).
  returned: action is pending
  type: list
  elements: str
major:
  description: For V(pending), the pending updates of pacemaker, corosync, pcs or crmsh that change the major version.
  returned: action is pending
  type: list
  elements: dict
  sample: [{name: pacemaker, old: 2.1.5-1+deb12u1, new: 3.0.0-2, old_major: 2, new_major: 3}]
pacemaker3:
  description:
    - For V(pending), when the updates move Pacemaker from 2.x to 3.x, what the live CIB holds that Pacemaker 3.0
      drops or refuses (the C(pacemaker3-ready) health check's findings; empty when it is ready).
    - V(null) when no such move is pending (and O(pacemaker3_check) is false), or when the CIB could not be read.
  returned: action is pending
  type: list
  elements: dict
"""

import os
import tempfile
import time


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils import pcmk3
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError, read_live_cib, to_xml
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import read_live_config
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_simulate_revised
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import wait_for
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, CommandNotFound, Runner
from ansible_collections.clusterops.ha.plugins.module_utils import report_html
from ansible_collections.clusterops.ha.plugins.module_utils import rolling_update as ru
from ansible_collections.clusterops.ha.plugins.module_utils import timeline
from ansible_collections.clusterops.ha.plugins.module_utils import validate as v
from ansible_collections.clusterops.ha.plugins.module_utils.health import node_facts_errors, report_errors

REQUIRED = {"plan": ["nodes"], "gate": ["health_report"], "drained": ["node"], "pending": [], "schema": ["node_facts"],
            "report": ["events"]}
POLL_SECONDS = 2
HANDOVER_GRACE_SECONDS = 10


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def read_markers(runner):
    """{node: phase} from the permanent node attribute of an interrupted run (the CIB's nodes section)."""
    config = read_live_config(runner)
    out = {}
    for node in (config or {}).get("nodes") or []:
        phase = (node.get("attributes") or {}).get(ru.MARKER_ATTRIBUTE)
        if phase:
            out[node["name"]] = phase
    return out


def do_plan(module, runner):
    status = collect(runner)
    if not status["stack"]["pacemaker"]:
        module.fail_json(msg="Pacemaker is not running on %s: no plan can be made from the cluster's view"
                         % (status.get("local_node") or "this node"))
    markers = read_markers(runner)
    try:
        result = ru.plan(status, module.params["nodes"], module.params["up_to_date"], markers, module.params["preferred"])
    except ValueError as e:
        module.fail_json(msg="preferred: %s" % e)
    errors = ru.pending_errors(module.params["pending"])
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    refusal = ru.pacemaker3_refusal(module.params["pending"])
    if refusal:
        module.fail_json(msg=refusal["message"], not_ready=refusal["not_ready"], moving=refusal["moving"],
                         lines=ru.describe(result))
    module.exit_json(changed=False, plan=result, lines=ru.describe(result), markers=markers, roles=ru.node_roles(status),
                     serving=ru.serving(status), online=status["nodes_online"], standby=status["nodes_standby"])


def do_gate(module, runner):
    errors = report_errors(module.params["health_report"])
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    status = collect(runner)
    reasons = ru.gate(status, module.params["health_report"], module.params["expected_nodes"], module.params["marked"])
    predicted = None
    if module.params["node"]:
        ok, why = ru.quorum_margin(status, module.params["node"])
        if not ok:
            reasons.append("quorum: %s" % why)
        predicted, why = predict_standby(module, runner, status, module.params["node"])
        if why:
            reasons.append("standby of %s: %s" % (module.params["node"], why))
    module.exit_json(changed=False, passed=not reasons, reasons=reasons, roles=ru.node_roles(status), predicted=predicted)


def predict_standby(module, runner, status, node):
    """(where the node's services would go, why the gate must stop or None), from Pacemaker's own scheduler:
    crm_simulate on the live CIB with the node in standby. Nothing is changed on the cluster."""
    hosted = ru.node_roles(status).get(node) or {}
    if not (hosted.get("active") or hosted.get("promoted")):
        return None, None
    root = read_live_cib(runner)
    if root is None:
        return None, "the CIB could not be read (cibadmin --query failed), so where its services would go is unknown"
    candidate = ru.with_standby(root, node)
    if candidate is None:
        return None, "the CIB's nodes section does not list it, so where its services would go is unknown"
    fd, path = tempfile.mkstemp(prefix="standby-", suffix=".xml", dir=module.tmpdir)
    with os.fdopen(fd, "w") as f:
        f.write(to_xml(candidate))
    res = runner.run(["crm_simulate", "--xml-file", path, "--simulate", "--output-as=xml"], check=False)
    if res.rc != 0:
        return None, "crm_simulate could not predict it (rc %s): %s" % (res.rc, (res.stderr or res.stdout).strip()[-300:])
    try:
        after = build_status(crm_mon=parse_simulate_revised(res.stdout), dc_state={"state": "S_IDLE"})
    except StatusParseError as e:
        return None, "crm_simulate's prediction could not be read: %s" % e
    where = ru.handover(after, node, hosted)
    predicted = {"serving": ru.serving(after), "missing": where["missing"]}
    if where["missing"]:
        return predicted, ("Pacemaker's scheduler (crm_simulate of the live CIB with %s in standby) finds no other place for "
                           "%s, which would stop; a constraint or a failure keeps %s from running elsewhere. Nothing was "
                           "changed" % (node, ", ".join(where["missing"]), "it" if len(where["missing"]) == 1 else "them"))
    return predicted, None


def do_drained(module, runner):
    node = module.params["node"]
    hosted = module.params["hosted"] or {}
    errors = v.shape(hosted, ru.ROLES_SHAPE["*"], "hosted")
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    # When the cluster has settled, the node hosts nothing and something it hosted runs nowhere else,
    # Pacemaker has decided: the wait ends after HANDOVER_GRACE_SECONDS of that (not at the timeout).
    stuck = {"since": None}

    def done(status):
        if not status["stack"]["pacemaker"] or status["settled"] is not True:
            stuck["since"] = None
            return False
        where = ru.handover(status, node, hosted)
        if where["busy"]:
            stuck["since"] = None
            return False
        if not where["missing"]:
            return True
        now = time.monotonic()
        stuck["since"] = now if stuck["since"] is None else stuck["since"]
        return now - stuck["since"] >= HANDOVER_GRACE_SECONDS

    seen = wait_for(lambda: collect(runner), done, module.params["timeout"], POLL_SECONDS, clock=time.monotonic, sleep=time.sleep)
    roles = ru.node_roles(seen.value)
    where = ru.handover(seen.value, node, hosted) if seen.value else {"busy": [], "missing": []}
    if seen.met and not where["missing"]:
        module.exit_json(changed=False, waited=round(seen.waited, 1), roles=roles, missing=[])
    if where["missing"] and not where["busy"]:
        module.fail_json(msg="%s's services did not move: %s now run%s on no node. The cluster settled without them "
                             "(a constraint that keeps them on %s, a start that failed elsewhere, or a promotion that "
                             "did not happen); %s must not be updated while it is their only place"
                             % (node, ", ".join(where["missing"]), "s" if len(where["missing"]) == 1 else "",
                                node, node),
                         roles=roles, missing=where["missing"], waited=round(seen.waited, 1))
    why = "still hosts %s" % ", ".join(where["busy"]) if where["busy"] else "the cluster has not settled"
    module.fail_json(msg="%s did not hand its services over within %ss: %s" % (node, module.params["timeout"], why),
                     roles=roles, missing=where["missing"], waited=round(seen.waited, 1))


def do_pending(module, runner):
    try:
        res = runner.run(["apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade"])
    except CommandNotFound:
        module.fail_json(msg="action=pending reads apt-get, which this node does not have; other package managers "
                             "are not supported yet (give the role rolling_update_tasks instead)")
    packages = ru.parse_apt_simulate(res.stdout)
    wanted = module.params["packages"]
    if wanted:
        packages = [p for p in packages if p["name"] in wanted]
    readiness = None
    if ru.to_pacemaker3(packages) or module.params["pacemaker3_check"]:
        root = read_live_cib(runner)
        readiness = None if root is None else pcmk3.findings(root)
    module.exit_json(changed=False, packages=packages, stack=ru.touches_stack([p["name"] for p in packages]),
                     major=ru.major_changes(packages), pacemaker3=readiness)


def do_schema(module, runner):
    errors = node_facts_errors(module.params["node_facts"])
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    root = read_live_cib(runner)
    if root is None:
        module.fail_json(msg="Could not read the CIB's schema: Pacemaker is not running on this node (cibadmin --query failed)")
    validate_with = root.get("validate-with")
    versions = dict((n, f.get("pacemaker_version")) for n, f in module.params["node_facts"].items())
    decision = ru.schema_upgrade(versions, validate_with)
    module.exit_json(changed=False, validate_with=validate_with, **decision)


def do_report(module, runner):
    p = module.params
    errors = ru.event_errors(p["events"])
    v.collect(errors, v.file_name, p["report_name"], "report_name")
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    if not p["events"]:
        module.fail_json(msg="events: no moment recorded; there is nothing to report")
    tl = ru.build_timeline(p["events"], p["cluster"])
    svg = timeline.render_svg(tl)
    markdown = ru.render_markdown({"cluster": p["cluster"], "release": p["release"], "events": p["events"]},
                                  p["report_name"] + ".svg")
    html = report_html.page("Rolling update: %s" % p["cluster"], markdown, {p["report_name"] + ".svg": svg})
    module.exit_json(changed=False, markdown=markdown, svg=svg, html=html, summary=ru.summarize(p["events"]),
                     timeline=tl)


ACTIONS = {"plan": do_plan, "gate": do_gate, "drained": do_drained, "pending": do_pending, "schema": do_schema,
           "report": do_report}


def main():
    module = new_module(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=list(ACTIONS)),
            nodes=dict(type="list", elements="str"),
            up_to_date=dict(type="dict", default={}),
            preferred=dict(type="str"),
            pending=dict(type="dict", default={}),
            node_facts=dict(type="dict"),
            health_report=dict(type="dict"),
            expected_nodes=dict(type="list", elements="str"),
            marked=dict(type="list", elements="str", default=[]),
            node=dict(type="str"),
            hosted=dict(type="dict", default={}),
            timeout=dict(type="int", default=300),
            packages=dict(type="list", elements="str", default=[]),
            pacemaker3_check=dict(type="bool", default=False),
            events=dict(type="list", elements="dict"),
            cluster=dict(type="str", default="cluster"),
            release=dict(type="str", default=""),
            report_name=dict(type="str", default="rolling-update"),
        ),
        required_if=[("action", a, fields) for a, fields in REQUIRED.items() if fields],
        supports_check_mode=True,
    )
    with guard(module):
        if module.params["timeout"] < 1:
            module.fail_json(msg="timeout: must be at least 1 second, got %s" % module.params["timeout"])
        runner = make_runner(module)
        try:
            ACTIONS[module.params["action"]](module, runner)
        except (CommandError, StatusParseError, CibError) as e:
            module.fail_json(msg="Could not read the cluster: %s" % e)


if __name__ == "__main__":
    main()
