# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of a corosync.conf model (pure): what corosync would refuse or read wrongly, named by its field.

Part of the corosync.conf engine (corosync_conf.py describes the model and lists the others).

- validate(config) -> (errors, warnings), messages "<dotted.path>: <value> <rule>"
- FIELD_RULES      -> the rules of one field (a value set, an integer range...)
- RULES            -> the rules across fields (the nodelist, links and addresses, crypto, quorum)

corosync_tuning.validate_tuning() adds the timing and quorum rules of the tuning profiles.
Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from collections.abc import Mapping

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import (
    DIGITS_RE,
    KEY_RE,
    KEYED_LISTS,
    KNET_MAX_HOST,
    MAX_LINKS,
    QUORUM_FLAGS,
    RING_RE,
    CorosyncConfError,
    is_scalar,
    item_label,
    join,
    match,
    nodes_of,
    normalize,
    transport_of,
    value_problem,
)
from ansible_collections.clusterops.ha.plugins.module_utils.validate import (
    ValidationError,
    address as check_address,
    is_ip_literal,
)

TRANSPORTS = ("knet", "udp", "udpu")
CIPHERS = ("none", "aes256", "aes192", "aes128")
HASHES = ("none", "md5", "sha1", "sha256", "sha384", "sha512")
LINK_MODES = ("passive", "active", "rr")
TIMING_KEYS = ("token", "token_coefficient", "consensus", "join", "merge", "downcheck", "fail_recv_const",
               "token_retransmits_before_loss_const", "max_messages", "send_join", "hold", "window_size")
LINK_INT_KEYS = ("knet_ping_interval", "knet_ping_timeout", "knet_pong_count", "knet_link_priority",
                 "knet_ping_precision")


