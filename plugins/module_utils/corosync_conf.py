# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""corosync.conf as data: the model, its error, normalize() and the helpers every corosync_conf_* file shares.

The data model is a nested dict, the same shape the role passes to the corosync_config module::

    {"totem": {"version": 2, "cluster_name": "prod", "interface": [{"linknumber": 0}]},
     "nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "10.0.0.1"}]},
     "quorum": {"provider": "corosync_votequorum", "two_node": 1},
     "logging": {"to_syslog": True, "logger_subsys": [{"subsys": "QUORUM", "debug": False}]}}

A dict is a section, a list of dicts repeated sections of one name, a scalar ``key: value``, a list
of scalars a repeated key. ``nodelist.node``, ``totem.interface`` and ``logging.logger_subsys`` are
always lists.

The engine of corosync.conf is split by concern (docs/architecture.md lists the files):

- corosync_conf (this file)  -> CorosyncConfError, the model's shape (KEYED_LISTS, MAX_LINKS...),
                                normalize() and scalar_text(), effective_timing(), the shared helpers
- corosync_conf_parse        -> parse(): text into the model, as corosync's own parser reads it
- corosync_conf_render       -> render(): the model as canonical text; is_managed()
- corosync_conf_reload       -> RELOAD_RULES and classify(): what `corosync-cfgtool -R` applies
- corosync_conf_diff         -> diff() and summarize(): the semantic changes and reload or restart
- corosync_conf_validate     -> validate(): what corosync refuses or would read wrongly

Everything here is pure (no I/O) and standard library only: it runs on managed nodes.
Python 3.8 syntax at most. Facts about corosync come from its 3.1.x source.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import re

from collections.abc import Mapping

from ansible_collections.clusterops.ha.plugins.module_utils import corosync_timing
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

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

RING_RE = re.compile(r"^ring(\d+)_addr$")
KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
DIGITS_RE = re.compile(r"^[0-9]+$")


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


def strip(s):
    # corosync's whitespace is space and tab only
    return s.strip(" \t")


# ---------------------------------------------------------------------------------------------
# normalize
# ---------------------------------------------------------------------------------------------

def is_scalar(v):
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
        return strip(value)
    raise CorosyncConfError("%s: %r is not a string, number or boolean" % (".".join(chain) or "<top>", value))


def _num_key(value):
    """Sort key: numbers numerically first, then other strings, then missing."""
    if value is None:
        return (2, 0, "")
    if DIGITS_RE.match(value):
        return (0, int(value), value)
    return (1, 0, value)


def item_sort_key(chain, item):
    field = KEYED_LISTS[chain]
    value = item.get(field)
    if not isinstance(value, str):
        value = None
    return (_num_key(value), json.dumps(item, sort_keys=True))


def key_order(chain, key, is_section):
    first = FIRST_KEYS.get(chain, ())
    if not chain:
        if key in SECTION_ORDER:
            return (int(is_section), 0, SECTION_ORDER.index(key), 0, key)
        return (int(is_section), 1, 0, 0, key)
    if key in first:
        return (int(is_section), 0, first.index(key), 0, key)
    if chain == ("nodelist", "node"):
        m = RING_RE.match(key)
        if m:
            return (int(is_section), 1, int(m.group(1)), 0, key)
        return (int(is_section), 2, 0, 0, key)
    return (int(is_section), 1, 0, 0, key)


def is_section_value(value):
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and isinstance(value[0], dict))


def _ordered(chain, d):
    keys = sorted(d, key=lambda k: key_order(chain, k, is_section_value(d[k])))
    return dict((k, d[k]) for k in keys)


def normalize(config):
    """A canonical, comparable form of config.

    All scalars become strings (see scalar_text()), None values and empty lists are dropped,
    one-element lists collapse to their element (except the always-list sections), repeated
    keyed sections are sorted (nodes by nodeid, interfaces by linknumber, logger_subsys by
    subsys), and keys are in render order. Raises CorosyncConfError on a structure that cannot
    be a corosync.conf (use corosync_conf_validate.validate() for a full report).
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
                return sorted(sects, key=lambda s: item_sort_key(chain, s))
            return sects[0] if len(sects) == 1 else sects
        if all(is_scalar(x) for x in items):
            texts = [scalar_text(x, chain) for x in items]
            return texts[0] if len(texts) == 1 else texts
        raise CorosyncConfError("%s: a list must hold only sections or only values" % ".".join(chain))
    return scalar_text(v, chain)


def value_problem(text):
    """Why corosync cannot read text as a value (a problem to report), or None."""
    if "\n" in text or "\r" in text or "\0" in text:
        return "must be a single line"
    if "{" in text:
        return "must not contain '{' (corosync would read the line as a section)"
    return None


def match(pattern, chain):
    """True when chain (a tuple of names) matches pattern: fnmatch patterns, a last "**" for any depth."""
    if pattern and pattern[-1] == "**":
        head = pattern[:-1]
        if len(chain) < len(head):
            return False
        return all(fnmatch.fnmatchcase(c, p) for c, p in zip(chain, head))
    if len(pattern) != len(chain):
        return False
    return all(fnmatch.fnmatchcase(c, p) for c, p in zip(chain, pattern))


# ---------------------------------------------------------------------------------------------
# paths and the nodelist
# ---------------------------------------------------------------------------------------------

def item_label(chain, item, index):
    field = KEYED_LISTS.get(chain)
    if field and isinstance(item.get(field), str):
        return "[%s=%s]" % (field, item[field])
    for alt in FALLBACK_IDS.get(chain, ()):
        if isinstance(item.get(alt), str):
            return "[%s=%s]" % (alt, item[alt])
    return "[%d]" % index


def join(path, key):
    return "%s.%s" % (path, key) if path else key


def nodes_of(norm):
    nodelist = norm.get("nodelist")
    if not isinstance(nodelist, dict):
        return []
    nodes = nodelist.get("node")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def transport_of(norm):
    totem = norm.get("totem")
    value = totem.get("transport") if isinstance(totem, dict) else None
    return value if isinstance(value, str) else "knet"  # the corosync 3 default


# ---------------------------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------------------------

def _int_or_none(section, key):
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not DIGITS_RE.match(value):
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
                                    len(nodes_of(norm)), _int_or_none(totem, "consensus"))
    link = corosync_timing.link_timing(result["effective_token"], _int_or_none(link0, "knet_pong_count"),
                                       _int_or_none(link0, "knet_ping_interval"), _int_or_none(link0, "knet_ping_timeout"))
    result.update(knet_pong_count=link["knet_pong_count"], knet_ping_interval=link["knet_ping_interval"],
                  knet_ping_timeout=link["knet_ping_timeout"])
    return result
