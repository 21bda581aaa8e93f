# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timelines as pictures: one lane per node, service or client, spans of states, and marked moments.

Pure: a timeline (plain data, TIMELINE_SHAPE) in, SVG text out. The engines that know what happened
build the timeline (failover_drill_timeline.build_timeline() for a drill); this module only draws it, the same
way for every report, so that every picture the collection makes reads the same.

A timeline's times are seconds relative to its zero (t0, Unix seconds: the fault of a drill), so the
picture says "+3.5 s" and the report can say when in ISO 8601. Each span has a kind; STYLES says how
each kind looks and what the legend calls it. A span with band=True is drawn as a thin stripe at the
bottom of its lane, over the main span (a node's own view in the lane, the cluster's view of it in the
band). Marks are vertical lines (the fault, when the cluster noticed, fencing, recovery, the expected
and the limit time); each carries a number at its top and a line in the legend below the lanes, so
labels never overlap however close the moments are.

Everything user-controlled (names, labels) is escaped for XML. Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import math

from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, shape

# What a timeline holds (checked before drawing; a report's data comes back from JSON files).
TIMELINE_SHAPE = {"title": "str", "t0": "number?", "start_s": "number", "end_s": "number",
                  "lanes": [{"group": "str", "name": "str",
                             "spans": [{"from": "number", "to": "number", "kind": "str", "label?": "str?",
                                        "band?": "bool?"}]}],
                  "marks": [{"s": "number", "kind": "str", "label": "str"}]}

# kind -> (fill colour, legend text). One table for every timeline.
STYLES = {
    "quorate": ("#6cc070", "node up, in the quorate partition"),
    "no-quorum": ("#f0a030", "node up, without quorum"),
    "stack-down": ("#b0b0b0", "cluster stack not answering on the node"),
    "silent": ("#7a1f1f", "no word from the node (down, hung or cut off)"),
    "out": ("#d62728", "not a member, as the quorate side sees it"),
    "standby": ("#9ecae1", "node in standby"),
    "runs": ("#3c78b4", "service running (where: in the span)"),
    "degraded": ("#8fb3d9", "clone running on fewer nodes than it should"),
    "stopped": ("#e8e8e8", "service not running"),
    "answered": ("#6cc070", "client answered"),
    "refused": ("#d62728", "client not answered"),
    "phase": ("#c7b3e0", "phase of the run"),
}
# Mark kind -> (line colour, dash pattern or "").
MARK_STYLES = {
    "fault": ("#d62728", ""),
    "noticed": ("#f0a030", "4 3"),
    "fence": ("#7a1f1f", "2 2"),
    "recovered": ("#3c78b4", ""),
    "client": ("#2ca02c", ""),
    "expected": ("#2ca02c", "6 4"),
    "limit": ("#d62728", "6 4"),
    "settled": ("#606060", "1 3"),
    "event": ("#606060", "3 3"),
}
GROUP_TITLES = (("node", "Nodes"), ("service", "Services"), ("client", "Clients"), ("phase", "Phases"))

