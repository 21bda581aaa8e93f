# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: a pure model of Pacemaker's configuration and the planner that changes it.

Nothing here runs a command. The `cib` module reads the CIB once, hands the XML to `plan()`, and
gets back a candidate CIB (the original with only the named objects changed) plus the list of
changes, computed by comparing the normalised model of the original with that of the candidate.

The model ("the cib module's input format") is a dict of kinds:

  id kinds (lists of dicts with an `id`): primitives, groups, clones, locations, colocations,
    orders, tickets, tags, acl_roles, acl_targets, acl_groups, alerts
  fencing_levels (list, keyed by target and index), nodes (list, keyed by name)
  dict kinds (name -> value): properties, rsc_defaults, op_defaults

`export(root)` returns the live configuration in exactly that format, so export-then-apply is a
no-op. Ids of sub-elements (nvpairs, operations, rules, sets, permissions, recipients) are not part
of the model: the planner generates them deterministically, and comparisons ignore them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import crm_mon_resources
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

RESOURCE_KINDS = ("primitives", "groups", "clones")
CONSTRAINT_KINDS = ("locations", "colocations", "orders", "tickets")
ACL_KINDS = ("acl_roles", "acl_targets", "acl_groups")
ID_KINDS = RESOURCE_KINDS + CONSTRAINT_KINDS + ("tags",) + ACL_KINDS + ("alerts",)
DICT_KINDS = ("properties", "rsc_defaults", "op_defaults")
KINDS = ID_KINDS + ("fencing_levels", "nodes") + DICT_KINDS

# Cluster properties Pacemaker maintains itself: never purged.
PROTECTED_PROPERTIES = frozenset(
    ["dc-version", "cluster-infrastructure", "cluster-name", "have-watchdog", "last-lrm-refresh"]
)

TAG_OF = {
    "primitives": "primitive", "groups": "group", "clones": "clone",
    "locations": "rsc_location", "colocations": "rsc_colocation", "orders": "rsc_order",
    "tickets": "rsc_ticket", "tags": "tag", "acl_roles": "acl_role", "acl_targets": "acl_target",
    "acl_groups": "acl_group", "alerts": "alert", "fencing_levels": "fencing-level",
}
KIND_OF = dict((v, k) for k, v in TAG_OF.items())
# Where each kind's elements live under <configuration>.
SECTION_OF = {
    "primitives": "resources", "groups": "resources", "clones": "resources",
    "locations": "constraints", "colocations": "constraints", "orders": "constraints",
    "tickets": "constraints", "tags": "tags", "acl_roles": "acls", "acl_targets": "acls",
    "acl_groups": "acls", "alerts": "alerts", "fencing_levels": "fencing-topology",
}

SET_ATTRS = ("sequential", "require-all", "ordering", "action", "role", "score", "kind")
_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]")


class CibError(ClusterOpsError):
    """Input or CIB content the planner cannot act on; `errors` lists every problem found."""

    def __init__(self, errors):
        self.errors = list(errors)
        super(CibError, self).__init__("; ".join(self.errors))


# ---------------------------------------------------------------------------------------------
# Values and ids


