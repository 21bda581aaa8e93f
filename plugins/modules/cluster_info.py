#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_info
short_description: Read the state of a Corosync/Pacemaker cluster and optionally wait for it
version_added: 0.1.0
description:
  - Reads the cluster's own view of itself on the target node, from C(crm_mon --output-as=xml),
    C(corosync-quorumtool -s), C(corosync-cfgtool -s) and C(crmadmin -S), and returns it as one
    status model (nodes, quorum, DC, resources with their roles and nodes, failed actions, knet links).
  - Optionally waits until a set of conditions holds (Pacemaker running, quorum, an elected DC,
    every expected node online, a settled cluster), polling every O(interval) seconds up to O(timeout).
  - The module only reads. It never changes the cluster and always reports C(changed=false).
  - A stopped stack is not an error; it is reported in RV(status.stack) and the conditions.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  wait_for:
    description:
      - Conditions to wait for. Without any, the status is read once and returned.
      - V(pacemaker) - Pacemaker is running and C(crm_mon) can connect to it.
      - V(quorate) - Corosync reports quorum and, when Pacemaker runs, the DC agrees.
      - V(dc) - a Designated Controller is elected.
      - V(online) - every node in O(expected_nodes) is online, not unclean and not pending.
      - V(settled) - the DC is idle (C(S_IDLE)) and no resource action is pending.
    type: list
    elements: str
    choices: [pacemaker, quorate, dc, online, settled]
    default: []
  expected_nodes:
    description:
      - Names of the nodes that must be online for the V(online) condition.
      - When not given, every node the cluster knows (every configured node) must be online.
    type: list
    elements: str
  timeout:
    description:
      - Seconds to wait for O(wait_for) before failing.
    type: int
    default: 300
  interval:
    description:
      - Seconds between two reads of the cluster status while waiting.
    type: int
    default: 2
requirements:
  - Pacemaker command line tools (C(crm_mon), C(crmadmin)) and Corosync tools
    (C(corosync-quorumtool), C(corosync-cfgtool)) on the target node.
notes:
  - Run it with privileges that can read the cluster status (root or a member of C(haclient)).
  - On timeout the module fails with a message naming every condition not met and why,
    and still returns the last status.
seealso:
  - name: crm_mon(8)
    description: Pacemaker's cluster monitor, whose XML output this module reads.
    link: https://clusterlabs.org/pacemaker/doc/
"""

EXAMPLES = r"""
- name: Read the cluster status
  clusterops.ha.cluster_info:
  register: cluster

- name: Show where the web group runs
  ansible.builtin.debug:
    msg: "web runs on {{ cluster.status.parents_by_id.web.running_on }}"

- name: Wait until the cluster is whole and quiet again
  clusterops.ha.cluster_info:
    wait_for: [pacemaker, quorate, dc, online, settled]
    timeout: 600
    interval: 5

- name: Wait for quorum with two nodes only, the third being patched
  clusterops.ha.cluster_info:
    wait_for: [quorate, online]
    expected_nodes: [node1, node2]
    timeout: 120
"""

RETURN = r"""
status:
  description:
    - The cluster status model, as the target node sees it.
    - Values that cannot be known (Pacemaker or Corosync down) are null or empty.
  returned: always
  type: dict
  contains:
    local_node:
      description: This node's cluster name (Corosync's "(local)" member, else C(crm_node -n)).
      type: str
      sample: lab-node1
    stack:
      description: Whether C(corosync) and C(pacemaker) are running here (booleans).
      type: dict
      sample: {"corosync": true, "pacemaker": true}
    cluster:
      description:
        - Cluster summary from C(crm_mon) - C(dc), C(with_quorum), C(stonith_enabled), C(maintenance_mode),
          C(no_quorum_policy), C(nodes_configured), C(resources_configured), C(resources_disabled),
          C(resources_blocked), C(last_change) and more.
      type: dict
    quorum:
      description:
        - Corosync votequorum view - C(quorate), C(expected_votes), C(highest_expected), C(total_votes),
          C(quorum) (votes needed), C(flags), C(ring_id), C(members) (C(nodeid), C(votes), C(name), C(local),
          C(qdevice)), C(qdevice).
      type: dict
    nodes:
      description: Pacemaker nodes with C(name), C(id), C(online), C(standby), C(standby_onfail), C(maintenance),
        C(pending), C(unclean), C(shutdown), C(is_dc), C(resources_running), C(type).
      type: list
      elements: dict
    nodes_online:
      description: Names of the online nodes.
      type: list
      elements: str
    nodes_offline:
      description: Names of the offline nodes.
      type: list
      elements: str
    nodes_standby:
      description: Names of the nodes in standby.
      type: list
      elements: str
    resources:
      description:
        - One entry per primitive instance - C(id), C(parent), C(group), C(clone), C(promotable), C(agent),
          C(role) (V(Started), V(Promoted), V(Unpromoted), V(Stopped) ...), C(active), C(managed), C(failed),
          C(blocked), C(orphaned), C(failure_ignored), C(nodes), C(pending), C(target_role).
      type: list
      elements: dict
    resources_by_id:
      description: Per primitive id - C(running_on), C(promoted_on), C(unpromoted_on), C(roles), C(instances).
      type: dict
    parents_by_id:
      description: Groups, clones and bundles - C(kind), C(children), C(running_on), C(promotable) and more.
      type: dict
    failed_actions:
      description: Failed resource actions - C(resource), C(node), C(operation), C(interval_ms), C(exitstatus),
        C(exitreason), C(exitcode), C(call), C(status), C(last_rc_change).
      type: list
      elements: dict
    fence_history:
      description:
        - The fencers' history (C(crm_mon --fence-history=3)), each event with C(target), C(action), C(status)
          (V(success), V(failed), V(pending)), C(client), C(origin), C(delegate), C(executioner), C(completed)
          (Unix seconds), C(exit_reason) and C(manual) (true for a confirmation by hand, C(stonith_admin --confirm)).
        - Empty when Pacemaker is down; null when crm_mon could not read it.
      type: list
      elements: dict
    tickets:
      description:
        - The cluster's tickets (geo clusters, booth), by ticket - C(granted) (false once revoked), C(standby),
          C(last_granted). A ticket appears once a constraint names it or booth or C(crm_ticket) set it.
      type: dict
      sample: {"geo-web": {"granted": true, "standby": false, "last_granted": "Sun Dec  6 19:40:02 2026"}}
    links:
      description: Knet link status per node - C(link), C(nodeid), C(status) (V(localhost), V(connected),
        V(disconnected)), C(connected).
      type: list
      elements: dict
    settled:
      description: True when the DC is idle and nothing is pending, null when unknown.
      type: bool
    dc_state:
      description: The DC controller's state, for example V(S_IDLE); null when unknown.
      type: str
    notes:
      description: Tools that could not answer, and why.
      type: list
      elements: str
