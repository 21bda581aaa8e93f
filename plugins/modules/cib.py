#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cib
short_description: Make Pacemaker's configuration (the CIB) say what is asked, in one transaction
version_added: 0.2.0
description:
  - Takes the desired resources, constraints, properties, defaults, node attributes and utilization,
    tags, ACLs, alerts and fencing levels, and changes the live CIB to match in one step.
  - "The flow: read the CIB once; build the candidate offline, changing only the objects named;
    check every new or changed primitive against its agent's metadata (unknown agent, missing
    required parameter, unknown parameter); run C(crm_verify) on the candidate; run C(crm_simulate)
    on it to predict what will start, stop, move, promote or demote; push one patch made by
    C(crm_diff). Resources and their constraints therefore appear together: a resource never starts
    before its constraints exist."
  - The patch carries the version of the CIB it was built from. When anyone changed the CIB in
    between, Pacemaker refuses it and the module reads the CIB again and rebuilds, up to O(retries)
    times.
  - "Before anything is built, every field is judged by Pacemaker's own value types: scores, durations
    (operation interval, timeout, start-delay; failure-timeout), ISO 8601 dates in rules, booleans
    (Pacemaker's words only: true/false, yes/no, on/off, y/n, 1/0), integers (utilization values,
    migration-threshold, fencing level index), roles. Cluster property names and values are checked
    against the option metadata of this node's Pacemaker daemons (C(pacemaker-schedulerd metadata) and
    the others), and O(rsc_defaults) and O(op_defaults) names against Pacemaker's meta-attributes, an
    unknown name with a suggestion. References are checked against the live CIB and the call: resources
    in constraints, groups, clones and tags; nodes in locations, node attributes and fencing levels;
    fence devices in fencing levels; ACL roles; alert agent paths on this node. Every problem is
    reported at once, each naming the object and field (C(locations loc-web.score))."
  - "C(crm_verify -V) then checks the candidate: new errors, and new warnings about a value Pacemaker
    could not parse, refuse it, each line prefixed with the object it is about where that can be told.
    A change that C(crm_simulate) predicts would stop every running resource is refused unless
    O(allow_stop_all=true)."
  - An object that exists with other attributes is updated in place; what was asked is exactly what
    the CIB says afterwards (for example operations not listed are removed from a primitive).
    O(primitives[].state=absent) (and likewise for other kinds) removes an object. Objects not named
    are left alone unless their kind is listed in O(purge).
  - Removing a resource also removes the constraints, set members, tag references and fencing-level
    devices that name it, and a group or clone left empty.
  - Ids of sub-elements (nvpairs, operations, rules, sets, permissions, recipients) are generated
    from their parents' ids and are not compared.
  - Runs on one cluster node (use C(run_once)). The input format is exactly what
    M(clusterops.ha.cib_info) returns, so exporting and applying changes nothing.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Builds, verifies and simulates the candidate, returns the changes and the predicted actions, and pushes nothing.
  diff_mode:
    support: full
    details: Returns a normalised before and after of only the objects that change.
  platform:
    platforms: posix
