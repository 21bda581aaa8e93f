# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report of failover drills (pure): the run's report checked, rendered for people and as files.

Part of the failover drill engine (docs/architecture.md lists the others).

- report_errors(report)           -> what render_markdown or the timelines cannot read, naming the key
- render_markdown(report, ...)    -> the report for people
- readable_log_line(line, ...)    -> a journal line with the time relative to the fault and in ISO 8601
- timeline_files(report, name)    -> the drills' timelines as SVG files
- report_texts(report, name)      -> every file of the report ({name: text}) and its Markdown

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.clusterops.ha.plugins.module_utils import report_html, timeline
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_plan import SPEC_ID
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time
from ansible_collections.clusterops.ha.plugins.module_utils.validate import shape


# The run's report, as the role builds it and render_markdown reads it.
REPORT_SHAPE = {"cluster?": "str", "started?": "str", "threshold": "number", "verdict?": "str", "drills": [{
    "id": "str", "description?": "str", "restore?": "str", "settled_s?": "number", "log_lines?": ["str"],
    "fault_at?": "number?",
    "expected?": {"*": {"expected_s": "number", "bound_s": "number", "terms": [{"term": "str", "s": "number"}]}},
    "result?": {"verdict?": "str", "services?": [{"service?": "str"}],
                "invariants?": [{"title": "str", "ok?": "bool", "detail": ["str"]}]}}]}


def report_errors(report):
    """Messages for a report that render_markdown or the timelines cannot read, naming the key."""
    errors = shape(report, REPORT_SHAPE, "report")
    if errors:
        return errors
    for i, d in enumerate(report["drills"]):
        if not SPEC_ID.fullmatch(d["id"]):  # it names the drill's picture file
            errors.append("report.drills[%d].id: %r is not a drill id (1-64 letters, digits, '.', '-' or '_', "
                          "beginning with a letter or digit)" % (i, d["id"]))
        tl = (d.get("result") or {}).get("timeline")
        if tl is not None:
            errors.extend(timeline.errors(tl, "report.drills[%d].result.timeline" % i))
    return errors


def _secs(value):
    return "-" if value is None else "%.1f" % value


def _count(value):
    return "unknown" if value is None else "%d" % value


def _writes_text(service, w):
    """One writer's line of a drill's section."""
    text = "Writes to %s: %d acknowledged, " % (_md(service), w["acknowledged"])
    if w["lost"] is None:
        text += "found and lost unknown (%s)" % _md(w.get("error") or "no read-back")
    else:
        text += "%d found afterwards, %s lost" % (w["found"], "**%d**" % w["lost"] if w["lost"] else "0")
        if w["lost"]:
            text += " (ids %s%s)" % (", ".join(str(i) for i in w.get("lost_ids") or []),
                                     ", ..." if w["lost"] > len(w.get("lost_ids") or []) else "")
    return text + "; %s s without an acknowledged write (no writable primary)." % _secs(w.get("without_writes_s"))


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


# A journal line in journalctl's short-unix format: seconds since the epoch, then the rest.
_EPOCH_LINE = re.compile(r"^(\d{9,11}(?:\.\d+)?) (.*)$")


def readable_log_line(line, fault_at=None):
    """A short-unix journal line for people: the time relative to the fault (+3.52 s, when it is known) and
    absolute in ISO 8601 with the zone, never the raw epoch. Other lines are returned as they are."""
    m = _EPOCH_LINE.match(line)
    if not m:
        return line
    t = float(m.group(1))
    relative = "" if fault_at is None else "%+.2f s " % (t - fault_at)
    return "%s%s %s" % (relative, iso_time(t), m.group(2))


def timeline_files(report, name):
    """The drills' timelines as SVG: {file name: SVG text}, one <name>-<drill id>.svg per drill that has one."""
    out = {}
    for d in report.get("drills") or []:
        tl = (d.get("result") or {}).get("timeline")
        if tl:
            out["%s-%s.svg" % (name, d["id"])] = timeline.render_svg(tl)
    return out


