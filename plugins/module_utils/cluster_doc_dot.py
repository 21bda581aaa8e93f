# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The living documentation's Graphviz diagram: the map (cluster_doc_map.cluster_map()) as DOT.

Everything user-controlled (ids, parameters, node names, addresses) is written as DOT quoted strings
(dot_string()).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_map import (
    STATE_COLORS,
    cluster_map,
    instance_lines,
    instance_look,
    node_lines,
    ticket_lines,
)


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


# The DOT attributes of each look.
# A ticket granted here, and one that is not.
DOT_TICKET_LOOKS = {True: "shape=note, style=filled, fillcolor=palegreen", False: "shape=note, style=\"filled,dashed\", fillcolor=grey90"}
DOT_LOOKS = {"vip": "shape=box, style=\"rounded,filled,bold\", fillcolor=gold", "fence": "fillcolor=lightpink",
             "failed": "fillcolor=salmon", "rsc": "fillcolor=lightblue",
             "stopped": "fillcolor=grey90, fontcolor=grey30, style=\"rounded,filled,dashed\""}


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
        return "%s%s [label=%s, %s];" % (indent, ident(inst), _dot_label(*instance_lines(inst)), DOT_LOOKS[instance_look(inst)])

    for entry in drawing["nodes"]:
        n = entry["node"]
        out.append("  subgraph %s {" % _nid("cluster_node", n["name"]))
        out.append("    label=%s; style=rounded; color=%s; penwidth=2;" % (
            _dot_label(*node_lines(n)), STATE_COLORS.get(n["state"], "grey")))
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
        out.append("  %s [label=%s, %s];" % (tid, _dot_label(*ticket_lines(t["ticket"])),
                                             DOT_TICKET_LOOKS[t["ticket"]["granted"]]))
        for inst in t["guards"]:
            line = "  %s -> %s [style=dotted, color=darkgreen, label=%s];" % (tid, ident(inst), _dot_label("needs"))
            if line not in seen:
                out.append(line)
                seen.add(line)
    out.append("}")
    return "\n".join(out) + "\n"
