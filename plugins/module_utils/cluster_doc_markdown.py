# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The living documentation's page: the model (cluster_doc_model.build_model()) as GitHub-flavoured Markdown.

render_markdown() writes the summary, the map (cluster_doc_mermaid.render_mermaid() in a ```mermaid block),
nodes, virtual IPs, resources, storage, constraints, tickets, quorum and totem, fencing, the licensing counts
and the audit trail. Everything user-controlled is escaped for Markdown table cells and list items (md()).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_mermaid import render_mermaid

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md(text):
    """Text safe inside a Markdown table cell or list item: one line, specials escaped, no HTML."""
    if text is None:
        return ""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def _secs_text(ms):
    if ms is None:
        return "unknown"
    return "%s s" % ("%.3f" % (ms / 1000.0)).rstrip("0").rstrip(".") if ms % 1000 else "%d s" % (ms // 1000)


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
