#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_health
short_description: Run the cluster's health checks and return verdicts with remedies
version_added: 0.2.0
description:
  - Reads the cluster's status on the target node (the same model as M(clusterops.ha.cluster_info)) and its
    configuration (as M(clusterops.ha.cib_info) exports it), combines them with facts gathered on every node by
    M(clusterops.ha.cluster_node_facts), and runs every health check (see docs/health.md).
  - Each check has an id, a severity (critical, warning, info), a status (pass, fail, skip), a message that
    names the objects, and a remedy. The report's verdict is C(healthy), C(degraded) (only warnings or info
    failed) or C(critical).
  - A check may fail with a lower severity than its worst for a lesser finding; C(fencing-history) is critical
    for a node confirmed fenced by hand (C(stonith_admin --confirm)), a warning for a failed, pending or recent
    (last 24 h) fencing.
  - The module only reads. It does not fail because a check failed; the caller decides (see
    C(playbooks/health.yml)).
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  node_facts:
    description:
      - "Facts per node name, as M(clusterops.ha.cluster_node_facts) returns them (its C(facts)). A node that could not be
        reached may be given as C({reachable: false})."
    type: dict
    default: {}
  expected_nodes:
    description: Names of the nodes that must be online; default every node the cluster knows.
    type: list
    elements: str
  expected_token_ms:
    description: The token timeout the configuration asks for (for example from the role's plan), in ms.
    type: int
  skip:
    description: "Checks not to run, as C({check id: reason}); the reason is recorded in the report."
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Facts on every node
  clusterops.ha.cluster_node_facts:
  register: node_facts

- name: Health
  clusterops.ha.cluster_health:
    node_facts: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, ['node_facts', 'facts']))) }}"
    skip:
      versions-identical: rolling update in progress
  run_once: true
  register: health
"""

RETURN = r"""
report:
  description: Every check with its verdict, a summary and the overall verdict.
  returned: always
  type: dict
  sample:
    verdict: degraded
    summary: {pass: 19, fail: 1, skip: 0, critical: 0, warning: 1, info: 0}
    checks:
      - {id: leftover-bans, severity: warning, status: fail, title: No leftover cli-ban or cli-prefer constraints,
         message: "cli-ban-site-vip-on-node1 pins site-vip", remedy: crm_resource --clear -r site-vip, objects: [site-vip]}
table:
  description: The report as a plain-text table.
  returned: always
  type: str
markdown:
  description: The report as Markdown.
  returned: always
  type: str
"""


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError, read_live_cib
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.health import check_skip, node_facts_errors, render_markdown, render_table, run_checks
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def main():
    module = new_module(
        argument_spec=dict(
            node_facts=dict(type="dict", default={}),
            expected_nodes=dict(type="list", elements="str"),
            expected_token_ms=dict(type="int", no_log=False),
            skip=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    with guard(module):
        runner = make_runner(module)
        try:
            skip = check_skip(module.params["skip"])
        except ValidationError as e:
            module.fail_json(msg=str(e))
        errors = node_facts_errors(module.params["node_facts"] or {})
        if errors:
            module.fail_json(msg="; ".join(errors), errors=errors)
        try:
            status = collect(runner)
            root = read_live_cib(runner) if status["stack"]["pacemaker"] else None
            config = None if root is None else export(root)
        except (CommandError, StatusParseError, CibError) as e:
            module.fail_json(msg="Could not read the cluster: %s" % e)
        expected = {"token_ms": module.params["expected_token_ms"], "nodes": module.params["expected_nodes"]}
        report = run_checks(status, config, module.params["node_facts"] or {}, expected, skip, cib_root=root)
        module.exit_json(changed=False, report=report, table=render_table(report), markdown=render_markdown(report))


if __name__ == "__main__":
    main()
