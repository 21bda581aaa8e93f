# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: crm_verify's lines on a candidate, and a primitive's params against its agent's metadata."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import xml.parsers.expat

from ansible_collections.clusterops.ha.plugins.module_utils.cib import KIND_OF


# crm_verify lines that mean a value was not understood, whatever their level: Pacemaker falls back to a
# default or ignores the setting, which is silent misbehaviour, so they are errors for the cib module.
UNPARSED_VALUE = re.compile(r"(is invalid|could not be parsed|cannot be parsed|not a valid|invalid value|"
                            r"Invalid .*value|unparseable|doesn't allow value|Ignoring .* because|"
                            r"does not exist|not found)", re.IGNORECASE)


def element_lines(xml_text):
    """[(line, tag, id)] of every element with an id, in document order (for crm_verify's line numbers)."""
    out = []
    parser = xml.parsers.expat.ParserCreate()

    def start(tag, attrs):
        out.append((parser.CurrentLineNumber, tag, attrs.get("id") or attrs.get("name")))

    parser.StartElementHandler = start
    try:
        parser.Parse(xml_text, True)
    except xml.parsers.expat.ExpatError:
        pass
    return out


_LINE_RE = re.compile(r"^[^:\s]+\.xml:(\d+):\s*element (\S+):")
_OPTION_RE = re.compile(r"cluster option '([^']+)'")


def explain_verify(lines, xml_text):
    """crm_verify's lines with the object each one is about in front ("locations l1: ..."), from the
    line number of a schema error or the option or id the message names."""
    elements = element_lines(xml_text)
    ids = {}
    for _line, tag, ident in elements:
        if ident and tag in KIND_OF:
            ids.setdefault(ident, KIND_OF[tag])
    out = []
    for line in lines:
        label = None
        m = _LINE_RE.match(line)
        if m:
            number, tag = int(m.group(1)), m.group(2)
            for at, etag, ident in elements:
                if at > number:
                    break
                if etag == tag and ident:
                    label = "%s %s" % (KIND_OF.get(tag, tag), ident)
        m = _OPTION_RE.search(line)
        if label is None and m:
            label = "properties.%s" % m.group(1)
        if label is None:
            for ident in re.findall(r"[A-Za-z_][A-Za-z0-9_.-]*", line):
                if ident in ids and len(ident) > 2:
                    label = "%s %s" % (ids[ident], ident)
                    break
        out.append("%s: %s" % (label, line) if label else line)
    return out


# Parameters Pacemaker's fencer takes for every stonith device (not in the agents' metadata).
FENCER_PARAMS = re.compile(r"^(pcmk_.*|priority|provides)$")


def check_params(rid, agent, params, metadata):
    """Problems with a primitive's params against its agent's metadata (empty when fine)."""
    problems = []
    given = set(params or {})
    for name, info in sorted(metadata.items()):
        if info["required"] and not info["deprecated"] and name not in given:
            replaced = [n for n, i in metadata.items() if i.get("obsoletes") == name]
            alias = [info["obsoletes"]] if info.get("obsoletes") else []
            if not given.intersection(replaced + alias):
                problems.append("primitives %s: agent %s requires parameter %s" % (rid, agent, name))
    unknown = sorted(n for n in given if n not in metadata and not
                     (agent.startswith("stonith:") and FENCER_PARAMS.match(n)))
    if unknown:
        problems.append("primitives %s: agent %s has no parameter %s (it takes: %s)" % (
            rid, agent, ", ".join(unknown), ", ".join(sorted(metadata)) or "none"))
    return problems
