# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reload or restart (pure): what `corosync-cfgtool -R` applies of a change, and what needs corosync restarted.

Part of the corosync.conf engine (corosync_conf.py describes the model and lists the others).

- RELOAD_RULES                         -> the table, each rule with its reason from corosync 3.1.x's source
- classify(chain, kind, crypto_reload) -> (action, reason) for one change

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import match

# The two actions a change can need.
RELOAD = "reload"
RESTART = "restart"

# corosync 3.1.x. What `corosync-cfgtool -R` does (exec/cfg.c message_handler_req_exec_cfg_reload_config()):
# the file is parsed into a temporary map; remove_ro_entries() drops every key that "cannot be
# changed at run-time" (it only logs that, the reload still "succeeds"); totem interface and
# nodelist changes go through totemconfig_configure_new_params() (exec/totemconfig.c), where
# check_things_have_not_changed() FAILS THE WHOLE RELOAD when a link's knet_transport or an existing
# node's address on a link changed ("To reconfigure an interface it must be deleted and recreated");
# the volatile totem timers are re-read by totem_volatile_config_read(); crypto is re-read by
# totem_reread_crypto_config() and switched in phases when corosync was built against a libknet with
# knet_handle_crypto_set_config() (HAVE_KNET_CRYPTO_RECONF, libknet >= 1.17); knet link options are
# re-applied to every link by totemknet_refresh_config() (exec/totemknet.c) after the reload;
# logging is re-applied by exec/logconfig.c (it tracks the "logging." prefix); votequorum re-reads
# only two_node, expected_votes and votes (exec/votequorum.c votequorum_readconfig(runtime=1);
# votequorum(5): "Only votes, quorum_votes, expected_votes and two_node can be changed at runtime").
# Anything not listed is classified as needing a restart.

_CFG_RO = "exec/cfg.c remove_ro_entries(): 'cannot be changed at run-time', ignored by a reload"
_VOLATILE = "re-read on reload by totem_volatile_config_read() (exec/totemconfig.c)"
_LINK_OPTS = ("re-read by get_interface_params(reload=1) (exec/totemconfig.c) and applied to every link "
              "by totemknet_refresh_config() (exec/totemknet.c)")
_VQ_STARTUP = ("votequorum_readconfig() reads it only at startup (exec/votequorum.c); votequorum(5): only "
               "votes, quorum_votes, expected_votes and two_node change at runtime")

VOLATILE_TOTEM_KEYS = (
    "token", "token_warning", "token_retransmit", "hold", "token_retransmits_before_loss_const", "join",
    "send_join", "consensus", "merge", "downcheck", "fail_recv_const", "seqno_unchanged_const",
    "heartbeat_failures_allowed", "max_network_delay", "window_size", "max_messages", "miss_count_const",
    "knet_pmtud_interval", "knet_mtu", "knet_compression_threshold", "knet_compression_level",
    "knet_compression_model", "block_unlisted_ips", "cancel_token_hold_on_retransmit", "token_coefficient",
)
CRYPTO_KEYS = ("crypto_cipher", "crypto_hash", "crypto_model", "keyfile", "key", "secauth")
LINK_RELOAD_KEYS = ("knet_ping_interval", "knet_ping_timeout", "knet_ping_precision", "knet_pong_count",
                    "knet_link_priority")

