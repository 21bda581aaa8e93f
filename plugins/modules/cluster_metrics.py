#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_metrics
short_description: The cluster's state as Prometheus metrics, optionally written for node_exporter
version_added: 0.3.0
description:
  - Reads the cluster's status on the target node (the same model as M(clusterops.ha.cluster_info)) and returns it in the
    Prometheus text exposition format, with the metric names of ClusterLabs' ha_cluster_exporter
    (C(ha_cluster_pacemaker_*), C(ha_cluster_corosync_*)) and a few of the collection's own
    (C(ha_cluster_clusterops_*)). docs/health.md lists every metric and label.
  - Where the CIB holds PostgreSQL resources of PAF (C(ocf:heartbeat:pgsqlms)), whether this node's instance is the
    primary (C(ha_cluster_clusterops_postgresql_primary)) and, on the primary, the replay lag of each standby in bytes
    and seconds (C(ha_cluster_clusterops_postgresql_replication_lag_bytes), C(..._lag_seconds)); one C(psql) call per
    instance, as M(clusterops.ha.cluster_node_facts) makes it.
  - Where the CIB holds Filesystem resources (C(ocf:heartbeat:Filesystem)), whether this node has each one's filesystem
    mounted (C(ha_cluster_clusterops_filesystem_mounted), from C(/proc/self/mountinfo)); summed over the nodes, how many
    mount it. The CIB is read once for both.
  - A source that cannot be read on the node (Pacemaker or Corosync stopped) is reported with
    C(ha_cluster_clusterops_scrape_success{collector="..."} 0) and its metrics are left out; the module does not fail.
  - Without O(path) the module only reads. With O(path) it writes the metrics to that file for node_exporter's
    textfile collector, atomically (a temporary file in the same directory, then a rename) with mode 0644.
  - The file is rewritten, and the module reports a change, only when the metrics differ from the file's in
    something other than the scrape time and duration (C(ha_cluster_clusterops_scrape_timestamp_seconds) and
    C(ha_cluster_clusterops_scrape_duration_seconds)), or when the file's mode is not 0644. A second run on an
    unchanged cluster therefore reports no change and leaves the file (and its scrape time) as it was; the timer of the
    clusterops.ha.cluster role (its C(cluster_metrics_enabled) variable) is what keeps a file fresh.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: In check mode the metrics are read and returned, and the file is not written; C(changed) says whether it would be.
  diff_mode:
    support: full
    details: With O(path), the file's old and new content.
  platform:
    platforms: posix
options:
  path:
    description:
      - The textfile to write, for example C(/var/lib/prometheus/node-exporter/ha_cluster.prom). It must be an absolute
        path ending in C(.prom) (node_exporter reads only those) in an existing directory.
      - Not given, nothing is written.
    type: path
requirements:
  - Pacemaker command line tools (C(crm_mon), C(crmadmin)) and Corosync tools (C(corosync-quorumtool),
    C(corosync-cfgtool)) on the target node.
notes:
  - Each node reports what it sees. Scrape every node; a node whose Pacemaker is down still reports Corosync's view.
seealso:
  - module: clusterops.ha.cluster_info
  - module: clusterops.ha.cluster_health
  - name: ha_cluster_exporter metrics
    description: The metric names this module follows.
    link: https://github.com/ClusterLabs/ha_cluster_exporter/blob/main/doc/metrics.md
"""

EXAMPLES = r"""
- name: The metrics, read only
  clusterops.ha.cluster_metrics:
  register: metrics

- name: Show how many nodes are online
  ansible.builtin.debug:
    msg: "{{ metrics.summary.nodes_online | length }} of {{ metrics.summary.nodes_total }} nodes online"

