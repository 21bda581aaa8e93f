# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine's planner: desired objects applied to a copy of the CIB.

The `cib` module reads the CIB once, hands the XML root to `plan()`, and gets back a candidate CIB (the
original with only the named objects changed) plus the list of changes, computed by comparing the
export of the original with that of the candidate. Objects it was not told about are left alone
unless the caller purges their kind.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.cib import (
    ACL_KINDS,
    CONSTRAINT_KINDS,
    DICT_KINDS,
    ID_KINDS,
    PROTECTED_PROPERTIES,
    RESOURCE_KINDS,
    SECTION_OF,
    TAG_OF,
    CibError,
    configuration,
    key_of,
    make_id,
    scalar,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_compare import comparable, compare
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import (
    READERS,
    export,
    plain_set,
    read_clone,
    read_fencing_level,
    read_group,
    read_primitive,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_normalize import default_constraint_id, normalize
from ansible_collections.clusterops.ha.plugins.module_utils.cib_render import render, render_fencing_level, render_nvset, render_primitive, sub


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
        return sub(section, "cluster_property_set", {"id": "cib-bootstrap-options"})
    section = _section(config, kind)
    found = plain_set(section)
    if found is None:
        found = sub(section, "meta_attributes", {"id": kind + "-options"})
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
            sub(target, "nvpair", {"id": make_id(target.get("id"), name), "name": name, "value": value})
        elif nv.get("value") != value:
            nv.set("value", value)
    if purge:
        for name, nv in existing.items():
            if name not in values and name not in protected:
                target.remove(nv)


def _node_set(node, tag, suffix):
    found = node.find(tag)
    if found is None:
        found = sub(node, tag, {"id": make_id("nodes", node.get("id"), suffix) if suffix else
                                make_id("nodes", node.get("id"))})
    return found


def plan(root, desired, purge=()):
    """Apply desired (dict of kinds, objects may carry state: absent) to a copy of root.

    Returns (candidate_root, changes, diff). Raises CibError listing every problem found.
    """
    candidate = copy.deepcopy(root)
    tree = _Tree(configuration(candidate))
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
        render_nvset(new, "meta_attributes", gid + "-meta_attributes", obj.get("meta"))
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
        render_nvset(new, "meta_attributes", cid + "-meta_attributes", obj.get("meta"))
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
