# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Living documentation of a cluster: one Markdown page with a Mermaid map, and one Graphviz DOT diagram.

Pure: plain data in, text out. The inputs are what the collection already reads:

- the status model of cluster_status.collect() (crm_mon XML, corosync-quorumtool, corosync-cfgtool);
- the configuration in the cib module's format (cib.export() of ``cibadmin --query``);
- the running corosync settings (``corosync-cmapctl`` output, parsed by corosync_runtime.parse_cmapctl());
- the stack's versions (cluster_status.read_stack_versions());
- the CIB's XML (cib.read_live_cib()), where the storage resources are found by the finders the health checks use
  (postgresql.instances(), postgresql.writable_vips(), filesystem.resources());
- the facts cluster_node_facts gathered on each node (its ``postgresql`` and ``filesystems``), read with
  postgresql.py's and filesystem.py's readers, never parsed again: which instance is the primary, how each
  standby replicates, where each filesystem is mounted. Without them the storage section says so and shows
  only what the CIB and crm_mon say;
- the time the documentation was generated, given by the caller (the engine reads no clock).

build_model() joins them into one plain dict (what was documented); render_markdown() and
render_dot() turn that dict into text. document() does all three. The map of the cluster (nodes, what
runs where, what runs nowhere, colocation and order edges) is chosen once, by cluster_map(), and drawn
twice: as DOT by render_dot() and as a Mermaid flowchart by render_mermaid(), which the page embeds in
a ```mermaid block (Git forges show it as a picture, with nothing installed).

Everything user-controlled (ids, parameters, node names, addresses) is escaped for Markdown table
cells, for DOT quoted strings and for Mermaid quoted labels (entity codes; Mermaid ids are made by
the engine, never taken from the cluster). Parameters whose names look secret are never copied.
Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import filesystem, postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import configured_timing
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import redact_params, redact_value
from ansible_collections.clusterops.ha.plugins.module_utils.validate import flag

# corosync's defaults (votequorum(5); the totem ones are corosync_timing's).
DEFAULT_LMS_WINDOW_MS = 10000
SCORE_INFINITY = 1000000
VIP_AGENTS = ("IPaddr2", "IPaddr")
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


def _secs_text(ms):
    if ms is None:
        return "unknown"
    return "%s s" % ("%.3f" % (ms / 1000.0)).rstrip("0").rstrip(".") if ms % 1000 else "%d s" % (ms // 1000)


def _score_text(score):
    if score is None:
        return None
    s = str(score).strip()
    up = s.upper().lstrip("+")
    if up == "INFINITY":
        return "INFINITY"
    if up == "-INFINITY":
        return "-INFINITY"
    return s


def _score_value(score):
    s = _score_text(score)
    if s is None:
        return None
    if s == "INFINITY":
        return SCORE_INFINITY
    if s == "-INFINITY":
        return -SCORE_INFINITY
    return _int(s)


def _public_params(params):
    return dict(sorted(redact_params(params).items()))


def _agent_type(agent):
    return (agent or "").rsplit(":", 1)[-1]


# ---------------------------------------------------------------------------------------------
# escaping

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md(text):
    """Text safe inside a Markdown table cell or list item: one line, specials escaped, no HTML."""
    if text is None:
        return ""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def dot_string(text):
    """A DOT quoted string (with the quotes) whose label shows text as it is; newlines become \\n."""
    s = "" if text is None else str(text)
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return '"%s"' % s


def _dot_label(*lines):
    """A multi-line DOT label: each line escaped on its own, joined with DOT's \\n."""
    parts = []
    for line in lines:
        if line is None or line == "":
            continue
        s = str(line).replace("\\", "\\\\").replace('"', '\\"')
        parts.append(" ".join(s.split()))
    return '"%s"' % "\\n".join(parts)


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


# ---------------------------------------------------------------------------------------------
# the model


def _empty_config():
    return {"primitives": [], "groups": [], "clones": [], "locations": [], "colocations": [], "orders": [],
            "tickets": [], "fencing_levels": [], "nodes": [], "properties": {}, "rsc_defaults": {},
            "op_defaults": {}}


def _parents_of(config):
    """primitive id -> {group, clone}; group id -> clone."""
    group_of = {}
    for g in config.get("groups") or []:
        for m in g.get("members") or []:
            group_of[m] = g["id"]
    clone_of = {}
    for c in config.get("clones") or []:
        if c.get("member"):
            clone_of[c["member"]] = c["id"]
    return group_of, clone_of


def _clone_kind(clone):
    meta = clone.get("meta") or {}
    return "promotable clone" if _flag(meta.get("promotable")) else "clone"


def _status_roles(agg):
    """'Started', 'Stopped', 'Promoted, Unpromoted' ... from the status model's aggregate."""
    if agg is None:
        return "not in status"
    counts = []
    for r in agg.get("roles") or []:
        r = r or "unknown"
        for item in counts:
            if item[0] == r:
                item[1] += 1
                break
        else:
            counts.append([r, 1])
    if not counts:
        return "unknown"
    if len(agg.get("roles") or []) == 1:
        return counts[0][0]
    return ", ".join("%s x%d" % (r, n) for r, n in counts)


def _node_list_text(agg):
    if not agg:
        return []
    out = []
    for n in agg.get("running_on") or []:
        if n in (agg.get("promoted_on") or []):
            out.append("%s (Promoted)" % n)
        else:
            out.append(n)
    return out


def _effective_meta(meta, defaults, key):
    if key in (meta or {}):
        return {"value": meta[key], "source": "resource"}
    if key in (defaults or {}):
        return {"value": defaults[key], "source": "rsc_defaults"}
    return None


def _resource_entry(prim, status, group_of, clone_of, config):
    rid = prim["id"]
    agg = (status.get("resources_by_id") or {}).get(rid)
    group = group_of.get(rid)
    clone = clone_of.get(rid) or (clone_of.get(group) if group else None)
    meta = dict(prim.get("meta") or {})
    parent_meta = {}
    for g in config.get("groups") or []:
        if g["id"] == group:
            parent_meta.update(g.get("meta") or {})
    for c in config.get("clones") or []:
        if c["id"] == clone:
            parent_meta.update(c.get("meta") or {})
    merged = dict(parent_meta)
    merged.update(meta)
    defaults = config.get("rsc_defaults") or {}
    key_meta = {}
    for key in ("resource-stickiness", "migration-threshold", "failure-timeout", "target-role", "is-managed",
                "priority"):
        eff = _effective_meta(merged, defaults, key)
        if eff is not None:
            key_meta[key] = eff
    managed = agg["managed"] if agg else _flag(merged.get("is-managed")) is not False
    return {
        "id": rid,
        "agent": prim.get("agent"),
        "group": group,
        "clone": clone,
        "role": _status_roles(agg),
        "nodes": list(agg["running_on"]) if agg else [],
        "nodes_text": _node_list_text(agg),
        "promoted_on": list(agg["promoted_on"]) if agg else [],
        "active_instances": agg["active_instances"] if agg else 0,
        "instances": agg["instances"] if agg else 0,
        "managed": bool(managed),
        "failed": bool(agg and agg.get("failed")),
        "blocked": bool(agg and agg.get("blocked")),
        "meta": key_meta,
        "params": _public_params(prim.get("params")),
        "is_stonith": (prim.get("agent") or "").startswith("stonith:"),
    }


def _vip(prim, resource):
    params = prim.get("params") or {}
    if _agent_type(prim.get("agent")) not in VIP_AGENTS or not params.get("ip"):
        return None
    return {
        "id": prim["id"],
        "ip": params.get("ip"),
        "cidr_netmask": params.get("cidr_netmask"),
        "nic": params.get("nic"),
        "group": resource["group"],
        "clone": resource["clone"],
        "nodes": list(resource["nodes"]),
        "role": resource["role"],
    }


def _rsc_text(rid, role=None):
    return "%s (%s)" % (rid, role) if role else rid


def _set_text(s):
    text = "{%s}" % ", ".join(s.get("resources") or [])
    extras = []
    if s.get("role"):
        extras.append("role %s" % s["role"])
    if s.get("action"):
        extras.append("action %s" % s["action"])
    if _flag(s.get("sequential")) is False:
        extras.append("not sequential")
    if _flag(s.get("require_all")) is False:
        extras.append("any one suffices")
    return text + (" (%s)" % ", ".join(extras) if extras else "")


def _expr_text(e):
    op = e.get("operation")
    attr = e.get("attribute")
    if op in ("defined", "not_defined"):
        return "%s is %s" % (attr, "defined" if op == "defined" else "not defined")
    words = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
    return "%s %s %s" % (attr, words.get(op, op), e.get("value"))


def _location_words(c):
    who = c.get("resource") or ("resources matching /%s/" % c.get("resource_pattern")
                                if c.get("resource_pattern") else None)
    if c.get("sets"):
        who = " and ".join(_set_text(s) for s in c["sets"])
    who = _rsc_text(who, c.get("role"))
    score = _score_text(c.get("score"))
    if c.get("node"):
        v = _score_value(score)
        if v == SCORE_INFINITY:
            text = "%s must run on %s" % (who, c["node"])
        elif v == -SCORE_INFINITY:
            text = "%s must never run on %s" % (who, c["node"])
        elif v is not None and v < 0:
            text = "%s avoids %s (score %s)" % (who, c["node"], score)
        else:
            text = "%s prefers %s (score %s)" % (who, c["node"], score)
    else:
        rules = []
        for r in c.get("rules") or []:
            exprs = [_expr_text(e) for e in r.get("expressions") or []]
            exprs += ["date %s" % ", ".join("%s=%s" % kv for kv in sorted(d.items()))
                      for d in r.get("date_expressions") or []]
            joiner = " %s " % (r.get("boolean_op") or "and")
            rules.append("score %s where %s" % (_score_text(r.get("score")) or
                                                ("from attribute %s" % r.get("score_attribute")),
                                                joiner.join(exprs) or "always"))
        text = "%s: %s" % (who, "; ".join(rules) or "location rule")
    if c.get("resource_discovery") and c["resource_discovery"] != "always":
        text += ", resource-discovery %s" % c["resource_discovery"]
    if str(c.get("id", "")).startswith(("cli-ban-", "cli-prefer-")):
        text += " - left by crm_resource --move/--ban; clear it with crm_resource --clear"
    return text


def _colocation_words(c):
    score = _score_text(c.get("score")) or "INFINITY"
    v = _score_value(score)
    if c.get("sets"):
        who = " with ".join(_set_text(s) for s in c["sets"])
        return "%s placed together (score %s)" % (who, score)
    a = _rsc_text(c.get("resource"), c.get("resource_role"))
    b = _rsc_text(c.get("with"), c.get("with_role"))
    if v == SCORE_INFINITY:
        text = "%s always runs where %s runs" % (a, b)
    elif v == -SCORE_INFINITY:
        text = "%s never runs where %s runs" % (a, b)
    elif v is not None and v < 0:
        text = "%s prefers not to run where %s runs (score %s)" % (a, b, score)
    else:
        text = "%s prefers to run where %s runs (score %s)" % (a, b, score)
    if c.get("node_attribute"):
        text += ", by node attribute %s" % c["node_attribute"]
    return text


def _order_words(c):
    kind = c.get("kind") or "Mandatory"
    if c.get("sets"):
        text = "in order: " + ", then ".join(_set_text(s) for s in c["sets"])
    else:
        first_action = c.get("first_action") or "start"
        text = "%s %s before %s %s" % (first_action, c.get("first"), c.get("then_action") or first_action,
                                       c.get("then"))
    text += " (%s" % kind
    if kind == "Optional":
        text += ": only when both change in the same transition"
    elif kind == "Serialize":
        text += ": never at the same time"
    text += ")"
    if _flag(c.get("symmetrical")) is False:
        text += ", not reversed when stopping"
    return text


def _ticket_words(c):
    who = c.get("resource")
    if c.get("sets"):
        who = " and ".join(_set_text(s) for s in c["sets"])
    text = "%s runs only while ticket %s is granted" % (_rsc_text(who, c.get("role")), c.get("ticket"))
    if c.get("loss_policy"):
        text += " (loss-policy %s)" % c["loss_policy"]
    return text


def _edge(kind, c):
    """The diagram's edge of a colocation or order between two resources (sets: none)."""
    if kind == "colocations" and c.get("resource") and c.get("with"):
        return {"from": c["resource"], "to": c["with"], "label": "with %s" % (_score_text(c.get("score")) or "INFINITY")}
    if kind == "orders" and c.get("first") and c.get("then"):
        return {"from": c["first"], "to": c["then"], "label": "then (%s)" % (c.get("kind") or "Mandatory")}
    return None


def _constraints(config):
    out = []
    for kind, words in (("locations", _location_words), ("colocations", _colocation_words),
                        ("orders", _order_words), ("tickets", _ticket_words)):
        for c in config.get(kind) or []:
            out.append({"kind": kind[:-1], "id": c.get("id"), "text": words(c), "edge": _edge(kind, c)})
    return out


def _tickets(status, config):
    """The tickets this cluster knows (geo clusters, booth), with what each guards: [{ticket, granted, standby,
    last_granted, resources}] by name; resources from the rsc_ticket constraints (resource, or sets)."""
    guards = {}
    for c in config.get("tickets") or []:
        names = [c.get("resource")] if c.get("resource") else []
        for st in c.get("sets") or []:
            names.extend(st.get("resources") or [])
        for n in names:
            if n and n not in guards.setdefault(c.get("ticket"), []):
                guards[c.get("ticket")].append(n)
    known = dict(status.get("tickets") or {})
    for t in guards:
        known.setdefault(t, {"granted": False, "standby": False, "last_granted": None})
    return [{"ticket": t, "granted": bool(known[t].get("granted")), "standby": bool(known[t].get("standby")),
             "last_granted": known[t].get("last_granted"), "resources": guards.get(t, [])} for t in sorted(known)]


def _fence_hosts(params):
    p = params or {}
    if p.get("pcmk_host_list"):
        return {"how": "pcmk_host_list", "hosts": [h for h in re.split(r"[\s,;]+", p["pcmk_host_list"]) if h]}
    if p.get("pcmk_host_map"):
        hosts = []
        for item in re.split(r"[\s,;]+", p["pcmk_host_map"]):
            if item:
                hosts.append(item.split(":", 1)[0])
        return {"how": "pcmk_host_map", "hosts": hosts}
    check = p.get("pcmk_host_check") or "dynamic-list"
    return {"how": check, "hosts": []}


# What the documentation keeps of an audit-trail entry (config_snapshot step=history, snapshot.parse_history()).
HISTORY_KEYS = ("commit", "date", "subject", "changes", "run", "who", "why", "cib_changed_last")


def _history(entries):
    """The audit trail as the model keeps it: known keys only, the commit's hash shortened."""
    if entries is None:
        return None
    out = []
    for e in entries:
        e = dict((k, e.get(k)) for k in HISTORY_KEYS)
        e["commit"] = (e["commit"] or "")[:12]
        e["changes"] = [str(c) for c in e["changes"] or []]
        e["run"] = bool(e["run"])
        out.append(e)
    return out


# ---------------------------------------------------------------------------------------------
# storage: PostgreSQL under PAF and Filesystem resources, from the CIB, crm_mon and the nodes' facts

STORAGE_AGENTS = (":".join(postgresql.AGENT), ":".join(filesystem.AGENT))


def _node_fact(node_facts, node, key, rid):
    """(the node's fact of resource rid under key, None) or (None, why there is none)."""
    f = node_facts.get(node)
    if not isinstance(f, dict) or not f:
        return None, "no facts"
    if f.get("reachable") is False:
        return None, "unreachable"
    facts = f.get(key)
    if not isinstance(facts, dict):
        return None, "no %s facts" % ("PostgreSQL" if key == "postgresql" else "Filesystem")
    fact = facts.get(rid)
    if not isinstance(fact, dict):
        return None, "its CIB has no %s" % rid
    return fact, None


def _pacemaker_roles(status, rid):
    """{node: the role crm_mon reports for the resource's instance there}."""
    out = {}
    for r in status.get("resources") or []:
        if r.get("id") == rid and r.get("active"):
            for n in r.get("nodes") or []:
                out.setdefault(n, r.get("role") or "Started")
    return out


def _sync_text(setting):
    """synchronous_standby_names in words (postgresql.parse_sync_names())."""
    wanted = postgresql.parse_sync_names(setting)
    if wanted is None:
        return "asynchronous (synchronous_standby_names is empty)"
    names = ", ".join("any standby" if n == "*" else n for n in wanted["names"])
    how = "quorum commit, any" if wanted["method"] == "any" else "by priority, the first"
    return "synchronous (%s %d of %s; synchronous_standby_names '%s')" % (how, wanted["num"], names, setting)


def _db_instance(node, role, fact, why, primary_fact, primary, gathered):
    """One node's instance of a database: what Pacemaker and PostgreSQL say, and its label in the map."""
    entry = {"node": node, "pacemaker_role": role, "state": None, "role": None, "replication_state": None,
             "sync_state": None, "lag_bytes": None, "replay_lag_s": None, "lag_text": None, "sender_host": None, "note": None,
             "label": None}
    if not gathered:
        if role in postgresql.PROMOTED_ROLES:
            entry["role"] = "primary"
        elif role is not None:
            entry["role"] = "standby"
        entry["label"] = entry["role"]
        return entry
    if fact is None:
        entry["role"] = "unknown"
        entry["note"] = why
        entry["label"] = "PostgreSQL unknown (%s)" % why
        return entry
    entry["state"] = fact.get("state")
    receiver = fact.get("wal_receiver") or {}
    entry["sender_host"] = receiver.get("sender_host")
    if entry["state"] == "running" and fact.get("in_recovery") is False:
        entry["role"] = "primary"
        entry["label"] = "primary"
        return entry
    if entry["state"] == "absent":
        entry["role"] = "absent"
        entry["label"] = "no PostgreSQL"
        return entry
    if entry["state"] != "running":
        entry["role"] = entry["state"]
        entry["note"] = postgresql.why_not_streaming(fact)
        entry["label"] = entry["note"]
        return entry
    entry["role"] = "standby"
    row = postgresql.standby_row(primary_fact, node) if primary_fact is not None else None
    if row is None:
        entry["note"] = "not streaming from %s: %s" % (primary, postgresql.why_not_streaming(fact)) if primary else \
            postgresql.why_not_streaming(fact)
        entry["label"] = "standby, %s" % entry["note"]
        return entry
    entry.update(replication_state=row.get("state"), sync_state=row.get("sync_state"), lag_bytes=row.get("lag_bytes"),
                 replay_lag_s=row.get("replay_lag_s"))
    entry["lag_text"] = postgresql.lag_summary(row)
    entry["label"] = "standby, %s, %s, lag %s" % (row.get("state"), row.get("sync_state"), entry["lag_text"])
    return entry


def _database(inst, status, cib_root, names, node_facts, vips):
    rid = inst["id"]
    gathered = node_facts is not None
    agg = (status.get("resources_by_id") or {}).get(rid) or {}
    promoted = list(agg.get("promoted_on") or [])
    roles = _pacemaker_roles(status, rid)
    facts, why = {}, {}
    names = names + sorted(n for n in node_facts or {} if n not in names)
    for n in names:
        if gathered:
            fact, reason = _node_fact(node_facts, n, "postgresql", rid)
            if fact is None:
                why[n] = reason
            else:
                facts[n] = fact
    primaries = postgresql.primaries(facts) if gathered else None
    notes = []
    if gathered and facts:
        primary, source = (primaries[0], "PostgreSQL") if len(primaries) == 1 else (None, None)
        if len(primaries) > 1:
            notes.append("PostgreSQL runs as a primary on %s: %d databases accept writes (split brain; see the health "
                         "check postgresql-primary)" % (", ".join(primaries), len(primaries)))
        elif not primaries:
            notes.append("no node reported a primary (pg_is_in_recovery() is true or the instance is down everywhere)")
        if primary and (status.get("stack") or {}).get("pacemaker") and promoted != [primary]:
            notes.append("PostgreSQL's primary is on %s but Pacemaker promoted %s (see the health check "
                         "postgresql-primary)" % (primary, ", ".join(promoted) or "no node"))
    else:
        primary, source = (promoted[0], "Pacemaker") if len(promoted) == 1 else (None, None)
        if gathered:
            notes.append("no node reported its PostgreSQL instance (cluster_node_facts): the primary is where Pacemaker "
                         "promoted it")
    primary_fact = facts.get(primary) if primary else None
    setting = None
    if primary_fact is not None:
        setting = primary_fact.get("synchronous_standby_names")
    elif facts:
        setting = next((facts[n].get("synchronous_standby_names") for n in sorted(facts)
                        if facts[n].get("synchronous_standby_names") is not None), None)
    instances = []
    for n in names:
        entry = _db_instance(n, roles.get(n), facts.get(n), why.get(n), primary_fact, primary, gathered)
        if entry["role"] == "absent" and roles.get(n) is None:
            continue
        instances.append(entry)
    writable = []
    for v in postgresql.writable_vips(cib_root, inst):
        vip = vips.get(v)
        writable.append({"id": v, "ip": vip["ip"] if vip else None, "cidr_netmask": vip["cidr_netmask"] if vip else None,
                         "nodes": list(((status.get("resources_by_id") or {}).get(v) or {}).get("running_on") or [])})
    return {
        "id": rid, "clone": inst["clone"], "promotable": inst["promotable"], "maxlag": inst["maxlag"],
        "promoted_on": promoted, "primary": primary, "primary_source": source, "primaries": primaries,
        "synchronous_standby_names": setting,
        "replication": None if setting is None else ("asynchronous" if postgresql.parse_sync_names(setting) is None
                                                     else "synchronous"),
        "replication_text": None if setting is None else _sync_text(setting),
        "writable_vips": writable, "instances": instances, "notes": notes,
    }


def _fs_node(node, runs, fact, why, gathered, rsc):
    entry = {"node": node, "pacemaker_runs": runs, "mounted": None, "mount_points": [], "note": None, "label": None}
    if not gathered:
        if runs:
            entry["label"] = "mounts %s at %s" % (rsc["device"] or "its device", rsc["directory"] or "its directory")
        return entry
    if fact is None or not filesystem.mountinfo_read(fact):
        entry["note"] = why or (fact or {}).get("error") or "mountinfo not read"
        entry["label"] = "mount unknown (%s)" % entry["note"]
        return entry
    entry["mounted"] = bool(fact.get("mounted"))
    entry["mount_points"] = filesystem.mount_points(fact)
    if entry["mounted"] and not runs:
        entry["label"] = "MOUNTED here outside Pacemaker, at %s" % ", ".join(entry["mount_points"])
    elif entry["mounted"]:
        entry["label"] = "mounted at %s" % ", ".join(entry["mount_points"])
    elif runs:
        entry["label"] = "NOT mounted here"
    return entry


def _filesystem(rsc, status, names, node_facts):
    rid = rsc["id"]
    gathered = node_facts is not None
    running = list(((status.get("resources_by_id") or {}).get(rid) or {}).get("running_on") or [])
    nodes = []
    for n in names + sorted(n for n in node_facts or {} if n not in names):
        fact, why = _node_fact(node_facts, n, "filesystems", rid) if gathered else (None, None)
        nodes.append(_fs_node(n, n in running, fact, why, gathered, rsc))
    mounted = [e["node"] for e in nodes if e["mounted"]] if gathered else None
    unknown = [e["node"] for e in nodes if gathered and e["mounted"] is None]
    notes = []
    if gathered:
        outside = [n for n in mounted if n not in running]
        if outside and not rsc["shared"]:
            notes.append("mounted on %s, where Pacemaker does not run it (see the health check filesystem-single-mount)"
                         % ", ".join(outside))
        elif len(mounted) > 1 and not rsc["shared"]:
            notes.append("mounted on %d nodes at once (see the health check filesystem-single-mount)" % len(mounted))
        missing = [n for n in running if n not in mounted and n not in unknown]
        if missing:
            notes.append("Pacemaker runs it on %s, but mountinfo there does not show it mounted" % ", ".join(missing))
    return {
        "id": rid, "device": rsc["device"], "directory": rsc["directory"], "fstype": rsc["fstype"],
        "group": rsc["group"], "clone": rsc["clone"], "shared": rsc["shared"], "running_on": running,
        "mounted_on": None if mounted is None else [{"node": e["node"], "mount_points": e["mount_points"]}
                                                    for e in nodes if e["mounted"]],
        "unknown": unknown, "nodes": nodes, "notes": notes,
    }


def storage(status, config, names, vips, cib_root=None, node_facts=None):
    """The storage section's data: {gathered, found, databases, filesystems}.

    found is False when the CIB's XML was not given but the configuration has a pgsqlms or Filesystem primitive (the
    finders read the XML); names are the cluster's nodes in the page's order; vips the model's VIPs by id. The
    resources' parameters shown (device, directory, fstype) go through the one secret rule (secrets.redact_value)."""
    gathered = node_facts is not None
    if cib_root is None:
        configured = any(str(p.get("agent")) in STORAGE_AGENTS for p in (config or {}).get("primitives") or [])
        return {"gathered": gathered, "found": not configured, "databases": [], "filesystems": []}
    databases = [_database(i, status, cib_root, names, node_facts, vips) for i in postgresql.instances(cib_root)]
    filesystems = []
    for rsc in filesystem.resources(cib_root):
        rsc = dict(rsc)
        for key in ("device", "directory", "fstype"):
            rsc[key] = redact_value(key, rsc[key])
        filesystems.append(_filesystem(rsc, status, names, node_facts))
    return {"gathered": gathered, "found": True, "databases": databases, "filesystems": filesystems}


def _storage_labels(model):
    """{(resource id, node): the line the map adds to that instance's label} (PostgreSQL's role and replication, where
    a filesystem is mounted)."""
    out = {}
    st = model.get("storage") or {}
    for db in st.get("databases") or []:
        for i in db["instances"]:
            if i["label"]:
                out[(db["id"], i["node"])] = i["label"]
    for fs in st.get("filesystems") or []:
        for e in fs["nodes"]:
            if e["label"] and (e["pacemaker_runs"] or e["mounted"]):
                out[(fs["id"], e["node"])] = e["label"]
    return out


def build_model(status, config, cmap=None, versions=None, generated_at=None, history=None, cib_root=None,
                node_facts=None):
    """One plain dict of everything documented (see the module docstring for the inputs).

    status: cluster_status.build_status()/collect() model; config: cib.export() (None when the CIB
    could not be read); cmap: corosync_runtime.parse_cmapctl() (None when corosync could not be asked);
    versions: {corosync, pacemaker}; generated_at: any string, shown as is; history: the snapshot repository's
    last commits (snapshot.parse_history()), newest first, or None when not asked; cib_root: the CIB's XML root
    (cib.read_live_cib(); config is its export), where the storage resources are found; node_facts: {node name:
    cluster_node_facts' facts, or {reachable: false}} (health.node_facts_errors() checks their shape), None when
    they were not gathered.
    """
    config = dict(_empty_config(), **(config or {}))
    status = status or {}
    cluster = status.get("cluster") or {}
    props = config.get("properties") or {}
    corosync = corosync_settings(cmap) if cmap else None
    crm_nodes = dict((n["name"], n) for n in status.get("nodes") or [])
    group_of, clone_of = _parents_of(config)

    # --- resources (config order), with placement from the status model
    resources = []
    vips = []
    fencing_devices = []
    for prim in config.get("primitives") or []:
        entry = _resource_entry(prim, status, group_of, clone_of, config)
        if entry["is_stonith"]:
            hosts = _fence_hosts(prim.get("params"))
            fencing_devices.append({"id": entry["id"], "agent": entry["agent"], "hosts": hosts["hosts"],
                                    "host_check": hosts["how"], "nodes": entry["nodes"], "role": entry["role"],
                                    "failed": entry["failed"]})
        resources.append(entry)
        vip = _vip(prim, entry)
        if vip:
            vips.append(vip)
    known = set(p["id"] for p in config.get("primitives") or [])
    orphans = sorted(set(r["id"] for r in status.get("resources") or []) - known) if config.get("primitives") else []

    # --- collections (groups and clones)
    collections = []
    for g in config.get("groups") or []:
        running = ((status.get("parents_by_id") or {}).get(g["id"]) or {}).get("running_on") or []
        collections.append({"id": g["id"], "kind": "group", "members": list(g.get("members") or []),
                            "clone": clone_of.get(g["id"]), "meta": dict(g.get("meta") or {}),
                            "nodes": list(running)})
    for c in config.get("clones") or []:
        running = ((status.get("parents_by_id") or {}).get(c["id"]) or {}).get("running_on") or []
        collections.append({"id": c["id"], "kind": _clone_kind(c), "members": [c["member"]] if c.get("member") else [],
                            "clone": None, "meta": dict(c.get("meta") or {}), "nodes": list(running)})

    # --- nodes: the corosync nodelist, joined with Pacemaker's view
    names = []
    for n in (corosync or {}).get("nodelist") or []:
        if n["name"] and n["name"] not in names:
            names.append(n["name"])
    for name in crm_nodes:
        if name not in names:
            names.append(name)
    by_cmap = dict((n["name"], n) for n in (corosync or {}).get("nodelist") or [])
    members = (corosync or {}).get("members") or {}
    runs_on = {}
    for r in status.get("resources") or []:
        if not r.get("active"):
            continue
        for n in r.get("nodes") or []:
            label = r["instance"] if not r.get("role") or r["role"] in ("Started",) else "%s (%s)" % (
                r["instance"], r["role"])
            runs_on.setdefault(n, []).append(label)
    nodes = []
    for name in names:
        cm = by_cmap.get(name) or {}
        cr = crm_nodes.get(name)
        nodeid = cm.get("nodeid") if cm.get("nodeid") is not None else _int(cr.get("id")) if cr else None
        if cr is None:
            state = "unknown"
        elif not cr["online"]:
            state = "offline"
        elif cr["maintenance"]:
            state = "maintenance"
        elif cr["standby"]:
            state = "standby"
        elif cr["pending"]:
            state = "pending"
        else:
            state = "online"
        flags = []
        if cr:
            for key in ("unclean", "shutdown", "standby_onfail"):
                if cr.get(key):
                    flags.append(key.replace("_", " "))
        member = members.get(nodeid) if nodeid is not None else None
        nodes.append({
            "name": name,
            "id": nodeid,
            "addresses": list(cm.get("addresses") or []),
            "state": state,
            "online": bool(cr and cr["online"]),
            "is_dc": bool(cr and cr["is_dc"]) or (cluster.get("dc") == name and name is not None),
            "flags": flags,
            "corosync_member": member.get("status") if member else None,
            "resources": runs_on.get(name, []),
            "type": cr.get("type") if cr else None,
        })

    # crm_mon lists clone instances in no stable order: every node list follows the node table.
    rank = dict((name, i) for i, name in enumerate(names))

    def by_rank(items):
        return sorted(items, key=lambda x: (rank.get(x.split(" (")[0], len(rank)), x))

    for r in resources:
        r["nodes"] = by_rank(r["nodes"])
        r["nodes_text"] = by_rank(r["nodes_text"])
    for item in vips + fencing_devices + collections:
        item["nodes"] = by_rank(item["nodes"])

    # --- quorum and totem
    q = status.get("quorum") or {}
    quorum = {
        "quorate": q.get("quorate"),
        "with_quorum": cluster.get("with_quorum"),
        "expected_votes": q.get("expected_votes"),
        "total_votes": q.get("total_votes"),
        "quorum_votes": q.get("quorum"),
        "flags": list(q.get("flags") or []),
        "no_quorum_policy": props.get("no-quorum-policy") or cluster.get("no_quorum_policy") or "stop",
        "qdevice_status": q.get("qdevice"),
    }
    if corosync:
        quorum.update(corosync["quorum"])

    # --- fencing
    stonith_prop = props.get("stonith-enabled")
    fencing = {
        "stonith_enabled": (_flag(stonith_prop) if stonith_prop is not None
                            else cluster.get("stonith_enabled") if cluster.get("stonith_enabled") is not None
                            else True),
        "stonith_timeout": props.get("stonith-timeout") or "60s",
        "stonith_action": props.get("stonith-action") or "reboot",
        "have_watchdog": _flag(props.get("have-watchdog")),
        "devices": fencing_devices,
        "levels": [dict(level) for level in config.get("fencing_levels") or []],
    }

    # --- licensing counts
    active = [r for r in status.get("resources") or [] if r.get("active")]
    per_agent = {}
    for r in active:
        per_agent[r.get("agent") or "unknown"] = per_agent.get(r.get("agent") or "unknown", 0) + 1
    per_clone = {}
    for r in active:
        if r.get("clone"):
            per_clone[r["clone"]] = per_clone.get(r["clone"], 0) + 1
    for c in config.get("clones") or []:
        per_clone.setdefault(c["id"], 0)
    configured_nodes = len(names) if names else cluster.get("nodes_configured")
    licensing = {
        "nodes_configured": configured_nodes,
        "nodes_online": len([n for n in nodes if n["online"]]),
        "instances_configured": cluster.get("resources_configured"),
        "active_instances": len(active),
        "active_instances_without_fencing": len([r for r in active if not (r.get("agent") or "").startswith("stonith:")]),
        "per_agent": [{"agent": k, "active": per_agent[k]} for k in sorted(per_agent)],
        "per_clone": [{"clone": k, "active": per_clone[k]} for k in sorted(per_clone)],
    }

    versions = dict(versions or {})
    stored = storage(status, config, names, dict((v["id"], v) for v in vips), cib_root=cib_root, node_facts=node_facts)
    return {
        "generated_at": generated_at,
        "cluster": {
            "name": (corosync or {}).get("cluster_name") or props.get("cluster-name"),
            "stack": cluster.get("stack"),
            "dc": cluster.get("dc"),
            "dc_version": cluster.get("dc_version"),
            "corosync_version": versions.get("corosync"),
            "pacemaker_version": versions.get("pacemaker"),
            "crm_mon_api": (status.get("crm_mon") or {}).get("api_version"),
            "local_node": status.get("local_node"),
            "pacemaker_running": bool((status.get("stack") or {}).get("pacemaker")),
            "corosync_running": bool((status.get("stack") or {}).get("corosync")),
            "last_change": cluster.get("last_change"),
            "last_change_by": cluster.get("last_change_user"),
            "last_change_origin": cluster.get("last_change_origin"),
            "maintenance_mode": _flag(props.get("maintenance-mode")) or False,
            "placement_strategy": props.get("placement-strategy") or "default",
            "symmetric_cluster": _flag(props.get("symmetric-cluster")) is not False,
            "properties": dict(sorted((k, v) for k, v in props.items() if k not in ("dc-version", "last-lrm-refresh"))),
            "rsc_defaults": dict(sorted((config.get("rsc_defaults") or {}).items())),
            "op_defaults": dict(sorted((config.get("op_defaults") or {}).items())),
        },
        "nodes": nodes,
        "vips": vips,
        "resources": resources,
        "orphans": orphans,
        "collections": collections,
        "constraints": _constraints(config),
        "tickets": _tickets(status, config),
        "links": dict((k, (corosync or {}).get(k)) for k in ("transport", "crypto_cipher", "crypto_hash", "link_mode",
                                                             "ip_version")) if corosync else None,
        "totem": corosync["totem"] if corosync else None,
        "quorum": quorum,
        "fencing": fencing,
        "licensing": licensing,
        "history": _history(history),
        "storage": stored,
    }


# ---------------------------------------------------------------------------------------------
# Markdown


def _yes(value):
    if value is None:
        return "unknown"
    return "yes" if value else "no"


def _row(*cells):
    return "| %s |" % " | ".join(cells)


def _addresses_text(addresses):
    return ", ".join("link %s: %s" % (a["link"], md(a["addr"])) for a in addresses) or "-"


def _meta_text(meta):
    """The resource's own (or its group's/clone's) key meta; rsc_defaults are listed once below the table."""
    parts = []
    for key in sorted(meta):
        m = meta[key]
        if m["source"] != "rsc_defaults":
            parts.append("%s=%s" % (md(key), md(m["value"])))
    return ", ".join(parts) or "-"


def _params_text(params):
    return ", ".join("%s=%s" % (md(k), md(v)) for k, v in sorted(params.items())) or "-"


def _storage_markdown(model):
    """The Storage section: each database's primary and standbys, each Filesystem's device and where it is mounted."""
    st = model.get("storage") or {}
    out = ["## Storage", ""]
    if not st.get("found", True):
        return out + ["The configuration has PostgreSQL or Filesystem resources, but the CIB's XML was not read: "
                      "storage unknown.", ""]
    if not st.get("databases") and not st.get("filesystems"):
        return out + ["No PostgreSQL (ocf:heartbeat:pgsqlms) or Filesystem (ocf:heartbeat:Filesystem) resource is "
                      "configured.", ""]
    if st.get("gathered"):
        out += ["As each node reported it (cluster_node_facts: psql on each instance, /proc/self/mountinfo), beside "
                "what Pacemaker runs where (crm_mon).", ""]
    else:
        out += ["Storage state was not gathered (no node facts; `playbooks/document.yml` gathers them with "
                "cluster_node_facts): only what the CIB and crm_mon say. The primary is the instance Pacemaker "
                "promoted; replication and mounts are unknown.", ""]
    for db in st.get("databases") or []:
        kind = "promotable clone %s" % db["clone"] if db["promotable"] else ("clone %s" % db["clone"] if db["clone"]
                                                                             else "primitive")
        out += ["### PostgreSQL %s" % md(db["id"]), "", "- Resource: %s (ocf:heartbeat:pgsqlms, %s)" % (md(db["id"]), md(kind))]
        if db["primary"]:
            if db["primary_source"] != "PostgreSQL":
                seen = "Pacemaker promoted it"
            elif db["promoted_on"] == [db["primary"]]:
                seen = "not in recovery, promoted there by Pacemaker"
            else:
                seen = "not in recovery; Pacemaker promoted %s" % (", ".join(md(n) for n in db["promoted_on"]) or "no node")
            out.append("- Primary: **%s** (%s)" % (md(db["primary"]), seen))
        else:
            out.append("- Primary: none known (Pacemaker promoted %s)" % (", ".join(md(n) for n in db["promoted_on"])
                                                                          or "no node"))
        standbys = [i["node"] for i in db["instances"] if i["role"] == "standby"]
        out.append("- Standbys: %s" % (", ".join(md(n) for n in standbys) or "none"))
        if db["replication_text"]:
            out.append("- Replication: %s" % md(db["replication_text"]))
        elif st.get("gathered"):
            out.append("- Replication: unknown (no instance answered)")
        if db["maxlag"]:
            out.append("- maxlag: %d bytes (PAF does not promote a standby further behind)" % db["maxlag"])
        for v in db["writable_vips"]:
            addr = "%s%s" % (v["ip"], "/%s" % v["cidr_netmask"] if v.get("cidr_netmask") else "") if v["ip"] else None
            where = ", ".join(md(n) for n in v["nodes"]) or "no node"
            out.append("- Writable address: %s%s on %s" % (md(v["id"]), " (%s)" % md(addr) if addr else "", where))
        for note in db["notes"]:
            out.append("- Note: %s" % md(note))
        out.append("")
        if st.get("gathered"):
            out += [_row("Node", "Pacemaker", "PostgreSQL", "Replication", "Sync", "Lag"),
                    _row("---", "---", "---", "---", "---", "---")]
            for i in db["instances"]:
                if i["role"] == "standby" and i["replication_state"] is None:
                    replication = md(i["note"])
                else:
                    replication = md(i["replication_state"] or "-")
                role = i["role"] if i["role"] not in ("unknown",) else "unknown (%s)" % i["note"]
                if i["role"] not in ("primary", "standby", "unknown") and i["note"]:
                    role = i["note"]
                out.append(_row(md(i["node"]), md(i["pacemaker_role"] or "not running"), md(role), replication,
                                md(i["sync_state"] or "-"), md(i.get("lag_text") or "-")))
            out += ["", "Lag is how far each standby's replay is behind the primary's WAL (pg_stat_replication), in bytes "
                    "and in seconds of replay. Under the health check's threshold (postgresql-lag: %s or %d s) the page "
                    "says so rather than the figure, so that it changes when a standby falls behind, not at every "
                    "write; `playbooks/health.yml` and the metrics give the figures." % (
                        postgresql.size_text(postgresql.LAG_BYTES), postgresql.LAG_S), ""]
        else:
            out += [_row("Node", "Pacemaker", "Role"), _row("---", "---", "---")]
            for i in db["instances"]:
                out.append(_row(md(i["node"]), md(i["pacemaker_role"] or "not running"), md(i["role"] or "-")))
            out.append("")
    if st.get("filesystems"):
        out += ["### Filesystems", "",
                _row("Resource", "Device", "Mount point", "Type", "Group / clone", "Pacemaker runs it on", "Mounted on"),
                _row("---", "---", "---", "---", "---", "---", "---")]
        notes = []
        for fs in st["filesystems"]:
            parent = []
            if fs["group"]:
                parent.append("group %s" % fs["group"])
            if fs["clone"]:
                parent.append("clone %s" % fs["clone"])
            if fs["mounted_on"] is None:
                mounted = "not gathered"
            else:
                mounted = ", ".join("%s at %s" % (md(m["node"]), ", ".join(md(p) for p in m["mount_points"]))
                                    for m in fs["mounted_on"]) or "no node"
                if fs["unknown"]:
                    mounted += "; unknown on %s" % ", ".join(
                        "%s (%s)" % (md(e["node"]), md(e["note"])) for e in fs["nodes"] if e["node"] in fs["unknown"])
            out.append(_row(md(fs["id"]), md(fs["device"] or "-"), md(fs["directory"] or "-"),
                            md(fs["fstype"] or "detected at mount"), md(", ".join(parent)) or "-",
                            ", ".join(md(n) for n in fs["running_on"]) or "no node", mounted))
            notes += ["%s: %s" % (fs["id"], n) for n in fs["notes"]]
            if fs["shared"]:
                notes.append("%s: shared (%s): mounted on several nodes by design" % (
                    fs["id"], "cloned" if fs["clone"] else "a network or cluster filesystem"))
        out.append("")
        if notes:
            out += ["- %s" % md(n) for n in notes] + [""]
    return out


def render_markdown(model):
    """The documentation page (GitHub-flavoured Markdown)."""
    c = model["cluster"]
    q = model["quorum"]
    out = ["# Cluster %s" % md(c["name"] or "(unnamed)"), ""]
    if model.get("generated_at"):
        out += ["Generated: %s" % md(model["generated_at"]), ""]

    # summary
    out += ["## Summary", ""]
    dc = c["dc"] or "none"
    if c["dc"] and c["dc_version"]:
        dc = "%s (Pacemaker %s)" % (c["dc"], c["dc_version"])
    quorate = q.get("quorate") if q.get("quorate") is not None else q.get("with_quorum")
    votes = ""
    if q.get("total_votes") is not None:
        votes = " - %s of %s expected votes, %s needed" % (q["total_votes"], q["expected_votes"], q["quorum_votes"])
    lic = model["licensing"]
    out += [
        "- Stack: corosync %s, Pacemaker %s" % (md(c["corosync_version"] or "unknown"),
                                                md(c["pacemaker_version"] or "unknown")),
        "- Designated controller (DC): %s" % md(dc),
        "- Quorum: %s%s" % ("quorate" if quorate else "NOT quorate" if quorate is False else "unknown", votes),
        "- Nodes: %s configured, %s online" % (lic["nodes_configured"], lic["nodes_online"]),
        "- Resources: %s instances configured, %s active" % (
            lic["instances_configured"] if lic["instances_configured"] is not None else "unknown",
            lic["active_instances"]),
        "- Fencing: stonith-enabled %s, %d device%s" % (
            "true" if model["fencing"]["stonith_enabled"] else "false", len(model["fencing"]["devices"]),
            "" if len(model["fencing"]["devices"]) == 1 else "s"),
        "- Maintenance mode: %s" % ("ON" if c["maintenance_mode"] else "off"),
    ]
    if c["last_change"]:
        out.append("- Last configuration change: %s by %s on %s" % (
            md(c["last_change"]), md(c["last_change_by"] or "unknown"), md(c["last_change_origin"] or "unknown")))
    if c["local_node"]:
        out.append("- Read on: %s" % md(c["local_node"]))
    if not c["pacemaker_running"]:
        out.append("- Pacemaker is NOT running on the node that was asked: placement is unknown")
    out.append("")

    # map: a Mermaid block (Git forges draw it); the same map as DOT is the diagram beside this page
    out += ["## Map", "", "```mermaid"] + render_mermaid(model).rstrip("\n").split("\n") + ["```", ""]
    out += ["Resources are drawn inside the node they run on (a clone on each of its nodes, a group's members in "
            "a dashed box): virtual IPs gold, fencing devices pink, failed resources red, what runs nowhere grey "
            "and apart. Node borders: green online, orange standby or maintenance, red offline. Dotted purple "
            "arrows are colocations, blue arrows orders. A PostgreSQL instance says whether it is the primary or a "
            "standby and how it replicates, a Filesystem where it is mounted (see Storage).",
            "",
            "The same map for Graphviz is the DOT diagram written next to this page (`.dot`, and `.svg` and `.png` "
            "when Graphviz's `dot` is installed).", ""]

    # nodes
    out += ["## Nodes", "", _row("Node", "ID", "Addresses", "State", "DC", "Runs"),
            _row("---", "---:", "---", "---", "---", "---")]
    for n in model["nodes"]:
        state = n["state"]
        if n["flags"]:
            state += " (%s)" % ", ".join(n["flags"])
        out.append(_row(md(n["name"]), str(n["id"]) if n["id"] is not None else "-", _addresses_text(n["addresses"]),
                        md(state), "DC" if n["is_dc"] else "", ", ".join(md(r) for r in n["resources"]) or "-"))
    out.append("")

    # VIPs
    out += ["## Virtual IP addresses", ""]
    if model["vips"]:
        out += [_row("Address", "Resource", "Group / clone", "Node now"), _row("---", "---", "---", "---")]
        for v in model["vips"]:
            addr = v["ip"] + ("/%s" % v["cidr_netmask"] if v.get("cidr_netmask") else "")
            parent = v["group"] and "group %s" % v["group"] or ""
            if v["clone"]:
                parent = (parent + ", " if parent else "") + "clone %s" % v["clone"]
            out.append(_row(md(addr), md(v["id"]), md(parent) or "-",
                            ", ".join(md(n) for n in v["nodes"]) or "not running (%s)" % md(v["role"])))
    else:
        out.append("No IPaddr2/IPaddr resource is configured.")
    out.append("")

    # resources
    out += ["## Resources", ""]
    plain = [r for r in model["resources"] if not r["is_stonith"]]
    if plain:
        out += [_row("Resource", "Agent", "Group / clone", "Role", "Nodes", "Managed", "Meta", "Parameters"),
                _row("---", "---", "---", "---", "---", "---", "---", "---")]
        for r in plain:
            parent = []
            if r["group"]:
                parent.append("group %s" % r["group"])
            if r["clone"]:
                parent.append("clone %s" % r["clone"])
            role = r["role"]
            if r["failed"]:
                role += " (FAILED)"
            if r["blocked"]:
                role += " (blocked)"
            out.append(_row(md(r["id"]), md(r["agent"]), md(", ".join(parent)) or "-", md(role),
                            ", ".join(md(n) for n in r["nodes_text"]) or "-", _yes(r["managed"]),
                            _meta_text(r["meta"]), _params_text(r["params"])))
    else:
        out.append("No resources are configured.")
    out.append("")
    if model["collections"]:
        out += ["Groups and clones:", ""]
        for col in model["collections"]:
            meta = ", ".join("%s=%s" % (md(k), md(v)) for k, v in sorted(col["meta"].items()))
            out.append("- %s %s: %s%s; running on %s" % (
                col["kind"], md(col["id"]), ", ".join(md(m) for m in col["members"]) or "no members",
                " (%s)" % meta if meta else "", ", ".join(md(n) for n in col["nodes"]) or "no node"))
        out.append("")
    if model["orphans"]:
        out += ["Resources the cluster still reports but the configuration no longer has: %s" %
                ", ".join(md(o) for o in model["orphans"]), ""]
    defaults = model["cluster"]["rsc_defaults"]
    if defaults:
        out += ["Resource defaults (for every resource without its own value): %s" % ", ".join("%s=%s" % (md(k), md(v)) for k, v in sorted(defaults.items())),
                ""]

    out += _storage_markdown(model)

    # constraints
    out += ["## Constraints", ""]
    if model["constraints"]:
        for con in model["constraints"]:
            out.append("- %s %s: %s" % (con["kind"], md(con["id"]), md(con["text"])))
    else:
        out.append("No constraints.")
    out.append("")

    # tickets (geo clusters)
    if model.get("tickets"):
        out += ["## Tickets (geo cluster)", "",
                "This cluster is a site of a geo cluster: booth grants each ticket to one site at a time, and the "
                "resources a ticket guards run only at the site that holds it (docs/disaster-recovery.md).", "",
                _row("Ticket", "Here", "Last granted", "Guards"), _row("---", "---", "---", "---")]
        for t in model["tickets"]:
            here = "granted" if t["granted"] else "not granted"
            if t["standby"]:
                here += " (standby)"
            out.append(_row(md(t["ticket"]), here, md(t["last_granted"] or "-"),
                            ", ".join(md(r) for r in t["resources"]) or "-"))
        out.append("")

    # quorum and totem
    out += ["## Quorum and heartbeat (totem)", ""]
    t = model["totem"]
    links = model["links"]
    if t:
        tok = "token %s%s" % (_secs_text(t["token_ms"]), "" if t["token_explicit"] else " (default)")
        coef = "token_coefficient %s%s" % (_secs_text(t["token_coefficient_ms"]),
                                           "" if t["token_coefficient_explicit"] else " (default)")
        if t["nodes"] >= 3:
            eff = "%s = %s + (%d - 2) x %s" % (_secs_text(t["effective_token_ms"]), _secs_text(t["token_ms"]),
                                               t["nodes"], _secs_text(t["token_coefficient_ms"]))
        else:
            eff = "%s (2 nodes or fewer: not scaled)" % _secs_text(t["effective_token_ms"])
        out += [
            "- Transport: %s, link_mode %s, crypto %s/%s" % (
                md(links["transport"]), md(links["link_mode"]), md(links["crypto_cipher"]), md(links["crypto_hash"])),
            "- Configured: %s, %s, %d nodes" % (tok, coef, t["nodes"]),
            "- Effective token: %s; corosync runs %s" % (eff, _secs_text(t["running_token_ms"])),
            "- Consensus: %s%s" % (_secs_text(t["consensus_ms"]),
                                   "" if t["consensus_explicit"] else " (default: 1.2 x effective token)"),
            "- Join: %s" % _secs_text(t["join_ms"]),
            "- A lost node is declared after about %s (token + consensus)" % _secs_text(t["detection_ms"]),
        ]
        for i in t["interfaces"]:
            out.append("- knet link %s: ping every %s, down after %s without an answer" % (
                i["link"], _secs_text(i["knet_ping_interval_ms"]), _secs_text(i["knet_ping_timeout_ms"])))
        out += ["", _row("Totem timer", "Seconds", "Configured"), _row("---", "---:", "---")]
        for tm in t["timers"]:
            out.append(_row(md(tm["name"]), _secs_text(tm["ms"]) if tm["ms"] is not None else "-",
                            _secs_text(tm["configured_ms"]) if tm["configured_ms"] is not None else "default"))
        if t["counts"]:
            out += ["", "Counts: %s" % ", ".join("%s=%s" % (md(k), v) for k, v in sorted(t["counts"].items()))]
        out.append("")
    else:
        out += ["corosync could not be asked (corosync-cmapctl): totem settings unknown.", ""]
    qo = []
    qo.append("- Provider: %s" % md(q.get("provider") or "unknown"))
    if q.get("flags"):
        qo.append("- Flags: %s" % md(" ".join(q["flags"])))
    if "two_node" in q:
        qo.append("- two_node %s, wait_for_all %s%s, last_man_standing %s%s, auto_tie_breaker %s%s" % (
            _yes(q["two_node"]), _yes(q["wait_for_all"]),
            " (implied by two_node)" if q["wait_for_all"] and not q.get("wait_for_all_explicit") else "",
            _yes(q["last_man_standing"]),
            " (window %s)" % _secs_text(q["last_man_standing_window_ms"]) if q["last_man_standing"] else "",
            _yes(q["auto_tie_breaker"]),
            " (%s)" % md(q["auto_tie_breaker_node"]) if q["auto_tie_breaker"] else ""))
    dev = q.get("device")
    if dev:
        qo.append("- Quorum device: model %s, host %s, algorithm %s, tie_breaker %s%s" % (
            md(dev["model"]), md(dev["host"] or "-"), md(dev["algorithm"] or "-"), md(dev["tie_breaker"] or "-"),
            ", votes %s" % dev["votes"] if dev.get("votes") is not None else ""))
    elif "two_node" in q:
        qo.append("- Quorum device: none")
    qs = q.get("qdevice_status")
    if qs:
        qo.append("- Quorum device now: %s, %s vote%s%s" % (
            md(qs.get("name")), qs.get("votes"), "" if qs.get("votes") == 1 else "s",
            "" if qs.get("cast_vote") else " (not cast)"))
    qo.append("- Pacemaker no-quorum-policy: %s" % md(q.get("no_quorum_policy")))
    out += qo + [""]

    # fencing
    f = model["fencing"]
    out += ["## Fencing", "",
            "- stonith-enabled: %s%s" % ("true" if f["stonith_enabled"] else "false",
                                         "" if f["stonith_enabled"] else " - failed nodes are NOT fenced"),
            "- stonith-timeout: %s, stonith-action: %s" % (md(f["stonith_timeout"]), md(f["stonith_action"]))]
    if f["stonith_enabled"] and not any(d["nodes"] for d in f["devices"]):
        out.append("- No fencing device is running: a node that fails cannot be fenced, and recovery waits")
    out.append("")
    if f["devices"]:
        out += [_row("Device", "Agent", "Fences", "Runs on", "State"), _row("---", "---", "---", "---", "---")]
        for d in f["devices"]:
            hosts = ", ".join(md(h) for h in d["hosts"]) if d["hosts"] else "any node the agent reports (%s)" % md(
                d["host_check"])
            state = d["role"] + (" (FAILED)" if d["failed"] else "")
            out.append(_row(md(d["id"]), md(d["agent"]), hosts, ", ".join(md(n) for n in d["nodes"]) or "-",
                            md(state)))
    else:
        out.append("No fencing device is configured.")
    out.append("")
    if f["levels"]:
        out += ["Fencing levels:", ""]
        for lv in f["levels"]:
            out.append("- %s level %s: %s" % (md(lv.get("target")), md(lv.get("index")),
                                              ", ".join(md(d) for d in lv.get("devices") or [])))
        out.append("")

    # licensing
    out += ["## Licensing counts", "",
            "- Nodes configured: %s" % lic["nodes_configured"],
            "- Nodes online: %s" % lic["nodes_online"],
            "- Active resource instances: %s (%s without fencing devices)" % (
                lic["active_instances"], lic["active_instances_without_fencing"]), ""]
    if lic["per_agent"]:
        out += [_row("Agent", "Active instances"), _row("---", "---:")]
        out += [_row(md(a["agent"]), str(a["active"])) for a in lic["per_agent"]]
        out.append("")
    if lic["per_clone"]:
        out += [_row("Clone", "Active instances"), _row("---", "---:")]
        out += [_row(md(a["clone"]), str(a["active"])) for a in lic["per_clone"]]
        out.append("")

    # the audit trail
    if model.get("history") is not None:
        out += ["## Changes (audit trail)", ""]
        if not model["history"]:
            out += ["No configuration snapshot yet (docs/snapshots.md).", ""]
        else:
            out += ["The last %d commits of the configuration snapshot repository, newest first: who ran what, why, and "
                    "who changed the CIB last as Pacemaker recorded it." % len(model["history"]), "",
                    _row("When", "What", "Who", "Why", "CIB changed last", "Commit"),
                    _row("---", "---", "---", "---", "---", "---")]
            for e in model["history"]:
                what = "run, no configuration change" if e["run"] else e["subject"]  # the first changes, "(+N more)"
                out.append(_row(md(e["date"] or "-"), md(what or "-"), md(e["who"] or "-"), md(e["why"] or "-"),
                                md(e["cib_changed_last"] or "-"), md(e["commit"] or "-")))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# the map: what both diagrams show

# A node's border in the diagrams, by its state.
STATE_COLORS = {"online": "darkgreen", "standby": "orange", "maintenance": "orange", "offline": "red",
                "pending": "orange", "unknown": "grey"}


def cluster_map(model):
    """What the diagrams show, chosen once for render_dot() and render_mermaid().

    {"nodes": [{"node": <model node>, "resources": [instance], "groups": [(group id, [instance])]}],
     "stopped": [instance], "edges": [{"kind": "colocation"|"order", "from": instance, "to": instance,
     "label": text}], "tickets": [{"index": 1, 2 ..., "ticket": <model ticket>, "guards": [instance]}]}

    An instance is one resource drawn in one place: {"index": 1, 2 ... in drawing order, "resource": <model
    resource>, "node": node name (None when it runs nowhere), "vip": <model VIP> or None, "promoted": bool,
    "storage": what the storage section says of it there (a PostgreSQL instance's role and replication, where a
    filesystem is mounted) or None}.
    A resource is drawn inside every node it runs on (a clone once per node), a group's members inside their
    group's box there; the resources that run nowhere apart. A colocation or order between two resources (or
    groups and clones, which their members stand for) is an edge between their instances on the same node
    when there are such, else between all of them; each edge once. A ticket (geo clusters) is drawn once, apart
    from the nodes, granted here or not, with an edge to every instance of what its rsc_ticket constraints guard.
    """
    vips = dict((v["id"], v) for v in model["vips"])
    by_id = dict((r["id"], r) for r in model["resources"])
    storage_labels = _storage_labels(model)
    instances = {}  # resource id -> [instance], in drawing order
    count = [0]

    def instance(r, node_name):
        count[0] += 1
        inst = {"index": count[0], "resource": r, "node": node_name, "vip": vips.get(r["id"]),
                "promoted": node_name is not None and node_name in r["promoted_on"],
                "storage": storage_labels.get((r["id"], node_name)) if node_name is not None else None}
        instances.setdefault(r["id"], []).append(inst)
        return inst

    nodes = []
    for n in model["nodes"]:
        here = [r for r in model["resources"] if n["name"] in r["nodes"]]
        group_ids = []
        for r in here:
            if r["group"] and r["group"] not in group_ids:
                group_ids.append(r["group"])
        loose = [instance(r, n["name"]) for r in here if not r["group"]]
        groups = [(g, [instance(r, n["name"]) for r in here if r["group"] == g]) for g in group_ids]
        # A filesystem mounted on a node where Pacemaker does not run it: drawn there too, as a failure, with no
        # constraint edges (it is no instance Pacemaker placed).
        for fs in (model.get("storage") or {}).get("filesystems") or []:
            if any(e["node"] == n["name"] and e["mounted"] and not e["pacemaker_runs"] for e in fs["nodes"]):
                r = by_id.get(fs["id"])
                if r is not None:
                    count[0] += 1
                    loose.append({"index": count[0], "resource": r, "node": n["name"], "vip": None, "promoted": False,
                                  "outside": True, "storage": storage_labels.get((fs["id"], n["name"]))})
        nodes.append({"node": n, "resources": loose, "groups": groups})
    stopped = [instance(r, None) for r in model["resources"] if not r["nodes"]]

    # members of groups/clones stand for them in constraints
    members = dict((col["id"], list(col["members"])) for col in model["collections"])

    def expand(rid, seen):
        if rid in seen:
            return []
        seen.add(rid)
        if rid in instances:
            return list(instances[rid])
        found = []
        for m in members.get(rid, []):
            found += expand(m, seen)
        return found

    edges = []
    drawn = set()
    for con in model["constraints"]:
        e = con.get("edge")
        if not e:
            continue
        ia, ib = expand(e["from"], set()), expand(e["to"], set())
        pairs = [(x, y) for x in ia for y in ib if x["node"] is not None and x["node"] == y["node"]]
        for x, y in pairs or [(x, y) for x in ia for y in ib]:
            key = (con["kind"], x["resource"]["id"], x["node"], y["resource"]["id"], y["node"], e["label"])
            if key not in drawn:
                drawn.add(key)
                edges.append({"kind": con["kind"], "from": x, "to": y, "label": e["label"]})
    tickets = []
    for t in model.get("tickets") or []:
        guards = []
        for rid in t["resources"]:
            guards += [inst for inst in expand(rid, set()) if inst not in guards]
        tickets.append({"index": len(tickets) + 1, "ticket": t, "guards": guards})
    return {"nodes": nodes, "stopped": stopped, "edges": edges, "tickets": tickets}


def _ticket_lines(t):
    return ["ticket " + t["ticket"], ("granted here" if t["granted"] else "not granted here")
            + (", standby" if t["standby"] else "")]


def _vip_text(vip, netmask=True):
    if netmask and vip.get("cidr_netmask"):
        return "VIP %s/%s" % (vip["ip"], vip["cidr_netmask"])
    return "VIP %s" % vip["ip"]


def _instance_lines(inst):
    """The lines of an instance's label, the same in both diagrams."""
    r = inst["resource"]
    if inst["node"] is None:
        lines = [r["id"], r["agent"], r["role"] + (" (FAILED)" if r["failed"] else "")]
        if inst["vip"]:
            lines.insert(1, _vip_text(inst["vip"], netmask=False))
        return lines
    lines = [r["id"]]
    if r["clone"]:
        lines.append("(%s)" % r["clone"])
    if inst["vip"]:
        lines.append(_vip_text(inst["vip"]))
    if inst["promoted"]:
        lines.append("Promoted")
    lines.append(r["agent"])
    if inst.get("storage"):
        lines.append(inst["storage"])
    return lines


def instance_look(inst):
    """How an instance is drawn, the same in both diagrams: stopped (runs nowhere), vip, fence, failed or rsc."""
    r = inst["resource"]
    if inst["node"] is None:
        return "stopped"
    if inst["vip"]:
        return "vip"
    if r["is_stonith"]:
        return "fence"
    if r["failed"] or inst.get("outside"):
        return "failed"
    return "rsc"


# The DOT attributes of each look.
# A ticket granted here, and one that is not.
DOT_TICKET_LOOKS = {True: "shape=note, style=filled, fillcolor=palegreen", False: "shape=note, style=\"filled,dashed\", fillcolor=grey90"}
DOT_LOOKS = {"vip": "shape=box, style=\"rounded,filled,bold\", fillcolor=gold", "fence": "fillcolor=lightpink",
             "failed": "fillcolor=salmon", "rsc": "fillcolor=lightblue",
             "stopped": "fillcolor=grey90, fontcolor=grey30, style=\"rounded,filled,dashed\""}


def _node_lines(n):
    lines = [n["name"]]
    lines += ["link %s: %s" % (a["link"], a["addr"]) for a in n["addresses"]]
    lines.append(n["state"] + (", DC" if n["is_dc"] else ""))
    return lines


# ---------------------------------------------------------------------------------------------
# DOT


def _nid(*parts):
    return dot_string("/".join(str(p) for p in parts))


def render_dot(model):
    """The cluster as a Graphviz digraph: nodes as boxes, resources inside the node they run on."""
    c = model["cluster"]
    title = "Cluster %s" % (c["name"] or "(unnamed)")
    out = ["digraph %s {" % dot_string("cluster " + (c["name"] or "")),
           "  graph [label=%s, labelloc=t, fontname=Helvetica, compound=true, rankdir=TB];" % dot_string(title),
           "  node [fontname=Helvetica, shape=box, style=\"rounded,filled\", fillcolor=white];",
           "  edge [fontname=Helvetica, fontsize=10];"]
    drawing = cluster_map(model)

    def ident(inst):
        return _nid("rsc", inst["resource"]["id"], "-" if inst["node"] is None else inst["node"])

    def rsc_node(inst, indent):
        return "%s%s [label=%s, %s];" % (indent, ident(inst), _dot_label(*_instance_lines(inst)), DOT_LOOKS[instance_look(inst)])

    for entry in drawing["nodes"]:
        n = entry["node"]
        out.append("  subgraph %s {" % _nid("cluster_node", n["name"]))
        out.append("    label=%s; style=rounded; color=%s; penwidth=2;" % (
            _dot_label(*_node_lines(n)), STATE_COLORS.get(n["state"], "grey")))
        out.append("    %s [label=\"\", shape=point, style=invis];" % _nid("anchor", n["name"]))
        for inst in entry["resources"]:
            out.append(rsc_node(inst, "    "))
        for g, group in entry["groups"]:
            out.append("    subgraph %s {" % _nid("cluster_group", g, n["name"]))
            out.append("      label=%s; style=dashed; color=grey40;" % _dot_label("group " + g))
            for inst in group:
                out.append(rsc_node(inst, "      "))
            out.append("    }")
        out.append("  }")
    if drawing["stopped"]:
        out.append("  subgraph %s {" % dot_string("cluster_stopped"))
        out.append("    label=%s; style=dashed; color=grey;" % _dot_label("not running"))
        for inst in drawing["stopped"]:
            out.append(rsc_node(inst, "    "))
        out.append("  }")

    seen = set()
    for e in drawing["edges"]:
        style = "style=dashed, color=purple" if e["kind"] == "colocation" else "color=blue"
        line = "  %s -> %s [%s, label=%s];" % (ident(e["from"]), ident(e["to"]), style, _dot_label(e["label"]))
        if line not in seen:  # two instances whose DOT ids coincide ("/" in an id) are drawn once
            out.append(line)
            seen.add(line)
    for t in drawing["tickets"]:
        tid = _nid("ticket", t["ticket"]["ticket"])
        out.append("  %s [label=%s, %s];" % (tid, _dot_label(*_ticket_lines(t["ticket"])),
                                             DOT_TICKET_LOOKS[t["ticket"]["granted"]]))
        for inst in t["guards"]:
            line = "  %s -> %s [style=dotted, color=darkgreen, label=%s];" % (tid, ident(inst), _dot_label("needs"))
            if line not in seen:
                out.append(line)
                seen.add(line)
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Mermaid

# Resource looks (classDef) and link colours, after the DOT diagram's.
MERMAID_CLASSES = (
    ("rsc", "fill:lightblue,stroke:steelblue,color:black"),
    ("vip", "fill:gold,stroke:darkgoldenrod,stroke-width:3px,color:black"),
    ("fence", "fill:lightpink,stroke:palevioletred,color:black"),
    ("failed", "fill:salmon,stroke:darkred,color:black"),
    ("stopped", "fill:gainsboro,stroke:grey,color:dimgray,stroke-dasharray:5 5"),
    ("ticket", "fill:palegreen,stroke:darkgreen,color:black"),
    ("ticketoff", "fill:gainsboro,stroke:darkgreen,color:dimgray,stroke-dasharray:5 5"),
)
MERMAID_LINK_COLORS = {"colocation": "purple", "order": "blue", "ticket": "darkgreen"}


def mermaid_label(text):
    """A quoted Mermaid label (with the quotes) that shows text as it is, on one line.

    Every character Mermaid or the HTML it renders to could read as syntax (``"``, ``#``, ``&``, ``<``,
    ``>``, backticks, ``%``, brackets, braces, pipes, control characters) is written as an entity code
    (``#quot;``, ``#35;`` ...), so no text can end the label, open a Markdown string or a directive,
    close the fenced block, or add HTML.
    """
    return '"%s"' % _mermaid_text(text)


_MERMAID_ENTITIES = {'"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;"}
_MERMAID_SPECIAL = re.compile(r"[\x00-\x1f\x7f\"#&<>`%|\[\]{}]")