def scalar(value):
    """The CIB's string form of a YAML scalar: booleans as true/false, numbers as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return None
    return str(value)


def make_id(*parts):
    """A valid, deterministic XML id from parts (Pacemaker ids: letters, digits, . - _)."""
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    text = _ID_BAD.sub("_", text)
    if not text or not (text[0].isalpha() or text[0] == "_"):
        text = "_" + text
    return text


def _nvdict(value):
    """Normalise a name -> value mapping: string values, None dropped."""
    out = {}
    for k, v in (value or {}).items():
        if v is not None:
            out[str(k)] = scalar(v)
    return out


def _hyphen(key):
    return str(key).replace("_", "-")


# ---------------------------------------------------------------------------------------------
# Reading elements into the model


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


def _compact(obj):
    """Drop empty optional values so that 'not given' and 'empty' compare equal."""
    return dict((k, v) for k, v in obj.items() if v not in (None, {}, []))


def read_primitive(el):
    ops = []
    for op in el.findall("operations/op"):
        item = dict((k.replace("-", "_"), v) for k, v in op.attrib.items() if k != "id")
        params = _nvsets(op, "instance_attributes")
        if params:
            item["params"] = params
        ops.append(item)
    return _compact({
        "id": el.get("id"),
        "agent": _agent(el),
        "params": _nvsets(el, "instance_attributes"),
        "meta": _nvsets(el, "meta_attributes"),
        "utilization": _nvsets(el, "utilization"),
        "operations": ops,
    })


def read_group(el):
    return _compact({
        "id": el.get("id"),
        "members": [c.get("id") for c in el if c.tag == "primitive"],
        "meta": _nvsets(el, "meta_attributes"),
    })


def read_clone(el):
    child = [c.get("id") for c in el if c.tag in ("primitive", "group")]
    return _compact({
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
    return _compact(item)


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
    return _compact(obj)


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
    return _compact({"id": el.get("id"), "description": el.get("description"), "permissions": perms})


def read_acl_target(el):
    return _compact({"id": el.get("id"), "roles": [r.get("id") for r in el.findall("role")]})


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
        recipients.append(_compact({
            "value": r.get("value"),
            "description": r.get("description"),
            "params": _nvsets(r, "instance_attributes"),
            "meta": _nvsets(r, "meta_attributes"),
        }))
    return _compact({
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
    return _compact({
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


def _plain_set(parent):
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
        target = preferred[0] if preferred else (_plain_set(section) if section is not None else None)
    else:
        target = _plain_set(config.find(kind))
    if target is None:
        return {}
    return dict((nv.get("name"), nv.get("value")) for nv in target.findall("nvpair"))


def export(root):
    """The configuration in the cib module's input format (every kind present, maybe empty)."""
    config = _configuration(root)
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


def read_live_cib(runner):
    """The live CIB's XML root, or None when Pacemaker cannot be asked.

    The one reader here: it runs ``cibadmin --query`` through the command seam it is given.
    """
    res = runner.run(["cibadmin", "--query"], check=False)
    if res.rc != 0:
        return None
    return parse(res.stdout)


def read_live_config(runner):
    """The live CIB in the cib module's format, or None when Pacemaker cannot be asked."""
    root = read_live_cib(runner)
    return None if root is None else export(root)


def key_of(kind, obj):
    if kind == "nodes":
        return obj.get("name")
    if kind == "fencing_levels":
        return "%s:%s" % (obj.get("target"), obj.get("index"))
    return obj.get("id")


