# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of the cluster's security: knet's crypto (knet-crypto), the authkeys' modes and sameness
(authkey-modes, authkeys-identical), what corosync and pcsd refused (refused-packets, pcsd-failed-logins), pcsd's
certificate (pcsd-certificate), the cluster's firewall (firewall-loaded) and Pacemaker's secret store (cib-secrets).
No key, digest or password goes into a message or a remedy: keys are named by their paths and the nodes that hold
them, secrets by their resource and parameter.

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import cib_secrets
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import RULES_FILE
from ansible_collections.clusterops.ha.plugins.module_utils.health_base import (
    _describe_groups,
    _facts_window,
    _failed,
    _groups,
    _join,
    _mode,
    _passed,
    _uniq,
    _unknown,
    _unknown_suffix,
    _window_text,
)
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import PCSD_CERT
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time

COROSYNC_AUTHKEY_MODES = ("0400",)
PACEMAKER_AUTHKEY_MODES = ("0400", "0440")
COROSYNC_AUTHKEY = "/etc/corosync/authkey"
PACEMAKER_AUTHKEY = "/etc/pacemaker/authkey"
# pcsd-certificate fails when a node's pcsd certificate ends within this many days (or has ended).
PCSD_CERT_WARN_DAYS = 30


def check_knet_crypto(ctx):
    transports, unknown = ctx.facts("transport")
    if not transports:
        return _unknown("no node reported its transport")
    knet = [n for n in sorted(transports) if str(transports[n]).lower() == "knet"]
    if not knet:
        return _passed("transport %s: knet crypto does not apply%s" % (
            _describe_groups(_groups(transports)), _unknown_suffix(unknown)))
    bad, names = [], []
    for name in knet:
        f = ctx.nodes.get(name) or {}
        weak = ["%s %s" % (k, f.get(k) or "unset") for k in ("crypto_cipher", "crypto_hash")
                if str(f.get(k) or "none").lower() == "none"]
        if weak:
            bad.append("%s: knet with %s" % (name, " and ".join(weak)))
            names.append(name)
    if not bad:
        return _passed("knet encrypted and authenticated on %s%s" % (_join(knet), _unknown_suffix(unknown)))
    return _failed("; ".join(bad) + _unknown_suffix(unknown),
                   ["corosync-keygen  # only if /etc/corosync/authkey is missing; then copy it to every node",
                    "pcs cluster config update crypto cipher=aes256 hash=sha256",
                    "pcs cluster reload corosync  # or restart the nodes one at a time if the running corosync keeps the old crypto"],
                   names)


_AUTHKEYS = (("authkey_mode", COROSYNC_AUTHKEY, COROSYNC_AUTHKEY_MODES, "root:root"),
             ("pcmk_authkey_mode", PACEMAKER_AUTHKEY, PACEMAKER_AUTHKEY_MODES, "hacluster:haclient"))


def check_authkeys(ctx):
    parts, remedy, objects, seen, unknown = [], [], [], set(), None
    for key, path, allowed, owner in _AUTHKEYS:
        known, missing = ctx.facts(key)
        seen.update(known)
        unknown = set(missing) if unknown is None else unknown & set(missing)
        for name in sorted(known):
            mode = _mode(known[name])
            if mode not in allowed:
                parts.append("%s: %s is %s" % (name, path, mode))
                remedy.append("chown %s %s && chmod 0400 %s  # on %s" % (owner, path, path, name))
                objects.append(name)
    if not seen:
        return _unknown("no node reported its authkey modes")
    if parts:
        return _failed("; ".join(parts) + _unknown_suffix(sorted(unknown)), remedy, _uniq(objects))
    return _passed("authkey modes correct on %s%s" % (_join(sorted(seen)), _unknown_suffix(sorted(unknown))))


# The keys every node must share: (label, fact, path, owner).
_SHARED_KEYS = (("corosync", "authkey_sha256", COROSYNC_AUTHKEY, "root:root"),
                ("Pacemaker", "pcmk_authkey_sha256", PACEMAKER_AUTHKEY, "hacluster:haclient"))


def _count_nodes(names):
    return "%d node%s: %s" % (len(names), "" if len(names) == 1 else "s", _join(names))


def _key_reference(ctx, groups):
    """The nodes whose key is the one to keep: the majority, or in a tie the only group holding members of a
    quorate partition (they run with it); None when nothing tells."""
    if len(groups[0][1]) > len(groups[1][1]):
        return groups[0][1]
    if ctx.status["quorum"].get("quorate") is not True:
        return None
    members = ctx.member_names()
    holding = [names for _value, names in groups if members & set(names)]
    return holding[0] if len(holding) == 1 else None