def _mermaid_text(text):
    if text is None:
        return ""
    s = " ".join(str(text).split())
    return _MERMAID_SPECIAL.sub(lambda m: _MERMAID_ENTITIES.get(m.group(0)) or "#%d;" % ord(m.group(0)), s)


def _mermaid_lines(*lines):
    """A multi-line quoted Mermaid label: each line escaped on its own, joined with <br>."""
    return '"%s"' % "<br>".join(_mermaid_text(line) for line in lines if line is not None and line != "")


def render_mermaid(model):
    """The map of render_dot() as a Mermaid flowchart (the text inside a ```mermaid block).

    Ids are made here (c0 the cluster, n1.. its nodes, g1.. groups on a node, r1.. resource instances,
    s0 what runs nowhere, t1.. tickets): nothing from the cluster is ever a Mermaid id, only quoted labels.
    """
    c = model["cluster"]
    drawing = cluster_map(model)
    looks = dict((look[0], []) for look in MERMAID_CLASSES)

    def ident(inst):
        return "r%d" % inst["index"]

    def rsc_node(inst, indent):
        looks[instance_look(inst)].append(ident(inst))
        return "%s%s[%s]" % (indent, ident(inst), _mermaid_lines(*_instance_lines(inst)))

    out = ["flowchart TB",
           "  subgraph c0[%s]" % mermaid_label("Cluster %s" % (c["name"] or "(unnamed)")),
           "    direction TB"]
    node_styles = []
    groups = 0
    for i, entry in enumerate(drawing["nodes"], 1):
        n = entry["node"]
        out.append("    subgraph n%d[%s]" % (i, _mermaid_lines(*_node_lines(n))))
        node_styles.append("  style n%d stroke:%s,stroke-width:3px" % (i, STATE_COLORS.get(n["state"], "grey")))
        for inst in entry["resources"]:
            out.append(rsc_node(inst, "      "))
        for g, group in entry["groups"]:
            groups += 1
            out.append("      subgraph g%d[%s]" % (groups, mermaid_label("group " + g)))
            node_styles.append("  style g%d stroke:dimgray,stroke-dasharray:5 5" % groups)
            for inst in group:
                out.append(rsc_node(inst, "        "))
            out.append("      end")
        out.append("    end")
    if drawing["stopped"]:
        out.append("    subgraph s0[%s]" % mermaid_label("not running"))
        node_styles.append("  style s0 stroke:grey,stroke-dasharray:5 5")
        for inst in drawing["stopped"]:
            out.append(rsc_node(inst, "      "))
        out.append("    end")
    for t in drawing["tickets"]:
        looks["ticket" if t["ticket"]["granted"] else "ticketoff"].append("t%d" % t["index"])
        out.append("    t%d[%s]" % (t["index"], _mermaid_lines(*_ticket_lines(t["ticket"]))))
    out.append("  end")
    links = dict((kind, []) for kind in MERMAID_LINK_COLORS)
    for i, e in enumerate(drawing["edges"]):
        arrow = "-.->" if e["kind"] == "colocation" else "-->"
        out.append("  %s %s|%s| %s" % (ident(e["from"]), arrow, mermaid_label(e["label"]), ident(e["to"])))
        links.setdefault(e["kind"], []).append(str(i))
    i = len(drawing["edges"])
    for t in drawing["tickets"]:
        for inst in t["guards"]:
            out.append("  t%d -.->|%s| %s" % (t["index"], mermaid_label("needs"), ident(inst)))
            links["ticket"].append(str(i))
            i += 1
    for name, style in MERMAID_CLASSES:
        if looks[name]:
            out.append("  classDef %s %s" % (name, style))
            out.append("  class %s %s" % (",".join(looks[name]), name))
    out += node_styles
    for kind in sorted(links):
        if links[kind]:
            color = MERMAID_LINK_COLORS.get(kind, "grey")
            out.append("  linkStyle %s stroke:%s,color:%s" % (",".join(links[kind]), color, color))
    return "\n".join(out) + "\n"


def document(status, config, cmap=None, versions=None, generated_at=None, history=None, cib_root=None, node_facts=None):
    """{model, markdown, dot} for the given inputs (see build_model)."""
    model = build_model(status, config, cmap=cmap, versions=versions, generated_at=generated_at, history=history,
                        cib_root=cib_root, node_facts=node_facts)
    return {"model": model, "markdown": render_markdown(model), "dot": render_dot(model)}
