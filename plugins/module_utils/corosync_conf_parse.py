# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""corosync.conf text into the model (pure): parse() reads a file the way corosync's own parser does.

Part of the corosync.conf engine (corosync_conf.py describes the model and lists the others).

- parse(text, source) -> the nested dict model, every scalar a string; CorosyncConfError names the line

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import KEYED_LISTS, MAX_LINE_BYTES, CorosyncConfError, strip


def parse(text, source=None):
    """Parse corosync.conf text into the nested dict model (all scalars are strings).

    Follows corosync's own parser (exec/coroparse.c parse_section()): a line whose first non-blank
    character is '#' is a comment (there are no trailing comments); a line with '{' opens a
    section; else a line with ':' is ``key: value`` (the value may contain ':'); else a line must
    be a lone '}'. Raises CorosyncConfError naming the line.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    root = {}
    # stack entries: (dict, chain of names, line where the section opened)
    stack = [(root, (), 0)]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lineno = 0
    for lineno, raw in enumerate(lines, 1):
        if raw.endswith("\r"):
            raw = raw[:-1]
        if len(raw.encode("utf-8")) > MAX_LINE_BYTES:
            raise CorosyncConfError("Line too long", lineno, source)
        line = strip(raw)
        if not line or line.startswith("#"):
            continue
        current, chain, _opened = stack[-1]
        if "{" in line:
            pos = line.index("{")
            name = line[:pos].rstrip(" \t:{").lstrip(" \t")
            after = strip(line[pos + 1:])
            if not name:
                raise CorosyncConfError("Missing section name before opening bracket '{'", lineno, source)
            if after:
                raise CorosyncConfError("Extra characters after opening bracket '{'", lineno, source)
            section = {}
            _add_section(current, chain, name, section, lineno, source)
            stack.append((section, chain + (name,), lineno))
            continue
        if ":" in line:
            pos = line.index(":")
            key = strip(line[:pos])
            value = strip(line[pos + 1:])
            if not key:
                raise CorosyncConfError("Empty key before ':'", lineno, source)
            _add_key(current, key, value, lineno, source)
            continue
        if "}" in line:
            if line != "}":
                raise CorosyncConfError("Extra characters before or after closing bracket '}'", lineno, source)
            if len(stack) == 1:
                raise CorosyncConfError("Unexpected closing brace", lineno, source)
            stack.pop()
            continue
        raise CorosyncConfError("Line is not opening or closing section or key value", lineno, source)
    if len(stack) > 1:
        _section, chain, opened = stack[-1]
        raise CorosyncConfError(
            "Missing closing brace (section '%s' opened at line %d)" % (".".join(chain), opened),
            lineno, source)
    return root


def _add_section(parent, chain, name, section, lineno, source):
    existing = parent.get(name)
    if existing is None:
        parent[name] = [section] if chain + (name,) in KEYED_LISTS else section
    elif isinstance(existing, dict):
        parent[name] = [existing, section]
    elif isinstance(existing, list) and all(isinstance(x, dict) for x in existing):
        existing.append(section)
    else:
        raise CorosyncConfError("'%s' is used both as a key and as a section" % name, lineno, source)


def _add_key(parent, key, value, lineno, source):
    existing = parent.get(key)
    if existing is None:
        parent[key] = value
    elif isinstance(existing, str):
        parent[key] = [existing, value]
    elif isinstance(existing, list) and all(isinstance(x, str) for x in existing):
        existing.append(value)
    else:
        raise CorosyncConfError("'%s' is used both as a section and as a key" % key, lineno, source)
