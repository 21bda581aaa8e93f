#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cib_info
short_description: Export Pacemaker's live configuration in the input format of the cib module
version_added: 0.2.0
description:
  - Reads the CIB with C(cibadmin --query) and returns its configuration as the options of
    M(clusterops.ha.cib) take it (primitives, groups, clones, constraints, properties, defaults,
    node attributes and utilization, tags, ACLs, alerts, fencing levels).
  - Passing RV(config) back to M(clusterops.ha.cib) changes nothing.
  - The module only reads.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  kinds:
    description: Only these kinds in RV(config); all when not given.
    type: list
    elements: str
    choices: [primitives, groups, clones, locations, colocations, orders, tickets, tags, acl_roles,
              acl_targets, acl_groups, alerts, fencing_levels, nodes, properties, rsc_defaults, op_defaults]
"""

EXAMPLES = r"""
- name: Export the configuration
  clusterops.ha.cib_info:
  run_once: true
  register: live

- name: Apply it again (no change)
  clusterops.ha.cib: "{{ live.config }}"
  run_once: true
"""

RETURN = r"""
config:
  description: The configuration, one key per kind, in the input format of M(clusterops.ha.cib).
  returned: always
  type: dict
  sample:
    primitives:
      - id: web-vip
        agent: ocf:heartbeat:IPaddr2
        params: {ip: 192.0.2.10, cidr_netmask: "24"}
        operations: [{name: monitor, interval: 10s}]
    colocations: [{id: colocation-web-server-web-vip, resource: web-server, with: web-vip, score: INFINITY}]
    properties: {stonith-enabled: "true"}
epoch:
  description: The CIB's C(admin_epoch.epoch) that was read.
  returned: always
  type: str
  sample: "0.42"
"""


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.cib import KINDS, CibError, parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, Runner


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def main():
    module = new_module(
        argument_spec=dict(kinds=dict(type="list", elements="str", choices=list(KINDS))),
        supports_check_mode=True,
    )
    with guard(module):
        runner = make_runner(module)
        try:
            root = parse(runner.run(["cibadmin", "--query"]).stdout)
            config = export(root)
        except CommandError as e:
            module.fail_json(msg=str(e), **e.as_dict())
        except CibError as e:
            module.fail_json(msg=str(e))
        kinds = module.params["kinds"]
        if kinds:
            config = dict((k, v) for k, v in config.items() if k in kinds)
        module.exit_json(changed=False, config=config,
                         epoch="%s.%s" % (root.get("admin_epoch", "0"), root.get("epoch", "0")))


if __name__ == "__main__":
    main()
