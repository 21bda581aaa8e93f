# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The living documentation's Mermaid map: the map (cluster_doc_map.cluster_map()) as a Mermaid flowchart.

The page (cluster_doc_markdown) embeds it in a ```mermaid block: Git forges show it as a picture, with nothing
installed. Mermaid ids are made here, never taken from the cluster; everything user-controlled is in quoted
labels, with every character Mermaid or HTML could read as syntax written as an entity code (mermaid_label()).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_map import (
    STATE_COLORS,
    cluster_map,
    instance_lines,
    instance_look,
    node_lines,
    ticket_lines,
)

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
        return "%s%s[%s]" % (indent, ident(inst), _mermaid_lines(*instance_lines(inst)))

    out = ["flowchart TB",
           "  subgraph c0[%s]" % mermaid_label("Cluster %s" % (c["name"] or "(unnamed)")),
           "    direction TB"]
    node_styles = []
    groups = 0
    for i, entry in enumerate(drawing["nodes"], 1):
        n = entry["node"]
        out.append("    subgraph n%d[%s]" % (i, _mermaid_lines(*node_lines(n))))
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
        out.append("    t%d[%s]" % (t["index"], _mermaid_lines(*ticket_lines(t["ticket"]))))
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