def check_authkeys_identical(ctx):
    # Digests of random keys; still, none of them goes into a message or a remedy: groups are named by their nodes.
    same, parts, fixes, objects, notes, any_known = [], [], {}, [], [], False
    for label, fact, path, owner in _SHARED_KEYS:
        known, unknown = ctx.facts(fact)
        if not known:
            same.append((label, None, unknown))
            continue
        any_known = True
        groups = _groups(known)
        if len(groups) == 1:
            same.append((label, groups[0][1], unknown))
            continue
        majority = len(groups[0][1]) > len(groups[1][1])
        reference = _key_reference(ctx, groups)
        if majority:
            odd = sorted(n for g in groups[1:] for n in g[1])
            if len(odd) == 1:
                text = "%s's %s authkey differs from the one %s hold" % (odd[0], label, _join(reference))
            else:
                text = "the %s authkeys of %s differ from the one %s hold" % (label, _join(odd), _join(reference))
        else:
            text = "the %s authkey differs and no key is held by a majority: %s" % (
                label, "; ".join("key %d on %s" % (i + 1, _join(names)) for i, (_value, names) in enumerate(groups)))
            odd = sorted(known) if reference is None else [n for n in sorted(known) if n not in reference]
            if reference is not None:
                notes.append("# no %s authkey is held by a majority: keep the one of %s, members of the quorate partition"
                             % (label, _join(reference)))
        parts.append(text + _unknown_suffix(unknown))
        objects += odd
        for name in odd:
            fixes.setdefault(name, []).append((path, owner, reference[0] if reference else None))
    if not any_known:
        return _unknown("no node reported the digests of its authkeys")
    if not parts:
        if same[0][1:] == same[1][1:]:
            return _passed("the corosync and Pacemaker authkeys are the same on %s%s"
                           % (_count_nodes(same[0][1]), _unknown_suffix(same[0][2])))
        return _passed("; ".join("%s authkey unknown on every node" % label if names is None else
                                 "%s authkey the same on %s%s" % (label, _count_nodes(names), _unknown_suffix(unknown))
                                 for label, names, unknown in same))
    remedy, undecided = list(notes), []
    for name in sorted(fixes):
        mine = [(path, owner, src) for path, owner, src in fixes[name] if src]
        for path, owner, src in fixes[name]:
            if not src and (path, owner) not in undecided:
                undecided.append((path, owner))
        if not mine:
            continue
        remedy += ["# %s: stop its cluster stack, copy the cluster's key%s from %s, start it again"
                   % (name, "s" if len(mine) > 1 else "", _join(_uniq(src for _path, _owner, src in mine))),
                   "systemctl stop pacemaker corosync  # on %s" % name]
        for path, owner, src in mine:
            remedy += ["scp %s:%s %s  # on %s" % (src, path, path, name),
                       "chown %s %s && chmod 0400 %s  # on %s" % (owner, path, path, name)]
        remedy.append("systemctl start corosync pacemaker  # on %s" % name)
    if undecided:
        remedy += ["# no majority, and the membership does not tell which key is the cluster's: keep the one the nodes that "
                   "must stay members hold (corosync-quorumtool -l), then on every node of the other group(s):",
                   "systemctl stop pacemaker corosync"]
        for path, owner in undecided:
            remedy += ["scp <node with the kept key>:%s %s" % (path, path), "chown %s %s && chmod 0400 %s" % (owner, path, path)]
        remedy.append("systemctl start corosync pacemaker")
    remedy.append("# or rerun playbooks/site.yml: it keeps the key most members hold (in a tie, the quorate members'; it "
                  "stops when nothing breaks the tie) and copies it to %s, restarting corosync where it ran with another key"
                  % ("every node whose copy differs" if undecided else _join(sorted(fixes))))
    return _failed("; ".join(parts), remedy, _uniq(objects))


def _nodelist(ctx):
    """{address: node name} of the nodelist, as any node's corosync reported it."""
    out = {}
    for name in sorted(ctx.nodes):
        f = ctx.nodes.get(name) or {}
        for address, node in sorted((f.get("nodelist_addresses") or {}).items()):
            out.setdefault(address, node)
    return out


