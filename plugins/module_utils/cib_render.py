# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: rendering model objects into CIB elements.

`render(kind, obj)` builds the element of one model object; sub-element ids (nvpairs, operations,
rules, sets, permissions, recipients) are generated deterministically with make_id.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.cib import CONSTRAINT_KINDS, SET_ATTRS, TAG_OF, make_id


def _hyphen(key):
    return str(key).replace("_", "-")


def sub(parent, tag, attrib=None):
    el = ET.SubElement(parent, tag)
    for k, v in (attrib or {}).items():
        if v is not None:
            el.set(k, v)
    return el


def render_nvset(parent, tag, set_id, values):
    if not values:
        return None
    nvset = sub(parent, tag, {"id": set_id})
    for name in values:
        sub(nvset, "nvpair", {"id": make_id(set_id, name), "name": name, "value": values[name]})
    return nvset


def render_primitive(obj):
    parts = obj["agent"].split(":")
    attrib = {"id": obj["id"], "class": parts[0]}
    if len(parts) == 3:
        attrib["provider"], attrib["type"] = parts[1], parts[2]
    else:
        attrib["type"] = parts[-1]
    el = ET.Element("primitive", attrib)
    rid = obj["id"]
    render_nvset(el, "instance_attributes", rid + "-instance_attributes", obj.get("params"))
    render_nvset(el, "meta_attributes", rid + "-meta_attributes", obj.get("meta"))
    render_nvset(el, "utilization", rid + "-utilization", obj.get("utilization"))
    if obj.get("operations"):
        ops = sub(el, "operations")
        for op in obj["operations"]:
            op_id = make_id(rid, op["name"], "interval", op["interval"], op.get("role"))
            attrs = dict((_hyphen(k), v) for k, v in op.items() if k != "params")
            attrs["id"] = op_id
            op_el = sub(ops, "op", attrs)
            render_nvset(op_el, "instance_attributes", op_id + "-instance_attributes", op.get("params"))
    return el


def _render_sets(el, cid, sets):
    for i, s in enumerate(sets or []):
        attrs = {"id": make_id(cid, "set", i + 1)}
        for a in SET_ATTRS:
            if s.get(a.replace("-", "_")) is not None:
                attrs[a] = s[a.replace("-", "_")]
        s_el = sub(el, "resource_set", attrs)
        for r in s["resources"]:
            sub(s_el, "resource_ref", {"id": r})


def render_constraint(kind, obj):
    names = {
        "locations": {"resource": "rsc", "resource_pattern": "rsc-pattern", "node": "node",
                      "score": "score", "role": "role", "resource_discovery": "resource-discovery"},
        "colocations": {"resource": "rsc", "with": "with-rsc", "score": "score",
                        "resource_role": "rsc-role", "with_role": "with-rsc-role",
                        "node_attribute": "node-attribute"},
        "orders": {"first": "first", "then": "then", "kind": "kind", "symmetrical": "symmetrical",
                   "first_action": "first-action", "then_action": "then-action"},
        "tickets": {"ticket": "ticket", "resource": "rsc", "loss_policy": "loss-policy", "role": "rsc-role"},
    }[kind]
    el = ET.Element(TAG_OF[kind], {"id": obj["id"]})
    for key, attr in names.items():
        if obj.get(key) is not None:
            el.set(attr, obj[key])
    _render_sets(el, obj["id"], obj.get("sets"))
    for i, rule in enumerate(obj.get("rules") or []):
        rid = make_id(obj["id"], "rule", i + 1)
        r_el = sub(el, "rule", {"id": rid})
        for k in ("score", "score_attribute", "boolean_op", "role"):
            if rule.get(k) is not None:
                r_el.set(k.replace("_", "-"), rule[k])
        for j, e in enumerate(rule.get("expressions") or []):
            attrs = dict((k.replace("_", "-"), v) for k, v in e.items())
            attrs["id"] = make_id(rid, "expr", j + 1)
            sub(r_el, "expression", attrs)
        for j, d in enumerate(rule.get("date_expressions") or []):
            attrs = dict(d)
            attrs["id"] = make_id(rid, "date", j + 1)
            sub(r_el, "date_expression", attrs)
    return el


def render_tag(obj):
    el = ET.Element("tag", {"id": obj["id"]})
    for m in obj["members"]:
        sub(el, "obj_ref", {"id": m})
    return el


def render_acl_role(obj):
    el = ET.Element("acl_role", {"id": obj["id"]})
    if obj.get("description"):
        el.set("description", obj["description"])
    for i, p in enumerate(obj.get("permissions") or []):
        attrs = dict((k.replace("_", "-"), v) for k, v in p.items())
        attrs["id"] = make_id(obj["id"], p["kind"], i + 1)
        sub(el, "acl_permission", attrs)
    return el


def render_acl_target(kind, obj):
    el = ET.Element(TAG_OF[kind], {"id": obj["id"]})
    for r in obj.get("roles") or []:
        sub(el, "role", {"id": r})
    return el


def render_alert(obj):
    el = ET.Element("alert", {"id": obj["id"], "path": obj["path"]})
    if obj.get("description"):
        el.set("description", obj["description"])
    render_nvset(el, "meta_attributes", obj["id"] + "-meta_attributes", obj.get("meta"))
    render_nvset(el, "instance_attributes", obj["id"] + "-instance_attributes", obj.get("params"))
    if obj.get("select"):
        sel = sub(el, "select")
        for s in obj["select"]:
            s_el = sub(sel, "select_" + s)
            if s == "attributes":
                for a in obj.get("select_attributes") or []:
                    sub(s_el, "attribute", {"id": make_id(obj["id"], "select", a), "name": a})
    for i, r in enumerate(obj.get("recipients") or []):
        rid = make_id(obj["id"], "recipient", i + 1)
        r_el = sub(el, "recipient", {"id": rid, "value": r["value"], "description": r.get("description")})
        render_nvset(r_el, "meta_attributes", rid + "-meta_attributes", r.get("meta"))
        render_nvset(r_el, "instance_attributes", rid + "-instance_attributes", r.get("params"))
    return el


def render_fencing_level(obj):
    return ET.Element("fencing-level", {
        "id": make_id("fl", obj["target"], obj["index"]), "target": obj["target"],
        "index": obj["index"], "devices": ",".join(obj["devices"]),
    })


def render(kind, obj):
    if kind == "primitives":
        return render_primitive(obj)
    if kind in CONSTRAINT_KINDS:
        return render_constraint(kind, obj)
    if kind == "tags":
        return render_tag(obj)
    if kind == "acl_roles":
        return render_acl_role(obj)
    if kind in ("acl_targets", "acl_groups"):
        return render_acl_target(kind, obj)
    if kind == "alerts":
        return render_alert(obj)
    if kind == "fencing_levels":
        return render_fencing_level(obj)
    raise ValueError(kind)
