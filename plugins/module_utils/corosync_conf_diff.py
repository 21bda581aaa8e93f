# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The semantic diff of two corosync.conf models (pure): what changed, and whether a reload applies it.

Part of the corosync.conf engine (corosync_conf.py describes the model and lists the others).

- diff(before, after, crypto_reload, ping_timer_bug) -> the changes, each classified reload or restart
  (corosync_conf_reload's table, then the rules across changes: a node's changed nodeid, the knet ping
  timers of corosync <= 3.1.10)
- summarize(changes)                                 -> (reload_required, restart_required)

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import (
    KEYED_LISTS,
    RING_RE,
    CorosyncConfError,
    effective_timing,
    is_section_value,
    item_label,
    item_sort_key,
    join,
    key_order,
    match,
    nodes_of,
    normalize,
    transport_of,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_reload import RELOAD, RELOAD_RULES, RESTART, classify


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
        if kinds is not None and kind in kinds and match(pattern, chain):
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
    return sorted(keys, key=lambda k: key_order(chain, k, is_section_value(a[k] if k in a else b[k])))


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
        sub_path = join(path, key)
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
            label = item_label(chain, item, i)
            if label in out:  # a duplicate id in a hand-written file: keep both apart
                label = "%s[%d]" % (label, i)
            out[label] = item
        return out

    bi = index(bl)
    ai = index(al)
    labels = list(ai) + [k for k in bi if k not in ai]
    labels.sort(key=lambda lbl: item_sort_key(chain, ai[lbl] if lbl in ai else bi[lbl]))
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
        if RING_RE.match(k) and isinstance(v, str):
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
    if not token_changes or transport_of(after) != "knet":
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
    for node in nodes_of(after):
        for k in node:
            m = RING_RE.match(k)
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
