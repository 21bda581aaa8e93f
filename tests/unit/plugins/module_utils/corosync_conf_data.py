# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configurations the unit tests of the corosync.conf engine (test_corosync_conf*.py) start from."""

from __future__ import annotations


def desired():
    """The brief's example, as the role passes it (YAML yes/on already turned into booleans)."""
    return {
        "totem": {"version": 2, "cluster_name": "prod", "transport": "knet", "crypto_cipher": "aes256",
                  "crypto_hash": "sha256", "token": 3000,
                  "interface": [{"linknumber": 0, "knet_ping_interval": 1000}]},
        "nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "10.0.0.1"},
                              {"name": "n2", "nodeid": 2, "ring0_addr": "10.0.0.2"}]},
        "quorum": {"provider": "corosync_votequorum", "two_node": 1},
        "logging": {"to_syslog": True, "to_logfile": True, "logfile": "/var/log/corosync/corosync.log",
                    "timestamp": True, "logger_subsys": [{"subsys": "QUORUM", "debug": False}]},
        "system": {"move_to_root_cgroup": False},
    }


def three_nodes():
    cfg = desired()
    cfg["nodelist"]["node"].append({"name": "n3", "nodeid": 3, "ring0_addr": "10.0.0.3"})
    del cfg["quorum"]["two_node"]
    return cfg