WIDTH = 1000
LABEL_W = 190
RIGHT = 20
LANE_H = 22
LANE_GAP = 6
BAND_H = 5
TOP = 44
_NICE_STEPS = (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def errors(timeline, field="timeline"):
    """The problems with a timeline's data, each naming the field; [] when it can be drawn."""
    out = shape(timeline, TIMELINE_SHAPE, field)
    if out:
        return out
    if timeline["end_s"] <= timeline["start_s"]:
        out.append("%s.end_s: %r is not after start_s %r" % (field, timeline["end_s"], timeline["start_s"]))
    for i, lane in enumerate(timeline["lanes"]):
        for j, span in enumerate(lane["spans"]):
            if span["kind"] not in STYLES:
                out.append("%s.lanes[%d].spans[%d].kind: %r is not one of %s" % (
                    field, i, j, span["kind"], ", ".join(sorted(STYLES))))
    for i, mark in enumerate(timeline["marks"]):
        if mark["kind"] not in MARK_STYLES:
            out.append("%s.marks[%d].kind: %r is not one of %s" % (field, i, mark["kind"], ", ".join(sorted(MARK_STYLES))))
    return out


def spans(points, end):
    """Consecutive (t, kind, label) points -> spans [{from, to, kind, label}] with equal neighbours merged;
    each span lasts until the next point, the last one until end. Points with kind None leave a gap."""
    out = []
    pts = sorted(points, key=lambda p: p[0])
    for i, (t, kind, label) in enumerate(pts):
        nxt = pts[i + 1][0] if i + 1 < len(pts) else end
        if kind is None or nxt <= t:
            continue
        if out and out[-1]["kind"] == kind and out[-1].get("label") == label and abs(out[-1]["to"] - t) < 1e-9:
            out[-1]["to"] = round(nxt, 2)
            continue
        span = {"from": round(t, 2), "to": round(nxt, 2), "kind": kind}
        if label:
            span["label"] = label
        out.append(span)
    return out


def iso_time(epoch):
    """ISO 8601 in UTC, with the zone, to the millisecond: 2026-11-25T04:29:53.412+00:00. Every report's times."""
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).isoformat(timespec="milliseconds")


