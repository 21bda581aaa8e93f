# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: desired objects (the cib module's input, state already removed) in model form.

`normalize(kind, obj)` gives an object the shape `export` reads from the CIB (string values, empty
optionals dropped, an interval on every operation); `default_constraint_id` names a constraint given
without an id.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cib import (
    CONSTRAINT_KINDS,
    SET_ATTRS,
    compact,
    make_id,
    scalar,
)


def _nvdict(value):
    """Normalise a name -> value mapping: string values, None dropped."""
    out = {}
    for k, v in (value or {}).items():
        if v is not None:
            out[str(k)] = scalar(v)
    return out


def _ops(ops):
    out = []
    for op in ops or []:
        item = {}
        for k, v in op.items():
            if k == "params":
                if v:
                    item["params"] = _nvdict(v)
            elif v is not None:
                item[k.replace("-", "_")] = scalar(v)
        if "interval" not in item:
            item["interval"] = "0s"
        out.append(item)
    return out


def _sets(sets):
    out = []
    for s in sets or []:
        item = {"resources": [str(r) for r in s.get("resources") or []]}
        for a in SET_ATTRS:
            k = a.replace("-", "_")
            if s.get(k) is not None:
                item[k] = scalar(s[k])
        out.append(item)
    return out


def _rules(rules):
    out = []
    for r in rules or []:
        item = {}
        for k in ("score", "score_attribute", "boolean_op", "role"):
            if r.get(k) is not None:
                item[k] = scalar(r[k])
        item["expressions"] = [
            dict((k, scalar(v)) for k, v in e.items() if v is not None) for e in r.get("expressions") or []
        ]
        item["date_expressions"] = [
            dict((k, scalar(v)) for k, v in e.items() if v is not None)
            for e in r.get("date_expressions") or []
        ]
        out.append(compact(item))
    return out


_CONSTRAINT_KEYS = {
    "locations": ("resource", "resource_pattern", "node", "score", "role", "resource_discovery"),
    "colocations": ("resource", "with", "score", "resource_role", "with_role", "node_attribute"),
    "orders": ("first", "then", "kind", "symmetrical", "first_action", "then_action"),
    "tickets": ("ticket", "resource", "loss_policy", "role"),
}


def default_constraint_id(kind, obj):
    if kind == "locations":
        return make_id("location", obj.get("resource") or obj.get("resource_pattern"),
                       obj.get("node") or ("rule" if obj.get("rules") else None))
    if kind == "colocations":
        return make_id("colocation", obj.get("resource"), obj.get("with"))
    if kind == "orders":
        return make_id("order", obj.get("first"), obj.get("then"))
    return make_id("ticket", obj.get("ticket"), obj.get("resource"))


def normalize(kind, obj):
    """One desired object (module input, state already removed) in model form."""
    if kind == "primitives":
        return compact({
            "id": obj["id"], "agent": obj.get("agent"), "params": _nvdict(obj.get("params")),
            "meta": _nvdict(obj.get("meta")), "utilization": _nvdict(obj.get("utilization")),
            "operations": _ops(obj.get("operations")),
        })
    if kind == "groups":
        return compact({"id": obj["id"], "members": [str(m) for m in obj.get("members") or []],
                        "meta": _nvdict(obj.get("meta"))})
    if kind == "clones":
        return compact({"id": obj["id"], "member": obj.get("member"), "meta": _nvdict(obj.get("meta"))})
    if kind in CONSTRAINT_KINDS:
        out = {"id": obj.get("id") or default_constraint_id(kind, obj)}
        for k in _CONSTRAINT_KEYS[kind]:
            if obj.get(k) is not None:
                out[k] = scalar(obj[k])
        if kind == "colocations" and "score" not in out and not obj.get("sets"):
            out["score"] = "INFINITY"  # a pair must run together unless a score says otherwise
        out["sets"] = _sets(obj.get("sets"))
        if kind == "locations":
            out["rules"] = _rules(obj.get("rules"))
        return compact(out)
    if kind == "tags":
        return {"id": obj["id"], "members": [str(m) for m in obj.get("members") or []]}
    if kind == "acl_roles":
        perms = []
        for p in obj.get("permissions") or []:
            perms.append(dict((k, scalar(v)) for k, v in p.items() if v is not None))
        return compact({"id": obj["id"], "description": obj.get("description"), "permissions": perms})
    if kind in ("acl_targets", "acl_groups"):
        return compact({"id": obj["id"], "roles": [str(r) for r in obj.get("roles") or []]})
    if kind == "alerts":
        recipients = []
        for r in obj.get("recipients") or []:
            recipients.append(compact({
                "value": scalar(r.get("value")), "description": r.get("description"),
                "params": _nvdict(r.get("params")), "meta": _nvdict(r.get("meta")),
            }))
        return compact({
            "id": obj["id"], "path": obj.get("path"), "description": obj.get("description"),
            "params": _nvdict(obj.get("params")), "meta": _nvdict(obj.get("meta")),
            "select": list(obj.get("select") or []),
            "select_attributes": list(obj.get("select_attributes") or []),
            "recipients": recipients,
        })
    if kind == "fencing_levels":
        return {"target": str(obj["target"]), "index": scalar(obj["index"]),
                "devices": [str(d) for d in obj.get("devices") or []]}
    if kind == "nodes":
        return obj
    raise ValueError(kind)