# ---------------------------------------------------------------------------------------------
# Normalising desired objects into the model


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
        out.append(_compact(item))
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
        return _compact({
            "id": obj["id"], "agent": obj.get("agent"), "params": _nvdict(obj.get("params")),
            "meta": _nvdict(obj.get("meta")), "utilization": _nvdict(obj.get("utilization")),
            "operations": _ops(obj.get("operations")),
        })
    if kind == "groups":
        return _compact({"id": obj["id"], "members": [str(m) for m in obj.get("members") or []],
                         "meta": _nvdict(obj.get("meta"))})
    if kind == "clones":
        return _compact({"id": obj["id"], "member": obj.get("member"), "meta": _nvdict(obj.get("meta"))})
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
        return _compact(out)
    if kind == "tags":
        return {"id": obj["id"], "members": [str(m) for m in obj.get("members") or []]}
    if kind == "acl_roles":
        perms = []
        for p in obj.get("permissions") or []:
            perms.append(dict((k, scalar(v)) for k, v in p.items() if v is not None))
        return _compact({"id": obj["id"], "description": obj.get("description"), "permissions": perms})
    if kind in ("acl_targets", "acl_groups"):
        return _compact({"id": obj["id"], "roles": [str(r) for r in obj.get("roles") or []]})
    if kind == "alerts":
        recipients = []
        for r in obj.get("recipients") or []:
            recipients.append(_compact({
                "value": scalar(r.get("value")), "description": r.get("description"),
                "params": _nvdict(r.get("params")), "meta": _nvdict(r.get("meta")),
            }))
        return _compact({
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


def comparable(kind, obj):
    """The form two model objects are compared in: operation order does not matter."""
    if kind == "primitives" and obj.get("operations"):
        obj = dict(obj)
        obj["operations"] = sorted(obj["operations"], key=lambda o: sorted(o.items(), key=str))
    return obj


# ---------------------------------------------------------------------------------------------
# Rendering model objects into elements


def _sub(parent, tag, attrib=None):
    el = ET.SubElement(parent, tag)
    for k, v in (attrib or {}).items():
        if v is not None:
            el.set(k, v)
    return el


def _render_nvset(parent, tag, set_id, values):
    if not values:
        return None
    nvset = _sub(parent, tag, {"id": set_id})
    for name in values:
        _sub(nvset, "nvpair", {"id": make_id(set_id, name), "name": name, "value": values[name]})
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
    _render_nvset(el, "instance_attributes", rid + "-instance_attributes", obj.get("params"))
    _render_nvset(el, "meta_attributes", rid + "-meta_attributes", obj.get("meta"))
    _render_nvset(el, "utilization", rid + "-utilization", obj.get("utilization"))
    if obj.get("operations"):
        ops = _sub(el, "operations")
        for op in obj["operations"]:
            op_id = make_id(rid, op["name"], "interval", op["interval"], op.get("role"))
            attrs = dict((_hyphen(k), v) for k, v in op.items() if k != "params")
            attrs["id"] = op_id
            op_el = _sub(ops, "op", attrs)
            _render_nvset(op_el, "instance_attributes", op_id + "-instance_attributes", op.get("params"))
    return el


def _render_sets(el, cid, sets):
    for i, s in enumerate(sets or []):
        attrs = {"id": make_id(cid, "set", i + 1)}
        for a in SET_ATTRS:
            if s.get(a.replace("-", "_")) is not None:
                attrs[a] = s[a.replace("-", "_")]
        s_el = _sub(el, "resource_set", attrs)
        for r in s["resources"]:
            _sub(s_el, "resource_ref", {"id": r})


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
        r_el = _sub(el, "rule", {"id": rid})
        for k in ("score", "score_attribute", "boolean_op", "role"):
            if rule.get(k) is not None:
                r_el.set(k.replace("_", "-"), rule[k])
        for j, e in enumerate(rule.get("expressions") or []):
            attrs = dict((k.replace("_", "-"), v) for k, v in e.items())
            attrs["id"] = make_id(rid, "expr", j + 1)
            _sub(r_el, "expression", attrs)
        for j, d in enumerate(rule.get("date_expressions") or []):
            attrs = dict(d)
            attrs["id"] = make_id(rid, "date", j + 1)
            _sub(r_el, "date_expression", attrs)
    return el


def render_tag(obj):
    el = ET.Element("tag", {"id": obj["id"]})
    for m in obj["members"]:
        _sub(el, "obj_ref", {"id": m})
    return el


def render_acl_role(obj):
    el = ET.Element("acl_role", {"id": obj["id"]})
    if obj.get("description"):
        el.set("description", obj["description"])
    for i, p in enumerate(obj.get("permissions") or []):
        attrs = dict((k.replace("_", "-"), v) for k, v in p.items())
        attrs["id"] = make_id(obj["id"], p["kind"], i + 1)
        _sub(el, "acl_permission", attrs)
    return el


def render_acl_target(kind, obj):
    el = ET.Element(TAG_OF[kind], {"id": obj["id"]})
    for r in obj.get("roles") or []:
        _sub(el, "role", {"id": r})
    return el


def render_alert(obj):
    el = ET.Element("alert", {"id": obj["id"], "path": obj["path"]})
    if obj.get("description"):
        el.set("description", obj["description"])
    _render_nvset(el, "meta_attributes", obj["id"] + "-meta_attributes", obj.get("meta"))
    _render_nvset(el, "instance_attributes", obj["id"] + "-instance_attributes", obj.get("params"))
    if obj.get("select"):
        sel = _sub(el, "select")
        for s in obj["select"]:
            s_el = _sub(sel, "select_" + s)
            if s == "attributes":
                for a in obj.get("select_attributes") or []:
                    _sub(s_el, "attribute", {"id": make_id(obj["id"], "select", a), "name": a})
    for i, r in enumerate(obj.get("recipients") or []):
        rid = make_id(obj["id"], "recipient", i + 1)
        r_el = _sub(el, "recipient", {"id": rid, "value": r["value"], "description": r.get("description")})
        _render_nvset(r_el, "meta_attributes", rid + "-meta_attributes", r.get("meta"))
        _render_nvset(r_el, "instance_attributes", rid + "-instance_attributes", r.get("params"))
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


# ---------------------------------------------------------------------------------------------
# The planner


def parse(xml_text):
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as e:
        raise CibError(["the CIB is not valid XML: %s" % e])
    if root.tag != "cib":
        raise CibError(["expected a <cib> document, got <%s>" % root.tag])
    return root


def _configuration(root):
    config = root.find("configuration")
    if config is None:
        raise CibError(["the CIB has no <configuration> section"])
    return config


def _section(config, name):
    el = config.find(name)
    if el is None:
        el = ET.SubElement(config, name)
    return el


class _Tree:
    """The candidate configuration with an id index and parent links, rebuilt after each change."""

    def __init__(self, config):
        self.config = config
        self.refresh()

    def refresh(self):
        self.parent = {}
        self.by_id = {}
        for p in self.config.iter():
            for c in p:
                self.parent[c] = p
                if c.get("id") is not None and c.tag not in ("resource_ref", "obj_ref", "role"):
                    self.by_id.setdefault(c.get("id"), c)

    def get(self, kind, ident):
        el = self.by_id.get(ident)
        if el is not None and el.tag == TAG_OF[kind]:
            return el
        return None

    def conflict(self, kind, ident):
        el = self.by_id.get(ident)
        if el is not None and el.tag != TAG_OF[kind]:
            return el.tag
        return None

    def remove(self, el):
        self.parent[el].remove(el)
        self.refresh()

    def replace(self, old, new):
        parent = self.parent[old]
        index = list(parent).index(old)
        parent.remove(old)
        parent.insert(index, new)
        self.refresh()

    def append(self, section, el):
        _section(self.config, section).append(el)
        self.refresh()

    def detach(self, el):
        parent = self.parent.get(el)
        if parent is not None:
            parent.remove(el)
        self.refresh()
        return el


def _all_by_kind(tree, kind):
    return list(tree.config.iter(TAG_OF[kind]))


def _drop_references(tree, removed):
    """Remove constraints, set members and tag references to resources that no longer exist."""
    for el in list(tree.config.iter()):
        if el.tag in ("rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket"):
            direct = [el.get(a) for a in ("rsc", "with-rsc", "first", "then")]
            if any(d in removed for d in direct if d):
                tree.remove(el)
                continue
            for s in el.findall("resource_set"):
                for ref in s.findall("resource_ref"):
                    if ref.get("id") in removed:
                        s.remove(ref)
                if not s.findall("resource_ref"):
                    el.remove(s)
            anchored = any(el.get(a) for a in ("rsc", "rsc-pattern", "first"))
            if not anchored and not el.findall("resource_set"):
                tree.remove(el)
        elif el.tag == "tag":
            for ref in el.findall("obj_ref"):
                if ref.get("id") in removed:
                    el.remove(ref)
            if not el.findall("obj_ref"):
                tree.remove(el)
        elif el.tag == "fencing-level":
            devices = [d for d in (el.get("devices") or "").split(",") if d and d not in removed]
            if not devices:
                tree.remove(el)
            else:
                el.set("devices", ",".join(devices))
    tree.refresh()


def _remove_resource(tree, el):
    removed = set(e.get("id") for e in el.iter() if e.tag in ("primitive", "group", "clone", "master", "bundle"))
    parent = tree.parent[el]
    tree.remove(el)
    # A group or clone left without children is invalid: it goes too.
    while parent is not None and parent.tag in ("group", "clone", "master") and \
            not [c for c in parent if c.tag in ("primitive", "group")]:
        removed.add(parent.get("id"))
        grand = tree.parent.get(parent)
        tree.remove(parent)
        parent = grand
    return removed


def _dict_target(tree, kind):
    config = tree.config
    if kind == "properties":
        section = _section(config, "crm_config")
        sets = section.findall("cluster_property_set")
        for s in sets:
            if s.get("id") == "cib-bootstrap-options":
                return s
        if sets:
            return sets[0]
        return _sub(section, "cluster_property_set", {"id": "cib-bootstrap-options"})
    section = _section(config, kind)
    found = _plain_set(section)
    if found is None:
        found = _sub(section, "meta_attributes", {"id": kind + "-options"})
    return found


def _apply_dict(target, values, purge, protected=frozenset()):
    existing = dict((nv.get("name"), nv) for nv in target.findall("nvpair"))
    for name, value in values.items():
        nv = existing.get(name)
        if value is None:
            if nv is not None:
                target.remove(nv)
            continue
        if nv is None:
            _sub(target, "nvpair", {"id": make_id(target.get("id"), name), "name": name, "value": value})
        elif nv.get("value") != value:
            nv.set("value", value)
    if purge:
        for name, nv in existing.items():
            if name not in values and name not in protected:
                target.remove(nv)


def _node_set(node, tag, suffix):
    found = node.find(tag)
    if found is None:
        found = _sub(node, tag, {"id": make_id("nodes", node.get("id"), suffix) if suffix else
                                 make_id("nodes", node.get("id"))})
    return found


def plan(root, desired, purge=()):
    """Apply desired (dict of kinds, objects may carry state: absent) to a copy of root.

    Returns (candidate_root, changes, diff). Raises CibError listing every problem found.
    """
    candidate = copy.deepcopy(root)
    tree = _Tree(_configuration(candidate))
    errors = []
    desired = dict((k, v) for k, v in desired.items() if v is not None)

    wanted = {}
    absent = {}
    for kind in ID_KINDS + ("fencing_levels",):
        for obj in desired.get(kind) or []:
            state = obj.get("state", "present")
            body = dict((k, v) for k, v in obj.items() if k != "state")
            if state == "absent":
                if kind in CONSTRAINT_KINDS and not body.get("id"):
                    body["id"] = default_constraint_id(kind, body)
                absent.setdefault(kind, []).append(body)
            else:
                wanted.setdefault(kind, []).append(normalize(kind, body))

    # Ids are unique across the whole configuration.
    seen = {}
    for kind in ID_KINDS:
        for obj in wanted.get(kind, []):
            if obj["id"] in seen:
                errors.append("id %s is given twice (%s and %s)" % (obj["id"], seen[obj["id"]], kind))
            seen[obj["id"]] = kind
            conflict = tree.conflict(kind, obj["id"])
            if conflict:
                errors.append("%s %s: the CIB already has a <%s> with that id" % (kind, obj["id"], conflict))
    if errors:
        raise CibError(errors)

    # 1. Removals.
    removed = set()
    for kind in ("locations", "colocations", "orders", "tickets", "tags", "acl_targets", "acl_groups",
                 "acl_roles", "alerts", "clones", "groups", "primitives"):
        for obj in absent.get(kind, []):
            el = tree.get(kind, obj["id"])
            if el is None:
                continue
            if kind in RESOURCE_KINDS:
                removed |= _remove_resource(tree, el)
            else:
                tree.remove(el)
    for obj in absent.get("fencing_levels", []):
        target, index = str(obj.get("target")), scalar(obj.get("index"))
        for el in _all_by_kind(tree, "fencing_levels"):
            if el.get("target") == target and el.get("index") == index:
                tree.remove(el)
    for kind in purge:
        if kind in ID_KINDS:
            names = set(o["id"] for o in wanted.get(kind, []))
            for el in _all_by_kind(tree, kind):
                if el.get("id") not in names and tree.parent.get(el) is not None:
                    if kind in RESOURCE_KINDS:
                        removed |= _remove_resource(tree, el)
                    else:
                        tree.remove(el)
        elif kind == "fencing_levels":
            keys = set(key_of(kind, o) for o in wanted.get(kind, []))
            for el in _all_by_kind(tree, kind):
                if key_of(kind, read_fencing_level(el)) not in keys:
                    tree.remove(el)
    if removed:
        _drop_references(tree, removed)

    # 2. Primitives: replaced in place when they differ, else left exactly as they are.
    for obj in wanted.get("primitives", []):
        if not obj.get("agent"):
            errors.append("primitives %s: agent is required" % obj["id"])
            continue
        if len(obj["agent"].split(":")) not in (2, 3):
            errors.append("primitives %s: agent must be class:provider:type or class:type, got %s"
                          % (obj["id"], obj["agent"]))
            continue
        for op in obj.get("operations") or []:
            if op.get("name") == "monitor" and op.get("interval") in ("0", "0s"):
                errors.append("primitives %s: a monitor operation needs an interval" % obj["id"])
        el = tree.get("primitives", obj["id"])
        if el is not None and comparable("primitives", read_primitive(el)) == comparable("primitives", obj):
            continue
        new = render_primitive(obj)
        if el is not None:
            # Keep nothing of the old element: what was asked is what the CIB will say.
            tree.replace(el, new)
        else:
            tree.append("resources", new)

    # 3. Groups: members are moved in, in order; members dropped from a group go to the top level.
    for obj in wanted.get("groups", []):
        gid = obj["id"]
        members = []
        for m in obj.get("members", []):
            el = tree.get("primitives", m)
            if el is None:
                errors.append("groups %s: member %s is not a primitive (define it under primitives)" % (gid, m))
            members.append(el)
        if not obj.get("members"):
            errors.append("groups %s: members must name at least one primitive" % gid)
        if None in members or not members:
            continue
        el = tree.get("groups", gid)
        if el is not None and read_group(el) == obj:
            continue
        new = ET.Element("group", {"id": gid})
        _render_nvset(new, "meta_attributes", gid + "-meta_attributes", obj.get("meta"))
        if el is not None:
            resources = _section(tree.config, "resources")
            for child in [c for c in el if c.tag == "primitive" and c.get("id") not in obj["members"]]:
                el.remove(child)
                resources.append(child)
            tree.refresh()
        for m in members:
            new.append(tree.detach(m))
        if el is not None and tree.parent.get(el) is not None:
            tree.replace(el, new)
        else:
            tree.append("resources", new)
        _drop_empty_containers(tree)

    # 4. Clones wrap one primitive or group.
    for obj in wanted.get("clones", []):
        cid = obj["id"]
        member = obj.get("member")
        child = tree.get("primitives", member) if member else None
        if child is None and member:
            child = tree.get("groups", member)
        if child is None:
            errors.append("clones %s: member %s is not a primitive or group" % (cid, member))
            continue
        parent = tree.parent.get(child)
        if child.tag == "primitive" and parent is not None and parent.tag == "group":
            errors.append("clones %s: member %s is inside group %s; clone the group instead"
                          % (cid, member, parent.get("id")))
            continue
        el = tree.get("clones", cid)
        if el is not None and read_clone(el) == obj:
            continue
        new = ET.Element("clone", {"id": cid})
        _render_nvset(new, "meta_attributes", cid + "-meta_attributes", obj.get("meta"))
        if el is not None:
            resources = _section(tree.config, "resources")
            for old_child in [c for c in el if c.tag in ("primitive", "group") and c.get("id") != member]:
                el.remove(old_child)
                resources.append(old_child)
            tree.refresh()
        new.append(tree.detach(child))
        if el is not None and tree.parent.get(el) is not None:
            tree.replace(el, new)
        else:
            tree.append("resources", new)
        _drop_empty_containers(tree)

    # 5. Everything else with an id (and fencing levels, keyed by target and index).
    for kind in CONSTRAINT_KINDS + ("tags",) + ACL_KINDS + ("alerts",):
        for obj in wanted.get(kind, []):
            problem = _check(kind, obj)
            if problem:
                errors.append("%s %s: %s" % (kind, obj["id"], problem))
                continue
            el = tree.get(kind, obj["id"])
            if el is not None and READERS[kind](el) == obj:
                continue
            new = render(kind, obj)
            if el is not None:
                tree.replace(el, new)
            else:
                tree.append(SECTION_OF[kind], new)
    for obj in wanted.get("fencing_levels", []):
        found = [el for el in _all_by_kind(tree, "fencing_levels")
                 if el.get("target") == obj["target"] and el.get("index") == obj["index"]]
        if found and read_fencing_level(found[0]) == obj:
            continue
        new = render_fencing_level(obj)
        if found:
            tree.replace(found[0], new)
        else:
            tree.append("fencing-topology", new)

    # 6. Name/value kinds: named keys are set (None removes); others stay unless purged.
    for kind in DICT_KINDS:
        values = desired.get(kind)
        if not values and kind not in purge:
            continue
        norm = dict((str(k), scalar(v)) for k, v in (values or {}).items())
        _apply_dict(_dict_target(tree, kind), norm, kind in purge,
                    PROTECTED_PROPERTIES if kind == "properties" else frozenset())
    nodes_section = tree.config.find("nodes")
    known = dict((n.get("uname"), n) for n in ([] if nodes_section is None else nodes_section.findall("node")))
    for obj in desired.get("nodes") or []:
        node = known.get(obj.get("name"))
        if node is None:
            errors.append("nodes %s: no such node in the CIB (known: %s)"
                          % (obj.get("name"), ", ".join(sorted(k for k in known if k)) or "none"))
            continue
        for key, tag, suffix in (("attributes", "instance_attributes", None), ("utilization", "utilization", "utilization")):
            if obj.get(key) is None and "nodes" not in purge:
                continue
            values = dict((str(k), scalar(v)) for k, v in (obj.get(key) or {}).items())
            target = _node_set(node, tag, suffix)
            _apply_dict(target, values, "nodes" in purge)
            if not target.findall("nvpair"):
                node.remove(target)
    tree.refresh()

    if errors:
        raise CibError(errors)
    dupes = _duplicate_ids(tree.config)
    if dupes:
        raise CibError(["the candidate CIB would have duplicate ids: %s" % ", ".join(dupes)])

    changes, diff = compare(export(root), export(candidate))
    if changes:
        candidate.set("epoch", str(int(root.get("epoch", "0")) + 1))
        candidate.set("num_updates", "0")
    return candidate, changes, diff


def _check(kind, obj):
    if kind == "locations":
        targets = [k for k in ("resource", "resource_pattern", "sets") if obj.get(k)]
        if len(targets) != 1:
            return "give exactly one of resource, resource_pattern, sets"
        if obj.get("rules") and obj.get("node"):
            return "give either node and score, or rules, not both"
        if not obj.get("rules") and not obj.get("node") and not obj.get("sets"):
            return "give node and score, or rules"
        if obj.get("node") and obj.get("score") is None:
            return "a location with node needs a score"
    elif kind == "colocations":
        if not obj.get("sets") and not (obj.get("resource") and obj.get("with")):
            return "give resource and with, or sets"
    elif kind == "orders":
        if not obj.get("sets") and not (obj.get("first") and obj.get("then")):
            return "give first and then, or sets"
    elif kind == "tickets":
        if not obj.get("ticket"):
            return "ticket is required"
        if not obj.get("sets") and not obj.get("resource"):
            return "give resource or sets"
    elif kind == "alerts":
        if not obj.get("path"):
            return "path is required"
    return None


def _drop_empty_containers(tree):
    """Remove groups and clones a move left empty, and what referred to them."""
    removed = set()
    changed = True
    while changed:
        changed = False
        for el in list(tree.config.iter()):
            if el.tag in ("group", "clone") and not [c for c in el if c.tag in ("primitive", "group")]:
                removed.add(el.get("id"))
                tree.remove(el)
                changed = True
                break
    if removed:
        _drop_references(tree, removed)


def _duplicate_ids(config):
    seen, dupes = set(), []
    for el in config.iter():
        if el.tag in ("resource_ref", "obj_ref", "role") or el.get("id") is None:
            continue
        if el.get("id") in seen:
            dupes.append(el.get("id"))
        seen.add(el.get("id"))
    return sorted(set(dupes))


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


def to_xml(root):
    return ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------------------------------------
# Tool outputs


def parse_simulate(xml_text):
    """Predicted actions from `crm_simulate --output-as=xml`: dicts with action and resource plus
    node (start, stop, promote, ...) or source and dest (move, migrate)."""
    return parse_simulate_run(xml_text)["actions"]


def parse_simulate_run(xml_text):
    """`crm_simulate --run --output-as=xml`: {"actions": [...] as parse_simulate, "active": sorted
    [resource id, node] pairs active in the CIB's recorded state (its <cluster_status>, read by the
    status model's own crm_mon parser: the same XML)}."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as e:
        raise CibError(["crm_simulate printed no XML: %s" % e])
    actions = [dict(el.attrib) for el in root.iter("rsc_action")]
    active = set()
    status = root.find("cluster_status")
    if status is not None:
        for entry in crm_mon_resources(status)[0]:
            if entry["active"]:
                for node in entry["nodes"]:
                    active.add((entry["id"], node))
    return {"actions": actions, "active": sorted([rid, node] for rid, node in active)}


_STARTS = ("start", "promote", "migrate_from", "migrate_to", "move")


def _base(rid):
    return str(rid or "").split(":", 1)[0]


def stops_everything(active, actions):
    """True when resources are active now and none would be after the predicted actions: every active
    instance is stopped and nothing is started (the whole cluster's services go down at once)."""
    if not active:
        return False
    stopped = set((_base(a.get("resource")), a.get("node")) for a in actions if a.get("action") == "stop")
    started = [a for a in actions if a.get("action") in _STARTS]
    remaining = [pair for pair in active if (pair[0], pair[1]) not in stopped]
    return not remaining and not started


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
