# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the running corosync says: the one reader of ``corosync-cmapctl`` output.

- ``parse_cmapctl(text)``: the output of ``corosync-cmapctl [-b] [prefix...]`` or
  ``corosync-cmapctl [-b] -g key...`` -> {key: typed value}.
- ``read_cmap(runner, args)``: runs corosync-cmapctl through the command seam and parses it; None when
  corosync cannot be asked.
- ``configured_timing(cmap)`` / ``running_timing(cmap)``: the heartbeat timing of a parsed cmap, by
  corosync_timing's formulas (the configured ``totem.*`` keys) or as corosync runs it
  (``runtime.config.totem.*``).
- ``nodelist_addresses(cmap)``: {address: node name} of the nodelist corosync loaded.
- ``parse_refused_packets(text)``: corosync's own log lines (``journalctl -u corosync -o short-unix``) about
  packets libknet refused, summed per source address; the one reader of those lines.
  ``read_refused_packets(runner, window_s, now)`` reads them from the journal (the facts and the metrics).

corosync 3.1.7 tools/corosync-cmapctl.c print_key() prints one key a line as ``key (type) = value``:
the integer types i8..u64 in decimal, flt and dbl with ``%f``, str as is (runtime.members.N.ip ends in
a space), and bin as ``key (bin)`` alone, or with -b ``key (bin) = `` followed by the bytes
(printable ASCII as is, ``\\\\`` for a backslash, ``\\xNN`` for any other byte, ``*empty*`` for none).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, journal_grep
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_timing import default_consensus, timing
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

TOOL = "corosync-cmapctl"
INT_TYPES = ("u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64")
FLOAT_TYPES = ("flt", "dbl")
_LINE = re.compile(r"^(\S+) \(([a-z0-9]+)\)(?: = ?(.*))?$")
_BIN_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})|\\\\")
_NODE_KEY = re.compile(r"^nodelist\.node\.(\d+)\.")
_NODE_ADDR = re.compile(r"^nodelist\.node\.(\d+)\.ring\d+_addr$")
# libknet's (1.25 to 1.31, libknet/threads_rx.c) log lines about a packet it refused, as corosync logs them:
#   "[KNET  ] rx: Unable to decrypt packet from 10.0.0.3:5405 (size 80)!": another key or other crypto
#       settings, or anything else sent to the port (junk, a scan, another cluster on the same port);
#   "[KNET  ] rx: Unable to decrypt packet from unknown host/port (size 80)!";
#   "[KNET  ] rx: Packet rejected from 10.0.0.9:5405": a source knet's access lists do not allow on that link.
# The journal's patterns for them (journalctl --grep), and the reader.
REFUSED_PACKETS_GREP = "Unable to decrypt packet from|Packet rejected from"
_REFUSED = re.compile(r"rx: (?:Unable to decrypt packet from (?P<undecryptable>unknown host/port|\S+?) \(size \d+\)!"
                      r"|Packet rejected from (?P<rejected>\S+))\s*$")
_UNIX_TIME = re.compile(r"^(\d+(?:\.\d+)?) ")
# The newest refused-packet lines read at most: a flood of junk must not make the facts or the metrics huge.
REFUSED_PACKETS_MAX_LINES = 20000


class CmapParseError(ClusterOpsError, ValueError):
    """corosync-cmapctl printed something that is not a key line."""

    def __init__(self, tool, message):
        self.tool = tool
        super(CmapParseError, self).__init__("%s: %s" % (tool, message))


def _binary(text):
    if text == "*empty*":
        return b""
    out = bytearray()
    pos = 0
    for m in _BIN_ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("latin-1")
        out.append(int(m.group(1), 16) if m.group(1) else 0x5C)
        pos = m.end()
    out += text[pos:].encode("latin-1")
    return bytes(out)


def _typed(kind, value):
    if value is None:
        return None
    if kind in INT_TYPES:
        try:
            return int(value.strip())
        except ValueError:
            return value.strip()
    if kind in FLOAT_TYPES:
        try:
            return float(value.strip())
        except ValueError:
            return value.strip()
    if kind == "bin":
        return _binary(value)
    return value.strip()


def parse_cmapctl(text):
    """``corosync-cmapctl [-b] [prefix...]`` or ``-g key...`` output -> {key: typed value}.

    Integers (i8..u64) as int, flt/dbl as float, str stripped (corosync pads some), bin as bytes with
    -b and None without it (the value is not printed). Blank lines are skipped; anything else that is
    not a key line (an error message on stdout) raises CmapParseError naming corosync-cmapctl.
    """
    out = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            raise CmapParseError(TOOL, "unexpected line %r" % line.strip())
        out[m.group(1)] = _typed(m.group(2), m.group(3))
    return out


