# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the cluster role uses on the controller. Thin wrappers over module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_plan import (
    PlanError,
    apply_plan,
    conf_kind,
    existing_nodeids,
    key_plan,
    nodelist,
    totem_section,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import validate


def cluster_nodelist(hosts, hostvars, existing=None):
    try:
        return nodelist(hosts, hostvars, existing)
    except PlanError as e:
        raise AnsibleFilterError(str(e))


def cluster_totem(base, profile, totem_vars, node_count, link_count, link_vars=None, pin_ping_timers=True):
    try:
        return totem_section(base, profile, totem_vars, int(node_count), int(link_count), link_vars,
                             bool(pin_ping_timers))
    except PlanError as e:
        raise AnsibleFilterError(str(e))


def corosync_nodeids(texts):
    return existing_nodeids(list(texts or []))


def corosync_conf_kind(text, cluster_name):
    return conf_kind(text, cluster_name)


def cluster_key_plan(hosts, hostvars, key_index, members):
    checksums = {}
    for host in hosts:
        try:
            stat = hostvars[host]["__cluster_key_stat"]["results"][int(key_index)]["stat"]
        except (KeyError, IndexError, TypeError):
            raise AnsibleFilterError("%s: no key survey result; run the survey phase first" % host)
        checksums[host] = stat.get("checksum") if stat.get("exists") else None
    return key_plan(list(hosts), checksums, list(members))


def cluster_apply_plan(hosts, hostvars, members):
    running, results = {}, {}
    for host in hosts:
        hv = hostvars[host]
        running[host] = list(hv.get("__cluster_running") or [])
        results[host] = dict(hv.get("__cluster_corosync_result") or {})
    return apply_plan(list(hosts), list(members), running, results)


def cluster_cib_nodes(hosts, hostvars):
    """Node attributes and utilization for the cib module from per-host variables."""
    out = []
    for host in hosts:
        hv = hostvars[host]
        attrs = hv.get("cluster_node_attributes") or {}
        util = hv.get("cluster_node_utilization") or {}
        if not attrs and not util:
            continue
        item = {"name": hv.get("cluster_node_name") or host}
        if attrs:
            item["attributes"] = dict(attrs)
        if util:
            item["utilization"] = dict(util)
        out.append(item)
    return out


def corosync_validate(config):
    errors, warnings = validate(config)
    return {"errors": list(errors), "warnings": list(warnings)}


class FilterModule(object):
    def filters(self):
        return {
            "cluster_nodelist": cluster_nodelist,
            "corosync_conf_kind": corosync_conf_kind,
            "corosync_nodeids": corosync_nodeids,
            "cluster_totem": cluster_totem,
            "cluster_key_plan": cluster_key_plan,
            "corosync_validate": corosync_validate,
            "cluster_apply_plan": cluster_apply_plan,
            "cluster_cib_nodes": cluster_cib_nodes,
        }
