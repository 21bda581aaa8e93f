# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heartbeat and quorum tuning filters. Thin wrappers over module_utils/corosync_tuning.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import CorosyncConfError
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_tuning import (
    TuningError,
    timing_report,
    tuned_totem,
    validate_tuning,
)


def corosync_timing(config):
    try:
        return timing_report(config)
    except CorosyncConfError as e:
        raise AnsibleFilterError(str(e))


def corosync_tuned_totem(profile, overrides=None, node_count=2, links=None, pin_knet_ping_timers=False):
    try:
        return tuned_totem(profile, overrides, node_count, links=links, pin_knet_ping_timers=pin_knet_ping_timers)
    except TuningError as e:
        raise AnsibleFilterError(str(e))


def corosync_tuning_validate(config, allow_low_consensus=False):
    errors, warnings = validate_tuning(config, allow_low_consensus=bool(allow_low_consensus))
    return {"errors": list(errors), "warnings": list(warnings)}


class FilterModule(object):
    def filters(self):
        return {
            "corosync_timing": corosync_timing,
            "corosync_tuned_totem": corosync_tuned_totem,
            "corosync_tuning_validate": corosync_tuning_validate,
        }
