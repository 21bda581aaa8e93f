# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of playbooks/fleet.yml. Thin wrappers over module_utils/fleet.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.clusterops.ha.plugins.module_utils import fleet


def fleet_plan(hosts, host_vars, clusters=None, playbook="site.yml", parallel=1, timeout=7200, extra_vars=None):
    """The fleet's clusters (fleet.plan) after its own input was judged (fleet.plan_errors); every message at once."""
    errors = fleet.plan_errors(playbook, parallel, timeout, extra_vars)
    try:
        vars_of = dict((h, {"cluster_name": (host_vars[h] or {}).get("cluster_name"),
                            "cluster_qdevice": (host_vars[h] or {}).get("cluster_qdevice")})
                       for h in hosts or [])
        clusters = fleet.plan(list(hosts or []), vars_of, list(clusters) if clusters else None)
    except fleet.FleetError as e:
        errors.append(str(e))
    if errors:
        raise AnsibleFilterError("; ".join(errors))
    return clusters


def fleet_summary(runs, clusters, playbook):
    """Every cluster's run (the async job results, in the order of the clusters) as the fleet's result
    (fleet.summary)."""
    if len(runs or []) != len(clusters or []):
        raise AnsibleFilterError("fleet_summary: %d runs for %d clusters" % (len(runs or []), len(clusters or [])))
    rows = []
    for run, cluster in zip(runs, clusters):
        output = (run.get("stdout") or "") + "\n" + (run.get("stderr") or "")
        rc = run.get("rc")
        rows.append(fleet.outcome(cluster, rc if isinstance(rc, int) else -1, output))
    return fleet.summary(playbook, rows)


def fleet_page(result, generated_at=None):
    """The fleet's result (fleet_summary) as its Markdown page."""
    return fleet.render_markdown(result, generated_at)


class FilterModule(object):
    def filters(self):
        return {"fleet_plan": fleet_plan, "fleet_summary": fleet_summary, "fleet_page": fleet_page}
