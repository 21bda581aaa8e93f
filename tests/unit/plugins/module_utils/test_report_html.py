# -*- coding: utf-8 -*-
"""Unit tests for the HTML page of a report (module_utils/report_html.py): the Markdown the reports write
becomes HTML, pictures are inlined, and nothing on the page reaches outside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import report_html as rh

MD = """# Failover drills: lab

Run 2026-12-04T10:00:00+00:00; verdict **pass**.

| drill | service | expected s | verdict |
|---|---|---:|---|
| 01-crash | site \\| web | 19.8 | pass |

## 01-crash: crash node2

![timeline of 01-crash](r-01-crash.svg)

- fencing: `reboot` 3 s
- other <b>

```
+1.61 s 2026-12-04T10:00:01.610+00:00 node1 pacemaker-fenced: <tag> & more
```

![elsewhere](other.png)
"""
SVG = '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>\n'


def test_markdown_subset():
    body = rh.markdown_to_html(MD, {"r-01-crash.svg": SVG})
    assert "<h1>Failover drills: lab</h1>" in body
    assert "<h2>01-crash: crash node2</h2>" in body
    assert "verdict <strong>pass</strong>." in body
    assert '<th class="r">expected s</th>' in body and '<td class="r">19.8</td>' in body
    assert "<td>site | web</td>" in body
    assert "<li>fencing: <code>reboot</code> 3 s</li>" in body and "<li>other &lt;b&gt;</li>" in body
    assert "<pre><code>+1.61 s 2026-12-04T10:00:01.610+00:00 node1 pacemaker-fenced: &lt;tag&gt; &amp; more</code></pre>" in body
    assert '<figure aria-label="timeline of 01-crash"><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>' in body
    assert "<?xml" not in body
    assert '<p><img alt="elsewhere" src="other.png"></p>' in body


def test_page_is_self_contained():
    page = rh.page("Drills <lab>", MD, {"r-01-crash.svg": SVG}, footer="written by clusterops.ha")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Drills &lt;lab&gt;</title>" in page
    assert "<script" not in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert "<footer>written by clusterops.ha</footer>" in page


def test_mermaid_kept_as_text():
    body = rh.markdown_to_html("```mermaid\nflowchart LR\n  a --> b\n```\n")
    assert body == '<pre><code class="language-mermaid">flowchart LR\n  a --&gt; b</code></pre>'
