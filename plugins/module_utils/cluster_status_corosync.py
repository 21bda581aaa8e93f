# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Corosync's own tools parsed into plain data (part of the status engine: cluster_status.py lists the
others).

- ``corosync-quorumtool -s`` (and ``-s -p``)  -> parse_quorumtool()
- ``corosync-cfgtool -s``                     -> parse_cfgtool()

Everything is parsed by its line structure, never grepped. Malformed input raises StatusParseError naming the
tool. Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError, to_bool, to_int

# corosync-quorumtool -s: 0 quorate, 2 (EXIT_NOT_QUORATE) not quorate, 1 cannot talk to corosync.
QUORUMTOOL_RC_QUORATE = 0
QUORUMTOOL_RC_NOT_QUORATE = 2
QUORUMTOOL_RC_DOWN = 1


# ---------------------------------------------------------------------------------------------
# corosync-quorumtool

_KV_LINE = re.compile(r"^([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*$")
_QUORUMTOOL_KEYS = {
    "Date": "date", "Quorum provider": "provider", "Nodes": "nodes", "Node ID": "node_id",
    "Ring ID": "ring_id", "Quorate": "quorate", "Expected votes": "expected_votes",
    "Highest expected": "highest_expected", "Total votes": "total_votes", "Quorum": "quorum",
    "Flags": "flags",
}


def parse_quorumtool(text, rc=None):
    """Parse ``corosync-quorumtool -s`` (with or without -p) into a dict.

    Returns {quorate, provider, nodes, node_id, ring_id, expected_votes, highest_expected,
    total_votes, quorum, activity_blocked, flags, members, qdevice, local_name, date}.
    rc (0 quorate / 2 not quorate) is only used when the text lacks a "Quorate:" line.
    """
    tool = "corosync-quorumtool"
    if text is None or not text.strip():
        raise StatusParseError(tool, "empty output", text)
    raw = {}
    header = None
    members = []
    qdevice = None
    in_members = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or set(stripped) == {"-"}:
            continue
        if stripped == "Membership information":
            in_members = True
            continue
        if not in_members:
            m = _KV_LINE.match(stripped)
            if m and m.group(1) in _QUORUMTOOL_KEYS:
                raw[_QUORUMTOOL_KEYS[m.group(1)]] = m.group(2)
            continue
        tokens = stripped.split()
        if header is None:
            if tokens[0] != "Nodeid":
                raise StatusParseError(tool, "unexpected membership header %r" % stripped, text)
            header = tokens
            continue
        nodeid = to_int(tokens[0])
        if nodeid is None:
            raise StatusParseError(tool, "unexpected membership line %r" % stripped, text)
        if nodeid == 0:
            # The quorum device's own line: "0  <votes>  <name>[ (votes N)]" with an empty
            # Qdevice column; "(votes N)" means the device is not casting its vote here.
            rest = tokens[2:] if "Votes" in header else tokens[1:]
            cast = "(votes" not in rest
            name_tokens = rest[:rest.index("(votes")] if not cast else rest
            votes = to_int(tokens[1]) if "Votes" in header else None
            if not cast:
                votes = to_int(rest[rest.index("(votes") + 1].rstrip(")"), votes)
            qdevice = {"name": " ".join(name_tokens), "votes": votes, "cast_vote": cast}
            continue
        local = tokens[-1] == "(local)"
        if local:
            tokens = tokens[:-1]
        cols = header[:-1]  # every column but Name holds one token
        if len(tokens) <= len(cols):
            raise StatusParseError(tool, "unexpected membership line %r" % stripped, text)
        row = dict(zip(cols, tokens[:len(cols)]))
        members.append({
            "nodeid": nodeid,
            "votes": to_int(row.get("Votes")),
            "qdevice": row.get("Qdevice"),
            "name": " ".join(tokens[len(cols):]),
            "local": local,
        })
    if "quorate" not in raw and header is None:
        raise StatusParseError(tool, "no quorum information found", text)
    if "quorate" in raw:
        quorate = to_bool(raw["quorate"])
    elif rc in (QUORUMTOOL_RC_QUORATE, QUORUMTOOL_RC_NOT_QUORATE):
        quorate = rc == QUORUMTOOL_RC_QUORATE
    else:
        quorate = None
    quorum_field = (raw.get("quorum") or "").split()
    local_name = None
    for m in members:
        if m["local"]:
            local_name = m["name"]
    return {
        "quorate": quorate,
        "provider": raw.get("provider"),
        "nodes": to_int(raw.get("nodes")),
        "node_id": to_int(raw.get("node_id")),
        "ring_id": raw.get("ring_id"),
        "expected_votes": to_int(raw.get("expected_votes")),
        "highest_expected": to_int(raw.get("highest_expected")),
        "total_votes": to_int(raw.get("total_votes")),
        "quorum": to_int(quorum_field[0]) if quorum_field else None,
        "activity_blocked": "Activity blocked" in (raw.get("quorum") or ""),
        "flags": (raw.get("flags") or "").split(),
        "members": members,
        "qdevice": qdevice,
        "local_name": local_name,
        "date": raw.get("date"),
    }


# ---------------------------------------------------------------------------------------------
# corosync-cfgtool

_CFG_LOCAL = re.compile(r"^Local node ID\s+(\S+?),\s*transport\s+(\S+)")
_CFG_LINK = re.compile(r"^LINK ID\s+(\d+)\s*(\S*)")
_CFG_ADDR = re.compile(r"^addr\s*=\s*(\S*)")
# corosync 3.1: "nodeid:          2:\tconnected"; 3.0 printed "nodeid   2:\tlink enabled:1\tlink connected:1"
_CFG_NODE = re.compile(r"^nodeid:?\s+(\S+?):\s*(.*)$")


def parse_cfgtool(text):
    """Parse ``corosync-cfgtool -s`` into {local_nodeid, transport, links}.

    links: one entry per (link, node): {link, transport, addr, nodeid, status, connected, local},
    status being "localhost", "connected" or "disconnected".
    """
    tool = "corosync-cfgtool"
    if text is None or not text.strip():
        raise StatusParseError(tool, "empty output", text)
    local_nodeid = None
    transport = None
    links = []
    link = None
    seen_header = False
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        m = _CFG_LOCAL.match(s)
        if m:
            local_nodeid = to_int(m.group(1))
            transport = m.group(2)
            seen_header = True
            continue
        m = _CFG_LINK.match(s)
        if m:
            link = {"link": int(m.group(1)), "transport": m.group(2) or None, "addr": None}
            seen_header = True
            continue
        m = _CFG_ADDR.match(s)
        if m and link is not None:
            link["addr"] = m.group(1) or None
            continue
        m = _CFG_NODE.match(s)
        if m and link is not None:
            nodeid = to_int(m.group(1))
            if nodeid is None:
                raise StatusParseError(tool, "unexpected node line %r" % s, text)
            detail = m.group(2).strip()
            if detail == "localhost" or nodeid == local_nodeid:
                status = "localhost"
            elif detail == "connected" or "connected:1" in detail:
                status = "connected"
            elif detail == "disconnected" or "connected:0" in detail:
                status = "disconnected"
            else:
                status = detail
            links.append({
                "link": link["link"], "transport": link["transport"], "addr": link["addr"],
                "nodeid": nodeid, "status": status,
                "connected": status in ("localhost", "connected"),
                "local": status == "localhost",
            })
    if not seen_header:
        raise StatusParseError(tool, "no link status found", text)
    return {"local_nodeid": local_nodeid, "transport": transport, "links": links}
