# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heartbeat (totem) and quorum tuned on purpose: profiles, links, validation, timing report.

Works on the same nested-dict model as corosync_conf (see its docstring). Pure, standard library
only, Python 3.8 syntax at most: it runs on the controller (filters) and may run on managed nodes.

- ``PROFILES`` and ``tuned_totem()``: the totem timing keys for a profile, derived for the node
  count, with explicit overrides winning.
- ``interfaces()``: the ``totem.interface`` list from per-link options; optionally pins the knet
  ping timers so that later token changes stay reloadable on corosync <= 3.1.10.
- ``validate_tuning()``: corosync_conf_validate.validate() plus the timing and quorum rules below.
- ``timing_report()``: effective timing for this node count, in ms and s, with a one-line summary.

The formulas (effective token, consensus, knet ping timers) are corosync_timing's, used here and
re-exported under their old names (effective_token, min_consensus, knet_ping_timers).

Facts come from corosync 3.1.7 (exec/totemconfig.c, exec/votequorum.c, exec/coroparse.c),
corosync-qdevice 3.0 (qdevices/qdevice-net-instance.c, corosync-qdevice(8)), libknet
(libknet/links.c) and the man pages corosync.conf(5) and votequorum(5) of corosync 3.1.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from collections.abc import Mapping

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.validate import suggest
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import (
    MAX_LINKS,
    CorosyncConfError,
    effective_timing,
    normalize,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_validate import validate
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_timing import (
    KNET_PONG_COUNT,
    TOKEN_COEFFICIENT_MS,
    TOKEN_MS,
    default_consensus,
    effective_token,
    knet_ping_timers,
    link_timing,
    min_consensus,
    timing,
)

_DIGITS_RE = re.compile(r"^[0-9]+$")
_RING_RE = re.compile(r"^ring(\d+)_addr$")

PROFILE_VARIABLE = "cluster_totem_profile"
DEFAULT_PROFILE = "lan"

# exec/totemconfig.c (3.1.7) #defines: what corosync uses when a key is absent. consensus
# (1.2 x effective token) and hold (derived from token_retransmit) have no fixed default.
COROSYNC_DEFAULTS = {
    "token": TOKEN_MS,
    "token_coefficient": TOKEN_COEFFICIENT_MS,
    "token_retransmits_before_loss_const": 4,
    "join": 50,
    "merge": 200,
    "downcheck": 1000,
    "fail_recv_const": 2500,
    "send_join": 0,
    "window_size": 50,
    "max_messages": 17,
}
# MINIMUM_TIMEOUT in exec/totemconfig.c: (1000 / HZ) * 3 with HZ 100 on Linux.
MINIMUM_TIMEOUT = 30

# Totem keys tuned_totem() accepts as overrides, and the per-link knet keys it applies to every link.
TIMING_KEYS = ("token", "token_coefficient", "consensus", "join", "token_retransmits_before_loss_const",
               "max_messages", "merge", "downcheck", "fail_recv_const", "send_join", "window_size", "hold")
LINK_DEFAULT_KEYS = ("knet_ping_interval", "knet_ping_timeout", "knet_pong_count", "knet_link_priority")
# What interfaces() accepts for one link.
LINK_KEYS = ("linknumber", "knet_link_priority", "knet_ping_interval", "knet_ping_timeout", "knet_pong_count",
             "knet_ping_precision", "knet_transport")
KNET_TRANSPORTS = ("udp", "sctp")  # exec/totemconfig.c: "Unrecognised knet_transport. expected 'udp' or 'sctp'"

# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------
#
# "totem" holds the published values for a 2-node cluster. The consensus of a profile is derived
# for the node count by tuned_totem(): corosync scales token by token_coefficient from 3 nodes on
# (effective token = token + (nodes - 2) x token_coefficient, exec/totemconfig.c
# totem_volatile_config_read()) but never scales an explicit consensus, so a published 30000/36000
# pair would give consensus < 1.2 x effective token on 3+ nodes (corosync.conf(5): "The minimum
# value for consensus must be 1.2 * token"; SUSE KB 000020513 shows the 11-node case going wrong).
# The consensus written is therefore ceil(1.2 x effective token), never lower than the published
# value. It is written explicitly (corosync would derive the same number) so that the vendors'
# checks, which look for the published keys in corosync.conf, find them.
#
# wan: no single published set exists. The values follow from:
# - Red Hat, "Support Policies for RHEL High Availability Clusters - Cluster Interconnect Network
#   Latency" (access.redhat.com/articles/2823721): <= 2 ms round trip is optimal, above 300 ms
#   round trip membership may be unstable, "advanced tuning of membership and communication
#   settings may improve stability". The profile targets links up to that 300 ms bound.
# - token 10000: Red Hat's long-standing default for cman clusters (RHEL 5/6) and the RHEL 7 High
#   Availability Add-On Reference example (4.2 "Configuring Timeout Values": --token 10000
#   --join 100); well inside Red Hat's supported maximum of 300000 ms (access.redhat.com/articles/
#   3068821). With 10 retransmits corosync derives token_retransmit = 10000 / 10.2 = 980 ms, more
#   than three 300 ms round trips, so a token delayed or dropped once on the long link is resent
#   instead of starting a membership change.
# - token_retransmits_before_loss_const 10: SUSE's shipped corosync.conf example (bsc#1001164) and
#   the Azure guide use 10 to ride out packet loss; corosync's Christine Caulfield (ClusterLabs users
#   list, 2016-10 "Establishing Timeouts"): raise token for latency, more retransmits only add a
#   little network load.
# - join 100: the RHEL 7 reference example above. join is the resend interval of join messages
#   while a membership forms (exec/totemsrp.c memb_timer_function_state_gather()), so a larger
#   value only means fewer join resends over a slow link; consensus (12000) stays far above it.
# - consensus 12000 = 1.2 x token (corosync.conf(5)), derived for larger node counts as above.
# knet ping timers stay derived from the token (token / 4 and token / 2 with pong_count 2): a
# 2500 ms ping interval and 5000 ms timeout leave room for 300 ms round trips, and libknet adapts
# the pong timeout to the measured latency.
PROFILES = {
    "lan": {
        "description": "corosync's own defaults (token 3000 ms, token_coefficient 650 ms, consensus 1.2 x "
                       "effective token): a local network with a round trip well below 2 ms",
        "source": "corosync.conf(5), corosync 3.1; exec/totemconfig.c",
        "totem": {},
    },
    "azure": {
        "description": "Microsoft Azure: token 30000 ms, consensus 36000 ms, 10 retransmits, join 60 ms, "
                       "max_messages 20 (survives Azure host maintenance freezes)",
        "source": "Microsoft Learn, 'Setting up Pacemaker on SUSE Linux Enterprise Server in Azure' "
                  "(corosync.conf totem section)",
        "totem": {"token": 30000, "consensus": 36000, "token_retransmits_before_loss_const": 10, "join": 60,
                  "max_messages": 20},
    },
    "aws": {
        "description": "Amazon Web Services: token 30000 ms, consensus 36000 ms",
        "source": "SUSE's checks for SAP on AWS (token 30000, consensus 36000); RHEL's AWS guide uses 15000",
        "totem": {"token": 30000, "consensus": 36000},
    },
    "gcp": {
        "description": "Google Cloud: token 20000 ms, consensus 24000 ms",
        "source": "Google Cloud, HA cluster guides for SAP on Compute Engine",
        "totem": {"token": 20000, "consensus": 24000},
    },
    "wan": {
        "description": "links with a round trip up to about 300 ms (stretched or multi-site): token 10000 ms, "
                       "consensus 12000 ms, 10 retransmits, join 100 ms",
        "source": "Red Hat interconnect latency policy (300 ms), RHEL 7 HA reference (--token 10000 --join 100), "
                  "SUSE corosync.conf example (10 retransmits); see the comment above PROFILES",
        "totem": {"token": 10000, "consensus": 12000, "token_retransmits_before_loss_const": 10, "join": 100},
    },
}


class TuningError(ClusterOpsError, ValueError):
    """A profile, override or link description that cannot be turned into corosync.conf keys."""


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------

# effective_token, min_consensus, knet_ping_timers: corosync_timing's, imported above (one formula).
def derived_consensus(token, token_coefficient, node_count, published=None):
    """Consensus for a profile: ceil(1.2 x effective token), never lower than the published value."""
    value = min_consensus(effective_token(token, token_coefficient, node_count))
    if published is not None and published > value:
        return published
    return value


def corosync_default_consensus(effective):
    """What corosync uses when consensus is not set (corosync_timing.default_consensus)."""
    return default_consensus(effective)


# ---------------------------------------------------------------------------------------------
# tuned_totem / interfaces
# ---------------------------------------------------------------------------------------------

def _as_int(value, what, low=0, high=None):
    if isinstance(value, bool):
        raise TuningError("%s: %r must be an integer, not a boolean" % (what, value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS_RE.match(value.strip()):
        number = int(value.strip())
    else:
        raise TuningError("%s: %r must be a non-negative integer" % (what, value))
    if number < low or (high is not None and number > high):
        if high is None:
            raise TuningError("%s: %r must be at least %d" % (what, value, low))
        raise TuningError("%s: %r must be from %d to %d" % (what, value, low, high))
    return number


def _profile(profile):
    name = DEFAULT_PROFILE if profile is None or profile == "" else profile
    if not isinstance(name, str) or name not in PROFILES:
        raise TuningError("%s: %r is not a known profile; use one of %s"
                          % (PROFILE_VARIABLE, profile, ", ".join(sorted(PROFILES))))
    return name


def _node_count(node_count):
    return _as_int(node_count, "node_count", low=1)


def _link_value(key, value, what):
    if key == "knet_transport":
        if value not in KNET_TRANSPORTS:
            raise TuningError("%s: %r must be one of %s" % (what, value, ", ".join(KNET_TRANSPORTS)))
        return value
    if key == "linknumber":
        return _as_int(value, what, 0, MAX_LINKS - 1)
    if key == "knet_link_priority":
        # totem_config_validate(): "Invalid link priority (should be 0..255)"
        return _as_int(value, what, 0, 255)
    if key == "knet_pong_count":
        # libknet knet_link_set_pong_count(): uint8_t, at least 1
        return _as_int(value, what, 1, 255)
    # knet_link_set_ping_timers(): interval, timeout and precision must be > 0
    return _as_int(value, what, 1)


def interfaces(links, node_count, token=None, token_coefficient=None, pin_knet_ping_timers=False,
               link_defaults=None):
    """The totem.interface list for links (a list of per-link option dicts), sorted by linknumber.

    Each dict may hold linknumber (defaults to its position), knet_link_priority,
    knet_ping_interval, knet_ping_timeout, knet_pong_count, knet_ping_precision and knet_transport.
    At most 8 links, linknumbers 0..7 and unique. link_defaults (knet_* keys) apply to every link
    unless the link sets them itself.

    pin_knet_ping_timers: write knet_ping_interval and knet_ping_timeout on every link that does not
    set them, from corosync's own formula with the effective token for node_count (see
    knet_ping_timers()). corosync <= 3.1.10 keeps ping timers computed from the old token after a
    reload; with explicit timers on every link a token change stays reloadable (corosync_conf_diff.diff).
    """
    count = _node_count(node_count)
    if links is None:
        links = []
    if isinstance(links, Mapping) or not isinstance(links, (list, tuple)):
        raise TuningError("links: must be a list of per-link option dicts, got %s" % type(links).__name__)
    if len(links) > MAX_LINKS:
        raise TuningError("links: %d links given, corosync with knet supports at most %d (linknumber 0..%d)"
                          % (len(links), MAX_LINKS, MAX_LINKS - 1))
    defaults = {}
    for key, value in (link_defaults or {}).items():
        if key not in LINK_KEYS or key == "linknumber":
            raise TuningError("link default %r: not a per-link knet option (use one of %s)"
                              % (key, ", ".join(k for k in LINK_KEYS if k != "linknumber")))
        if value is not None:
            defaults[key] = _link_value(key, value, "links[*].%s" % key)
    tok = COROSYNC_DEFAULTS["token"] if token is None else _as_int(token, "totem.token")
    coefficient = (COROSYNC_DEFAULTS["token_coefficient"] if token_coefficient is None
                   else _as_int(token_coefficient, "totem.token_coefficient"))
    effective = effective_token(tok, coefficient, count)
    result = []
    seen = {}
    for index, link in enumerate(links):
        what = "links[%d]" % index
        if not isinstance(link, Mapping):
            raise TuningError("%s: must be a dict of link options, got %r" % (what, link))
        item = dict(defaults)
        for key, value in link.items():
            if key not in LINK_KEYS:
                raise TuningError("%s.%s: unknown link option%s"
                                  % (what, key, suggest(key, LINK_KEYS) or " (known: %s)" % ", ".join(LINK_KEYS)))
            if value is not None:
                item[key] = _link_value(key, value, "%s.%s" % (what, key))
        number = item.get("linknumber", index)
        number = _link_value("linknumber", number, what + ".linknumber")
        if number in seen:
            raise TuningError("%s.linknumber: %d is already used by links[%d]; linknumbers must be unique"
                              % (what, number, seen[number]))
        seen[number] = index
        item["linknumber"] = number
        if pin_knet_ping_timers:
            interval, timeout = knet_ping_timers(effective, item.get("knet_pong_count", KNET_PONG_COUNT))
            item.setdefault("knet_ping_interval", interval)
            item.setdefault("knet_ping_timeout", timeout)
        result.append(item)
    result.sort(key=lambda i: i["linknumber"])
    return [_link_ordered(i) for i in result]


def _link_ordered(item):
    return dict((k, item[k]) for k in LINK_KEYS if k in item)


def tuned_totem(profile=DEFAULT_PROFILE, overrides=None, node_count=2, links=None, pin_knet_ping_timers=False):
    """The totem keys to put in corosync.conf for profile, overrides and node_count.

    Values equal to corosync's built-in default are left out, so a default ``lan`` cluster's
    corosync.conf stays minimal (an empty dict). A profile's published values are written, with
    consensus derived for node_count (derived_consensus()). Explicit overrides (TIMING_KEYS) win over
    the profile; an explicit consensus is kept as given (validate_tuning() judges it).

    overrides may also hold the per-link knet keys (LINK_DEFAULT_KEYS, applied to every link) and an
    ``interface`` list (used as links when links is not given). links / pin_knet_ping_timers: see
    interfaces(); with neither links nor any link option, no ``interface`` list is returned. When
    pinning without links, a single link 0 is assumed: pass one dict per link for more links.

    Raises TuningError naming the setting for an unknown profile, key or bad value.
    """
    name = _profile(profile)
    count = _node_count(node_count)
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise TuningError("overrides: must be a dict of totem keys, got %s" % type(overrides).__name__)
    published = PROFILES[name]["totem"]
    values = dict(published)
    link_defaults = {}
    override_links = None
    for key, value in overrides.items():
        if value is None:
            continue
        if key in TIMING_KEYS:
            values[key] = _as_int(value, "totem.%s" % key)
        elif key in LINK_DEFAULT_KEYS:
            link_defaults[key] = value
        elif key == "interface":
            override_links = value
        else:
            raise TuningError("totem.%s: not a timing override%s (allowed: %s)"
                              % (key, suggest(key, TIMING_KEYS + LINK_DEFAULT_KEYS + ("interface",)),
                                 ", ".join(TIMING_KEYS + LINK_DEFAULT_KEYS + ("interface",))))
    token = values.get("token", COROSYNC_DEFAULTS["token"])
    coefficient = values.get("token_coefficient", COROSYNC_DEFAULTS["token_coefficient"])
    if "consensus" in published and overrides.get("consensus") is None:
        values["consensus"] = derived_consensus(token, coefficient, count, published["consensus"])
    result = {}
    for key in TIMING_KEYS:
        if key not in values:
            continue
        if key in COROSYNC_DEFAULTS and values[key] == COROSYNC_DEFAULTS[key]:
            continue
        result[key] = values[key]
    if links is None:
        links = override_links
    if links is None and (link_defaults or pin_knet_ping_timers):
        links = [{"linknumber": 0}]
    if links is not None:
        items = interfaces(links, count, token, coefficient, pin_knet_ping_timers, link_defaults)
        if any(len(i) > 1 for i in items):
            result["interface"] = items
    return result


def profile_table(node_counts=(2, 3, 5)):
    """Every profile's totem keys and timing for a few node counts (for docs and reports)."""
    table = {}
    for name in sorted(PROFILES):
        rows = {}
        for count in node_counts:
            totem = tuned_totem(name, None, count)
            token = totem.get("token", COROSYNC_DEFAULTS["token"])
            effective = effective_token(token, totem.get("token_coefficient", COROSYNC_DEFAULTS["token_coefficient"]),
                                        count)
            consensus = totem.get("consensus", corosync_default_consensus(effective))
            rows[count] = {"totem": totem, "effective_token": effective, "consensus": consensus,
                           "detection": effective + consensus}
        table[name] = {"description": PROFILES[name]["description"], "source": PROFILES[name]["source"],
                       "nodes": rows}
    return table


# ---------------------------------------------------------------------------------------------
# Known keys (corosync 3.1 corosync.conf(5), votequorum(5), corosync-qdevice(8))
# ---------------------------------------------------------------------------------------------

KNOWN_TOTEM_KEYS = (
    # corosync.conf(5), corosync 3.1.7: totem directive
    "version", "clear_node_high_bit", "crypto_model", "crypto_hash", "crypto_cipher", "secauth", "keyfile",
    "key", "link_mode", "netmtu", "transport", "cluster_name", "config_version", "ip_version", "token",
    "token_warning", "token_coefficient", "token_retransmit", "knet_compression_model",
    "knet_compression_threshold", "knet_compression_level", "hold", "token_retransmits_before_loss_const",
    "join", "send_join", "consensus", "merge", "downcheck", "fail_recv_const", "seqno_unchanged_const",
    "heartbeat_failures_allowed", "max_network_delay", "window_size", "max_messages", "miss_count_const",
    "knet_pmtud_interval", "knet_mtu", "block_unlisted_ips", "cancel_token_hold_on_retransmit",
    "interface",
    # corosync >= 3.1.8 (exec/totemconfig.c totem.ip_dscp)
    "ip_dscp",
    # written by pcs, stored in cmap, not used by corosync itself
    "cluster_uuid",
)
KNOWN_INTERFACE_KEYS = (
    "linknumber", "knet_link_priority", "knet_ping_interval", "knet_ping_timeout", "knet_ping_precision",
    "knet_pong_count", "knet_transport",
    # udp only
    "bindnetaddr", "broadcast", "mcastaddr", "mcastport", "ttl",
)
KNOWN_QUORUM_KEYS = (
    # votequorum(5) and exec/coroparse.c / exec/votequorum.c (corosync 3.1.7)
    "provider", "expected_votes", "votes", "two_node", "wait_for_all", "last_man_standing",
    "last_man_standing_window", "auto_tie_breaker", "auto_tie_breaker_node", "allow_downscale",
    "expected_votes_tracking", "leaving_timeout", "cancel_wait_for_all", "device",
)
# corosync-qdevice(8), qdevices/qdevice-*.c (corosync-qdevice 3.0)
KNOWN_DEVICE_KEYS = ("model", "timeout", "sync_timeout", "votes", "master_wins", "net", "heuristics")
KNOWN_DEVICE_NET_KEYS = ("host", "port", "algorithm", "tie_breaker", "tls", "connect_timeout", "force_ip_version",
                         "keep_active_partition_tie_breaker")
KNOWN_HEURISTICS_KEYS = ("mode", "timeout", "sync_timeout", "interval")  # plus exec_<NAME>
# corosync.conf(5), corosync 3.1.7: the top-level directives and the keys of those without a table above.
KNOWN_SECTIONS = ("totem", "logging", "quorum", "nodelist", "system", "resources", "nozzle")
KNOWN_LOGGING_KEYS = ("timestamp", "fileline", "function_name", "blackbox", "to_stderr", "to_logfile",
                      "to_syslog", "logfile", "logfile_priority", "syslog_facility", "syslog_priority", "debug",
                      "logger_subsys")
# "all of the above logging configuration options are valid" in logger_subsys, plus its subsys
KNOWN_LOGGER_SUBSYS_KEYS = ("subsys", "to_stderr", "to_logfile", "to_syslog", "logfile", "logfile_priority",
                            "syslog_facility", "syslog_priority", "debug", "timestamp", "fileline",
                            "function_name")
KNOWN_NODELIST_KEYS = ("node",)
KNOWN_NODE_KEYS = ("nodeid", "name")  # plus ringX_addr
KNOWN_SYSTEM_KEYS = ("qb_ipc_type", "sched_rr", "priority", "move_to_root_cgroup", "allow_knet_handle_fallback",
                     "state_dir")
KNOWN_RESOURCES_KEYS = ("watchdog_device",)
KNOWN_NOZZLE_KEYS = ("name", "ipaddr", "ipprefix", "macaddr")

OBSOLETE_KEYS = {
    ("totem", "rrp_mode"): "corosync 2 (RRP) only; corosync 3 with knet uses totem.link_mode",
    ("totem", "threads"): "removed in corosync 3",
    ("totem", "nodeid"): "set nodelist.node.nodeid instead",
    ("totem", "vsftype"): "removed in corosync 2",
    ("totem", "interface", "ringnumber"): "corosync 2 name; corosync 3 uses linknumber",
}
# Per-link keys someone may put directly under totem: corosync 3.1 does not read them there.
_LINK_ONLY = ("knet_ping_interval", "knet_ping_timeout", "knet_pong_count", "knet_link_priority",
              "knet_ping_precision", "knet_transport", "linknumber")

QDEVICE_MODELS = ("net",)
QDEVICE_ALGORITHMS = ("ffsplit", "lms")


# ---------------------------------------------------------------------------------------------
# validate_tuning
# ---------------------------------------------------------------------------------------------

def _msg(path, value, rule):
    if value is None:
        return "%s: %s" % (path, rule)
    return "%s: %r %s" % (path, value, rule)


class _Report:
    def __init__(self, errors, warnings):
        self.errors = list(errors)
        self.warnings = list(warnings)

    def error(self, path, value, rule):
        self.errors.append(_msg(path, value, rule))

    def warn(self, path, value, rule):
        self.warnings.append(_msg(path, value, rule))


def _section(parent, key):
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _int(section, key):
    value = section.get(key) if isinstance(section, dict) else None
    if isinstance(value, str) and _DIGITS_RE.match(value):
        return int(value)
    return None


def _flag(section, key):
    return isinstance(section, dict) and section.get(key) == "1"


def _nodes(norm):
    nodes = _section(norm, "nodelist").get("node")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _link_numbers(nodes):
    found = set()
    for node in nodes:
        for key in node:
            m = _RING_RE.match(key)
            if m:
                found.add(int(m.group(1)))
    return found


def _ifaces(totem):
    value = totem.get("interface")
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def _iface_path(iface, index):
    number = iface.get("linknumber")
    if isinstance(number, str):
        return "totem.interface[linknumber=%s]" % number
    return "totem.interface[%d]" % index


def _check_keys(section, known, path, report, chain, extra_ok=None):
    for key in section:
        if key in known or (extra_ok is not None and extra_ok(key)):
            continue
        name = "%s.%s" % (path, key) if path else key
        obsolete = OBSOLETE_KEYS.get(chain + (key,))
        if obsolete:
            report.error(name, None, "is not a corosync 3 key: %s" % obsolete)
        elif chain == ("totem",) and key in _LINK_ONLY:
            report.error(name, None,
                         "is a per-link option: corosync 3.1 reads it only inside totem.interface "
                         "(one interface section per link)")
        else:
            hint = suggest(key, known) or " (known: %s)" % ", ".join(sorted(known))
            report.error(name, None, "unknown %s%s" % ("section" if not path else "key", hint))


def _rule_known_keys(norm, report):
    _check_keys(norm, KNOWN_SECTIONS, "", report, ())
    logging = _section(norm, "logging")
    _check_keys(logging, KNOWN_LOGGING_KEYS, "logging", report, ("logging",))
    subsystems = logging.get("logger_subsys")
    for index, sub in enumerate(subsystems if isinstance(subsystems, list) else []):
        if isinstance(sub, dict):
            label = "logging.logger_subsys[%s]" % (sub.get("subsys") or index)
            _check_keys(sub, KNOWN_LOGGER_SUBSYS_KEYS, label, report, ("logging", "logger_subsys"))
    nodelist = _section(norm, "nodelist")
    _check_keys(nodelist, KNOWN_NODELIST_KEYS, "nodelist", report, ("nodelist",))
    for index, node in enumerate(_nodes(norm)):
        label = "nodelist.node[%s]" % (node.get("name") or node.get("nodeid") or index)
        _check_keys(node, KNOWN_NODE_KEYS, label, report, ("nodelist", "node"),
                    extra_ok=lambda k: bool(_RING_RE.match(k)))
    _check_keys(_section(norm, "system"), KNOWN_SYSTEM_KEYS, "system", report, ("system",))
    _check_keys(_section(norm, "resources"), KNOWN_RESOURCES_KEYS, "resources", report, ("resources",))
    _check_keys(_section(norm, "nozzle"), KNOWN_NOZZLE_KEYS, "nozzle", report, ("nozzle",))
    totem = _section(norm, "totem")
    _check_keys(totem, KNOWN_TOTEM_KEYS, "totem", report, ("totem",))
    for index, iface in enumerate(_ifaces(totem)):
        _check_keys(iface, KNOWN_INTERFACE_KEYS, _iface_path(iface, index), report, ("totem", "interface"))
    quorum = _section(norm, "quorum")
    _check_keys(quorum, KNOWN_QUORUM_KEYS, "quorum", report, ("quorum",))
    device = _section(quorum, "device")
    _check_keys(device, KNOWN_DEVICE_KEYS, "quorum.device", report, ("quorum", "device"))
    _check_keys(_section(device, "net"), KNOWN_DEVICE_NET_KEYS, "quorum.device.net", report,
                ("quorum", "device", "net"))
    _check_keys(_section(device, "heuristics"), KNOWN_HEURISTICS_KEYS, "quorum.device.heuristics", report,
                ("quorum", "device", "heuristics"), extra_ok=lambda k: k.startswith("exec_"))


def _timing(norm):
    """Effective numbers, or None when a timing value is not an integer (validate() reports that)."""
    totem = _section(norm, "totem")
    for key in TIMING_KEYS:
        if key in totem and _int(totem, key) is None:
            return None
    t = timing(_int(totem, "token"), _int(totem, "token_coefficient"), len(_nodes(norm)), _int(totem, "consensus"))
    join = _int(totem, "join")
    retransmits = _int(totem, "token_retransmits_before_loss_const")
    return {
        "nodes": t["nodes"], "token": t["token"], "token_coefficient": t["token_coefficient"],
        "effective": t["effective_token"], "consensus": t["consensus"], "consensus_explicit": t["consensus_explicit"],
        "join": COROSYNC_DEFAULTS["join"] if join is None else join,
        "retransmits": COROSYNC_DEFAULTS["token_retransmits_before_loss_const"] if retransmits is None
        else retransmits,
    }


def _effective_text(t):
    if t["nodes"] > 2:
        return ("effective token %d ms with %d nodes = token %d + %d x token_coefficient %d"
                % (t["effective"], t["nodes"], t["token"], t["nodes"] - 2, t["token_coefficient"]))
    return "effective token %d ms with %d node%s" % (t["effective"], t["nodes"], "" if t["nodes"] == 1 else "s")


def _rule_timing(norm, report, allow_low_consensus):
    t = _timing(norm)
    if t is None:
        return
    totem = _section(norm, "totem")
    if t["consensus_explicit"] and t["consensus"] * 5 < t["effective"] * 6:
        rule = ("is below 1.2 x the effective token (%s): corosync.conf(5) requires consensus >= 1.2 x token; "
                "set at least %d, or leave consensus unset and corosync derives it"
                % (_effective_text(t), min_consensus(t["effective"])))
        if allow_low_consensus:
            report.warn("totem.consensus", totem["consensus"], rule + " (allowed by allow_low_consensus)")
        else:
            report.error("totem.consensus", totem["consensus"], rule)
    if t["consensus"] < t["join"]:
        if t["consensus_explicit"]:
            report.error("totem.consensus", totem["consensus"],
                         "is below totem.join (%d ms): corosync refuses to start ('The consensus timeout "
                         "parameter may not be less than join timeout')" % t["join"])
        else:
            report.error("totem.join", totem.get("join"),
                         "is above the consensus corosync derives (%d ms = 1.2 x %s): corosync refuses to "
                         "start; lower join or set a larger consensus" % (t["consensus"], _effective_text(t)))
    for key in ("token", "join", "consensus", "merge", "downcheck"):
        value = _int(totem, key)
        if value is not None and value < MINIMUM_TIMEOUT:
            report.error("totem.%s" % key, totem[key],
                         "is below %d ms: corosync refuses it (MINIMUM_TIMEOUT in exec/totemconfig.c)"
                         % MINIMUM_TIMEOUT)
    if "token_retransmit" not in totem and t["effective"] / (t["retransmits"] + 0.2) < MINIMUM_TIMEOUT:
        report.error("totem.token_retransmits_before_loss_const", totem.get("token_retransmits_before_loss_const"),
                     "makes token_retransmit = token / (retransmits + 0.2) = %d ms, below %d ms: corosync "
                     "refuses to start ('Not appropriate token or token_retransmits_before_loss_const value set')"
                     % (int(t["effective"] / (t["retransmits"] + 0.2)), MINIMUM_TIMEOUT))


def _rule_links(norm, report):
    totem = _section(norm, "totem")
    ifaces = _ifaces(totem)
    links = _link_numbers(_nodes(norm))
    t = _timing(norm)
    seen = {}
    pinned = set()
    for index, iface in enumerate(ifaces):
        path = _iface_path(iface, index)
        number = iface.get("linknumber")
        if isinstance(number, str) and number in seen:
            report.error(path + ".linknumber", number, "is used by two interface sections; linknumbers must be unique")
        if isinstance(number, str):
            seen[number] = index
        interval = _int(iface, "knet_ping_interval")
        timeout = _int(iface, "knet_ping_timeout")
        if ("knet_ping_interval" in iface) != ("knet_ping_timeout" in iface):
            have = "knet_ping_interval" if "knet_ping_interval" in iface else "knet_ping_timeout"
            other = "knet_ping_timeout" if have == "knet_ping_interval" else "knet_ping_interval"
            report.warn("%s.%s" % (path, have), iface[have],
                        "is set without %s: corosync.conf(5) says they are a pair, the other one is derived from "
                        "the token" % other)
        if interval is not None and timeout is not None:
            if isinstance(number, str) and _DIGITS_RE.match(number):
                pinned.add(int(number))
            if timeout <= interval:
                report.warn(path + ".knet_ping_timeout", iface["knet_ping_timeout"],
                            "is not above knet_ping_interval (%d ms): the link is declared down before the next "
                            "ping is answered" % interval)
        if timeout is not None and t is not None and len(links) > 1 and timeout >= t["effective"]:
            report.warn(path + ".knet_ping_timeout", iface["knet_ping_timeout"],
                        "is not below the effective token (%d ms): a failed link is noticed only after the token "
                        "is lost, too late for another link to take over" % t["effective"])
        if isinstance(number, str) and _DIGITS_RE.match(number) and links and int(number) not in links:
            report.warn(path, None, "has no ring%s_addr in nodelist.node: corosync ignores it" % number)
    if pinned and links - pinned:
        missing = ", ".join(str(n) for n in sorted(links - pinned))
        report.warn("totem.interface", None,
                    "knet ping timers are pinned on link(s) %s but not on link(s) %s: a token change still needs a "
                    "restart on corosync <= 3.1.10 (ping timers keep the old token's values after a reload)"
                    % (", ".join(str(n) for n in sorted(pinned)), missing))


def _votes(norm):
    total = 0
    for node in _nodes(norm):
        votes = _int(node, "quorum_votes")
        total += 1 if votes is None else votes
    return total


def _node_ids(norm):
    return set(n.get("nodeid") for n in _nodes(norm) if isinstance(n.get("nodeid"), str))


def _rule_quorum(norm, report):
    quorum = _section(norm, "quorum")
    if not quorum:
        return
    count = len(_nodes(norm))
    device = quorum.get("device")
    has_device = isinstance(device, dict)
    two_node = _flag(quorum, "two_node")
    lms = _flag(quorum, "last_man_standing")
    atb = _flag(quorum, "auto_tie_breaker")
    # votequorum_readconfig(): wait_for_all defaults to two_node when it is not set
    wfa = _flag(quorum, "wait_for_all") or ("wait_for_all" not in quorum and two_node)
    if lms and not wfa:
        report.error("quorum.last_man_standing", quorum["last_man_standing"],
                     "needs quorum.wait_for_all: 1 (votequorum(5): 'It is essential to enable WFA when using LMS'); "
                     "without it a partition restarting alone can become quorate on its own")
    if has_device:
        for key, flag in (("last_man_standing", lms), ("auto_tie_breaker", atb), ("two_node", two_node),
                          ("allow_downscale", _flag(quorum, "allow_downscale"))):
            if not flag:
                continue
            if key == "two_node":
                why = "'two_node and quorum device cannot be configured at the same time'; the qdevice breaks the tie"
            else:
                why = "'quorum.device is not compatible with %s'" % key
            report.error("quorum.%s" % key, quorum[key],
                         "cannot be used together with quorum.device: corosync refuses to start (%s; "
                         "exec/votequorum.c votequorum_readconfig())" % why)
    votes = _votes(norm)
    if atb and votes % 2 == 1 and not wfa and count > 2:
        if lms:
            report.error("quorum.auto_tie_breaker", quorum["auto_tie_breaker"],
                         "with last_man_standing on an odd node count needs quorum.wait_for_all: 1: corosync refuses "
                         "to start ('auto_tie_breaker & last_man_standing not available in odd sized cluster')")
        else:
            report.warn("quorum.auto_tie_breaker", quorum["auto_tie_breaker"],
                        "on an odd node count without quorum.wait_for_all: 1 is switched off by corosync")
    atb_node = quorum.get("auto_tie_breaker_node")
    if isinstance(atb_node, str) and atb_node not in ("lowest", "highest"):
        ids = _node_ids(norm)
        bad = [x for x in atb_node.split() if not (_DIGITS_RE.match(x) and x in ids)]
        if bad or not atb_node.split():
            report.error("quorum.auto_tie_breaker_node", atb_node,
                         "must be lowest, highest or a space-separated list of nodeids from nodelist.node "
                         "(not in the nodelist: %s); corosync would switch auto_tie_breaker off" % ", ".join(bad))
    for key in ("expected_votes", "votes", "last_man_standing_window", "leaving_timeout"):
        if key in quorum and _int(quorum, key) is None:
            report.error("quorum.%s" % key, quorum[key], "must be a non-negative integer (read as uint32)")
    if has_device:
        _rule_device(norm, device, count, report)
    if count >= 2 and votes % 2 == 0 and not has_device and not atb and not (two_node and count == 2):
        report.warn("quorum", None,
                    "%d nodes (%d votes, an even number) and no tie-breaker (quorum.two_node for 2 nodes, "
                    "quorum.device, or quorum.auto_tie_breaker): if the cluster splits into two equal halves, "
                    "neither half has quorum and every resource stops (no-quorum-policy=stop)" % (count, votes))


def _rule_device(norm, device, count, report):
    model = device.get("model")
    if model is None:
        report.error("quorum.device.model", None, "is required (corosync-qdevice(8)); use net")
    elif model not in QDEVICE_MODELS:
        report.error("quorum.device.model", model, "must be net (the only model corosync-qdevice supports)")
    net = device.get("net")
    if model == "net" and not isinstance(net, dict):
        report.error("quorum.device.net", None, "is required for model net (host, algorithm, tie_breaker)")
        return
    if not isinstance(net, dict):
        return
    if not net.get("host"):
        report.error("quorum.device.net.host", None, "is required: the corosync-qnetd host (corosync-qdevice(8))")
    algorithm = net.get("algorithm", "ffsplit")
    if algorithm not in QDEVICE_ALGORITHMS:
        report.error("quorum.device.net.algorithm", algorithm,
                     "must be ffsplit (even node counts) or lms (test and 2nodelms are for developers only)")
    elif algorithm == "ffsplit":
        if count % 2 == 1:
            report.error("quorum.device.net.algorithm", algorithm,
                         "is for even node counts (corosync-qdevice(8): 'makes sense only for clusters with an even "
                         "number of nodes'); with %d nodes use lms" % count)
        votes = device.get("votes")
        if votes is not None and votes != "1":
            report.error("quorum.device.votes", votes, "must be 1 with algorithm ffsplit (corosync-qdevice(8))")
    elif algorithm == "lms" and device.get("votes") is not None:
        report.warn("quorum.device.votes", device["votes"],
                    "should be left unset with algorithm lms (corosync-qdevice(8): the default, nodes - 1)")
    tie = net.get("tie_breaker")
    if tie is not None and tie not in ("lowest", "highest") and tie not in _node_ids(norm):
        report.error("quorum.device.net.tie_breaker", tie,
                     "must be lowest, highest or a nodeid of nodelist.node (%s)"
                     % ", ".join(sorted(_node_ids(norm), key=lambda x: (len(x), x))))
    choices = (("tls", ("on", "off", "required")), ("force_ip_version", ("0", "4", "6")),
               ("keep_active_partition_tie_breaker", ("on", "off")))
    for key, allowed in choices:
        if key in net and net[key] not in allowed:
            report.error("quorum.device.net.%s" % key, net[key], "must be one of %s" % ", ".join(allowed))
    port = _int(net, "port")
    if "port" in net and (port is None or not 1 <= port <= 65535):
        report.error("quorum.device.net.port", net["port"], "must be a TCP port 1..65535 (corosync-qnetd: 5403)")
    for key in ("timeout", "sync_timeout", "votes"):
        if key in device and _int(device, key) is None:
            report.error("quorum.device.%s" % key, device[key], "must be a non-negative integer")
    heuristics = device.get("heuristics")
    if isinstance(heuristics, dict) and "mode" in heuristics and heuristics["mode"] not in ("on", "sync", "off"):
        report.error("quorum.device.heuristics.mode", heuristics["mode"], "must be one of on, sync, off")


def validate_tuning(config, allow_low_consensus=False):
    """(errors, warnings) for a full desired corosync config dict.

    Runs corosync_conf_validate.validate() first (types, integers, two_node with != 2 nodes, crypto...) and
    returns its findings too; then, when the structure is readable, the tuning rules:

    - totem.consensus below 1.2 x the effective token (error; warning with allow_low_consensus);
    - consensus below join, timers below 30 ms, token_retransmit below 30 ms (corosync refuses);
    - knet ping timers: only one of the pair, timeout not above interval, timeout not below the
      effective token with several links, pinned on some links only, duplicate linknumbers;
    - last_man_standing without wait_for_all; last_man_standing, auto_tie_breaker, two_node or
      allow_downscale together with quorum.device; auto_tie_breaker on an odd count without
      wait_for_all; auto_tie_breaker_node not lowest/highest/nodeids;
    - quorum.device: model net, net.host, algorithm ffsplit|lms, ffsplit only with an even node count
      (and votes 1), tie_breaker lowest|highest|a nodeid, tls/port/force_ip_version values;
    - an even vote count without a tie-breaker (warning);
    - unknown keys in totem, totem.interface, quorum, quorum.device(.net, .heuristics).

    Each message is "<dotted.path>: <value> <rule>".
    """
    errors, warnings = validate(config)
    report = _Report(errors, warnings)
    try:
        norm = normalize(config)
    except (CorosyncConfError, TypeError, ValueError):
        return report.errors, report.warnings
    if not isinstance(norm, dict) or any(not isinstance(v, dict) for v in norm.values()):
        return report.errors, report.warnings
    _rule_known_keys(norm, report)
    _rule_timing(norm, report, allow_low_consensus)
    _rule_links(norm, report)
    _rule_quorum(norm, report)
    return _dedupe(report.errors), _dedupe(report.warnings)


def _dedupe(messages):
    out = []
    for m in messages:
        if m not in out:
            out.append(m)
    return out


# ---------------------------------------------------------------------------------------------
# timing_report
# ---------------------------------------------------------------------------------------------

def _seconds(ms):
    return round(ms / 1000.0, 3)


def timing_report(config):
    """Effective heartbeat timing of config for its node count, in ms and s, with a summary line.

    Uses corosync_conf.effective_timing() and corosync_timing.link_timing() for every link. Raises
    CorosyncConfError when a timing value is not an integer.
    """
    t = effective_timing(config)
    norm = normalize(config)
    totem = _section(norm, "totem")
    nodes = t["nodes"]
    links = []
    numbers = sorted(_link_numbers(_nodes(norm)) | set(
        int(i["linknumber"]) for i in _ifaces(totem) if _DIGITS_RE.match(str(i.get("linknumber", "")))))
    by_number = dict((i.get("linknumber", "0"), i) for i in _ifaces(totem))
    for number in numbers or [0]:
        iface = by_number.get(str(number), {})
        link = link_timing(t["effective_token"], _int(iface, "knet_pong_count"),
                           _int(iface, "knet_ping_interval"), _int(iface, "knet_ping_timeout"))
        links.append({
            "linknumber": number,
            "knet_pong_count": link["knet_pong_count"],
            "knet_ping_interval_ms": link["knet_ping_interval"],
            "knet_ping_timeout_ms": link["knet_ping_timeout"],
            "knet_ping_interval_s": _seconds(link["knet_ping_interval"]),
            "knet_ping_timeout_s": _seconds(link["knet_ping_timeout"]),
            "pinned": link["pinned"],
        })
    summary = ("%d node%s: a lost node is declared after about %.1f s (token %d ms + consensus %d ms)"
               % (nodes, "" if nodes == 1 else "s", t["detection"] / 1000.0, t["effective_token"],
                  t["consensus"]))
    link0 = links[0]
    link_summary = ("knet link %d: pinged every %d ms, declared down after %d ms without an answer"
                    % (link0["linknumber"], link0["knet_ping_interval_ms"], link0["knet_ping_timeout_ms"]))
    return {
        "nodes": nodes,
        "token_ms": t["token"],
        "token_coefficient_ms": t["token_coefficient"],
        "effective_token_ms": t["effective_token"],
        "effective_token_s": _seconds(t["effective_token"]),
        "consensus_ms": t["consensus"],
        "consensus_s": _seconds(t["consensus"]),
        "consensus_explicit": t["consensus_explicit"],
        "detection_ms": t["detection"],
        "detection_s": _seconds(t["detection"]),
        "knet_pong_count": link0["knet_pong_count"],
        "knet_ping_interval_ms": link0["knet_ping_interval_ms"],
        "knet_ping_timeout_ms": link0["knet_ping_timeout_ms"],
        "knet_ping_interval_s": link0["knet_ping_interval_s"],
        "knet_ping_timeout_s": link0["knet_ping_timeout_s"],
        "links": links,
        "summary": summary,
        "link_summary": link_summary,
    }
