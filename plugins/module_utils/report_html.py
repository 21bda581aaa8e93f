# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One self-contained HTML page from a report's Markdown, for a change ticket or a browser.

Pure: Markdown text in, HTML text out. The Markdown stays the source of truth; this turns the subset the
collection's own reports are written in into HTML: headings, paragraphs, tables (with the alignment row),
lists, fenced code blocks (a ```mermaid block is kept as its text, since the page runs no scripts), bold,
inline code and images. An image whose file is given in `images` (name -> SVG text) is inlined, so the page
needs nothing beside it; any other image stays a link. Everything else is escaped: the page has no script,
no external style sheet and no remote reference of any kind.

Standard library only, Python 3.8 syntax at most.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.timeline import xml_escape

_CSS = ("body{font-family:sans-serif;max-width:1060px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
        "h1{font-size:1.6em;border-bottom:2px solid #3c78b4;padding-bottom:.2em}h2{font-size:1.3em;margin-top:1.6em}"
        "h3{font-size:1.1em}table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:.25em .6em}"
        "th{background:#eef3f8}td.r,th.r{text-align:right}pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;"
        "overflow-x:auto;font-size:.85em}code{font-family:monospace}figure{margin:1em 0}svg{max-width:100%;height:auto}"
        "footer{margin-top:2em;font-size:.8em;color:#777}")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _svg_inline(svg_text):
    """An SVG document's text without its XML declaration, to sit inside HTML."""
    return re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg_text)


def _inline(text):
    """Bold and inline code in one line of text, everything else escaped."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if len(part) > 1 and part.startswith("`") and part.endswith("`"):
            out.append("<code>%s</code>" % xml_escape(part[1:-1]))
        else:
            out.append(_BOLD.sub(r"<strong>\1</strong>", xml_escape(part).replace("\\|", "|")))
    return "".join(out)


def _cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def _table(lines):
    head = _cells(lines[0])
    rule = _cells(lines[1])
    right = [c.endswith(":") for c in rule]

    def cls(i):
        return ' class="r"' if i < len(right) and right[i] else ""

    out = ["<table>", "<tr>" + "".join("<th%s>%s</th>" % (cls(i), _inline(c)) for i, c in enumerate(head)) + "</tr>"]
    for ln in lines[2:]:
        out.append("<tr>" + "".join("<td%s>%s</td>" % (cls(i), _inline(c)) for i, c in enumerate(_cells(ln))) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def markdown_to_html(text, images=None):
    """The body of the page (HTML) for the Markdown subset the reports use."""
    images = images or {}
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("```"):
            lang = ln[3:].strip()
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            cls = (' class="language-%s"' % xml_escape(lang)) if lang else ""
            out.append("<pre><code%s>%s</code></pre>" % (cls, xml_escape("\n".join(lines[i + 1:j]))))
            i = j + 1
            continue
        m = re.match(r"^(#{1,4}) (.*)$", ln)
        if m:
            n = len(m.group(1))
            out.append("<h%d>%s</h%d>" % (n, _inline(m.group(2)), n))
            i += 1
            continue
        if ln.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        if re.match(r"^\s*[-*] ", ln):
            items = []
            while i < len(lines) and re.match(r"^\s*[-*] ", lines[i]):
                items.append("<li>%s</li>" % _inline(re.sub(r"^\s*[-*] ", "", lines[i])))
                i += 1
            out.append("<ul>%s</ul>" % "".join(items))
            continue
        m = _IMAGE.fullmatch(ln.strip())
        if m:
            alt, src = m.group(1), m.group(2)
            if src in images:
                out.append('<figure aria-label="%s">%s</figure>' % (xml_escape(alt), _svg_inline(images[src])))
            else:
                out.append('<p><img alt="%s" src="%s"></p>' % (xml_escape(alt), xml_escape(src)))
            i += 1
            continue
        if not ln.strip():
            i += 1
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not lines[i].startswith(("```", "#", "|")) \
                and not re.match(r"^\s*[-*] ", lines[i]) and not _IMAGE.fullmatch(lines[i].strip()):
            para.append(_inline(lines[i]))
            i += 1
        out.append("<p>%s</p>" % "\n".join(para))
    return "\n".join(out)


def page(title, markdown, images=None, footer=None):
    """A whole HTML document: the title, inline CSS, the Markdown as HTML, the images inlined."""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>%s</title>\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>%s</style>\n</head>\n<body>\n'
            '%s\n%s</body>\n</html>\n' % (xml_escape(title), _CSS, markdown_to_html(markdown, images),
                                          ("<footer>%s</footer>\n" % xml_escape(footer)) if footer else ""))