def check_refused_packets(ctx):
    # Addresses are the objects; no packet's content is ever read, only corosync's line about it.
    known, unknown = ctx.facts("refused_packets")
    if not known:
        return _unknown("no node could read corosync's journal for refused packets")
    window = _facts_window(ctx, known)
    nodelist = _nodelist(ctx)
    sources, lower_bound = {}, False
    for receiver in sorted(known):
        lower_bound = lower_bound or bool(ctx.nodes[receiver].get("refused_packets_truncated"))
        for e in known[receiver]:
            src = sources.setdefault((e["address"], e["reason"]), {"count": 0, "first": None, "last": None, "by": []})
            src["count"] += int(e.get("count") or 0)
            for key, pick in (("first", min), ("last", max)):
                if e.get(key) is not None:
                    src[key] = e[key] if src[key] is None else pick(src[key], e[key])
            src["by"].append(receiver)
    if not sources:
        return _passed("no packets refused by corosync on %s in the last %s%s"
                       % (_join(sorted(known)), _window_text(window), _unknown_suffix(unknown)))
    # A node with another key refuses the others' packets as they refuse its: one finding, told from the side of
    # the most receivers (node3's packets refused by node1 and node2, and node3 refusing theirs).
    order = sorted(sources, key=lambda k: (-len(sources[k]["by"]), -sources[k]["count"], k))
    for key in order:
        node = nodelist.get(key[0])
        if not node or sources[key].get("dropped"):
            continue
        for other in order:
            src = sources[other]
            if other != key and not src.get("dropped") and src["by"] == [node] \
                    and nodelist.get(other[0]) in sources[key]["by"]:
                src["dropped"] = True
                sources[key].setdefault("mutual", []).append(nodelist[other[0]])
    parts, remedy, objects = [], [], []
    for (address, reason), src in sorted(sources.items(), key=lambda item: (-item[1]["count"], item[0])):
        if src.get("dropped"):
            continue
        node = nodelist.get(address)
        who = "%s (%s)" % (address, node) if node else (
            "an unknown source" if address == "unknown" else "%s (not in the nodelist)" % address)
        what = "could not decrypt" if reason == "undecryptable" else "rejected"
        times = ("" if src["first"] is None else
                 ", first %s, last %s" % (iso_time(src["first"]), iso_time(src["last"])))
        mutual = " (and %s could not decrypt theirs)" % node if src.get("mutual") else ""
        count = "%s%d packet%s" % ("at least " if lower_bound else "", src["count"], "" if src["count"] == 1 else "s")
        parts.append("%s: %s %s %s%s%s" % (who, count, _join(src["by"]), what, mutual, times))
        by = src["by"][0]
        grep = "journalctl -u corosync --since -%ds --grep '%s'  # on %s" % (window, re.escape(address), by)
        if node:
            objects.append(node)
            remedy += ["# %s is a cluster node sending with another key or other crypto settings:" % node,
                       "corosync-cmapctl -g totem.crypto_cipher; corosync-cmapctl -g totem.crypto_hash  # on %s and %s"
                       % (node, by),
                       "sha256sum %s  # on every node: %s's should be the odd one out (see authkeys-identical)"
                       % (COROSYNC_AUTHKEY, node), grep]
        elif address == "unknown":
            remedy.append("journalctl -u corosync --since -%ds --grep 'from unknown host'  # on %s: when they came"
                          % (window, by))
        else:
            objects.append(address)
            remedy += ["# %s is not a cluster node: find who it is" % address,
                       "ip neigh show %s  # on %s: its MAC address, for the switch's table" % (address, by), grep,
                       "# then let only the nodes (%s) reach corosync's ports, UDP 5405 and up (one per link)"
                       % (_join(sorted(nodelist)) or "their addresses")]
    return _failed("in the last %s: %s%s" % (_window_text(window), "; ".join(parts), _unknown_suffix(unknown)),
                   _uniq(remedy), _uniq(objects))