def xml_escape(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def x_of(timeline, s):
    """The x coordinate of a moment (seconds from t0) in the drawn picture."""
    span = float(timeline["end_s"] - timeline["start_s"]) or 1.0
    s = min(max(s, timeline["start_s"]), timeline["end_s"])
    return round(LABEL_W + (s - timeline["start_s"]) / span * (WIDTH - LABEL_W - RIGHT), 1)


def tick_step(length_s, most=12):
    """The smallest nice step that puts at most `most` ticks on an axis this long."""
    for step in _NICE_STEPS:
        if length_s / step <= most:
            return step
    return float(math.ceil(length_s / most / 3600.0) * 3600)


def _fmt_s(s):
    """A moment as the reports write it: +3.52 s after the zero."""
    return "%+.2f s" % s


def _fmt_tick(s):
    return ("%+.1f s" % s) if abs(s - round(s)) > 1e-9 else ("%+d s" % int(round(s)))


def _ordered_lanes(lanes):
    order = dict((g, i) for i, (g, _t) in enumerate(GROUP_TITLES))
    return sorted(enumerate(lanes), key=lambda il: (order.get(il[1]["group"], len(order)), il[0]))


def render_svg(timeline):
    """The timeline as a standalone SVG document (text). Raises ValidationError on data it cannot draw."""
    problems = errors(timeline)
    if problems:
        raise ValidationError("timeline", None, "; ".join(problems))
    t = timeline
    lanes = [lane for _i, lane in _ordered_lanes(t["lanes"])]
    marks = sorted(t["marks"], key=lambda m: (m["s"], m["kind"]))
    out_h = TOP + len(lanes) * (LANE_H + LANE_GAP) + 12 * len(set(ln["group"] for ln in lanes))
    axis_y = out_h + 4
    legend_kinds = []
    for lane in lanes:
        for sp in lane["spans"]:
            if sp["kind"] not in legend_kinds:
                legend_kinds.append(sp["kind"])
    legend_y = axis_y + 30
    height = legend_y + 18 * (len(legend_kinds) + len(marks)) + 16
    body = []
    body.append('<text x="10" y="20" class="title">%s</text>' % xml_escape(t["title"]))
    # axis and grid
    step = tick_step(t["end_s"] - t["start_s"])
    first = math.ceil(t["start_s"] / step) * step
    tick = first
    while tick <= t["end_s"] + 1e-9:
        x = x_of(t, tick)
        body.append('<line class="grid" x1="%s" y1="%d" x2="%s" y2="%d"/>' % (x, TOP - 6, x, axis_y))
        body.append('<text class="tick" x="%s" y="%d" text-anchor="middle">%s</text>' % (x, axis_y + 14, _fmt_tick(tick)))
        tick = round(tick + step, 6)
    # lanes
    y = TOP
    group = None
    for lane in lanes:
        if lane["group"] != group:
            group = lane["group"]
            title = dict(GROUP_TITLES).get(group, group)
            body.append('<text class="group" x="10" y="%d">%s</text>' % (y + 8, xml_escape(title)))
            y += 12
        body.append('<g class="lane" data-group="%s" data-name="%s">' % (xml_escape(lane["group"]), xml_escape(lane["name"])))
        body.append('<text class="name" x="%d" y="%d" text-anchor="end">%s</text>' % (
            LABEL_W - 8, y + LANE_H // 2 + 4, xml_escape(lane["name"])))
        body.append('<rect class="empty" x="%d" y="%d" width="%d" height="%d"/>' % (
            LABEL_W, y, WIDTH - LABEL_W - RIGHT, LANE_H))
        for sp in sorted(lane["spans"], key=lambda s: bool(s.get("band"))):
            x1, x2 = x_of(t, sp["from"]), x_of(t, sp["to"])
            w = max(round(x2 - x1, 1), 0.8)
            fill = STYLES[sp["kind"]][0]
            top, h = (y + LANE_H - BAND_H, BAND_H) if sp.get("band") else (y, LANE_H)
            tip = "%s %s to %s%s" % (sp["kind"], _fmt_s(sp["from"]), _fmt_s(sp["to"]),
                                     (": " + sp["label"]) if sp.get("label") else "")
            body.append('<rect class="span %s" x="%s" y="%d" width="%s" height="%d" fill="%s" data-from="%.2f" '
                        'data-to="%.2f"><title>%s</title></rect>' % (
                            xml_escape(sp["kind"]), x1, top, w, h, fill, sp["from"], sp["to"], xml_escape(tip)))
            if sp.get("label") and not sp.get("band") and w > 7 * len(sp["label"]) + 6:
                body.append('<text class="label" x="%s" y="%d">%s</text>' % (
                    round(x1 + 4, 1), y + LANE_H // 2 + 4, xml_escape(sp["label"])))
        body.append('</g>')
        y += LANE_H + LANE_GAP
    # marks, numbered at the top, explained in the legend
    for n, m in enumerate(marks, 1):
        x = x_of(t, m["s"])
        colour, dash = MARK_STYLES[m["kind"]]
        body.append('<g class="mark" data-kind="%s" data-s="%.2f"><line x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s"%s '
                    'stroke-width="1.5"/><text class="num" x="%s" y="%d" text-anchor="middle" fill="%s">%d</text>'
                    '<title>%s</title></g>' % (
                        xml_escape(m["kind"]), m["s"], x, TOP - 4, x, axis_y, colour,
                        (' stroke-dasharray="%s"' % dash) if dash else "", x, TOP - 8, colour, n,
                        xml_escape("%s %s" % (_fmt_s(m["s"]), m["label"]))))
    # legend
    y = legend_y
    for kind in legend_kinds:
        body.append('<rect x="10" y="%d" width="14" height="12" fill="%s"/><text class="legend" x="30" y="%d">%s</text>' % (
            y - 10, STYLES[kind][0], y, xml_escape(STYLES[kind][1])))
        y += 18
    for n, m in enumerate(marks, 1):
        colour = MARK_STYLES[m["kind"]][0]
        body.append('<text class="legend" x="10" y="%d"><tspan fill="%s" font-weight="bold">%d</tspan>  %s  %s</text>' % (
            y, colour, n, _fmt_s(m["s"]), xml_escape(m["label"])))
        y += 18
    style = ("text{font-family:sans-serif;font-size:12px;fill:#222}.title{font-size:15px;font-weight:bold}"
             ".group{font-size:11px;font-weight:bold;fill:#555}.tick{font-size:10px;fill:#555}"
             ".grid{stroke:#ddd;stroke-width:1}.empty{fill:#fafafa;stroke:#ddd}.label{fill:#fff;font-size:11px}"
             ".num{font-size:11px;font-weight:bold}")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
            'aria-label="%s">\n<style>%s</style>\n<rect width="100%%" height="100%%" fill="#fff"/>\n%s\n</svg>\n' % (
                WIDTH, height, WIDTH, height, xml_escape(t["title"]), style, "\n".join(body)))