# Ordered, first match wins. (pattern, kinds or None for any, action, reason). A pattern is a tuple
# of fnmatch patterns over the chain of names; a last element "**" matches any depth.
# "crypto" in the action column is resolved by diff(crypto_reload=...).
RELOAD_RULES = [
    (("totem", "interface", "linknumber"), None, RELOAD,
     "links come and go with the nodelist ringN_addr (compute_and_set_totempg_interfaces())"),
] + [
    (("totem", "interface", k), None, RELOAD, _LINK_OPTS) for k in LINK_RELOAD_KEYS
] + [
    (("totem", "interface", "knet_transport"), None, RESTART,
     "check_things_have_not_changed() (exec/totemconfig.c) fails the reload: 'New config has different "
     "knet transport for link'"),
    (("totem", "interface", "mcastport"), None, RESTART,
     "the port is only used when a link is first set up (totemknet_member_add()); existing links keep it"),
    (("totem", "interface", "**"), None, RESTART, "interface option only read at startup (" + _CFG_RO + ")"),
] + [
    (("totem", k), None, RELOAD, _VOLATILE) for k in VOLATILE_TOTEM_KEYS
] + [
    (("totem", k), None, "crypto",
     "re-read by totem_reread_crypto_config() and switched by the crypto reconfig phases in exec/cfg.c "
     "(needs corosync built with libknet >= 1.17, HAVE_KNET_CRYPTO_RECONF)") for k in CRYPTO_KEYS
] + [
    (("totem", "cluster_uuid"), None, RELOAD, "not used by corosync itself (pcs metadata), only stored in cmap"),
] + [
    (("totem", k), None, RESTART, _CFG_RO)
    for k in ("version", "threads", "ip_version", "ip_dscp", "netmtu", "transport", "cluster_name", "rrp_mode")
] + [
    (("totem", "link_mode"), None, RESTART,
     "read at startup by totem_config_read(); knet applies it per host in totemknet_member_add(), "
     "existing hosts keep the old policy"),
    (("totem", "**"), None, RESTART, "only read at startup by totem_config_read() (exec/totemconfig.c)"),
    (("nodelist", "node"), ("add", "remove"), RELOAD,
     "nodes are added/removed on reload by compute_and_set_totempg_interfaces() (exec/totemconfig.c)"),
    (("nodelist", "node", "ring*_addr"), ("modify",), RESTART,
     "check_things_have_not_changed() (exec/totemconfig.c) fails the reload when a node's address on a link "
     "changes: 'To reconfigure an interface it must be deleted and recreated'"),
    (("nodelist", "node", "ring*_addr"), ("add", "remove"), RELOAD,
     "adding/removing a node's link is done on reload by compute_and_set_totempg_interfaces()"),
    (("nodelist", "node", "quorum_votes"), None, RELOAD,
     "votequorum_readconfig(runtime=1) re-reads node votes (exec/votequorum.c)"),
    (("nodelist", "node", "name"), None, RESTART,
     "the local node is found by name at startup (find_local_node()) and Pacemaker caches node names"),
    (("nodelist", "**"), None, RESTART, "node identity and options are only read at startup"),
    (("quorum", "provider"), None, RESTART, _CFG_RO),
    (("quorum", "two_node"), None, RELOAD, "votequorum_readconfig(runtime=1) re-reads two_node"),
    (("quorum", "expected_votes"), None, RELOAD, "votequorum_readconfig(runtime=1) re-reads expected_votes"),
    (("quorum", "votes"), None, RELOAD, "votequorum re-reads votes at runtime (votequorum(5))"),
    (("quorum", "device", "**"), None, RELOAD,
     "tested on corosync 3.1.7: a reload applies the device section to votequorum (no 'cannot be changed at "
     "run-time'); corosync-qdevice itself reads its settings only at start, so the cluster role restarts "
     "corosync-qdevice node by node after the reload, as pcs does (pcs/lib/commands/quorum.py update_device)"),
    (("quorum", "**"), None, RESTART, _VQ_STARTUP),
    (("logging", "**"), None, RELOAD, "exec/logconfig.c tracks 'logging.' and re-applies it after a reload"),
    (("system", "**"), None, RESTART, _CFG_RO),
    (("**",), None, RESTART, "section not known to be reloadable: restart to be safe"),
]


def classify(chain, kind="modify", crypto_reload=True):
    """(action, reason) for a change at chain (tuple of names, no list selectors).

    kind is "modify", "add" or "remove". crypto_reload=False treats crypto as restart-only
    (corosync linked against libknet < 1.17).
    """
    chain = tuple(chain)
    for pattern, kinds, action, reason in RELOAD_RULES:
        if kinds is not None and kind not in kinds:
            continue
        if match(pattern, chain):
            if action == "crypto":
                if crypto_reload:
                    return RELOAD, reason
                return RESTART, "crypto reconfiguration needs libknet >= 1.17 (HAVE_KNET_CRYPTO_RECONF)"
            return action, reason
    return RESTART, "not known to be reloadable"  # pragma: no cover - the last rule matches everything
