# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: reading a CIB's elements into the model ("the cib module's input format").

`export(root)` returns the whole configuration in that format, every kind present (maybe empty), so
export-then-apply is a no-op; the read_* functions read one element each (READERS by kind).
`live_names(root)` lists what input may refer to, `read_live_config` exports the live CIB.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.cib import (
    DICT_KINDS,
    ID_KINDS,
    KIND_OF,
    SET_ATTRS,
    compact,
    configuration,
    read_live_cib,
)


def _nvsets(el, tag):
    """All nvpairs of all `tag` sets directly under el, merged in document order."""
    out = {}
    for nvset in el.findall(tag):
        for nv in nvset.findall("nvpair"):
            if nv.get("name") is not None:
                out[nv.get("name")] = nv.get("value")
    return out


def _agent(el):
    parts = [el.get("class"), el.get("provider"), el.get("type")]
    return ":".join(p for p in parts if p)


def read_primitive(el):
    ops = []
    for op in el.findall("operations/op"):
        item = dict((k.replace("-", "_"), v) for k, v in op.attrib.items() if k != "id")
        params = _nvsets(op, "instance_attributes")
        if params:
            item["params"] = params
        ops.append(item)
    return compact({
        "id": el.get("id"),
        "agent": _agent(el),
        "params": _nvsets(el, "instance_attributes"),
        "meta": _nvsets(el, "meta_attributes"),
        "utilization": _nvsets(el, "utilization"),
        "operations": ops,
    })


def read_group(el):
    return compact({
        "id": el.get("id"),
        "members": [c.get("id") for c in el if c.tag == "primitive"],
        "meta": _nvsets(el, "meta_attributes"),
    })


def read_clone(el):
    child = [c.get("id") for c in el if c.tag in ("primitive", "group")]
    return compact({
        "id": el.get("id"),
        "member": child[0] if child else None,
        "meta": _nvsets(el, "meta_attributes"),
    })


def _read_sets(el):
    sets = []
    for s in el.findall("resource_set"):
        item = {"resources": [r.get("id") for r in s.findall("resource_ref")]}
        for a in SET_ATTRS:
            if s.get(a) is not None:
                item[a.replace("-", "_")] = s.get(a)
        sets.append(item)
    return sets


def _read_rule(rule):
    item = {}
    for a in ("score", "score-attribute", "boolean-op", "role"):
        if rule.get(a) is not None:
            item[a.replace("-", "_")] = rule.get(a)
    exprs = []
    for e in rule.findall("expression"):
        exprs.append(dict((k.replace("-", "_"), v) for k, v in e.attrib.items() if k != "id"))
    dates = []
    for d in rule.findall("date_expression"):
        dates.append(dict((k, v) for k, v in d.attrib.items() if k != "id"))
    item["expressions"] = exprs
    item["date_expressions"] = dates
    return compact(item)


def read_constraint(el):
    kind = KIND_OF[el.tag]
    obj = {"id": el.get("id")}
    simple = {
        "locations": (("rsc", "resource"), ("rsc-pattern", "resource_pattern"), ("node", "node"),
                      ("score", "score"), ("role", "role"),
                      ("resource-discovery", "resource_discovery")),
        "colocations": (("rsc", "resource"), ("with-rsc", "with"), ("score", "score"),
                        ("rsc-role", "resource_role"), ("with-rsc-role", "with_role"),
                        ("node-attribute", "node_attribute")),
        "orders": (("first", "first"), ("then", "then"), ("kind", "kind"),
                   ("symmetrical", "symmetrical"), ("first-action", "first_action"),
                   ("then-action", "then_action")),
        "tickets": (("ticket", "ticket"), ("rsc", "resource"), ("loss-policy", "loss_policy"),
                    ("rsc-role", "role")),
    }[kind]
    for attr, key in simple:
        if el.get(attr) is not None:
            obj[key] = el.get(attr)
    obj["sets"] = _read_sets(el)
    if kind == "locations":
        obj["rules"] = [_read_rule(r) for r in el.findall("rule")]
    return compact(obj)


def read_tag(el):
    return {"id": el.get("id"), "members": [r.get("id") for r in el.findall("obj_ref")]}


def read_acl_role(el):
    perms = []
    for p in el.findall("acl_permission"):
        item = {"kind": p.get("kind")}
        for a in ("xpath", "reference", "object-type", "attribute", "description"):
            if p.get(a) is not None:
                item[a.replace("-", "_")] = p.get(a)
        perms.append(item)
    return compact({"id": el.get("id"), "description": el.get("description"), "permissions": perms})