def check_pcsd_failed_logins(ctx):
    # User names and addresses are the objects; no password is ever in pcsd's log, so none is here.
    known, unknown = ctx.facts("pcsd_failed_logins")
    if not known:
        return _unknown("no node could read pcsd's log (/var/log/pcsd/pcsd.log; no pcsd, or a crmsh cluster)")
    window = _facts_window(ctx, known)
    nodelist = _nodelist(ctx)
    found = []
    for node in sorted(known):
        lower_bound = bool(ctx.nodes[node].get("pcsd_failed_logins_truncated"))
        for e in known[node]:
            found.append((node, e, lower_bound))
    if not found:
        return _passed("no failed pcsd login on %s in the last %s%s"
                       % (_join(sorted(known)), _window_text(window), _unknown_suffix(unknown)))
    parts, remedy, objects = [], [], []
    for node, e, lower_bound in sorted(found, key=lambda f: (-int(f[1]["count"]), f[0], f[1]["user"], f[1]["address"])):
        address = e["address"]
        who = ("%s (%s)" % (address, nodelist[address]) if address in nodelist else
               "an unknown address" if address == "unknown" else address)
        times = ("" if e.get("first") is None else
                 ", first %s, last %s" % (iso_time(e["first"]), iso_time(e["last"])))
        count = "%s%d failed login%s" % ("at least " if lower_bound else "", int(e["count"]),
                                         "" if int(e["count"]) == 1 else "s")
        parts.append("%s on %s as '%s' from %s%s" % (count, node, e["user"], who, times))
        remedy.append("grep -B1 -A1 \"Failed login by '%s'\" /var/log/pcsd/pcsd.log  # on %s" % (e["user"], node))
        objects += [node, address]
    remedy.append("# a cluster node or your own tool: give it the current hacluster password (pcs host auth); any "
                  "other address: find who it is, and let only the nodes and admin hosts reach TCP 2224")
    return _failed("in the last %s: %s%s" % (_window_text(window), "; ".join(parts), _unknown_suffix(unknown)),
                   _uniq(remedy), _uniq(objects))


def check_pcsd_certificate(ctx):
    # Subjects, issuers and dates only: the certificate is public, its key is never read.
    known, unknown = ctx.facts("pcsd_certificate")
    if not known:
        return _unknown("no node could read pcsd's certificate (%s; no pcsd, or a crmsh cluster)" % PCSD_CERT)
    soon = ctx.now + PCSD_CERT_WARN_DAYS * 86400
    expired = [n for n in sorted(known) if known[n]["not_after"] <= ctx.now]
    ending = [n for n in sorted(known) if ctx.now < known[n]["not_after"] <= soon]
    own = [n for n in sorted(known) if known[n]["self_signed"]]
    signed = ("self-signed (pcsd's own: no client can verify it) on %s" % _join(own) if own else
              "signed by %s" % _join(sorted({known[n]["issuer"] for n in known})))
    if own and len(own) < len(known):
        signed += ", signed by %s on %s" % (_join(sorted({known[n]["issuer"] for n in known if n not in own})),
                                            _join([n for n in sorted(known) if n not in own]))
    if not expired and not ending:
        first = min(known, key=lambda n: (known[n]["not_after"], n))
        return _passed("valid until %s at the earliest (%s); %s%s" % (
            iso_time(known[first]["not_after"]), first, signed, _unknown_suffix(unknown)))
    parts = ["expired on %s (%s)" % (n, iso_time(known[n]["not_after"])) for n in expired]
    parts += ["ends within %d days on %s (%s)" % (PCSD_CERT_WARN_DAYS, n, iso_time(known[n]["not_after"]))
              for n in ending]
    remedy = ["openssl x509 -in %s -noout -subject -issuer -enddate  # on %s" % (PCSD_CERT, n)
              for n in expired + ending]
    remedy.append("pcs pcsd certkey <node>.crt <node>.key && systemctl restart pcsd  # a new certificate from your "
                  "CA, on each of them")
    return _failed("pcsd's certificate %s; %s%s" % ("; ".join(parts), signed, _unknown_suffix(unknown)),
                   remedy, expired + ending)


def check_firewall(ctx):
    known, unknown = ctx.facts("firewall")
    if not known:
        return _unknown("no node reported its firewall")
    on = [n for n in sorted(known) if known[n].get("managed")]
    if not on:
        return _passed("the cluster's firewall is off on %s (cluster_firewall_enabled false): only the hosts' own "
                       "firewall guards the cluster's ports%s" % (_join(sorted(known)), _unknown_suffix(unknown)))
    gone = [n for n in on if not known[n].get("loaded")]
    off = [n for n in sorted(known) if n not in on]
    if not gone and not off:
        refused = ["%d to %s on %s" % (d["packets"], d["rule"].replace(" from elsewhere", ""), n)
                   for n in on for d in known[n].get("drops") or [] if int(d["packets"])]
        return _passed("loaded on %s; %s%s" % (
            _join(on), "it refused packets from elsewhere: %s" % ", ".join(refused) if refused else
            "nothing refused since it was loaded", _unknown_suffix(unknown)))
    parts = ["not loaded on %s (%s)" % (n, known[n].get("error") or "nft has no table inet clusterops") for n in gone]
    remedy = ["systemctl reload clusterops-firewall  # on %s: loads %s again" % (n, RULES_FILE) for n in gone]
    if off:
        parts.append("off on %s while on on %s" % (_join(off), _join(on)))
        remedy.append("# rerun playbooks/site.yml: it writes and loads the rules on %s" % _join(off))
    return _failed("the cluster's firewall is %s: the cluster's ports are open there%s"
                   % ("; ".join(parts), _unknown_suffix(unknown)), remedy, gone + off)


