# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running corosync settings as the living documentation shows them (cluster_doc.py's model).

corosync_settings() reads the keys of a parsed ``corosync-cmapctl`` output (corosync_runtime.parse_cmapctl(),
the one reader of that output; CMAP_PREFIXES are the prefixes the cluster_document module asks it for): the
nodelist and the members corosync sees, the totem timers in milliseconds and seconds (the configured and
effective token by corosync_timing's formulas, through corosync_runtime.configured_timing()), the knet links'
ping timers, and the votequorum options with corosync's defaults filled in.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import configured_timing
from ansible_collections.clusterops.ha.plugins.module_utils.validate import flag

# corosync's defaults (votequorum(5); the totem ones are corosync_timing's).
DEFAULT_LMS_WINDOW_MS = 10000
# The prefixes the module asks corosync-cmapctl for (several prefixes in one call).
CMAP_PREFIXES = ("totem.", "runtime.config.totem.", "quorum.", "nodelist.", "runtime.votequorum.",
                 "runtime.members.")
_RING_ADDR = re.compile(r"^ring(\d+)_addr$")
_MEMBER_IP = re.compile(r"r\((\d+)\) ip\(([^)]*)\)")
# Totem timers documented in seconds: (key, what it is).
TOTEM_TIMERS = (
    ("token", "token timeout (effective, as corosync runs it)"),
    ("consensus", "consensus timeout"),
    ("join", "join timeout"),
    ("merge", "merge detection"),
    ("downcheck", "downcheck"),
    ("token_retransmit", "token retransmit"),
    ("hold", "token hold"),
    ("token_warning", "token warning (percent of token)"),
)
TOTEM_COUNTS = ("token_retransmits_before_loss_const", "fail_recv_const", "max_messages", "window_size", "miss_count_const",
                "send_join")


# ---------------------------------------------------------------------------------------------
# small helpers


def _int(value, default=None):
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    v = str(value).strip()
    try:
        return int(v)
    except ValueError:
        return default


def _flag(value):
    """A corosync/pacemaker boolean (1/0, yes/no, true/false, on/off) -> bool or None (validate.flag)."""
    return flag(value)


def _seconds(ms):
    if ms is None:
        return None
    return round(ms / 1000.0, 3)


# ---------------------------------------------------------------------------------------------
# corosync settings


def corosync_settings(cmap, node_count=None):
    """The running corosync settings from parsed cmapctl output (None when corosync could not be asked)."""
    if not cmap:
        return None
    nodes = {}
    for key, value in cmap.items():
        if not key.startswith("nodelist.node."):
            continue
        rest = key[len("nodelist.node."):].split(".", 1)
        if len(rest) != 2 or _int(rest[0]) is None:
            continue
        entry = nodes.setdefault(int(rest[0]), {"name": None, "nodeid": None, "addresses": {}})
        m = _RING_ADDR.match(rest[1])
        if rest[1] == "name":
            entry["name"] = str(value)
        elif rest[1] == "nodeid":
            entry["nodeid"] = _int(value)
        elif m:
            entry["addresses"][int(m.group(1))] = str(value)
    nodelist = []
    for pos in sorted(nodes):
        n = nodes[pos]
        nodelist.append({"name": n["name"], "nodeid": n["nodeid"],
                         "addresses": [{"link": k, "addr": n["addresses"][k]} for k in sorted(n["addresses"])]})
    members = {}
    for key, value in cmap.items():
        parts = key.split(".")
        if len(parts) == 4 and parts[0] == "runtime" and parts[1] == "members" and _int(parts[2]) is not None:
            m = members.setdefault(int(parts[2]), {})
            if parts[3] == "status":
                m["status"] = value
            elif parts[3] == "ip":
                m["addresses"] = [{"link": int(a), "addr": b} for a, b in _MEMBER_IP.findall(str(value))]
    count = node_count if node_count is not None else len(nodelist)

    configured_token = _int(cmap.get("totem.token"))
    coefficient = _int(cmap.get("totem.token_coefficient"))
    configured = configured_timing(cmap, count)
    token, coef, computed = configured["token"], configured["token_coefficient"], configured["effective_token"]
    runtime = dict((k[len("runtime.config.totem."):], v) for k, v in cmap.items()
                   if k.startswith("runtime.config.totem.") and ".interface." not in k
                   and not k[len("runtime.config.totem."):].startswith("interface."))
    running_token = _int(runtime.get("token"))
    timers = []
    for key, what in TOTEM_TIMERS:
        ms = _int(runtime.get(key))
        if ms is None and key != "token":
            continue
        if key == "token_warning":
            continue
        configured = _int(cmap.get("totem." + key))
        timers.append({"name": key, "what": what, "ms": ms, "s": _seconds(ms), "configured_ms": configured,
                       "configured_s": _seconds(configured)})
    counts = dict((k, _int(runtime.get(k))) for k in TOTEM_COUNTS if runtime.get(k) is not None)
    interfaces = []
    link_numbers = set()
    for key in cmap:
        m = re.match(r"^runtime\.config\.totem\.interface\.(\d+)\.", key)
        if m:
            link_numbers.add(int(m.group(1)))
    for link in sorted(link_numbers):
        pre = "runtime.config.totem.interface.%d." % link
        interval = _int(cmap.get(pre + "knet_ping_interval"))
        timeout = _int(cmap.get(pre + "knet_ping_timeout"))
        interfaces.append({
            "link": link, "knet_ping_interval_ms": interval, "knet_ping_interval_s": _seconds(interval),
            "knet_ping_timeout_ms": timeout, "knet_ping_timeout_s": _seconds(timeout),
            "knet_link_priority": _int(cmap.get("totem.interface.%d.knet_link_priority" % link)),
            "knet_transport": cmap.get("totem.interface.%d.knet_transport" % link),
        })
    consensus = _int(runtime.get("consensus"))
    detection = running_token + consensus if running_token is not None and consensus is not None else None

    two_node = _flag(cmap.get("quorum.two_node"))
    if two_node is None:
        two_node = _flag(cmap.get("runtime.votequorum.two_node")) or False
    wfa = _flag(cmap.get("quorum.wait_for_all"))
    lms = _flag(cmap.get("quorum.last_man_standing")) or False
    atb = _flag(cmap.get("quorum.auto_tie_breaker")) or False
    device = dict((k[len("quorum.device."):], v) for k, v in cmap.items() if k.startswith("quorum.device."))
    quorum = {
        "provider": cmap.get("quorum.provider"),
        "configured_expected_votes": _int(cmap.get("quorum.expected_votes")),
        "two_node": two_node,
        # votequorum(5): two_node turns wait_for_all on unless it is set explicitly.
        "wait_for_all": wfa if wfa is not None else bool(two_node),
        "wait_for_all_explicit": wfa is not None,
        "last_man_standing": lms,
        "last_man_standing_window_ms": (_int(cmap.get("quorum.last_man_standing_window"), DEFAULT_LMS_WINDOW_MS)
                                        if lms else None),
        "auto_tie_breaker": atb,
        "auto_tie_breaker_node": (cmap.get("quorum.auto_tie_breaker_node") or "lowest") if atb else None,
        "allow_downscale": _flag(cmap.get("quorum.allow_downscale")) or False,
        "device": None,
    }
    if device:
        quorum["device"] = {
            "model": device.get("model"),
            "host": device.get("net.host"),
            "port": _int(device.get("net.port")),
            "algorithm": device.get("net.algorithm") or ("ffsplit" if device.get("model") == "net" else None),
            "tie_breaker": device.get("net.tie_breaker") or ("lowest" if device.get("model") == "net" else None),
            "votes": _int(device.get("votes")),
            "timeout_ms": _int(device.get("timeout")),
            "tls": device.get("net.tls"),
        }
    return {
        "cluster_name": cmap.get("totem.cluster_name"),
        "transport": cmap.get("totem.transport") or "knet",
        "crypto_cipher": cmap.get("totem.crypto_cipher") or "none",
        "crypto_hash": cmap.get("totem.crypto_hash") or "none",
        "link_mode": cmap.get("totem.link_mode") or "passive",
        "ip_version": cmap.get("totem.ip_version"),
        "nodelist": nodelist,
        "members": members,
        "totem": {
            "nodes": count,
            "token_ms": token,
            "token_s": _seconds(token),
            "token_explicit": configured_token is not None,
            "token_coefficient_ms": coef,
            "token_coefficient_s": _seconds(coef),
            "token_coefficient_explicit": coefficient is not None,
            "effective_token_ms": computed,
            "effective_token_s": _seconds(computed),
            "running_token_ms": running_token,
            "running_token_s": _seconds(running_token),
            "consensus_ms": consensus,
            "consensus_s": _seconds(consensus),
            "consensus_explicit": cmap.get("totem.consensus") is not None,
            "join_ms": _int(runtime.get("join")),
            "join_s": _seconds(_int(runtime.get("join"))),
            "detection_ms": detection,
            "detection_s": _seconds(detection),
            "timers": timers,
            "counts": counts,
            "interfaces": interfaces,
        },
        "quorum": quorum,
    }