options:
  primitives:
    description: Primitive resources, including fence devices (agent C(stonith:...)).
    type: list
    elements: dict
    suboptions:
      id: {description: "The resource id.", type: str, required: true}
      state: {description: "Whether the resource exists.", type: str, choices: [present, absent], default: present}
      agent:
        description:
          - The agent as C(class:provider:type) (V(ocf:heartbeat:IPaddr2)) or C(class:type)
            (V(systemd:haproxy), V(stonith:fence_docker)). Required when O(primitives[].state=present).
        type: str
      params: {description: "Instance attributes (the agent's parameters).", type: dict}
      meta:
        description:
          - Meta attributes, for example C(resource-stickiness), C(migration-threshold),
            C(failure-timeout), C(target-role), C(is-managed).
        type: dict
      utilization: {description: "What the resource uses, for C(placement-strategy) (for example C(cpu), C(memory)).", type: dict}
      operations:
        description: Operations. A monitor needs an interval. Keys with underscores are written with hyphens (C(on_fail) is C(on-fail)).
        type: list
        elements: dict
        suboptions:
          name: {description: "The action (start, stop, monitor, promote, demote, ...).", type: str, required: true}
          interval: {description: "How often; V(0s) for one-off actions (the default).", type: str}
          timeout: {description: "How long the action may take.", type: str}
          on_fail:
            description: What to do when the action fails.
            type: str
            choices: [ignore, block, stop, restart, standby, fence, demote, restart-container]
          role: {description: "The role the operation applies to.", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
          start_delay: {description: "Delay before the first run.", type: str}
          interval_origin: {description: "Time the interval counts from.", type: str}
          record_pending: {description: "Record the operation while it is pending.", type: bool}
          enabled: {description: "Whether the operation is enabled.", type: bool}
          params: {description: "The operation's instance attributes (for example C(OCF_CHECK_LEVEL)).", type: dict}
          requires: {description: "What the operation needs before it runs.", type: str, choices: [nothing, quorum, fencing, unfencing]}
          description: {description: "Free text.", type: str}
  groups:
    description: Groups. Members are primitives, started in order and kept on one node.
    type: list
    elements: dict
    suboptions:
      id: {description: "The group id.", type: str, required: true}
      state: {description: "Whether the group exists. V(absent) removes it with its members.", type: str, choices: [present, absent], default: present}
      members: {description: "Primitive ids in start order. A primitive dropped from the list stays, outside the group.", type: list, elements: str}
      meta: {description: "Meta attributes.", type: dict}
  clones:
    description: Clones of a primitive or a group; promotable clones have C(promotable=true) in O(clones[].meta).
    type: list
    elements: dict
    suboptions:
      id: {description: "The clone id.", type: str, required: true}
      state: {description: "Whether the clone exists. V(absent) removes it with what it clones.", type: str, choices: [present, absent], default: present}
      member: {description: "The primitive or group that is cloned.", type: str}
      meta: {description: "Meta attributes (C(clone-max), C(clone-node-max), C(interleave), C(promotable), ...).", type: dict}
  locations:
    description: Location constraints, by node and score or by rules.
    type: list
    elements: dict
    suboptions:
      id: {description: "The constraint id; default C(location-RESOURCE-NODE) or C(location-RESOURCE-rule).", type: str}
      state: {description: "Whether the constraint exists.", type: str, choices: [present, absent], default: present}
      resource: {description: "The resource it places.", type: str}
      resource_pattern: {description: "A regular expression matching resource ids.", type: str}
      node: {description: "The node, with O(locations[].score).", type: str}
      score: {description: "A score, C(INFINITY) or C(-INFINITY).", type: str}
      role: {description: "The role it applies to.", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
      resource_discovery: {description: "Whether probes run on the node.", type: str, choices: [always, never, exclusive]}
      rules:
        description: Rules; a rule's score applies where its expressions hold.
        type: list
        elements: dict
        suboptions:
          score: {description: "Score where the rule holds.", type: str}
          score_attribute: {description: "A node attribute whose value is the score.", type: str}
          boolean_op: {description: "How expressions combine.", type: str, choices: [and, or]}
          role: {description: "The role it applies to.", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
          expressions:
            description: Node attribute expressions.
            type: list
            elements: dict
            suboptions:
              attribute: {description: "Node attribute (C(#uname) is the node name).", type: str, required: true}
              operation:
                description: Comparison.
                type: str
                required: true
                choices: [lt, gt, lte, gte, eq, ne, defined, not_defined]
              value: {description: "Value to compare with.", type: str}
              type: {description: "How values compare.", type: str, choices: [string, integer, number, version]}
              value_source: {description: "Where the value comes from.", type: str, choices: [literal, param, meta]}
          date_expressions:
            description: Date expressions.
            type: list
            elements: dict
            suboptions:
              operation: {description: "Comparison.", type: str, required: true, choices: [gt, lt, in_range]}
              start: {description: "ISO 8601 start.", type: str}
              end: {description: "ISO 8601 end.", type: str}
      sets: &sets
        description: Resource sets, instead of a single resource.
        type: list
        elements: dict
        suboptions:
          resources: {description: "Resource ids in the set.", type: list, elements: str, required: true}
          sequential: {description: "Whether members depend on each other in order.", type: bool}
          require_all: {description: "Whether all members are needed (order sets).", type: bool}
          ordering: {description: "Ordering of the set.", type: str, choices: [group, listed]}
          action: {description: "The action the set applies to.", type: str, choices: [start, promote, demote, stop]}
          role: {description: "The role the set applies to.", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
          score: {description: "Score of the set.", type: str}
          kind: {description: "Order kind of the set.", type: str, choices: [Optional, Mandatory, Serialize]}
  colocations:
    description: Colocation constraints.
    type: list
    elements: dict
    suboptions:
      id: {description: "The constraint id; default C(colocation-RESOURCE-WITH).", type: str}
      state: {description: "Whether the constraint exists.", type: str, choices: [present, absent], default: present}
      resource: {description: "The resource placed relative to O(colocations[].with).", type: str}
      with: {description: "The resource placed first.", type: str}
      score: {description: "Score; defaults to C(INFINITY) (must run together).", type: str}
      resource_role: {description: "Role of O(colocations[].resource).", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
      with_role: {description: "Role of O(colocations[].with).", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
      node_attribute: {description: "Node attribute that must match instead of the node.", type: str}
      sets: *sets
  orders:
    description: Order constraints.
    type: list
    elements: dict
    suboptions:
      id: {description: "The constraint id; default C(order-FIRST-THEN).", type: str}
      state: {description: "Whether the constraint exists.", type: str, choices: [present, absent], default: present}
      first: {description: "The resource acted on first.", type: str}
      then: {description: "The resource acted on next.", type: str}
      kind: {description: "How strict (Pacemaker's default is Mandatory).", type: str, choices: [Optional, Mandatory, Serialize]}
      symmetrical: {description: "Whether stops happen in reverse order.", type: bool}
      first_action: {description: "Action of O(orders[].first).", type: str, choices: [start, promote, demote, stop]}
      then_action: {description: "Action of O(orders[].then).", type: str, choices: [start, promote, demote, stop]}
      sets: *sets
  tickets:
    description: Ticket constraints.
    type: list
    elements: dict
    suboptions:
      id: {description: "The constraint id; default C(ticket-TICKET-RESOURCE).", type: str}
      state: {description: "Whether the constraint exists.", type: str, choices: [present, absent], default: present}
      ticket: {description: "The ticket.", type: str}
      resource: {description: "The resource that needs the ticket.", type: str}
      loss_policy: {description: "What happens when the ticket is lost.", type: str, choices: [stop, demote, fence, freeze]}
      role: {description: "Role of the resource.", type: str, choices: [Started, Stopped, Promoted, Unpromoted]}
      sets: *sets
  properties:
    description:
      - Cluster properties (C(cib-bootstrap-options)), for example C(stonith-enabled),
        C(placement-strategy), C(no-quorum-policy). A null value removes the property.
      - Properties not named stay unless V(properties) is in O(purge); Pacemaker's own (C(dc-version),
        C(cluster-infrastructure), C(cluster-name), C(have-watchdog), C(last-lrm-refresh)) are never purged.
    type: dict
  rsc_defaults:
    description: Resource defaults, for example C(resource-stickiness), C(migration-threshold). A null value removes one.
    type: dict
  op_defaults:
    description: Operation defaults, for example C(timeout). A null value removes one.
    type: dict
  nodes:
    description: Permanent node attributes and node utilization. Named keys are set, null removes one, others stay unless V(nodes) is in O(purge).
    type: list
    elements: dict
    suboptions:
      name: {description: "The node name as Pacemaker knows it.", type: str, required: true}
      attributes: {description: "Node attributes.", type: dict}
      utilization: {description: "What the node offers (for example C(cpu), C(memory)).", type: dict}
  tags:
    description: Tags, names for a list of resources or constraints.
    type: list
    elements: dict
    suboptions:
      id: {description: "The tag id.", type: str, required: true}
      state: {description: "Whether the tag exists.", type: str, choices: [present, absent], default: present}
      members: {description: "Ids the tag names.", type: list, elements: str}
  acl_roles:
    description: ACL roles. ACLs apply when the property C(enable-acl) is true, to users in the C(haclient) group other than root and hacluster.
    type: list
    elements: dict
    suboptions:
      id: {description: "The role id.", type: str, required: true}
      state: {description: "Whether the role exists.", type: str, choices: [present, absent], default: present}
      description: {description: "Free text.", type: str}
      permissions:
        description: Rules, each giving one of read, write or deny on an XPath, an id or an element type.
        type: list
        elements: dict
        suboptions:
          kind: {description: "The permission.", type: str, required: true, choices: [read, write, deny]}
          xpath: {description: "XPath of what it covers.", type: str}
          reference: {description: "Id of what it covers.", type: str}
          object_type: {description: "Element name it covers.", type: str}
          attribute: {description: "Attribute it covers, with O(acl_roles[].permissions[].object_type).", type: str}
          description: {description: "Free text.", type: str}
  acl_targets:
    description: ACL users, each with the roles it has.
    type: list
    elements: dict
    suboptions:
      id: {description: "The user name.", type: str, required: true}
      state: {description: "Whether the entry exists.", type: str, choices: [present, absent], default: present}
      roles: {description: "Role ids.", type: list, elements: str}
  acl_groups:
    description: ACL groups (system groups), each with the roles its members have.
    type: list
    elements: dict
    suboptions:
      id: {description: "The group name.", type: str, required: true}
      state: {description: "Whether the entry exists.", type: str, choices: [present, absent], default: present}
      roles: {description: "Role ids.", type: list, elements: str}
  alerts:
    description: Alerts, an agent Pacemaker runs on cluster events, with its recipients.
    type: list
    elements: dict
    suboptions:
      id: {description: "The alert id.", type: str, required: true}
      state: {description: "Whether the alert exists.", type: str, choices: [present, absent], default: present}
      path: {description: "Path of the alert agent on every node.", type: str}
      description: {description: "Free text.", type: str}
      params: {description: "Instance attributes passed to the agent.", type: dict}
      meta: {description: "Meta attributes (C(timeout), C(timestamp-format)).", type: dict}
      select:
        description: Event kinds sent; all when not given.
        type: list
        elements: str
        choices: [nodes, fencing, resources, attributes]
      select_attributes: {description: "With V(attributes) in O(alerts[].select), only these attributes.", type: list, elements: str}
      recipients:
        description: Recipients; their ids are generated.
        type: list
        elements: dict
        suboptions:
          value: {description: "What the agent gets as the recipient (a file, an address).", type: str, required: true}
          description: {description: "Free text.", type: str}
          params: {description: "Instance attributes.", type: dict}
          meta: {description: "Meta attributes.", type: dict}
  fencing_levels:
    description: Fencing topology levels, keyed by target and index.
    type: list
    elements: dict
    suboptions:
      target: {description: "The node the level fences.", type: str, required: true}
      index: {description: "The level (1 is tried first).", type: int, required: true}
      devices: {description: "Fence device ids, all needed for the level to succeed.", type: list, elements: str}
      state: {description: "Whether the level exists.", type: str, choices: [present, absent], default: present}
  purge:
    description:
      - Kinds whose objects not named in this call are removed. Use with care; for example
        V(primitives) removes every primitive (fence devices too) that is not listed.
    type: list
    elements: str
    default: []
    choices: [primitives, groups, clones, locations, colocations, orders, tickets, tags, acl_roles,
              acl_targets, acl_groups, alerts, fencing_levels, nodes, properties, rsc_defaults, op_defaults]
  validate_agents:
    description: Check new and changed primitives against their agent's metadata before anything else.
    type: bool
    default: true
  allow_stop_all:
    description:
      - Push a change that C(crm_simulate) predicts would stop every running resource and start none
        (for example C(stop-all-resources=true), or C(target-role=Stopped) in O(rsc_defaults)).
      - Without it such a change is refused, in check mode too, and nothing is pushed.
    type: bool
    default: false
  pacemaker3_fixes:
    description:
      - Replace, in the same transaction as the other changes, every form Pacemaker 3.0 (Debian 13) drops
        or refuses by the form that keeps its meaning (the C(pacemaker3-ready) health check names them).
        C(<master>) becomes a promotable clone, a location's C(<lifetime>) a rule with the same date
        expression, several top-level rules one location each, C(can_fail) and C(role_after_failure)
        become C(on-fail), Master/Slave become Promoted/Unpromoted, C(stonith-action=poweroff) becomes
        C(off), removed and renamed cluster options are deleted or renamed, and so on.
      - What needs a person (a nagios or upstart resource, the lifetime of a colocation, a fencing level
        above 9 ...) is not changed; it is returned in RV(pacemaker3_left) and warned about.
      - The candidate is checked with C(crm_verify) and C(crm_simulate) like any other change, so a
        replacement that would stop or move resources is shown in RV(predicted_actions) first.
    type: bool
    default: false
  expected_nodes:
    description:
      - Node names that count as nodes of the cluster in reference checks (locations, fencing levels)
        although the CIB does not know them yet, because they join before the real change (the
        C(cluster) role passes its planned nodes).
    type: list
    elements: str
    default: []
  expected_paths:
    description:
      - Alert agent paths that count as present although they are not on this node yet, because the
        caller installs them before the real change (the C(cluster) role's preflight passes its own
        alert agent). Any other alert O(alerts[].path) must exist on the node the module runs on.
    type: list
    elements: path
    default: []
  retries:
    description: How often to rebuild and push again when the CIB changed under the module.
    type: int
    default: 5
"""

EXAMPLES = r"""
- name: A VIP and nginx that move together, nginx after the VIP
  clusterops.ha.cib:
    primitives:
      - id: web-vip
        agent: ocf:heartbeat:IPaddr2
        params: {ip: 192.0.2.10, cidr_netmask: 24}
        operations:
          - {name: monitor, interval: 10s, timeout: 20s}
      - id: web-server
        agent: ocf:heartbeat:nginx
        meta: {migration-threshold: 2, failure-timeout: 120s}
        operations:
          - {name: monitor, interval: 15s, timeout: 30s, on_fail: restart}
    colocations:
      - {resource: web-server, with: web-vip}
    orders:
      - {first: web-vip, then: web-server}
    rsc_defaults:
      resource-stickiness: 100
  run_once: true

- name: What would moving the VIP off node1 do?
  clusterops.ha.cib:
    locations:
      - {resource: web-vip, node: node1, score: -INFINITY}
  check_mode: true
  run_once: true
  register: what_if

- name: Remove a resource and the constraints that name it
  clusterops.ha.cib:
    primitives:
      - {id: old-service, state: absent}
  run_once: true

- name: Before moving to Debian 13, replace what Pacemaker 3.0 drops (check mode first shows what)
  clusterops.ha.cib:
    pacemaker3_fixes: true
  run_once: true
  register: pcmk3
"""

RETURN = r"""
changes:
  description:
    - Objects created, updated or deleted (for dict kinds the id is the key).
    - With O(pacemaker3_fixes), each replacement comes first, with kind C(pacemaker3), the object as id and
      the readiness code (such as C(master-resource)) as action.
  returned: always
  type: list
  elements: dict
  sample: [{"kind": "primitives", "id": "web-vip", "action": "created"}]
predicted_actions:
  description:
    - What the cluster will do once the change is in, from C(crm_simulate) on the candidate, less
      what it was about to do anyway. C(move) and C(migrate) have C(source) and C(dest); the others C(node).
  returned: when there are changes
  type: list
  elements: dict
  sample: [{"action": "move", "resource": "web-vip", "source": "node1", "dest": "node2"}]
pending_actions:
  description: Actions the cluster was already about to take before the change (it was not settled).
  returned: when there are changes
  type: list
  elements: dict
  sample: []
warnings_verify:
  description: What C(crm_verify) said about the candidate that did not stop the change (problems the CIB already had).
  returned: when there are changes
  type: list
  elements: str
  sample: []
pacemaker3_fixed:
  description:
    - With O(pacemaker3_fixes), what was replaced (or, in check mode, would be), as the
      C(pacemaker3-ready) health check names it.
  returned: when O(pacemaker3_fixes) is true
  type: list
  elements: dict
  sample: [{"code": "master-resource", "object": "master ms-db", "fixable": true,
            "message": "master ms-db is a <master> resource, which Pacemaker 3.0 no longer accepts",
            "replacement": "a <clone id=ms-db> with the meta-attribute promotable=true (same id, same children)"}]
pacemaker3_left:
  description: With O(pacemaker3_fixes), the forms Pacemaker 3.0 drops that need a person, with what to do.
  returned: when O(pacemaker3_fixes) is true
  type: list
  elements: dict
  sample: []
epoch_before:
  description: The CIB's C(admin_epoch.epoch) before.
  returned: always
  type: str
  sample: "0.42"
epoch_after:
  description: The CIB's C(admin_epoch.epoch) after the push (the same as before when nothing changed or in check mode).
  returned: always
  type: str
  sample: "0.44"
attempts:
  description: How many times the CIB was read (more than 1 when someone else changed it meanwhile).
  returned: always
  type: int
  sample: 1
"""

import os
import shutil
import tempfile


from ansible_collections.clusterops.ha.plugins.module_utils.errors import Failed
from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.cib import (
    KINDS,
    CibError,
    parse,
    to_xml,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import (
    export,
    live_names,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_plan import plan
from ansible_collections.clusterops.ha.plugins.module_utils.cib_simulate import (
    parse_simulate_run,
    stops_everything,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_verify import (
    UNPARSED_VALUE,
    check_params,
    explain_verify,
)
from ansible_collections.clusterops.ha.plugins.module_utils import pcmk3
from ansible_collections.clusterops.ha.plugins.module_utils.cib_validate import Context, check, only_changes
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import redact_diff
from ansible_collections.clusterops.ha.plugins.module_utils.pcmk_metadata import cluster_options, parse_metadata
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, Runner

# pcmk_err_old_data: the patch was built from a CIB older than the live one.
RC_OLD_DATA = 103

_STATE = dict(type="str", choices=["present", "absent"], default="present")
_ROLE = dict(type="str", choices=["Started", "Stopped", "Promoted", "Unpromoted"])
_SETS = dict(type="list", elements="dict", options=dict(
    resources=dict(type="list", elements="str", required=True),
    sequential=dict(type="bool"),
    require_all=dict(type="bool"),
    ordering=dict(type="str", choices=["group", "listed"]),
    action=dict(type="str", choices=["start", "promote", "demote", "stop"]),
    role=_ROLE,
    score=dict(type="str"),
    kind=dict(type="str", choices=["Optional", "Mandatory", "Serialize"]),
))
_MEMBERS = dict(type="list", elements="str")


def _list(**options):
    return dict(type="list", elements="dict", options=options)


ARGUMENT_SPEC = dict(
    primitives=_list(
        id=dict(type="str", required=True), state=_STATE, agent=dict(type="str"),
        params=dict(type="dict"), meta=dict(type="dict"), utilization=dict(type="dict"),
        operations=_list(
            name=dict(type="str", required=True), interval=dict(type="str"), timeout=dict(type="str"),
            on_fail=dict(type="str", choices=["ignore", "block", "stop", "restart", "standby", "fence",
                                              "demote", "restart-container"]),
            role=_ROLE, start_delay=dict(type="str"), interval_origin=dict(type="str"),
            record_pending=dict(type="bool"), enabled=dict(type="bool"), params=dict(type="dict"),
            requires=dict(type="str", choices=["nothing", "quorum", "fencing", "unfencing"]),
            description=dict(type="str"),
        ),
    ),
    groups=_list(id=dict(type="str", required=True), state=_STATE, members=_MEMBERS, meta=dict(type="dict")),
    clones=_list(id=dict(type="str", required=True), state=_STATE, member=dict(type="str"), meta=dict(type="dict")),
    locations=_list(
        id=dict(type="str"), state=_STATE, resource=dict(type="str"), resource_pattern=dict(type="str"),
        node=dict(type="str"), score=dict(type="str"), role=_ROLE,
        resource_discovery=dict(type="str", choices=["always", "never", "exclusive"]),
        rules=_list(
            score=dict(type="str"), score_attribute=dict(type="str"),
            boolean_op=dict(type="str", choices=["and", "or"]), role=_ROLE,
            expressions=_list(
                attribute=dict(type="str", required=True),
                operation=dict(type="str", required=True,
                               choices=["lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"]),
                value=dict(type="str"),
                type=dict(type="str", choices=["string", "integer", "number", "version"]),
                value_source=dict(type="str", choices=["literal", "param", "meta"]),
            ),
            date_expressions=_list(
                operation=dict(type="str", required=True, choices=["gt", "lt", "in_range"]),
                start=dict(type="str"), end=dict(type="str"),
            ),
        ),
        sets=_SETS,
    ),
    colocations=_list(
        id=dict(type="str"), state=_STATE, resource=dict(type="str"), score=dict(type="str"),
        resource_role=_ROLE, with_role=_ROLE, node_attribute=dict(type="str"), sets=_SETS,
        **{"with": dict(type="str")}
    ),
    orders=_list(
        id=dict(type="str"), state=_STATE, first=dict(type="str"), then=dict(type="str"),
        kind=dict(type="str", choices=["Optional", "Mandatory", "Serialize"]),
        symmetrical=dict(type="bool"),
        first_action=dict(type="str", choices=["start", "promote", "demote", "stop"]),
        then_action=dict(type="str", choices=["start", "promote", "demote", "stop"]),
        sets=_SETS,
    ),
    tickets=_list(
        id=dict(type="str"), state=_STATE, ticket=dict(type="str"), resource=dict(type="str"),
        loss_policy=dict(type="str", choices=["stop", "demote", "fence", "freeze"]), role=_ROLE, sets=_SETS,
    ),
    properties=dict(type="dict"),
    rsc_defaults=dict(type="dict"),
    op_defaults=dict(type="dict"),
    nodes=_list(name=dict(type="str", required=True), attributes=dict(type="dict"), utilization=dict(type="dict")),
    tags=_list(id=dict(type="str", required=True), state=_STATE, members=_MEMBERS),
    acl_roles=_list(
        id=dict(type="str", required=True), state=_STATE, description=dict(type="str"),
        permissions=_list(
            kind=dict(type="str", required=True, choices=["read", "write", "deny"]),
            xpath=dict(type="str"), reference=dict(type="str"), object_type=dict(type="str"),
            attribute=dict(type="str"), description=dict(type="str"),
        ),
    ),
    acl_targets=_list(id=dict(type="str", required=True), state=_STATE, roles=_MEMBERS),
    acl_groups=_list(id=dict(type="str", required=True), state=_STATE, roles=_MEMBERS),
    alerts=_list(
        id=dict(type="str", required=True), state=_STATE, path=dict(type="str"), description=dict(type="str"),
        params=dict(type="dict"), meta=dict(type="dict"),
        select=dict(type="list", elements="str", choices=["nodes", "fencing", "resources", "attributes"]),
        select_attributes=_MEMBERS,
        recipients=_list(value=dict(type="str", required=True), description=dict(type="str"),
                         params=dict(type="dict"), meta=dict(type="dict")),
    ),
    fencing_levels=_list(target=dict(type="str", required=True), index=dict(type="int", required=True),
                         devices=_MEMBERS, state=_STATE),
    purge=dict(type="list", elements="str", default=[], choices=list(KINDS)),
    validate_agents=dict(type="bool", default=True),
    allow_stop_all=dict(type="bool", default=False),
    expected_paths=dict(type="list", elements="path", default=[]),
    expected_nodes=dict(type="list", elements="str", default=[]),
    retries=dict(type="int", default=5),
    pacemaker3_fixes=dict(type="bool", default=False),
)


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def _desired(params):
    return dict((k, params.get(k)) for k in KINDS)


def _version(root):
    return "%s.%s" % (root.get("admin_epoch", "0"), root.get("epoch", "0"))


def _lines(text):
    return [ln.strip() for ln in (text or "").splitlines() if ln.strip()]


def _unpathed(line):
    """A crm_verify line without the file name it starts with (original.xml vs candidate.xml)."""
    for name in ("original.xml:", "candidate.xml:"):
        if name in line:
            return line.split(name, 1)[1]
    return line


# Where the Pacemaker daemons print their option metadata (Debian, then RHEL and SUSE).
DAEMON_DIRS = ("/usr/lib/pacemaker", "/usr/libexec/pacemaker")
DAEMONS = ("pacemaker-schedulerd", "pacemaker-controld", "pacemaker-fenced", "pacemaker-based")


class Engine:
    """One run of the module: read, plan, check, simulate, push; retried on a concurrent change."""

    def __init__(self, runner, tmpdir, validate_agents=True, expected_paths=(), expected_nodes=()):
        self.runner = runner
        self.tmpdir = tmpdir
        self.validate_agents = validate_agents
        self.expected_paths = list(expected_paths or [])
        self.expected_nodes = list(expected_nodes or [])
        self.metadata = {}

    def options(self):
        """The cluster options this node's Pacemaker knows (its daemons' own metadata), or None."""
        texts = []
        for daemon in DAEMONS:
            for folder in DAEMON_DIRS:
                path = os.path.join(folder, daemon)
                if os.path.exists(path):
                    res = self.runner.run([path, "metadata"], check=False)
                    if res.rc == 0 and res.stdout.strip():
                        texts.append(res.stdout)
                    break
        return cluster_options(texts) if texts else None

    def check_input(self, desired, root):
        """Every typed field, name and reference of the input, against what the live CIB holds."""
        desired = only_changes(desired, export(root))
        options = self.options() if desired.get("properties") else None
        expected = set(self.expected_paths)
        names = live_names(root)
        names["nodes"] = set(names["nodes"]) | set(self.expected_nodes)
        context = Context(options=options, path_exists=lambda p: p in expected or os.path.exists(p), **names)
        errors, warnings = check(desired, context)
        if errors:
            raise Failed("The candidate CIB was not built; nothing was pushed: " + "; ".join(errors),
                         errors=errors)
        return warnings

    def path(self, name):
        return os.path.join(self.tmpdir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def read_cib(self):
        out = self.runner.run(["cibadmin", "--query"]).stdout
        return out, parse(out)

    def check_agents(self, changes, desired):
        if not self.validate_agents:
            return
        touched = set(c["id"] for c in changes if c["kind"] == "primitives" and c["action"] != "deleted")
        problems = []
        for obj in desired.get("primitives") or []:
            if obj["id"] not in touched or obj.get("state", "present") != "present":
                continue
            agent = obj["agent"]
            if agent not in self.metadata:
                res = self.runner.run(["crm_resource", "--show-metadata", agent], check=False)
                if res.rc != 0:
                    self.metadata[agent] = None
                    detail = " ".join(_lines(res.stderr) or _lines(res.stdout))
                    problems.append("primitives %s: agent %s is not installed on this node (%s)"
                                    % (obj["id"], agent, detail))
                    continue
                self.metadata[agent] = parse_metadata(res.stdout)
            if self.metadata[agent] is None:
                continue
            problems.extend(check_params(obj["id"], agent, obj.get("params") or {}, self.metadata[agent]))
        if problems:
            raise Failed("The candidate CIB was not pushed: " + "; ".join(problems), errors=problems)

    def verify(self, orig_text, cand_text):
        """crm_verify -V the candidate. New errors stop the change, and so do new warnings about a value
        Pacemaker could not parse (it would fall back to a default or ignore it); old ones are warnings.
        Each line says which object it is about where that can be told."""
        res = self.runner.run(["crm_verify", "--xml-file", self.write("candidate.xml", cand_text), "-V"],
                              check=False)
        said = _lines(res.stdout) + _lines(res.stderr)
        summary = ("Errors found during check", "Warnings found during check", "-V may provide more details")

        def bad(line):
            return (("error" in line.lower() or UNPARSED_VALUE.search(line))
                    and not any(x in line for x in summary))

        if res.rc == 0 and not [ln for ln in said if bad(ln)]:
            return said
        if not [ln for ln in said if "Errors found" in ln or bad(ln)]:
            # Warnings only (crm_verify exits non-zero for them too), such as an active orphan
            # that Pacemaker will stop once a resource is removed.
            return said
        base = self.runner.run(["crm_verify", "--xml-file", self.write("original.xml", orig_text), "-V"],
                               check=False)
        old = set(_unpathed(ln) for ln in _lines(base.stdout) + _lines(base.stderr))
        new = [ln for ln in said if _unpathed(ln) not in old and not any(x in ln for x in summary)]
        new_bad = [ln for ln in new if bad(ln)]
        if new_bad or (base.rc == 0 and res.rc != 0 and new):
            shown = explain_verify(new_bad or new, cand_text)
            raise Failed("crm_verify rejected the candidate CIB; nothing was pushed: " + " | ".join(shown),
                         verify=said)
        return said

    def simulate(self, name, text):
        """{"actions", "active"} of crm_simulate --run on a CIB (see cib_simulate.parse_simulate_run)."""
        res = self.runner.run(["crm_simulate", "--xml-file", self.write(name, text), "--run",
                               "--output-as=xml"], check=False)
        if res.rc != 0:
            raise Failed("crm_simulate failed on the %s CIB: %s" % (name.split(".")[0], " ".join(_lines(res.stderr))))
        return parse_simulate_run(res.stdout)

    def push(self, orig_text, cand_text):
        orig = self.write("original.xml", orig_text)
        cand = self.write("candidate.xml", cand_text)
        diff = self.runner.run(["crm_diff", "--original", orig, "--new", cand], ok_rcs=(0, 1))
        if diff.rc == 0:
            return True
        patch = self.write("patch.xml", diff.stdout)
        res = self.runner.run(["cibadmin", "--patch", "--xml-file", patch], check=False)
        if res.rc == 0:
            return True
        if res.rc == RC_OLD_DATA:
            return False
        raise CommandError(res.argv, res.rc, res.stdout, res.stderr)


def run(module, runner, tmpdir):
    params = module.params
    desired = _desired(params)
    purge = params["purge"] or []
    engine = Engine(runner, tmpdir, params["validate_agents"], params.get("expected_paths"),
                    params.get("expected_nodes"))
    result = {"changed": False, "changes": [], "attempts": 0}
    verified = None
    for attempt in range(1, max(params["retries"], 0) + 2):
        result["attempts"] = attempt
        orig_text, root = engine.read_cib()
        if attempt == 1:
            for warning in engine.check_input(desired, root):
                module.warn(warning)
        result["epoch_before"] = result.get("epoch_before") or _version(root)
        result["epoch_after"] = _version(root)
        base, fixed = root, []
        if params["pacemaker3_fixes"]:
            base, fixed, left = pcmk3.fix(root)
            result.update(pacemaker3_fixed=fixed, pacemaker3_left=left)
            if attempt == 1:
                for line in pcmk3.summary(left):
                    module.warn("Pacemaker 3.0 readiness, left for a person: " + line)
        candidate, changes, diff = plan(base, desired, purge)
        if fixed:
            changes = [{"kind": "pacemaker3", "id": f["object"], "action": f["code"]} for f in fixed] + changes
            diff["before"]["pacemaker3"] = [f["message"] for f in fixed]
            diff["after"]["pacemaker3"] = [f["replacement"] for f in fixed]
            candidate.set("epoch", str(int(root.get("epoch", "0")) + 1))
            candidate.set("num_updates", "0")
        if not changes:
            # Nothing to do, or (on a retry) someone else already made the same change.
            return result
        cand_text = to_xml(candidate)
        config_key = to_xml(candidate.find("configuration"))
        if verified != config_key:
            engine.check_agents(changes, desired)
            result["warnings_verify"] = engine.verify(orig_text, cand_text)
            before = engine.simulate("original.xml", orig_text)
            after = engine.simulate("candidate.xml", cand_text)
            result["pending_actions"] = before["actions"]
            result["predicted_actions"] = [a for a in after["actions"] if a not in before["actions"]]
            if stops_everything(before["active"], after["actions"]) and not params["allow_stop_all"]:
                raise Failed("The change would stop every running resource (%d instance(s) on %s) and start "
                             "none; nothing was pushed. Give allow_stop_all: true if that is what you want."
                             % (len(before["active"]), ", ".join(sorted(set(n for _r, n in before["active"])))),
                             changes=changes, predicted_actions=result["predicted_actions"])
            verified = config_key
        result.update(changed=True, changes=changes)
        if module._diff:
            result["diff"] = redact_diff(diff)
        if module.check_mode:
            return result
        if engine.push(orig_text, cand_text):
            after_root = engine.read_cib()[1]
            result["epoch_after"] = _version(after_root)
            return result
    raise Failed("The CIB kept changing while the module tried to push its patch (%d attempts); nothing "
                 "was pushed. Run again when the cluster is quieter." % result["attempts"], **result)


def main():
    module = new_module(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with guard(module):
        if module.params["retries"] < 0:
            module.fail_json(msg="retries must be 0 or more")
        runner = make_runner(module)
        tmpdir = tempfile.mkdtemp(prefix="clusterops-cib-")
        try:
            result = run(module, runner, tmpdir)
        except CibError as e:
            module.fail_json(msg="The candidate CIB was not built; nothing was pushed: " + "; ".join(e.errors),
                             errors=e.errors)
        except Failed as e:
            module.fail_json(msg=str(e), **e.extra)
        except CommandError as e:
            module.fail_json(msg="%s; nothing more was changed" % e, **e.as_dict())
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        module.exit_json(**result)


if __name__ == "__main__":
    main()