def read_acl_target(el):
    return compact({"id": el.get("id"), "roles": [r.get("id") for r in el.findall("role")]})


def read_alert(el):
    select = []
    attrs = []
    sel = el.find("select")
    if sel is not None:
        for c in sel:
            select.append(c.tag[len("select_"):])
            if c.tag == "select_attributes":
                attrs = [a.get("name") for a in c.findall("attribute")]
    recipients = []
    for r in el.findall("recipient"):
        recipients.append(compact({
            "value": r.get("value"),
            "description": r.get("description"),
            "params": _nvsets(r, "instance_attributes"),
            "meta": _nvsets(r, "meta_attributes"),
        }))
    return compact({
        "id": el.get("id"),
        "path": el.get("path"),
        "description": el.get("description"),
        "params": _nvsets(el, "instance_attributes"),
        "meta": _nvsets(el, "meta_attributes"),
        "select": select,
        "select_attributes": attrs,
        "recipients": recipients,
    })


def read_fencing_level(el):
    return {
        "target": el.get("target"),
        "index": el.get("index"),
        "devices": [d for d in (el.get("devices") or "").split(",") if d],
    }


def read_node(el):
    return compact({
        "name": el.get("uname"),
        "attributes": _nvsets(el, "instance_attributes"),
        "utilization": _nvsets(el, "utilization"),
    })


READERS = {
    "primitives": read_primitive, "groups": read_group, "clones": read_clone,
    "locations": read_constraint, "colocations": read_constraint, "orders": read_constraint,
    "tickets": read_constraint, "tags": read_tag, "acl_roles": read_acl_role,
    "acl_targets": read_acl_target, "acl_groups": read_acl_target, "alerts": read_alert,
    "fencing_levels": read_fencing_level,
}


def plain_set(parent):
    """The first nvset without a rule under parent (rsc_defaults, op_defaults, crm_config)."""
    if parent is None:
        return None
    for s in parent:
        if s.find("rule") is None and s.tag in ("meta_attributes", "cluster_property_set"):
            return s
    return None


def _dict_kind(config, kind):
    if kind == "properties":
        section = config.find("crm_config")
        sets = [] if section is None else section.findall("cluster_property_set")
        preferred = [s for s in sets if s.get("id") == "cib-bootstrap-options"]
        target = preferred[0] if preferred else (plain_set(section) if section is not None else None)
    else:
        target = plain_set(config.find(kind))
    if target is None:
        return {}
    return dict((nv.get("name"), nv.get("value")) for nv in target.findall("nvpair"))


def export(root):
    """The configuration in the cib module's input format (every kind present, maybe empty)."""
    config = configuration(root)
    out = dict((k, []) for k in ID_KINDS + ("fencing_levels", "nodes"))
    for el in config.iter():
        kind = KIND_OF.get(el.tag)
        if kind is None:
            continue
        # Nodes' <instance_attributes> sets and status are not config objects; only configuration.
        out[kind].append(READERS[kind](el))
    nodes = config.find("nodes")
    for el in ([] if nodes is None else nodes.findall("node")):
        out["nodes"].append(read_node(el))
    for kind in DICT_KINDS:
        out[kind] = _dict_kind(config, kind)
    return out


def live_names(root):
    """What a CIB holds that input may refer to: node names (configured and seen in the status),
    resource ids (primitives, groups, clones, bundles), fence devices and ACL roles."""
    config = root.find("configuration")
    config = config if config is not None else ET.Element("configuration")
    nodes = set(n.get("uname") for n in config.iter("node") if n.get("uname"))
    status = root.find("status")
    if status is not None:
        nodes |= set(n.get("uname") for n in status.findall("node_state") if n.get("uname"))
    resources = set(el.get("id") for tag in ("primitive", "group", "clone", "bundle", "master")
                    for el in config.iter(tag) if el.get("id"))
    stonith = set(el.get("id") for el in config.iter("primitive") if el.get("class") == "stonith")
    roles = set(el.get("id") for el in config.iter("acl_role") if el.get("id"))
    return {"nodes": nodes, "resources": resources, "stonith": stonith, "acl_roles": roles}


def read_live_config(runner):
    """The live CIB in the cib module's format, or None when Pacemaker cannot be asked."""
    root = read_live_cib(runner)
    return None if root is None else export(root)
