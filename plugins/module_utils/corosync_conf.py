# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""corosync.conf as data: parse, normalize, render, diff, classify, validate.

The data model is a nested dict, the same shape the role passes to the corosync_config module::

    {"totem": {"version": 2, "cluster_name": "prod", "interface": [{"linknumber": 0}]},
     "nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "10.0.0.1"}]},
     "quorum": {"provider": "corosync_votequorum", "two_node": 1},
     "logging": {"to_syslog": True, "logger_subsys": [{"subsys": "QUORUM", "debug": False}]}}

A dict is a section, a list of dicts repeated sections of one name, a scalar ``key: value``, a list
of scalars a repeated key. ``nodelist.node``, ``totem.interface`` and ``logging.logger_subsys`` are
always lists.

Everything here is pure (no I/O) and standard library only: it runs on managed nodes.
Python 3.8 syntax at most. Facts about corosync come from its 3.1.x source; see the comments at
RELOAD_RULES for where each reload/restart decision comes from.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import re

from collections.abc import Mapping

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_timing
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.validate import (
    ValidationError,
    address as check_address,
    is_ip_literal,
)

RELOAD = "reload"
RESTART = "restart"

MANAGED_MARKER = "Managed by clusterops.ha"
HEADER = ("# %s (corosync_config module): local edits are replaced on the next run. "
          "See corosync.conf(5)." % MANAGED_MARKER)

INDENT = "    "

# corosync reads lines into a 512 byte buffer (exec/coroparse.c parse_section()): with the
# newline, a line may hold at most 510 bytes of content.
MAX_LINE_BYTES = 510

# corosync 3 (knet) supports up to 8 links: INTERFACE_MAX in include/corosync/coroapi.h.
MAX_LINKS = 8
# knet host ids are 16 bit: exec/totemconfig.c put_nodelist_members_to_config() rejects
# "nodeid to be less than KNET_MAX_HOST" (65536).
KNET_MAX_HOST = 65536

SECTION_ORDER = ("totem", "nodelist", "quorum", "logging", "system")

# Repeated sections that are always lists, and the key that identifies one item.
KEYED_LISTS = {
    ("nodelist", "node"): "nodeid",
    ("totem", "interface"): "linknumber",
    ("logging", "logger_subsys"): "subsys",
}
# When the identifying key is missing (a hand-written file), fall back to these for diff paths.
FALLBACK_IDS = {
    ("nodelist", "node"): ("name", "ring0_addr"),
}

FIRST_KEYS = {
    ("totem",): ("version", "cluster_name", "transport", "crypto_cipher", "crypto_hash"),
    ("totem", "interface"): ("linknumber",),
    ("nodelist", "node"): ("name", "nodeid"),
    ("logging", "logger_subsys"): ("subsys",),
    ("quorum",): ("provider",),
}

# votequorum reads these with icmap_get_uint8() (exec/votequorum.c votequorum_readconfig()):
# they must be 0/1, "yes" would be rejected.
QUORUM_FLAGS = ("two_node", "wait_for_all", "last_man_standing", "auto_tie_breaker",
                "allow_downscale", "expected_votes_tracking")
# exec/logconfig.c only knows "on"/"off" for these (corosync_main_config_format_set(),
# corosync_main_config_blackbox_set(), the debug setting): "yes" is "unknown value for timestamp".
ON_OFF_KEYS = {
    ("logging", "fileline"), ("logging", "function_name"), ("logging", "timestamp"),
    ("logging", "blackbox"), ("logging", "debug"), ("logging", "logger_subsys", "debug"),
    ("totem", "secauth"),
}

