# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model as corosync.conf text (pure): the same meaning gives the same bytes on every node.

Part of the corosync.conf engine (corosync_conf.py describes the model and lists the others).

- render(config)   -> canonical corosync.conf text under a header that marks it as managed
- is_managed(text) -> whether a file was written by this collection (its header)

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import (
    KEY_RE,
    MAX_LINE_BYTES,
    CorosyncConfError,
    normalize,
    value_problem,
)

MANAGED_MARKER = "Managed by clusterops.ha"
HEADER = ("# %s (corosync_config module): local edits are replaced on the next run. "
          "See corosync.conf(5)." % MANAGED_MARKER)

INDENT = "    "


def render(config):
    """Canonical corosync.conf text for config: same input meaning, same bytes, on every node."""
    norm = normalize(config)
    out = [HEADER]
    for key, value in norm.items():
        if isinstance(value, (dict, list)) and not _is_value_list(value):
            for sect in (value if isinstance(value, list) else [value]):
                out.append("")
                _render_section(out, key, sect, (key,), 0)
        else:
            _render_key(out, key, value, (key,), 0)
    return "\n".join(out) + "\n"


def _is_value_list(value):
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _check_name(name, chain):
    if not KEY_RE.match(name):
        raise CorosyncConfError("%s: %r is not a valid corosync key or section name" % (".".join(chain), name))


def _emit(out, line, chain):
    if len(line.encode("utf-8")) > MAX_LINE_BYTES:
        raise CorosyncConfError("%s: line longer than %d bytes" % (".".join(chain), MAX_LINE_BYTES))
    out.append(line)


def _render_key(out, key, value, chain, depth):
    _check_name(key, chain)
    for v in (value if isinstance(value, list) else [value]):
        bad = value_problem(v)
        if bad:
            raise CorosyncConfError("%s: %r %s" % (".".join(chain), v, bad))
        _emit(out, ("%s%s: %s" % (INDENT * depth, key, v)).rstrip(" "), chain)


def _render_section(out, name, sect, chain, depth):
    _check_name(name, chain)
    _emit(out, "%s%s {" % (INDENT * depth, name), chain)
    previous_was_section = False
    for key, value in sect.items():
        sub = chain + (key,)
        if isinstance(value, (dict, list)) and not _is_value_list(value):
            for item in (value if isinstance(value, list) else [value]):
                if previous_was_section:
                    out.append("")
                _render_section(out, key, item, sub, depth + 1)
                previous_was_section = True
        else:
            _render_key(out, key, value, sub, depth + 1)
    out.append("%s}" % (INDENT * depth))


def is_managed(text):
    """True when text was written by this collection (its first line carries the marker)."""
    if not text:
        return False
    first = text.lstrip("\n").split("\n", 1)[0]
    return first.startswith("#") and MANAGED_MARKER in first
