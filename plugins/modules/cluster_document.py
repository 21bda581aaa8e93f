#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_document
short_description: Write the documentation of a running cluster as Markdown and a Graphviz diagram
version_added: 0.3.0
description:
  - Reads, on the target node, the cluster's status (the same model as M(clusterops.ha.cluster_info)), its
    configuration (C(cibadmin --query), as M(clusterops.ha.cib_info) exports it), the running corosync settings
    (C(corosync-cmapctl)) and the stack's versions, and returns the cluster's documentation.
  - RV(markdown) has a summary, the nodes with their addresses, state and what runs there, the virtual IP
    addresses and the node each runs on now, every resource with its agent, role, nodes and key meta
    attributes, the constraints in words, quorum and totem settings in seconds, fencing, and node and
    resource-instance counts for licensing (see docs/documentation.md).
  - RV(markdown) also has a C(Storage) section for PostgreSQL under PAF (C(ocf:heartbeat:pgsqlms)) and
    C(ocf:heartbeat:Filesystem) resources, found in the CIB by their agent. With O(node_facts) it says which node
    is the database primary, how each standby replicates (streaming, sync or async, lag in bytes and seconds) and
    on which node each filesystem is mounted, as each node reported it; without them, only what the CIB and
    crm_mon say (the primary is the instance Pacemaker promoted). The diagrams carry the same on each instance.
  - RV(dot) is a Graphviz diagram of the same; RV(model) is the plain data both were rendered from.
  - Parameters whose names look secret (passwords, keys, tokens) are never copied into the documentation.
  - The module only reads.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  generated_at:
    description:
      - When the documentation was generated, shown as is in the Markdown's C(Generated:) line and in
        RV(model). The module reads no clock, so the caller passes its own (C(playbooks/document.yml) passes the
        controller's time). Without it the Markdown has no C(Generated:) line.
    type: str
  history:
    description:
      - The audit trail to show in a C(Changes (audit trail)) section, newest first, as
        M(clusterops.ha.config_snapshot) returns it with C(step=history) (C(playbooks/document.yml) passes the
        snapshot repository's last commits). Each entry's C(date), C(subject), C(changes), C(run), C(who), C(why),
        C(cib_changed_last) and C(commit) are used. Without it the page has no such section; an empty list says
        there is no snapshot yet.
    type: list
    elements: dict
  node_facts:
    description:
      - "Facts per node name, as M(clusterops.ha.cluster_node_facts) returns them (its C(facts)), in the format
        M(clusterops.ha.cluster_health) takes (the C(clusterops.ha.cluster_health_inputs) filter builds it; a node
        that could not be reached may be given as C({reachable: false})). Their C(postgresql) and C(filesystems) fill
        the C(Storage) section and the diagrams' storage lines (C(playbooks/document.yml) gathers them on every node)."
      - Without it the C(Storage) section says that storage state was not gathered.
    type: dict
"""

EXAMPLES = r"""
- name: Document the cluster
  clusterops.ha.cluster_document:
    generated_at: "{{ now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ') }}"
  run_once: true
  register: doc

- name: Facts on every node (PostgreSQL's replication, the mounts of Filesystem resources)
  clusterops.ha.cluster_node_facts:
  register: document_node_facts

- name: Document the cluster with its storage
  clusterops.ha.cluster_document:
    node_facts: "{{ (ansible_play_hosts_all | clusterops.ha.cluster_health_inputs(hostvars, facts_var='document_node_facts')).node_facts }}"
  run_once: true
  register: doc

- name: Keep the page on the controller
  ansible.builtin.copy:
    content: "{{ doc.markdown }}"
    dest: "./cluster-docs/{{ doc.model.cluster.name }}.md"
    mode: "0644"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
markdown:
  description: The documentation page (GitHub-flavoured Markdown).
  returned: always
  type: str
  sample: "# Cluster lab\n\n## Summary\n\n- Stack: corosync 3.1.7, Pacemaker 2.1.5\n..."
dot:
  description: The cluster as a Graphviz digraph (nodes as boxes, resources inside the node they run on).
  returned: always
  type: str
  sample: "digraph \"cluster lab\" {\n  ...\n}\n"
model:
  description: What was documented, as plain data.
  returned: always
  type: dict
  contains:
    generated_at: {description: "The O(generated_at) given.", type: str}
    cluster:
      description: Name, DC, versions, last change, properties and resource defaults.
      type: dict
    nodes:
      description: "Every node: name, id, addresses per link, state (online, standby, maintenance, pending, offline,
        unknown), is_dc and the resource instances running there."
      type: list
      elements: dict
    vips: {description: "IPaddr2/IPaddr resources: ip, cidr_netmask, group, clone and the nodes running them.",
           type: list, elements: dict}
    resources: {description: "Every primitive: agent, group, clone, role, nodes, managed, key meta, parameters.",
                type: list, elements: dict}
    collections: {description: "Groups and clones with their members and nodes.", type: list, elements: dict}
    constraints: {description: "Every constraint with its kind and a sentence saying what it does.", type: list,
                  elements: dict}
    totem: {description: "Token, token_coefficient, effective and running token, consensus, join (ms and s).",
            type: dict}
    quorum: {description: "Votes, flags and the votequorum options.", type: dict}
    fencing: {description: "stonith-enabled and the fencing devices and levels.", type: dict}
    licensing: {description: "Nodes configured and online; active resource instances in all, per agent and per clone.",
                type: dict}
    history: {description: "The O(history) given, its entries cut to the keys used (the commit's hash to 12 digits); null
              without it.", type: list, elements: dict}
    storage:
      description:
        - "C(gathered) (whether O(node_facts) were given), C(found) (false when the CIB's XML could not be read but the
          configuration has storage resources), C(databases) and C(filesystems)."
        - "Each database (a pgsqlms primitive): id, clone, promotable, maxlag, promoted_on (crm_mon), primary and
          primary_source (C(PostgreSQL) from the node facts, C(Pacemaker) from the Promoted role), primaries (every node
          whose instance is not in recovery; null without node facts), synchronous_standby_names, replication
          (synchronous or asynchronous), writable_vips, notes and instances: per node its pacemaker_role, state, role
          (primary, standby, stopped, unknown...), replication_state, sync_state, lag_bytes, replay_lag_s and label
          (the line the diagrams show)."
        - "Each filesystem (a Filesystem primitive): id, device, directory, fstype, group, clone, shared, running_on
          (crm_mon), mounted_on (C([{node, mount_points}]); null without node facts), unknown (nodes whose mounts are
          unknown), nodes (per node: pacemaker_runs, mounted, mount_points, note, label) and notes."
      type: dict
  sample:
    cluster: {name: lab, dc: lab-node3, corosync_version: 3.1.7, pacemaker_version: 2.1.5}
    vips: [{id: site-vip, ip: 192.0.2.100, cidr_netmask: "24", nodes: [lab-node1]}]
    licensing: {nodes_configured: 3, nodes_online: 3, active_instances: 7}
    storage:
      gathered: true
      databases: [{id: pgsqld, clone: pgsqld-clone, primary: lab-node2, primary_source: PostgreSQL, replication: synchronous}]
      filesystems: [{id: share-fs, device: /dev/clusterops-shared, directory: /srv/clusterops-share, fstype: ext4,
                     running_on: [lab-node2], mounted_on: [{node: lab-node2, mount_points: [/srv/clusterops-share]}]}]
"""


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError, read_live_cib
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import document
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_corosync import CMAP_PREFIXES
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect, read_stack_versions
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import CmapParseError, read_cmap
from ansible_collections.clusterops.ha.plugins.module_utils.health import node_facts_errors


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def main():
    module = new_module(
        argument_spec=dict(generated_at=dict(type="str"), history=dict(type="list", elements="dict"),
                           node_facts=dict(type="dict")),
        supports_check_mode=True,
    )
    with guard(module):
        runner = make_runner(module)
        node_facts = module.params["node_facts"]
        errors = node_facts_errors(node_facts) if node_facts is not None else []
        if errors:
            module.fail_json(msg="; ".join(errors), errors=errors)
        try:
            status = collect(runner)
            if not status["stack"]["corosync"] and not status["stack"]["pacemaker"]:
                module.fail_json(msg="Neither corosync nor Pacemaker runs on this node: nothing to document "
                                     "(run the module on a cluster node that is up)", notes=status["notes"])
            root = read_live_cib(runner) if status["stack"]["pacemaker"] else None
            config = None if root is None else export(root)
            cmap = read_cmap(runner, CMAP_PREFIXES)
            versions = read_stack_versions(runner)
            result = document(status, config, cmap=cmap, versions=versions, generated_at=module.params["generated_at"],
                              history=module.params["history"], cib_root=root, node_facts=node_facts)
        except (CommandError, StatusParseError, CibError, CmapParseError) as e:
            module.fail_json(msg="Could not read the cluster: %s" % e)
        module.exit_json(changed=False, markdown=result["markdown"], dot=result["dot"], model=result["model"])


if __name__ == "__main__":
    main()