- name: A one-off textfile for node_exporter (the cluster role's timer keeps one fresh instead)
  clusterops.ha.cluster_metrics:
    path: /var/lib/prometheus/node-exporter/ha_cluster.prom
"""

RETURN = r"""
metrics:
  description: The metrics in the Prometheus text exposition format.
  returned: always
  type: str
  sample: |
    # HELP ha_cluster_corosync_quorate Whether or not the cluster is quorate
    # TYPE ha_cluster_corosync_quorate gauge
    ha_cluster_corosync_quorate 1
summary:
  description: What the metrics say, in short.
  returned: always
  type: dict
  contains:
    scrape_success:
      description: Per collector (corosync, pacemaker), whether its source could be read on this node.
      type: dict
      sample: {corosync: true, pacemaker: true}
    quorate:
      description: Whether Corosync reports quorum; null when unknown.
      type: bool
    quorum_votes:
      description: expected_votes, highest_expected, total_votes and quorum.
      type: dict
    nodes_total:
      description: How many nodes Pacemaker knows (0 when Pacemaker could not be read).
      type: int
    nodes_online:
      description: The names of the online nodes.
      type: list
      elements: str
    nodes_standby:
      description: The names of the nodes in standby.
      type: list
      elements: str
    resources_running_on:
      description: Per resource id, the nodes where an instance is active.
      type: dict
    fail_counts:
      description: Every fail count above 0, as C({node, resource, fail_count}) (INFINITY is C(inf)).
      type: list
      elements: dict
    ring_errors:
      description: How many knet links of this node are faulty (a peer not connected); null when unknown.
      type: int
    series:
      description: How many samples the metrics hold.
      type: int
  sample:
    scrape_success: {corosync: true, pacemaker: true}
    quorate: true
    quorum_votes: {expected_votes: 3, highest_expected: 3, total_votes: 3, quorum: 2}
    nodes_total: 3
    nodes_online: [node1, node2, node3]
    nodes_standby: []
    resources_running_on: {site-vip: [node1]}
    fail_counts: []
    ring_errors: 0
    series: 109
path:
  description: The file written (or that would be written), when O(path) is given.
  returned: when O(path) is given
  type: str
"""

import os
import stat


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.command import Runner
from ansible_collections.clusterops.ha.plugins.module_utils import booth, filesystem, postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, absolute_path
from ansible_collections.clusterops.ha.plugins.module_utils.metrics import (
    TEXTFILE_MODE,
    scrape,
    stable_text,
    summarize,
    write_atomic,
)


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def _read(path):
    """(text, mode) of the existing file, or (None, None)."""
    try:
        with open(path, "r") as f:
            text = f.read()
        return text, stat.S_IMODE(os.stat(path).st_mode)
    except (IOError, OSError):
        return None, None


def main():
    module = new_module(
        argument_spec=dict(
            path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    with guard(module):
        path = module.params["path"]
        if path is not None:
            try:
                absolute_path(path, "path", suffix=".prom")  # node_exporter reads only .prom files
            except ValidationError as e:
                module.fail_json(msg=str(e))
            directory = os.path.dirname(path)
            if not os.path.isdir(directory):
                module.fail_json(msg="path: the directory %s does not exist" % directory)

        text, fams = scrape(make_runner(module), postgresql_reader=postgresql.read_local,
                            filesystem_reader=filesystem.read_local, cib_reader=postgresql.read_cib,
                            booth_reader=booth.read_refusals)
        result = dict(changed=False, metrics=text, summary=summarize(fams))
        if path is None:
            module.exit_json(**result)

        result["path"] = path
        before, mode = _read(path)
        rewrite = before is None or stable_text(before) != stable_text(text)
        fix_mode = not rewrite and mode != TEXTFILE_MODE
        result["changed"] = rewrite or fix_mode
        if rewrite and module._diff:
            result["diff"] = dict(before=before or "", after=text, before_header=path, after_header=path)
        if not module.check_mode:
            try:
                if rewrite:
                    write_atomic(path, text)
                elif fix_mode:
                    os.chmod(path, TEXTFILE_MODE)
            except (IOError, OSError) as e:
                module.fail_json(msg="Could not write %s: %s" % (path, e), **result)
        module.exit_json(**result)


if __name__ == "__main__":
    main()