def render_markdown(report, pictures=None):
    """The drills' report for people: a summary table, then per drill its timeline (pictures: drill id ->
    the SVG file's name beside the report), invariants, terms and log lines."""
    pictures = pictures or {}
    out = ["# Failover drills: %s" % _md(report.get("cluster") or "cluster"), ""]
    out.append("Run %s; threshold %g x expected; verdict **%s**." % (
        _md(report.get("started") or "-"), report.get("threshold", 1.0), report.get("verdict", "-")))
    out += ["", "| drill | service | expected s | limit s | cluster s | client s | client failures | verdict |",
            "|---|---|---:|---:|---:|---:|---:|---|"]
    for d in report.get("drills") or []:
        rows = (d.get("result") or {}).get("services") or [{}]
        for r in rows:
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                _md(d["id"]), _md(r.get("service", "-")), _secs(r.get("expected_s")), _secs(r.get("limit_s")),
                _secs(r.get("cluster_s")), _secs(r.get("client_s")), r.get("client_failures", "-"),
                r.get("verdict", (d.get("result") or {}).get("verdict", "-"))))
    written = [(d, r) for d in report.get("drills") or [] for r in (d.get("result") or {}).get("services") or []
               if r.get("writes")]
    if written:
        out += ["", "Writes of the database client (acknowledged: the COMMIT returned; found: read back afterwards "
                    "through the VIP; without writes: the longest time between two acknowledged writes):", "",
                "| drill | service | acknowledged | found | lost | without writes s |", "|---|---|---:|---:|---:|---:|"]
        for d, r in written:
            w = r["writes"]
            out.append("| %s | %s | %d | %s | %s | %s |" % (
                _md(d["id"]), _md(r.get("service", "-")), w["acknowledged"], _count(w["found"]),
                "**%d**" % w["lost"] if w["lost"] else _count(w["lost"]), _secs(w["without_writes_s"])))
    for d in report.get("drills") or []:
        res = d.get("result") or {}
        out += ["", "## %s: %s" % (_md(d["id"]), _md(d.get("description", ""))), ""]
        fault_at = d.get("fault_at")
        if fault_at is not None:
            out.append("Fault at %s." % iso_time(fault_at))
        out.append("Verdict **%s**. Settled %s s after the fault; restore: %s." % (
            res.get("verdict", "-"), _secs(d.get("settled_s")), _md(d.get("restore", "-"))))
        for r in res.get("services") or []:
            if r.get("writes"):
                out += ["", _writes_text(r["service"], r["writes"])]
        if d["id"] in pictures:
            out += ["", "![timeline of %s](%s)" % (_md(d["id"]), pictures[d["id"]])]
        out += ["", "| invariant | holds | detail |", "|---|---|---|"]
        for inv in res.get("invariants") or []:
            holds = {True: "yes", False: "**no**", None: "unverified"}[inv["ok"]]
            out.append("| %s | %s | %s |" % (_md(inv["title"]), holds, _md("; ".join(inv["detail"]))))
        for name, exp in sorted((d.get("expected") or {}).items()):
            out += ["", "Expected for %s: %.1f s (worst case %.1f s)" % (_md(name), exp["expected_s"], exp["bound_s"]), ""]
            out += ["- %s: %g s" % (_md(t["term"]), t["s"]) for t in exp["terms"]]
        lines = d.get("log_lines") or []
        if lines:
            out += ["", ("Log lines (seconds after the fault, then the time in UTC):" if fault_at is not None
                         else "Log lines (time in UTC):"), "", "```"]
            out += [readable_log_line(ln, fault_at).replace("```", "'''") for ln in lines] + ["```"]
    return "\n".join(out) + "\n"


def report_texts(report, name):
    """({file name: text}, markdown): every file of the report - NAME.json (the data), NAME.md, NAME.html (the
    page with the pictures inlined) and NAME-DRILL.svg per drill with a timeline - and its Markdown."""
    svgs = timeline_files(report, name)
    pictures = dict((d["id"], "%s-%s.svg" % (name, d["id"])) for d in report.get("drills") or []
                    if "%s-%s.svg" % (name, d["id"]) in svgs)
    markdown = render_markdown(report, pictures)
    texts = {name + ".json": json.dumps(report, indent=2, sort_keys=True) + "\n", name + ".md": markdown,
             name + ".html": report_html.page("Failover drills: %s" % (report.get("cluster") or "cluster"), markdown, svgs)}
    texts.update(svgs)
    return texts, markdown