def read_cmap(runner, args=()):
    """Run ``corosync-cmapctl <args>`` and parse it; None when corosync cannot be asked.

    None also when the program is missing, or when it ends with an error (corosync stopped: rc 1
    "Failed to initialize the cmap API"; ``-g`` of a key that is not set: rc 1 "Can't get key").
    Raises CmapParseError when the output cannot be understood.
    """
    try:
        res = runner.run([TOOL] + list(args), check=False)
    except CommandError:
        return None
    if res.rc != 0:
        return None
    return parse_cmapctl(res.stdout)


def cmap_get(runner, key):
    """One key's typed value (``corosync-cmapctl -g key``), or None when it is unset or corosync is down."""
    cmap = read_cmap(runner, ["-g", key])
    return None if cmap is None else cmap.get(key)


def _int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def node_count(cmap):
    """The number of nodes in the nodelist corosync loaded (nodelist.node.N.*)."""
    return len(set(m.group(1) for m in (_NODE_KEY.match(k) for k in cmap or {}) if m))


def configured_timing(cmap, nodes=None):
    """corosync_timing.timing() of the configured totem keys of a parsed cmap (totem.token,
    totem.token_coefficient, totem.consensus; defaults where unset) for nodes (default: the nodelist)."""
    cmap = cmap or {}
    return timing(_int(cmap.get("totem.token")), _int(cmap.get("totem.token_coefficient")),
                  node_count(cmap) if nodes is None else nodes, _int(cmap.get("totem.consensus")))


def running_timing(cmap):
    """{token_ms, consensus_ms} as corosync runs them (runtime.config.totem.*).

    Without the runtime keys, from the configured ones by corosync's formulas: the effective token
    of totem.token for the nodelist, an explicit totem.consensus, else the default consensus of the
    token. None for the token when the cmap names none.
    """
    cmap = cmap or {}
    token = _int(cmap.get("runtime.config.totem.token"))
    if token is None and _int(cmap.get("totem.token")) is not None:
        token = configured_timing(cmap)["effective_token"]
    consensus = _int(cmap.get("runtime.config.totem.consensus"))
    if consensus is None:
        consensus = _int(cmap.get("totem.consensus")) or None
    if token is not None and consensus is None:
        consensus = default_consensus(token)
    return {"token_ms": token, "consensus_ms": consensus}


def nodelist_addresses(cmap):
    """{address: node name} of the nodelist in a parsed cmap (nodelist.node.N.ringX_addr, nodelist.node.N.name;
    the address itself when a node has no name)."""
    cmap = cmap or {}
    out = {}
    for key, value in cmap.items():
        m = _NODE_ADDR.match(key)
        if m and value:
            out[str(value)] = str(cmap.get("nodelist.node.%s.name" % m.group(1)) or value)
    return out


def _split_source(source):
    """"10.0.0.3:5405" -> "10.0.0.3" ("fd00::3:5405" -> "fd00::3": libknet prints host and port joined by ':')."""
    host, sep, _port = source.rpartition(":")
    return host if sep else source


def parse_refused_packets(text):
    """``journalctl -u corosync -o short-unix`` lines -> the packets libknet refused, per source address.

    [{"address", "reason" ("undecryptable" or "rejected"), "count", "first", "last"}], first and last in Unix
    seconds, sorted by address then reason. Lines that are not about a refused packet are ignored (so the
    journal's "-- No entries --" is too); a refused-packet line without a time counts with no time.
    """
    found = {}
    for line in (text or "").splitlines():
        m = _REFUSED.search(line)
        if not m:
            continue
        reason = "undecryptable" if m.group("undecryptable") else "rejected"
        source = m.group("undecryptable") or m.group("rejected")
        address = "unknown" if source == "unknown host/port" else _split_source(source)
        t = _UNIX_TIME.match(line)
        when = float(t.group(1)) if t else None
        entry = found.setdefault((address, reason), {"address": address, "reason": reason, "count": 0,
                                                     "first": None, "last": None})
        entry["count"] += 1
        if when is not None:
            entry["first"] = when if entry["first"] is None else min(entry["first"], when)
            entry["last"] = when if entry["last"] is None else max(entry["last"], when)
    return [found[k] for k in sorted(found)]


def read_refused_packets(runner, window_s, now):
    """(parse_refused_packets() of corosync's journal since now - window_s, truncated) through the command seam;
    (None, False) when the journal cannot be read. truncated: the window held REFUSED_PACKETS_MAX_LINES such lines
    or more (only the newest are read, so the counts are lower bounds)."""
    text, truncated = journal_grep(runner, ["--unit", "corosync"], window_s, now, REFUSED_PACKETS_GREP,
                                   REFUSED_PACKETS_MAX_LINES)
    return (None, False) if text is None else (parse_refused_packets(text), truncated)