# corosync.conf(5): totem.ip_version, logging and system values.
IP_VERSIONS = ("ipv4", "ipv6", "ipv4-6", "ipv6-4")
YES_NO = ("yes", "no", "on", "off")
LOG_PRIORITIES = ("alert", "crit", "debug", "emerg", "err", "info", "notice", "warning")
SYSLOG_FACILITIES = ("daemon", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7")


def _one_of(*allowed):
    def check(value):
        if value not in allowed:
            return "must be one of %s" % ", ".join(allowed)
        return None
    return check


def _non_negative_int(value):
    if not DIGITS_RE.match(value):
        return "must be a non-negative integer"
    return None


def _int_range(low, high):
    def check(value):
        if not DIGITS_RE.match(value) or not low <= int(value) <= high:
            return "must be an integer from %d to %d" % (low, high)
        return None
    return check


def _priority(value):
    # system.priority: a nice(1) value or max / min (corosync.conf(5))
    if value in ("max", "min") or re.match(r"^-?[0-9]+$", value) and -20 <= int(value) <= 19:
        return None
    return "must be max, min or a nice value from -20 to 19"


def _positive_int(value):
    if not DIGITS_RE.match(value) or int(value) < 1:
        return "must be a positive integer"
    return None


# Per-field rules: (chain pattern, check(value) -> problem or None). A later issue extends this
# table (profiles, consensus >= 1.2 x token, qdevice...).
FIELD_RULES = [
    (("totem", "version"), _one_of("2")),
    (("totem", "transport"), _one_of(*TRANSPORTS)),
    (("totem", "crypto_cipher"), _one_of(*CIPHERS)),
    (("totem", "crypto_hash"), _one_of(*HASHES)),
    (("totem", "link_mode"), _one_of(*LINK_MODES)),
] + [
    (("totem", k), _non_negative_int) for k in TIMING_KEYS
] + [
    (("totem", "knet_link_priority"), _non_negative_int),
    (("totem", "interface", "linknumber"), _int_range(0, MAX_LINKS - 1)),
    # totem_config_validate(): "Invalid link priority (should be 0..255)"
    (("totem", "interface", "knet_link_priority"), _int_range(0, 255)),
] + [
    (("totem", "interface", k), _non_negative_int) for k in LINK_INT_KEYS if k != "knet_link_priority"
] + [
    (("totem", "knet_ping_interval"), _non_negative_int),
    (("totem", "knet_ping_timeout"), _non_negative_int),
    (("totem", "knet_pong_count"), _non_negative_int),
    (("nodelist", "node", "nodeid"), _positive_int),
    (("quorum", "provider"), _one_of("corosync_votequorum")),
    (("totem", "ip_version"), _one_of(*IP_VERSIONS)),
] + [
    (("quorum", flag), _one_of("0", "1")) for flag in QUORUM_FLAGS
] + [
    # corosync.conf(5), logging: values corosync 3.1 reads (exec/logconfig.c)
    (chain + (key,), check)
    for chain in (("logging",), ("logging", "logger_subsys"))
    for key, check in (
        ("to_stderr", _one_of(*YES_NO)), ("to_logfile", _one_of(*YES_NO)), ("to_syslog", _one_of(*YES_NO)),
        ("debug", _one_of("on", "off", "trace")),
        ("logfile_priority", _one_of(*LOG_PRIORITIES)), ("syslog_priority", _one_of(*LOG_PRIORITIES)),
        ("syslog_facility", _one_of(*SYSLOG_FACILITIES)),
    )
] + [
    (("logging", "timestamp"), _one_of("on", "off", "hires")),
    (("logging", "fileline"), _one_of("on", "off")),
    (("logging", "function_name"), _one_of("on", "off")),
    (("logging", "blackbox"), _one_of("on", "off")),
    # corosync.conf(5), system
    (("system", "sched_rr"), _one_of(*YES_NO)),
    (("system", "move_to_root_cgroup"), _one_of("yes", "no", "auto")),
    (("system", "qb_ipc_type"), _one_of("native", "shm", "socket")),
    (("system", "allow_knet_handle_fallback"), _one_of(*YES_NO)),
    (("system", "priority"), _priority),
]


class _Findings:
    def __init__(self):
        self.errors = []
        self.warnings = []

    @staticmethod
    def _fmt(path, value, rule):
        if value is None:
            return "%s: %s" % (path, rule)
        return "%s: %s %s" % (path, json.dumps(value) if not isinstance(value, str) else repr(value), rule)

    def error(self, path, value, rule):
        self.errors.append(self._fmt(path, value, rule))

    def warn(self, path, value, rule):
        self.warnings.append(self._fmt(path, value, rule))


def _check_structure(d, chain, path, f):
    """Types and names in the raw input, before normalize() may choke on them."""
    if not isinstance(d, Mapping):
        f.error(path or "config", None, "must be a mapping of sections, got %s" % type(d).__name__)
        return
    for key, value in d.items():
        if not isinstance(key, str) or not KEY_RE.match(key):
            f.error(join(path, str(key)), None,
                    "is not a valid corosync name (letters, digits, '_' and '-' only)")
            continue
        sub = join(path, key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            _check_structure(value, chain + (key,), sub, f)
        elif isinstance(value, (list, tuple)):
            items = [x for x in value if x is not None]
            if all(isinstance(x, Mapping) for x in items):
                for i, item in enumerate(items):
                    _check_structure(item, chain + (key,), "%s[%d]" % (sub, i), f)
            elif all(is_scalar(x) for x in items):
                for x in items:
                    _check_scalar(x, sub, f)
            else:
                f.error(sub, None, "must be a list of sections or a list of values, not a mix")
        elif is_scalar(value):
            _check_scalar(value, sub, f)
        else:
            f.error(sub, None, "must be a string, number, boolean, section or list, got %s" % type(value).__name__)


def _check_scalar(value, path, f):
    if isinstance(value, str):
        problem = value_problem(value)
        if problem:
            f.error(path, value, problem)
    elif isinstance(value, float):
        f.error(path, value, "must be an integer or a string, not a float")


def _walk_fields(norm, chain, path, visit):
    for key, value in norm.items():
        sub_chain = chain + (key,)
        sub_path = join(path, key)
        if isinstance(value, dict):
            _walk_fields(value, sub_chain, sub_path, visit)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                label = item_label(sub_chain, item, i) if sub_chain in KEYED_LISTS else "[%d]" % i
                _walk_fields(item, sub_chain, sub_path + label, visit)
        else:
            visit(sub_chain, sub_path, value)


def _node_path(node, i):
    return "nodelist.node" + item_label(("nodelist", "node"), node, i)


def _rule_top_level(norm, f):
    for key, value in norm.items():
        if not isinstance(value, dict):
            f.error(key, value if isinstance(value, str) else None,
                    "top level must hold sections only (one mapping per section)")


def _rule_nodelist(norm, f):
    if not nodes_of(norm):
        f.error("nodelist.node", None, "at least one node is required")


def _rule_node_fields(norm, f):
    for i, node in enumerate(nodes_of(norm)):
        path = _node_path(node, i)
        for field in ("nodeid", "name", "ring0_addr"):
            if field not in node:
                f.error("%s.%s" % (path, field), None, "is required on every node")
        for key in node:
            m = RING_RE.match(key)
            if m and int(m.group(1)) >= MAX_LINKS:
                f.error("%s.%s" % (path, key), node[key],
                        "link number must be 0..%d (at most %d links)" % (MAX_LINKS - 1, MAX_LINKS))
        nodeid = node.get("nodeid")
        if isinstance(nodeid, str) and DIGITS_RE.match(nodeid) and transport_of(norm) == "knet" \
                and int(nodeid) >= KNET_MAX_HOST:
            f.error(path + ".nodeid", nodeid, "must be less than %d with knet" % KNET_MAX_HOST)


def _rule_node_unique(norm, f):
    seen = {}
    for i, node in enumerate(nodes_of(norm)):
        path = _node_path(node, i)
        for key, value in node.items():
            if key in ("nodeid", "name"):
                what = key
            elif RING_RE.match(key):
                what = "address"
            else:
                continue
            if not isinstance(value, str):
                continue
            other = seen.get((what, value))
            if other is not None:
                f.error("%s.%s" % (path, key), value, "must be unique across nodes (also used by %s)" % other)
            else:
                seen[(what, value)] = "%s.%s" % (path, key)


def _rule_same_links(norm, f):
    nodes = nodes_of(norm)
    link_sets = [sorted(k for k in n if RING_RE.match(k)) for n in nodes]
    if len(set(tuple(s) for s in link_sets)) <= 1:
        return
    reference = link_sets[0]
    for i, (node, links) in enumerate(zip(nodes, link_sets)):
        if links != reference:
            f.error(_node_path(node, i), ", ".join(links),
                    "every node must have the same links (%s has %s)"
                    % (_node_path(nodes[0], 0), ", ".join(reference)))


def _rule_link_count(norm, f):
    links = set()
    for node in nodes_of(norm):
        links.update(k for k in node if RING_RE.match(k))
    transport = transport_of(norm)
    if transport != "knet" and len(links) > 1:
        # totem_config_validate(): only knet does multiple interfaces
        f.error("totem.transport", transport, "supports a single link (ring0_addr); use knet for more links")


def _rule_crypto(norm, f):
    totem = norm.get("totem")
    if not isinstance(totem, dict):
        return
    cipher = totem.get("crypto_cipher", "none")
    hsh = totem.get("crypto_hash", "none")
    if cipher != "none" and hsh == "none":
        f.error("totem.crypto_hash", hsh, "must not be none when crypto_cipher is %s" % cipher)
    if cipher != "none" and transport_of(norm) in ("udp", "udpu"):
        f.error("totem.crypto_cipher", cipher, "needs transport knet (crypto works only with knet)")
    if cipher == "none" and transport_of(norm) == "knet" and "secauth" not in totem:
        f.warn("totem.crypto_cipher", cipher, "cluster traffic is not encrypted")


def _rule_quorum(norm, f):
    quorum = norm.get("quorum")
    if not isinstance(quorum, dict) or "provider" not in quorum:
        f.warn("quorum.provider", None, "is not set: the cluster has no quorum")
        return
    count = len(nodes_of(norm))
    if quorum.get("two_node") == "1" and count != 2:
        f.error("quorum.two_node", "1", "needs exactly 2 nodes (there are %d)" % count)
    if quorum.get("two_node") == "1" and quorum.get("auto_tie_breaker") == "1":
        # votequorum_readconfig(): "two_node and auto_tie_breaker are both specified but are not compatible"
        f.error("quorum.auto_tie_breaker", "1", "is not compatible with two_node (corosync disables two_node)")


def _ip_version(norm):
    totem = norm.get("totem")
    value = totem.get("ip_version") if isinstance(totem, dict) else None
    if value in IP_VERSIONS:
        return value
    # corosync.conf(5): ipv6-4 for knet and udpu, ipv4 for udp
    return "ipv4" if transport_of(norm) == "udp" else "ipv6-4"


def _rule_addresses(norm, f):
    """Every ring address is one address or host name of the family totem.ip_version allows, and
    on knet every node's address of a link is of the same family (corosync.conf(5))."""
    ip_version = _ip_version(norm)
    families = {}
    for i, node in enumerate(nodes_of(norm)):
        path = _node_path(node, i)
        for key in sorted(node):
            m = RING_RE.match(key)
            if not m:
                continue
            value = node[key]
            try:
                canonical = check_address(value, "%s.%s" % (path, key), ip_version)
            except ValidationError as e:
                f.errors.append(str(e))
                continue
            if is_ip_literal(canonical):
                family = "IPv6" if ":" in canonical else "IPv4"
                first = families.setdefault(int(m.group(1)), (family, "%s.%s" % (path, key)))
                if first[0] != family:
                    f.error("%s.%s" % (path, key), value, "is %s but %s is %s: every node's address of a link "
                            "must be of the same family" % (family, first[1], first[0]))


RULES = [_rule_top_level, _rule_nodelist, _rule_node_fields, _rule_node_unique, _rule_same_links, _rule_addresses,
         _rule_link_count, _rule_crypto, _rule_quorum]


def validate(config):
    """(errors, warnings): lists of messages "<dotted.path>: <value> <rule>".

    Structural problems (types, names, values corosync cannot read) are checked first; when there are
    any, the semantic rules are skipped. Semantic rules are FIELD_RULES (one field) and RULES
    (across fields); extend those tables.
    """
    f = _Findings()
    _check_structure(config, (), "", f)
    if f.errors:
        return f.errors, f.warnings
    try:
        norm = normalize(config)
    except CorosyncConfError as e:  # pragma: no cover - _check_structure catches these first
        return [str(e)], f.warnings

    def visit(chain, path, value):
        for pattern, check in FIELD_RULES:
            if match(pattern, chain):
                for v in (value if isinstance(value, list) else [value]):
                    problem = check(v)
                    if problem:
                        f.error(path, v, problem)

    _walk_fields(norm, (), "", visit)
    for rule in RULES:
        rule(norm, f)
    return f.errors, f.warnings