_STORE_STATES = (("missing", "missing"), ("no-sign", "without its .sign"), ("mismatch", "not matching its .sign"),
                 ("unreadable", "unreadable"))


def check_cib_secrets(ctx):
    """Every parameter the CIB keeps in Pacemaker's secret store (lrm://) is on every node, intact (its .sign) and
    the same (the nodes' keyed digests). Critical when a fence device's is not: that node's fencer cannot run it."""
    if ctx.cib_root is None:
        return _unknown("the CIB could not be read")
    wanted = cib_secrets.in_cib(ctx.cib_root)
    known, unknown = ctx.facts("cib_secrets")
    left = {}
    for node in sorted(known):
        for key, entry in sorted((known[node] or {}).items()):
            if (entry or {}).get("state") == "left":
                left.setdefault(key, []).append(node)
    if not wanted and not left:
        return _passed("no parameter is kept in Pacemaker's secret store (cluster_cib_secrets)")
    if not known:
        return _unknown("no node reported its secret store")
    problems, objects, to_check, fence_hit = [], [], [], False
    for rsc, param, fence in wanted:
        key = "%s/%s" % (rsc, param)
        entries = {n: (known[n] or {}).get(key) or {"state": "missing"} for n in sorted(known)}
        parts = []
        for state, label in _STORE_STATES:
            where = [n for n in sorted(entries) if entries[n].get("state") == state]
            if where:
                parts.append("%s on %s" % (label, _join(where)))
                to_check += [(rsc, param, n) for n in where]
        groups = _groups({n: e["digest"] for n, e in entries.items() if e.get("state") == "ok" and e.get("digest")})
        if len(groups) > 1:
            if len(groups[0][1]) > len(groups[1][1]):
                odd = sorted(n for _value, names in groups[1:] for n in names)
                parts.append("another value on %s than on %s" % (_join(odd), _join(groups[0][1])))
            else:
                odd = sorted(n for _value, names in groups for n in names)
                parts.append("no value held by a majority: %s" % "; ".join(
                    "one on %s" % _join(names) for _value, names in groups))
            to_check += [(rsc, param, n) for n in odd]
        if parts:
            problems.append("%s's %s: %s" % (rsc, param, ", ".join(parts)))
            objects.append(rsc)
            fence_hit = fence_hit or fence
    if left:
        problems.append("left in the store, though the CIB no longer keeps them there (nothing reads them; delete them): "
                        + ", ".join("%s's %s on %s" % (key.split("/", 1)[0], key.split("/", 1)[1], _join(nodes))
                                    for key, nodes in sorted(left.items())))
        objects += sorted(set(key.split("/", 1)[0] for key in left))
    if not problems:
        return _passed("%d parameter%s kept in Pacemaker's secret store (%s), intact and the same on %s%s" % (
            len(wanted), "" if len(wanted) == 1 else "s", ", ".join("%s's %s" % (r, p) for r, p, _f in wanted),
            _join(sorted(known)), _unknown_suffix(unknown)))
    remedy = []
    if to_check:
        remedy = ["# rerun playbooks/site.yml: it writes the store on every node from its variables (cluster_cib_secrets)",
                  "# what Pacemaker finds on a node, without printing the value:"]
        remedy += ["cibsecret check %s %s  # on %s" % item for item in _uniq(to_check)][:6]
    if left:
        remedy.append("# a value left behind, on the node named (the value and its .sign; the CIB is not involved):")
        remedy += ["rm -f %s/%s %s/%s.sign  # on %s" % (cib_secrets.SECRETS_DIR, key, cib_secrets.SECRETS_DIR, key, _join(nodes))
                   for key, nodes in sorted(left.items())][:6]
    return _failed("Pacemaker's secret store differs from the CIB: %s%s" % ("; ".join(problems), _unknown_suffix(unknown)),
                   remedy, _uniq(objects), "critical" if fence_hit else "warning")