conditions:
  description: Whether each condition holds now.
  returned: always
  type: dict
  sample: {"pacemaker": true, "quorate": true, "dc": true, "online": false, "settled": true}
reasons:
  description: Why each condition does not hold (null for those that hold).
  returned: always
  type: dict
  sample: {"pacemaker": null, "quorate": null, "dc": null, "online": "lab-node3 offline", "settled": null}
waited:
  description: Seconds spent waiting for O(wait_for); 0 without it.
  returned: always
  type: float
  sample: 12.5
"""

import time


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import (
    CONDITIONS,
    check_conditions,
    wait_for as poll,
)


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def _read(runner, expected_nodes):
    status = collect(runner)
    checks = check_conditions(status, expected_nodes)
    return status, checks


def _result(status, checks, waited):
    return {
        "changed": False,
        "status": status,
        "conditions": dict((k, checks[k][0]) for k in CONDITIONS),
        "reasons": dict((k, checks[k][1]) for k in CONDITIONS),
        "waited": round(waited, 3),
    }


def _error_kwargs(err):
    kwargs = {"msg": str(err)}
    if isinstance(err, CommandError):
        kwargs.update(err.as_dict())
    elif isinstance(err, StatusParseError):
        kwargs["tool"] = err.tool
    return kwargs


def main():
    module = new_module(
        argument_spec=dict(
            wait_for=dict(type="list", elements="str", default=[], choices=list(CONDITIONS)),
            expected_nodes=dict(type="list", elements="str"),
            timeout=dict(type="int", default=300),
            interval=dict(type="int", default=2),
        ),
        supports_check_mode=True,
    )
    with guard(module):
        wait_for = []
        for name in module.params["wait_for"] or []:
            if name not in wait_for:
                wait_for.append(name)
        expected = module.params["expected_nodes"] or None
        timeout = module.params["timeout"]
        interval = module.params["interval"]
        if timeout < 0:
            module.fail_json(msg="timeout must be 0 or more seconds")
        if interval < 1:
            module.fail_json(msg="interval must be at least 1 second")

        runner = make_runner(module)

        if not wait_for:
            try:
                status, checks = _read(runner, expected)
            except (CommandError, StatusParseError) as e:
                module.fail_json(**_error_kwargs(e))
            module.exit_json(**_result(status, checks, 0.0))

        # While waiting, a tool failing (stack starting or stopping) is one more reason to poll.
        seen = poll(lambda: _read(runner, expected), lambda read: all(read[1][c][0] for c in wait_for),
                    timeout, interval, clock=time.monotonic, sleep=time.sleep, tolerate=(CommandError, StatusParseError))
        status, checks = seen.value or (None, None)
        if seen.met:
            module.exit_json(**_result(status, checks, seen.waited))
        waited, last_error = seen.waited, seen.error
        if last_error is not None and status is None:
            kwargs = _error_kwargs(last_error)
            kwargs["msg"] = "Timed out after %ds waiting for %s: %s" % (timeout, ", ".join(wait_for), kwargs["msg"])
            kwargs["waited"] = round(waited, 3)
            module.fail_json(**kwargs)
        failed = ["%s: %s" % (c, checks[c][1]) for c in wait_for if not checks[c][0]]
        if last_error is not None:
            failed.append("last read failed: %s" % last_error)
        result = _result(status, checks, waited)
        result["msg"] = "Timed out after %ds waiting for %s; not met: %s" % (timeout, ", ".join(wait_for), "; ".join(failed))
        module.fail_json(**result)


if __name__ == "__main__":
    main()
