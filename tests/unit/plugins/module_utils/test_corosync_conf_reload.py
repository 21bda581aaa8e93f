# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf_reload.py: the reload-or-restart table."""

from __future__ import annotations

import pytest

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_reload import RELOAD, RESTART, classify


@pytest.mark.parametrize("path,action", [
    ("totem.version", RESTART), ("totem.threads", RESTART), ("totem.ip_version", RESTART),
    ("totem.netmtu", RESTART), ("totem.transport", RESTART), ("totem.cluster_name", RESTART),
    ("totem.link_mode", RESTART), ("totem.consensus", RELOAD), ("totem.join", RELOAD),
    ("totem.token_coefficient", RELOAD), ("totem.max_messages", RELOAD), ("totem.knet_mtu", RELOAD),
    ("totem.crypto_cipher", RELOAD), ("totem.crypto_hash", RELOAD), ("totem.something_new", RESTART),
    ("quorum.provider", RESTART), ("quorum.two_node", RELOAD), ("quorum.expected_votes", RELOAD),
    ("quorum.wait_for_all", RESTART), ("quorum.last_man_standing", RESTART),
    ("quorum.last_man_standing_window", RESTART), ("quorum.auto_tie_breaker", RESTART),
    ("quorum.allow_downscale", RESTART), ("quorum.device.votes", RELOAD),
    ("system.move_to_root_cgroup", RESTART), ("system.sched_rr", RESTART),
    ("logging.to_syslog", RELOAD), ("logging.logger_subsys.debug", RELOAD),
    ("nodelist.node.quorum_votes", RELOAD), ("uidgid.uid", RESTART),
])
def test_classification_table(path, action):
    assert classify(tuple(path.split(".")))[0] == action
