# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: comparing two exports object by object.

`compare(export(old), export(new))` lists what was created, updated or deleted, by kind and key, and a
before/after of only what changed; `comparable` is the form two objects of a kind are compared in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cib import DICT_KINDS, KINDS, key_of


def comparable(kind, obj):
    """The form two model objects are compared in: operation order does not matter."""
    if kind == "primitives" and obj.get("operations"):
        obj = dict(obj)
        obj["operations"] = sorted(obj["operations"], key=lambda o: sorted(o.items(), key=str))
    return obj


def compare(before, after):
    """Object-level changes between two exports, and a before/after of only what changed."""
    changes = []
    diff_before, diff_after = {}, {}
    for kind in KINDS:
        if kind in DICT_KINDS:
            b, a = before.get(kind) or {}, after.get(kind) or {}
            for name in sorted(set(b) | set(a)):
                if b.get(name) != a.get(name):
                    action = "created" if name not in b else ("deleted" if name not in a else "updated")
                    changes.append({"kind": kind, "id": name, "action": action})
                    if name in b:
                        diff_before.setdefault(kind, {})[name] = b[name]
                    if name in a:
                        diff_after.setdefault(kind, {})[name] = a[name]
            continue
        b = dict((key_of(kind, o), o) for o in before.get(kind) or [])
        a = dict((key_of(kind, o), o) for o in after.get(kind) or [])
        for key in sorted(set(b) | set(a), key=str):
            if key in b and key in a and comparable(kind, b[key]) == comparable(kind, a[key]):
                continue
            action = "created" if key not in b else ("deleted" if key not in a else "updated")
            changes.append({"kind": kind, "id": key, "action": action})
            if key in b:
                diff_before.setdefault(kind, []).append(b[key])
            if key in a:
                diff_after.setdefault(kind, []).append(a[key])
    return changes, {"before": diff_before, "after": diff_after}