_RING_RE = re.compile(r"^ring(\d+)_addr$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_DIGITS_RE = re.compile(r"^[0-9]+$")


class CorosyncConfError(ClusterOpsError):
    """A corosync.conf text or data structure that cannot be used.

    For parse errors, ``line`` is the 1-based line number and ``problem`` the bare reason.
    """

    def __init__(self, problem, line=None, source=None):
        self.problem = problem
        self.line = line
        self.source = source
        if line is not None:
            # Same shape as corosync's own message (exec/coroparse.c parse_section()).
            msg = "parser error: %s:%d: %s" % (source or "corosync.conf", line, problem)
        else:
            msg = problem
        super(CorosyncConfError, self).__init__(msg)


# ---------------------------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------------------------

def _strip(s):
    # corosync's whitespace is space and tab only
    return s.strip(" \t")


def parse(text, source=None):
    """Parse corosync.conf text into the nested dict model (all scalars are strings).

    Follows corosync's own parser (exec/coroparse.c parse_section()): a line whose first non-blank
    character is '#' is a comment (there are no trailing comments); a line with '{' opens a
    section; else a line with ':' is ``key: value`` (the value may contain ':'); else a line must
    be a lone '}'. Raises CorosyncConfError naming the line.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    root = {}
    # stack entries: (dict, chain of names, line where the section opened)
    stack = [(root, (), 0)]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lineno = 0
    for lineno, raw in enumerate(lines, 1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if len(raw.encode("utf-8")) > MAX_LINE_BYTES:
            raise CorosyncConfError("Line too long", lineno, source)
        line = _strip(raw)
        if not line or line.startswith("#"):
            continue
        current, chain, _opened = stack[-1]
        if "{" in line:
            pos = line.index("{")
            name = line[:pos].rstrip(" \t:{").lstrip(" \t")
            after = _strip(line[pos + 1:])
            if not name:
                raise CorosyncConfError("Missing section name before opening bracket '{'", lineno, source)
            if after:
                raise CorosyncConfError("Extra characters after opening bracket '{'", lineno, source)
            section = {}
            _add_section(current, chain, name, section, lineno, source)
            stack.append((section, chain + (name,), lineno))
            continue
        if ":" in line:
            pos = line.index(":")
            key = _strip(line[:pos])
            value = _strip(line[pos + 1:])
            if not key:
                raise CorosyncConfError("Empty key before ':'", lineno, source)
            _add_key(current, key, value, lineno, source)
            continue
        if "}" in line:
            if line != "}":
                raise CorosyncConfError("Extra characters before or after closing bracket '}'", lineno, source)
            if len(stack) == 1:
                raise CorosyncConfError("Unexpected closing brace", lineno, source)
            stack.pop()
            continue
        raise CorosyncConfError("Line is not opening or closing section or key value", lineno, source)
    if len(stack) > 1:
        _section, chain, opened = stack[-1]
        raise CorosyncConfError(
            "Missing closing brace (section '%s' opened at line %d)" % (".".join(chain), opened),
            lineno, source)
    return root


def _add_section(parent, chain, name, section, lineno, source):
    existing = parent.get(name)
    if existing is None:
        parent[name] = [section] if chain + (name,) in KEYED_LISTS else section
    elif isinstance(existing, dict):
        parent[name] = [existing, section]
    elif isinstance(existing, list) and all(isinstance(x, dict) for x in existing):
        existing.append(section)
    else:
        raise CorosyncConfError("'%s' is used both as a key and as a section" % name, lineno, source)


def _add_key(parent, key, value, lineno, source):
    existing = parent.get(key)
    if existing is None:
        parent[key] = value
    elif isinstance(existing, str):
        parent[key] = [existing, value]
    elif isinstance(existing, list) and all(isinstance(x, str) for x in existing):
        existing.append(value)
    else:
        raise CorosyncConfError("'%s' is used both as a section and as a key" % key, lineno, source)


def is_managed(text):
    """True when text was written by this collection (its first line carries the marker)."""
    if not text:
        return False
    first = text.lstrip("\n").split("\n", 1)[0]
    return first.startswith("#") and MANAGED_MARKER in first


# ---------------------------------------------------------------------------------------------
# normalize
# ---------------------------------------------------------------------------------------------

def _is_scalar(v):
    return isinstance(v, (str, bool, int, float))


def scalar_text(value, chain=()):
    """The text corosync gets for one scalar at ``chain`` (a tuple of section/key names).

    Booleans (YAML yes/on/true) become 1/0 for the votequorum flags, on/off for the logging
    switches that only know on/off, and yes/no everywhere else.
    """
    if isinstance(value, bool):
        if len(chain) >= 2 and chain[0] == "quorum" and chain[-1] in QUORUM_FLAGS:
            return "1" if value else "0"
        if tuple(chain) in ON_OFF_KEYS:
            return "on" if value else "off"
        return "yes" if value else "no"
    if isinstance(value, int):
        return "%d" % value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _strip(value)
    raise CorosyncConfError("%s: %r is not a string, number or boolean" % (".".join(chain) or "<top>", value))


def _num_key(value):
    """Sort key: numbers numerically first, then other strings, then missing."""
    if value is None:
        return (2, 0, "")
    if _DIGITS_RE.match(value):
        return (0, int(value), value)
    return (1, 0, value)


def _item_sort_key(chain, item):
    field = KEYED_LISTS[chain]
    value = item.get(field)
    if not isinstance(value, str):
        value = None
    return (_num_key(value), json.dumps(item, sort_keys=True))


def _key_order(chain, key, is_section):
    first = FIRST_KEYS.get(chain, ())
    if not chain:
        if key in SECTION_ORDER:
            return (int(is_section), 0, SECTION_ORDER.index(key), 0, key)
        return (int(is_section), 1, 0, 0, key)
    if key in first:
        return (int(is_section), 0, first.index(key), 0, key)
    if chain == ("nodelist", "node"):
        m = _RING_RE.match(key)
        if m:
            return (int(is_section), 1, int(m.group(1)), 0, key)
        return (int(is_section), 2, 0, 0, key)
    return (int(is_section), 1, 0, 0, key)


def _is_section_value(value):
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and isinstance(value[0], dict))


def _ordered(chain, d):
    keys = sorted(d, key=lambda k: _key_order(chain, k, _is_section_value(d[k])))
    return dict((k, d[k]) for k in keys)


def normalize(config):
    """A canonical, comparable form of config.

    All scalars become strings (see scalar_text()), None values and empty lists are dropped,
    one-element lists collapse to their element (except the always-list sections), repeated
    keyed sections are sorted (nodes by nodeid, interfaces by linknumber, logger_subsys by
    subsys), and keys are in render order. Raises CorosyncConfError on a structure that cannot
    be a corosync.conf (use validate() for a full report).
    """
    if config is None:
        return {}
    return _norm_section(config, ())


def _norm_section(d, chain):
    if not isinstance(d, Mapping):
        raise CorosyncConfError("%s: expected a section (mapping), got %r" % (".".join(chain) or "<top>", d))
    out = {}
    for key in d:
        if not isinstance(key, str):
            raise CorosyncConfError("%s: key %r is not a string" % (".".join(chain) or "<top>", key))
        value = _norm_value(d[key], chain + (key,))
        if value is None:
            continue
        out[key] = value
    return _ordered(chain, out)


def _norm_value(v, chain):
    if v is None:
        return None
    if isinstance(v, Mapping):
        sect = _norm_section(v, chain)
        return [sect] if chain in KEYED_LISTS else sect
    if isinstance(v, (list, tuple)):
        items = [x for x in v if x is not None]
        if not items:
            return None
        if all(isinstance(x, Mapping) for x in items):
            sects = [_norm_section(x, chain) for x in items]
            if chain in KEYED_LISTS:
                return sorted(sects, key=lambda s: _item_sort_key(chain, s))
            return sects[0] if len(sects) == 1 else sects
        if all(_is_scalar(x) for x in items):
            texts = [scalar_text(x, chain) for x in items]
            return texts[0] if len(texts) == 1 else texts
        raise CorosyncConfError("%s: a list must hold only sections or only values" % ".".join(chain))
    return scalar_text(v, chain)


# ---------------------------------------------------------------------------------------------
# render
# ---------------------------------------------------------------------------------------------

def render(config):
    """Canonical corosync.conf text for config: same input meaning, same bytes, on every node."""
    norm = normalize(config)
    out = [HEADER]
    for key, value in norm.items():
        if isinstance(value, (dict, list)) and not _is_value_list(value):
            for sect in (value if isinstance(value, list) else [value]):
                out.append("")
                _render_section(out, key, sect, (key,), 0)
        else:
            _render_key(out, key, value, (key,), 0)
    return "\n".join(out) + "\n"


def _is_value_list(value):
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _check_name(name, chain):
    if not _KEY_RE.match(name):
        raise CorosyncConfError("%s: %r is not a valid corosync key or section name" % (".".join(chain), name))


def _emit(out, line, chain):
    if len(line.encode("utf-8")) > MAX_LINE_BYTES:
        raise CorosyncConfError("%s: line longer than %d bytes" % (".".join(chain), MAX_LINE_BYTES))
    out.append(line)


def _render_key(out, key, value, chain, depth):
    _check_name(key, chain)
    for v in (value if isinstance(value, list) else [value]):
        bad = _value_problem(v)
        if bad:
            raise CorosyncConfError("%s: %r %s" % (".".join(chain), v, bad))
        _emit(out, ("%s%s: %s" % (INDENT * depth, key, v)).rstrip(" "), chain)


def _render_section(out, name, sect, chain, depth):
    _check_name(name, chain)
    _emit(out, "%s%s {" % (INDENT * depth, name), chain)
    previous_was_section = False
    for key, value in sect.items():
        sub = chain + (key,)
        if isinstance(value, (dict, list)) and not _is_value_list(value):
            for item in (value if isinstance(value, list) else [value]):
                if previous_was_section:
                    out.append("")
                _render_section(out, key, item, sub, depth + 1)
                previous_was_section = True
        else:
            _render_key(out, key, value, sub, depth + 1)
    out.append("%s}" % (INDENT * depth))


def _value_problem(text):
    if "\n" in text or "\r" in text or "\0" in text:
        return "must be a single line"
    if "{" in text:
        return "must not contain '{' (corosync would read the line as a section)"
    return None


# ---------------------------------------------------------------------------------------------
# reload or restart: corosync 3.1.x
# ---------------------------------------------------------------------------------------------
#
# What `corosync-cfgtool -R` does (exec/cfg.c message_handler_req_exec_cfg_reload_config()):
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


def _match(pattern, chain):
    if pattern and pattern[-1] == "**":
        head = pattern[:-1]
        if len(chain) < len(head):
            return False
        return all(fnmatch.fnmatchcase(c, p) for c, p in zip(chain, head))
    if len(pattern) != len(chain):
        return False
    return all(fnmatch.fnmatchcase(c, p) for c, p in zip(chain, pattern))


def classify(chain, kind="modify", crypto_reload=True):
    """(action, reason) for a change at chain (tuple of names, no list selectors).

    kind is "modify", "add" or "remove". crypto_reload=False treats crypto as restart-only
    (corosync linked against libknet < 1.17).
    """
    chain = tuple(chain)
    for pattern, kinds, action, reason in RELOAD_RULES:
        if kinds is not None and kind not in kinds:
            continue
        if _match(pattern, chain):
            if action == "crypto":
                if crypto_reload:
                    return RELOAD, reason
                return RESTART, "crypto reconfiguration needs libknet >= 1.17 (HAVE_KNET_CRYPTO_RECONF)"
            return action, reason
    return RESTART, "not known to be reloadable"  # pragma: no cover - the last rule matches everything


# ---------------------------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------------------------

def _item_label(chain, item, index):
    field = KEYED_LISTS.get(chain)
    if field and isinstance(item.get(field), str):
        return "[%s=%s]" % (field, item[field])
    for alt in FALLBACK_IDS.get(chain, ()):
        if isinstance(item.get(alt), str):
            return "[%s=%s]" % (alt, item[alt])
    return "[%d]" % index


def _leaves(value, chain):
    """Chains of every scalar below value (value itself when it is a scalar or empty)."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            found.extend(_leaves(v, chain + (k,)))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for item in value:
            found.extend(_leaves(item, chain))
    else:
        found.append(chain)
    return found or [chain]


def _worst(chain, kind, values, crypto_reload):
    # A rule for the whole item (e.g. a node added or removed) wins over its leaves.
    for pattern, kinds, action, reason in RELOAD_RULES:
        if kinds is not None and kind in kinds and _match(pattern, chain):
            return classify(chain, kind, crypto_reload)
    result = (RELOAD, None)
    reasons = []
    for value in values:
        if value is None:
            continue
        for leaf in _leaves(value, chain):
            action, reason = classify(leaf, kind, crypto_reload)
            if leaf != chain:
                reason = "%s: %s" % (".".join(leaf), reason)
            if action == RESTART:
                if result[0] != RESTART:
                    reasons = []
                result = (RESTART, None)
            elif result[0] == RESTART:
                continue
            if reason not in reasons:
                reasons.append(reason)
    if not reasons:
        return classify(chain, kind, crypto_reload)
    return result[0], "; ".join(reasons)


def diff(before, after, crypto_reload=True, ping_timer_bug=True):
    """Semantic changes from before to after (config dicts, normalized here).

    Returns a list of {"path", "before", "after", "action", "reason"} in canonical (render) order,
    with readable paths such as ``totem.token``, ``nodelist.node[nodeid=2].ring0_addr`` or
    ``nodelist.node[nodeid=4]`` (whole node). action is "reload" (corosync-cfgtool -R applies it)
    or "restart" (corosync must be restarted on every node).

    crypto_reload: corosync links libknet >= 1.17 (crypto can change on reload).
    ping_timer_bug: corosync <= 3.1.10 keeps knet ping timers computed from the old token after a
    reload (fixed upstream by commit 29206cdf "totemconfig: Fix knet ping timer calc on reload"),
    so a token change is a restart unless every link sets knet_ping_interval and knet_ping_timeout.
    """
    b = normalize(before)
    a = normalize(after)
    changes = []
    _diff_section(b, a, (), "", changes, crypto_reload)
    _node_identity_rule(changes)
    if ping_timer_bug:
        _ping_timer_rule(changes, b, a)
    return changes


def _union_keys(chain, b, a):
    keys = list(a) + [k for k in b if k not in a]
    return sorted(keys, key=lambda k: _key_order(chain, k, _is_section_value(a[k] if k in a else b[k])))


def _join(path, key):
    return "%s.%s" % (path, key) if path else key


def _record(changes, path, chain, bv, av, kind, crypto_reload):
    action, reason = _worst(chain, kind, [bv, av], crypto_reload)
    changes.append({"path": path, "before": bv, "after": av, "action": action, "reason": reason})


def _diff_section(b, a, chain, path, changes, crypto_reload):
    for key in _union_keys(chain, b, a):
        bv = b.get(key)
        av = a.get(key)
        if bv == av:
            continue
        sub_chain = chain + (key,)
        sub_path = _join(path, key)
        kind = "add" if bv is None else "remove" if av is None else "modify"
        if sub_chain in KEYED_LISTS and isinstance(bv or [], list) and isinstance(av or [], list):
            _diff_keyed(bv or [], av or [], sub_chain, sub_path, changes, crypto_reload)
        elif isinstance(bv, dict) and isinstance(av, dict):
            _diff_section(bv, av, sub_chain, sub_path, changes, crypto_reload)
        else:
            _record(changes, sub_path, sub_chain, bv, av, kind, crypto_reload)


def _diff_keyed(bl, al, chain, path, changes, crypto_reload):
    def index(items):
        out = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            label = _item_label(chain, item, i)
            if label in out:  # a duplicate id in a hand-written file: keep both apart
                label = "%s[%d]" % (label, i)
            out[label] = item
        return out

    bi = index(bl)
    ai = index(al)
    labels = list(ai) + [k for k in bi if k not in ai]
    labels.sort(key=lambda lbl: _item_sort_key(chain, ai[lbl] if lbl in ai else bi[lbl]))
    for label in labels:
        bv = bi.get(label)
        av = ai.get(label)
        if bv == av:
            continue
        sub_path = path + label
        if bv is not None and av is not None:
            _diff_section(bv, av, chain, sub_path, changes, crypto_reload)
        else:
            _record(changes, sub_path, chain, bv, av, "add" if bv is None else "remove", crypto_reload)


def _node_addrs(node):
    found = set()
    for k, v in node.items():
        if _RING_RE.match(k) and isinstance(v, str):
            found.add(v)
    return found


def _node_identity_rule(changes):
    """A node removed and another added with the same name or address = a changed nodeid.

    corosync would remove and re-add the member (compute_and_set_totempg_interfaces()) but the node
    itself keeps its startup nodeid (totem_config->node_id): that node has to restart.
    """
    whole = [c for c in changes if re.match(r"^nodelist\.node\[[^\]]*\]$", c["path"])]
    removed = [c for c in whole if c["after"] is None and isinstance(c["before"], dict)]
    added = [c for c in whole if c["before"] is None and isinstance(c["after"], dict)]
    for r in removed:
        for a in added:
            same_name = r["before"].get("name") is not None and r["before"].get("name") == a["after"].get("name")
            if same_name or (_node_addrs(r["before"]) & _node_addrs(a["after"])):
                reason = ("nodeid of an existing node changed (same name or address): corosync keeps the "
                          "nodeid read at startup, the node must restart")
                for c in (r, a):
                    c["action"] = RESTART
                    c["reason"] = reason


def _ping_timer_rule(changes, before, after):
    token_changes = [c for c in changes if c["path"] in ("totem.token", "totem.token_coefficient")]
    if not token_changes or _transport(after) != "knet":
        return
    try:
        if effective_timing(before)["effective_token"] == effective_timing(after)["effective_token"]:
            return  # e.g. the default written out explicitly
    except CorosyncConfError:
        pass
    explicit = {}
    totem = after.get("totem") if isinstance(after.get("totem"), dict) else {}
    for iface in totem.get("interface", []) if isinstance(totem.get("interface"), list) else []:
        if "knet_ping_interval" in iface and "knet_ping_timeout" in iface:
            explicit[iface.get("linknumber")] = True
    links = set()
    for node in _nodes(after):
        for k in node:
            m = _RING_RE.match(k)
            if m:
                links.add(m.group(1))
    if links and all(explicit.get(link) for link in links):
        return
    for c in token_changes:
        c["action"] = RESTART
        c["reason"] = ("corosync <= 3.1.10 keeps knet ping timers derived from the old token after a reload "
                       "(fixed upstream by 29206cdf): restart, or set knet_ping_interval and knet_ping_timeout "
                       "on every totem.interface")


def summarize(changes):
    """(reload_required, restart_required) for a list of changes from diff()."""
    return (any(c["action"] == RELOAD for c in changes), any(c["action"] == RESTART for c in changes))


# ---------------------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------------------

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
    if not _DIGITS_RE.match(value):
        return "must be a non-negative integer"
    return None


def _int_range(low, high):
    def check(value):
        if not _DIGITS_RE.match(value) or not low <= int(value) <= high:
            return "must be an integer from %d to %d" % (low, high)
        return None
    return check


def _priority(value):
    # system.priority: a nice(1) value or max / min (corosync.conf(5))
    if value in ("max", "min") or re.match(r"^-?[0-9]+$", value) and -20 <= int(value) <= 19:
        return None
    return "must be max, min or a nice value from -20 to 19"


def _positive_int(value):
    if not _DIGITS_RE.match(value) or int(value) < 1:
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
        if not isinstance(key, str) or not _KEY_RE.match(key):
            f.error(_join(path, str(key)), None,
                    "is not a valid corosync name (letters, digits, '_' and '-' only)")
            continue
        sub = _join(path, key)
        if value is None:
            continue
        if isinstance(value, Mapping):
            _check_structure(value, chain + (key,), sub, f)
        elif isinstance(value, (list, tuple)):
            items = [x for x in value if x is not None]
            if all(isinstance(x, Mapping) for x in items):
                for i, item in enumerate(items):
                    _check_structure(item, chain + (key,), "%s[%d]" % (sub, i), f)
            elif all(_is_scalar(x) for x in items):
                for x in items:
                    _check_scalar(x, sub, f)
            else:
                f.error(sub, None, "must be a list of sections or a list of values, not a mix")
        elif _is_scalar(value):
            _check_scalar(value, sub, f)
        else:
            f.error(sub, None, "must be a string, number, boolean, section or list, got %s" % type(value).__name__)


def _check_scalar(value, path, f):
    if isinstance(value, str):
        problem = _value_problem(value)
        if problem:
            f.error(path, value, problem)
    elif isinstance(value, float):
        f.error(path, value, "must be an integer or a string, not a float")


def _walk_fields(norm, chain, path, visit):
    for key, value in norm.items():
        sub_chain = chain + (key,)
        sub_path = _join(path, key)
        if isinstance(value, dict):
            _walk_fields(value, sub_chain, sub_path, visit)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for i, item in enumerate(value):
                label = _item_label(sub_chain, item, i) if sub_chain in KEYED_LISTS else "[%d]" % i
                _walk_fields(item, sub_chain, sub_path + label, visit)
        else:
            visit(sub_chain, sub_path, value)


def _nodes(norm):
    nodelist = norm.get("nodelist")
    if not isinstance(nodelist, dict):
        return []
    nodes = nodelist.get("node")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _transport(norm):
    totem = norm.get("totem")
    value = totem.get("transport") if isinstance(totem, dict) else None
    return value if isinstance(value, str) else "knet"  # the corosync 3 default


def _node_path(node, i):
    return "nodelist.node" + _item_label(("nodelist", "node"), node, i)


def _rule_top_level(norm, f):
    for key, value in norm.items():
        if not isinstance(value, dict):
            f.error(key, value if isinstance(value, str) else None,
                    "top level must hold sections only (one mapping per section)")


def _rule_nodelist(norm, f):
    if not _nodes(norm):
        f.error("nodelist.node", None, "at least one node is required")


def _rule_node_fields(norm, f):
    for i, node in enumerate(_nodes(norm)):
        path = _node_path(node, i)
        for field in ("nodeid", "name", "ring0_addr"):
            if field not in node:
                f.error("%s.%s" % (path, field), None, "is required on every node")
        for key in node:
            m = _RING_RE.match(key)
            if m and int(m.group(1)) >= MAX_LINKS:
                f.error("%s.%s" % (path, key), node[key],
                        "link number must be 0..%d (at most %d links)" % (MAX_LINKS - 1, MAX_LINKS))
        nodeid = node.get("nodeid")
        if isinstance(nodeid, str) and _DIGITS_RE.match(nodeid) and _transport(norm) == "knet" \
                and int(nodeid) >= KNET_MAX_HOST:
            f.error(path + ".nodeid", nodeid, "must be less than %d with knet" % KNET_MAX_HOST)


def _rule_node_unique(norm, f):
    seen = {}
    for i, node in enumerate(_nodes(norm)):
        path = _node_path(node, i)
        for key, value in node.items():
            if key in ("nodeid", "name"):
                what = key
            elif _RING_RE.match(key):
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
    nodes = _nodes(norm)
    link_sets = [sorted(k for k in n if _RING_RE.match(k)) for n in nodes]
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
    for node in _nodes(norm):
        links.update(k for k in node if _RING_RE.match(k))
    transport = _transport(norm)
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
    if cipher != "none" and _transport(norm) in ("udp", "udpu"):
        f.error("totem.crypto_cipher", cipher, "needs transport knet (crypto works only with knet)")
    if cipher == "none" and _transport(norm) == "knet" and "secauth" not in totem:
        f.warn("totem.crypto_cipher", cipher, "cluster traffic is not encrypted")


def _rule_quorum(norm, f):
    quorum = norm.get("quorum")
    if not isinstance(quorum, dict) or "provider" not in quorum:
        f.warn("quorum.provider", None, "is not set: the cluster has no quorum")
        return
    count = len(_nodes(norm))
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
    return "ipv4" if _transport(norm) == "udp" else "ipv6-4"


def _rule_addresses(norm, f):
    """Every ring address is one address or host name of the family totem.ip_version allows, and
    on knet every node's address of a link is of the same family (corosync.conf(5))."""
    ip_version = _ip_version(norm)
    families = {}
    for i, node in enumerate(_nodes(norm)):
        path = _node_path(node, i)
        for key in sorted(node):
            m = _RING_RE.match(key)
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
            if _match(pattern, chain):
                for v in (value if isinstance(value, list) else [value]):
                    problem = check(v)
                    if problem:
                        f.error(path, v, problem)

    _walk_fields(norm, (), "", visit)
    for rule in RULES:
        rule(norm, f)
    return f.errors, f.warnings


# ---------------------------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------------------------

def _int_or_none(section, key):
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _DIGITS_RE.match(value):
        raise CorosyncConfError("totem.%s: %r must be a non-negative integer" % (key, value))
    return int(value)


def effective_timing(config):
    """Effective heartbeat timing in ms, as corosync 3.1 computes it (exec/totemconfig.c).

    The formulas are corosync_timing's (effective token, default consensus, knet ping timers of
    link 0); this reads the values from config and counts its nodes. Raises CorosyncConfError when a
    timing value is not a non-negative integer.
    """
    norm = normalize(config)
    totem = norm.get("totem") if isinstance(norm.get("totem"), dict) else {}
    link0 = {}
    for iface in totem.get("interface", []) if isinstance(totem.get("interface"), list) else []:
        if iface.get("linknumber", "0") == "0":
            link0 = iface
    result = corosync_timing.timing(_int_or_none(totem, "token"), _int_or_none(totem, "token_coefficient"),
                                    len(_nodes(norm)), _int_or_none(totem, "consensus"))
    link = corosync_timing.link_timing(result["effective_token"], _int_or_none(link0, "knet_pong_count"),
                                       _int_or_none(link0, "knet_ping_interval"), _int_or_none(link0, "knet_ping_timeout"))
    result.update(knet_pong_count=link["knet_pong_count"], knet_ping_interval=link["knet_ping_interval"],
                  knet_ping_timeout=link["knet_ping_timeout"])
    return result
