# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pacemaker 3.0 readiness: what a CIB written for Pacemaker 2.1 holds that 3.0 drops or refuses.

Debian 13 (trixie) ships Pacemaker 3.0.0; Debian 12 (bookworm) 2.1.5. Pacemaker 3.0 removed
configuration forms 2.1 still accepted (its ChangeLog, and the metadata of both versions captured in
tests/unit/fixtures/metadata/). A cluster whose CIB holds them loses or changes resources when its
nodes move to 3.0, or when the CIB's schema is upgraded at the end of that move.

findings(root) names each such thing in a CIB (the XML root of ``cibadmin --query``) with what
replaces it; fix(root) returns a copy with every replacement that keeps the meaning made, and the
findings it could not fix (they need a person: the remedy says what to do). The health check
``pacemaker3-ready`` reports findings(); the cib module's ``pacemaker3_fixes`` applies fix() in the
same transaction as its other changes (verified with crm_verify and crm_simulate before the push).

Pure, standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils import validate as v

# Cluster options 2.1.5 knows and 3.0.0 does not (pacemaker-{schedulerd,controld,fenced,based}
# metadata of both; a unit test derives this from the captured outputs).
REMOVED_OPTIONS = {"remove-after-stop": "nothing: Pacemaker 3.0 dropped it (it was unsafe); the option is deleted"}
# Values 2.1.5 allows and 3.0.0 does not, with the one 3.0 accepts instead (same source).
REMOVED_VALUES = {"stonith-action": {"poweroff": "off"}}
# Cluster options 3.0 renamed (upgrade-3.10-1.xsl, the schema transform 3.0.0 ships).
RENAMED_OPTIONS = {"crmd-finalization-timeout": "join-finalization-timeout",
                   "crmd-integration-timeout": "join-integration-timeout",
                   "crmd-transition-delay": "transition-delay"}
REMOVED_CLASSES = ("nagios", "upstart")
MAX_FENCING_INDEX = 9
LEGACY_ROLES = {"Master": "Promoted", "Slave": "Unpromoted"}
# Operation meta-attributes 3.0 dropped (Pacemaker 3.0.0 ChangeLog), both spellings 2.1 read.
CAN_FAIL = ("can-fail", "can_fail")
ROLE_AFTER_FAILURE = ("role_after_failure", "role-after-failure")
CONSTRAINT_TAGS = ("rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket")

CODES = {
    "master-resource": "a <master> resource (3.0: a clone with promotable=true)",
    "removed-class": "a resource of the nagios or upstart class (3.0 has neither)",
    "constraint-lifetime": "a <lifetime> in a constraint (3.0: a rule with a date expression)",
    "location-rules": "a location constraint with more than one top-level rule (3.0: one rule each)",
    "rsc-defaults-instance": "instance_attributes in rsc_defaults (3.0: meta_attributes)",
    "restart-type": "the restart-type meta-attribute (3.0: removed; ordering constraints restart dependents)",
    "can-fail": "the can-fail operation meta-attribute (3.0: on-fail=ignore)",
    "role-after-failure": "the role_after_failure operation meta-attribute (3.0: on-fail=demote)",
    "removed-option": "a cluster option 3.0 removed",
    "renamed-option": "a cluster option 3.0 renamed",
    "fencing-level-index": "a fencing level with an index above 9 (3.0 drops it)",
    "date-spec-moon": "a date_spec with moon (3.0 drops the attribute, so the rule changes meaning)",
    "nvpair-without-value": "an nvpair without a value (3.0 drops it)",
    "duplicate-nvpair": "two nvpairs of one name in one set (2.1 used the first; 3.0 keeps only that one)",
    "ping-node": "a node of type ping (3.0: member)",
    "bundle-masters": "a bundle's masters attribute (3.0: promoted-max)",
    "rkt-bundle": "a bundle using rkt (3.0 drops it)",
    "removed-value": "a cluster option value 3.0 refuses",
    "legacy-role": "the role names Master and Slave (3.0's schema: Promoted and Unpromoted)",
    "invalid-score": "a score Pacemaker cannot read (3.0 ignores it silently instead of refusing it)",
    "invalid-role": "a role Pacemaker cannot read (3.0 ignores it silently instead of refusing it)",
}


def _finding(code, obj, message, replacement, fixable):
    return {"code": code, "object": obj, "message": message, "replacement": replacement, "fixable": fixable}


def _configuration(root):
    config = root.find("configuration") if root is not None else None
    return config if config is not None else ET.Element("configuration")


def _ids(root):
    return set(el.get("id") for el in root.iter() if el.get("id"))


def _new_id(taken, base):
    """base, or base-2, base-3 ... : an id no element of the CIB has (added to taken)."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = "%s-%d" % (base, n)
    taken.add(candidate)
    return candidate


def _owner(parents, el):
    """The nearest ancestor with an id (the object a finding names)."""
    while el is not None and el.get("id") is None:
        el = parents.get(el)
    return el


_OBJECTS = CONSTRAINT_TAGS + ("primitive", "group", "clone", "master", "bundle", "template", "fencing-level")


def _object_of(parents, el):
    """The configuration object (a resource, constraint or fencing level) an element is part of."""
    while el is not None and el.tag not in _OBJECTS:
        el = parents.get(el)
    return el


def _label(el):
    return "%s %s" % (el.tag, el.get("id")) if el is not None else "the configuration"


def _nvpairs(config, names, sections=("resources", "op_defaults", "rsc_defaults")):
    """(parent set, nvpair) for every nvpair called one of names under the given sections."""
    out = []
    for sname in sections:
        section = config.find(sname)
        if section is None:
            continue
        for nvset in section.iter():
            for nv in nvset.findall("nvpair"):
                if nv.get("name") in names:
                    out.append((nvset, nv))
    return out


# ---------------------------------------------------------------------------------------------
# The scan and the fixes share one walk: each rule below looks at the configuration and, when fix is
# True, changes it in place. A rule returns its findings; a fixed finding says fixable=True.


def _rule_master(config, parents, taken, fix):
    out = []
    for el in list(config.iter("master")):
        rid = el.get("id")
        out.append(_finding("master-resource", "master %s" % rid,
                            "master %s is a <master> resource, which Pacemaker 3.0 no longer accepts" % rid,
                            "a <clone id=%s> with the meta-attribute promotable=true (same id, same children)" % rid,
                            True))
        if fix:
            el.tag = "clone"
            meta = el.find("meta_attributes")
            if meta is None:
                meta = ET.Element("meta_attributes", {"id": _new_id(taken, "%s-meta_attributes" % rid)})
                el.insert(0, meta)
            for nv in meta.findall("nvpair"):
                if nv.get("name") == "promotable":
                    meta.remove(nv)
            ET.SubElement(meta, "nvpair", {"id": _new_id(taken, "%s-meta_attributes-promotable" % rid),
                                           "name": "promotable", "value": "true"})
    return out


def _rule_classes(config, parents, taken, fix):
    out = []
    for el in config.iter("primitive"):
        if el.get("class") in REMOVED_CLASSES:
            out.append(_finding("removed-class", "primitive %s" % el.get("id"),
                                "primitive %s uses the %s class, which Pacemaker 3.0 removed: it drops the resource (and a "
                                "group, clone or constraint left empty by that)" % (el.get("id"), el.get("class")),
                                "an ocf: or systemd: agent for the same service (pcs resource create ... systemd:<unit>); "
                                "nagios checks belong to the monitoring system", False))
    return out


def _rule_lifetime(config, parents, taken, fix):
    out = []
    for el in list(config.iter()):
        if el.tag not in CONSTRAINT_TAGS:
            continue
        lifetime = el.find("lifetime")
        if lifetime is None:
            continue
        cid = el.get("id")
        rules = lifetime.findall("rule")
        simple = (el.tag == "rsc_location" and el.get("node") and el.get("score") is not None
                  and el.find("rule") is None and len(rules) == 1)
        out.append(_finding("constraint-lifetime", "%s %s" % (el.tag, cid),
                            "%s %s has a <lifetime>, which Pacemaker 3.0 no longer accepts" % (el.tag, cid),
                            "a location rule: #uname eq %s and the lifetime's date expression, score %s"
                            % (el.get("node"), el.get("score")) if simple else
                            "delete the constraint if its lifetime is over (pcs constraint delete %s); Pacemaker 3.0 "
                            "drops the lifetime of a colocation or order, which then holds for good" % cid,
                            bool(simple)))
        if fix and simple:
            rule = ET.SubElement(el, "rule", {"id": _new_id(taken, "%s-rule" % cid), "score": el.get("score"),
                                              "boolean-op": "and"})
            ET.SubElement(rule, "expression", {"id": _new_id(taken, "%s-rule-expr" % cid), "attribute": "#uname",
                                               "operation": "eq", "value": el.get("node")})
            rule.append(rules[0])
            el.remove(lifetime)
            for attr in ("node", "score"):
                del el.attrib[attr]
    return out


def _rule_location_rules(config, parents, taken, fix):
    out = []
    for el in list(config.iter("rsc_location")):
        rules = el.findall("rule")
        if len(rules) < 2:
            continue
        cid = el.get("id")
        out.append(_finding("location-rules", "rsc_location %s" % cid,
                            "rsc_location %s has %d top-level rules; Pacemaker 3.0 accepts one" % (cid, len(rules)),
                            "one location constraint per rule (%s keeps the first; the others get ids %s-N), "
                            "which means the same: each rule's score applied when the rule holds" % (cid, cid), True))
        if fix:
            parent = parents[el]
            at = list(parent).index(el)
            for n, rule in enumerate(rules[1:], start=1):
                el.remove(rule)
                twin = ET.Element("rsc_location", dict(el.attrib))
                twin.set("id", _new_id(taken, "%s-%d" % (cid, n + 1)))
                for child in el:
                    if child.tag != "rule":
                        twin.append(copy.deepcopy(child))
                twin.append(rule)
                parent.insert(at + n, twin)
                parents[twin] = parent
    return out


def _rule_rsc_defaults(config, parents, taken, fix):
    out = []
    section = config.find("rsc_defaults")
    for nvset in ([] if section is None else section.findall("instance_attributes")):
        names = [nv.get("name") for nv in nvset.findall("nvpair")]
        out.append(_finding("rsc-defaults-instance", "rsc_defaults %s" % nvset.get("id"),
                            "rsc_defaults has instance_attributes %s (%s); Pacemaker 3.0 ignores them"
                            % (nvset.get("id"), ", ".join(names) or "empty"),
                            "the same values as meta_attributes, which is how 2.1 used them", True))
        if fix:
            nvset.tag = "meta_attributes"
    return out


def _object(parents, nvset):
    """What an nvset's values belong to: "primitive X", "op X-monitor-10s", "rsc_defaults" ..."""
    parent = parents.get(nvset)
    if parent is None or parent.tag in ("rsc_defaults", "op_defaults"):
        return parent.tag if parent is not None else "the configuration"
    return _label(_owner(parents, parent))


def _rule_restart_type(config, parents, taken, fix):
    out = []
    for nvset, nv in _nvpairs(config, ("restart-type",)):
        what = _object(parents, nvset)
        harmless = (nv.get("value") or "ignore").strip().lower() == "ignore"
        out.append(_finding("restart-type", what, "%s sets restart-type=%s, which Pacemaker 3.0 removed"
                            % (what, nv.get("value")),
                            "nothing (ignore is the default): the attribute is deleted" if harmless else
                            "mandatory ordering constraints (kind=Mandatory) from the resources this one depends on "
                            "restart it; then delete restart-type", harmless))
        if fix and harmless:
            nvset.remove(nv)
    return out


def _op_of(parents, nvset):
    """The <op> an operation's meta_attributes belong to, or None (op_defaults)."""
    parent = parents.get(nvset)
    return parent if parent is not None and parent.tag == "op" else None


def _set_on_fail(parents, nvset, value, taken):
    op = _op_of(parents, nvset)
    if op is not None:
        op.set("on-fail", value)
        return
    for nv in nvset.findall("nvpair"):
        if nv.get("name") == "on-fail":
            nv.set("value", value)
            return
    ET.SubElement(nvset, "nvpair", {"id": _new_id(taken, "%s-on-fail" % nvset.get("id")), "name": "on-fail",
                                    "value": value})


def _on_fail(parents, nvset):
    op = _op_of(parents, nvset)
    if op is not None and op.get("on-fail"):
        return op.get("on-fail")
    for nv in nvset.findall("nvpair"):
        if nv.get("name") == "on-fail":
            return nv.get("value")
    return None


def _promoted_op(op):
    """An operation where on-fail=demote is allowed: promote, or a monitor of the promoted role."""
    if op is None:
        return False
    role = LEGACY_ROLES.get(op.get("role"), op.get("role"))
    return op.get("name") == "promote" or (op.get("name") == "monitor" and role == "Promoted")


def _op_meta_plan(name, value, current, op):
    """(code, on-fail to set or None, replacement text, fixable) for a can-fail or role_after_failure value
    (op: the <op> it belongs to, None for op_defaults)."""
    if name in CAN_FAIL:
        wants = v.collect([], v.boolean, value, name)
        if wants is None:
            return "can-fail", None, "on-fail=ignore if failures are to be ignored; delete %s" % name, False
        if not wants:
            return "can-fail", None, "nothing (false is the default): the attribute is deleted", True
        code, target = "can-fail", "ignore"
    elif LEGACY_ROLES.get(value, value) != "Unpromoted" or op is None:
        return ("role-after-failure", None, "an on-fail chosen by hand (demote on a promoted monitor, stop, restart, "
                                            "block); delete %s" % name, False)
    elif not _promoted_op(op):
        # Recovery of an operation outside the promoted role already ends unpromoted.
        return "role-after-failure", None, "nothing (the default recovery ends unpromoted): the attribute is deleted", True
    else:
        code, target = "role-after-failure", "demote"
    if current not in (None, target):
        return code, None, "on-fail=%s or the on-fail=%s already set: decide which you mean, then delete %s" % (
            target, current, name), False
    return code, target, "on-fail=%s, which means the same" % target, True


def _rule_op_meta(config, parents, taken, fix):
    out = []
    planned = {}  # nvset -> the on-fail an earlier finding in the same set sets (scan and fix agree)
    for nvset, nv in _nvpairs(config, CAN_FAIL + ROLE_AFTER_FAILURE, ("resources", "op_defaults")):
        what = _object(parents, nvset)
        value = (nv.get("value") or "").strip()
        current = planned.get(nvset) or _on_fail(parents, nvset)
        code, target, instead, fixable = _op_meta_plan(nv.get("name"), value, current, _op_of(parents, nvset))
        out.append(_finding(code, what, "%s sets %s=%s, which Pacemaker 3.0 removed" % (what, nv.get("name"), value),
                            instead, fixable))
        if fixable and target:
            planned[nvset] = target
        if fix and fixable:
            if target:
                _set_on_fail(parents, nvset, target, taken)
            nvset.remove(nv)
    return out


def _rule_options(config, parents, taken, fix):
    out = []
    section = config.find("crm_config")
    for nvset in ([] if section is None else section.findall("cluster_property_set")):
        for nv in list(nvset.findall("nvpair")):
            name, value = nv.get("name"), nv.get("value")
            if name in REMOVED_OPTIONS:
                out.append(_finding("removed-option", "property %s" % name,
                                    "cluster option %s=%s: Pacemaker 3.0 removed it" % (name, value),
                                    REMOVED_OPTIONS[name], True))
                if fix:
                    nvset.remove(nv)
                continue
            if name in RENAMED_OPTIONS:
                new = RENAMED_OPTIONS[name]
                clash = [x for x in nvset.findall("nvpair") if x.get("name") == new]
                out.append(_finding("renamed-option", "property %s" % name,
                                    "cluster option %s: Pacemaker 3.0 calls it %s" % (name, new),
                                    "%s=%s" % (new, value) if not clash else "delete %s: %s is set too (%s)"
                                    % (name, new, clash[0].get("value")), not clash))
                if fix and not clash:
                    nv.set("name", new)
                continue
            instead = REMOVED_VALUES.get(name, {}).get((value or "").strip().lower())
            if instead:
                out.append(_finding("removed-value", "property %s" % name,
                                    "cluster option %s=%s: Pacemaker 3.0 refuses %s" % (name, value, value),
                                    "%s=%s, which does the same" % (name, instead), True))
                if fix:
                    nv.set("value", instead)
    return out


_ROLE_ATTRS = ("role", "rsc-role", "with-rsc-role")


def _role_places(config):
    """(element, attribute) for every role value of constraints, sets, rules and operations."""
    for el in config.iter():
        if el.tag in CONSTRAINT_TAGS + ("rule", "resource_set", "op"):
            for attr in _ROLE_ATTRS:
                if el.get(attr) is not None:
                    yield el, attr


def _rule_roles(config, parents, taken, fix):
    out = []
    for el, attr in _role_places(config):
        value = el.get(attr)
        owner = _owner(parents, el)
        try:
            role = v.role(value, attr)
        except v.ValidationError as e:
            out.append(_finding("invalid-role", _label(owner), "%s: %s" % (_label(owner), e),
                                "one of Started, Stopped, Promoted, Unpromoted", False))
            continue
        if role in LEGACY_ROLES:
            out.append(_finding("legacy-role", _label(owner), "%s has %s=%s" % (_label(owner), attr, value),
                                "%s=%s (the same role, by its 3.0 name)" % (attr, LEGACY_ROLES[role]), True))
            if fix:
                el.set(attr, LEGACY_ROLES[role])
    for nvset, nv in _nvpairs(config, ("target-role",), ("resources", "rsc_defaults")):
        owner = _owner(parents, parents.get(nvset))
        value = (nv.get("value") or "").strip()
        if value in LEGACY_ROLES:
            out.append(_finding("legacy-role", _label(owner), "%s has target-role=%s" % (_label(owner), value),
                                "target-role=%s (the same role, by its 3.0 name)" % LEGACY_ROLES[value], True))
            if fix:
                nv.set("value", LEGACY_ROLES[value])
    return out


def _rule_scores(config, parents, taken, fix):
    out = []
    for el in config.iter():
        if el.tag not in CONSTRAINT_TAGS + ("rule", "resource_set"):
            continue
        if el.get("score") is None:
            continue
        try:
            v.score(el.get("score"), "score")
        except v.ValidationError as e:
            owner = _owner(parents, el)
            out.append(_finding("invalid-score", _label(owner), "%s: %s" % (_label(owner), e),
                                "a whole number, INFINITY or -INFINITY (2.1 refused this value, 3.0 reads it as "
                                "0 without a word)", False))
    return out


def _rule_dropped(config, parents, taken, fix):
    """What 3.0's schema transform drops without a replacement: a person decides."""
    out = []
    for el in config.iter("fencing-level"):
        index = v.collect([], v.integer, el.get("index"), "index")
        if index is not None and index > MAX_FENCING_INDEX:
            out.append(_finding("fencing-level-index", "fencing-level %s" % el.get("id"),
                                "fencing-level %s (target %s) has index %s; Pacemaker 3.0 drops levels above %d"
                                % (el.get("id"), el.get("target") or el.get("target-pattern") or el.get("target-attribute"),
                                   el.get("index"), MAX_FENCING_INDEX),
                                "renumber the target's levels 1 to 9 (pcs stonith level clear, then pcs stonith level add)",
                                False))
    for el in config.iter("date_spec"):
        if el.get("moon") is not None:
            owner = _object_of(parents, el)
            out.append(_finding("date-spec-moon", _label(owner),
                                "%s: date_spec %s has moon=%s; Pacemaker 3.0 drops it and the rule then holds on "
                                "other days" % (_label(owner), el.get("id"), el.get("moon")),
                                "a date_spec without moon (days, weekdays, months ...)", False))
    for el in config.iter("bundle"):
        if el.find("rkt") is not None:
            out.append(_finding("rkt-bundle", "bundle %s" % el.get("id"),
                                "bundle %s uses rkt; Pacemaker 3.0 drops the bundle" % el.get("id"),
                                "the same bundle with docker or podman", False))
    return out


def _rule_renamed_attrs(config, parents, taken, fix):
    out = []
    for bundle in config.iter("bundle"):
        for runtime in bundle:
            if runtime.get("masters") is None:
                continue
            out.append(_finding("bundle-masters", "bundle %s" % bundle.get("id"),
                                "bundle %s: %s has masters=%s, which Pacemaker 3.0 calls promoted-max"
                                % (bundle.get("id"), runtime.tag, runtime.get("masters")),
                                "promoted-max=%s" % runtime.get("masters"), runtime.get("promoted-max") is None))
            if fix and runtime.get("promoted-max") is None:
                runtime.set("promoted-max", runtime.get("masters"))
                del runtime.attrib["masters"]
    nodes = config.find("nodes")
    for node in ([] if nodes is None else nodes.findall("node")):
        if node.get("type") == "ping":
            out.append(_finding("ping-node", "node %s" % node.get("uname"),
                                "node %s has type=ping, which Pacemaker 3.0 reads as member" % node.get("uname"),
                                "type=member (what 3.0 makes of it)", True))
            if fix:
                node.set("type", "member")
    return out


def _rule_nvpairs(config, parents, taken, fix):
    """nvpairs 3.0's transform drops: without a value, and later duplicates of a name in one set."""
    out = []
    for nvset in list(config.iter()):
        pairs = nvset.findall("nvpair")
        if not pairs:
            continue
        what = _object(parents, nvset)
        seen = {}
        defaults = set(nv.get("name") for nv in pairs if nv.get("value") == "#default")
        for nv in pairs:
            name = nv.get("name")
            if nv.get("value") is None:
                out.append(_finding("nvpair-without-value", what, "%s: nvpair %s (%s) has no value; Pacemaker 3.0 "
                                    "drops it" % (what, nv.get("id"), name), "nothing: it set nothing; it is deleted",
                                    True))
                if fix:
                    nvset.remove(nv)
                continue
            if name in seen:
                fixable = name not in defaults
                out.append(_finding("duplicate-nvpair", what, "%s: %s is set twice in %s (%s, then %s)" % (
                    what, name, nvset.get("id"), seen[name], nv.get("value")),
                    "one %s=%s, the one 2.1 uses" % (name, seen[name]) if fixable else
                    "one %s, chosen by hand (a #default value makes the order matter)" % name, fixable))
                if fix and fixable:
                    nvset.remove(nv)
                continue
            seen[name] = nv.get("value")
    return out


RULES = (_rule_nvpairs, _rule_master, _rule_classes, _rule_lifetime, _rule_location_rules, _rule_rsc_defaults, _rule_restart_type,
         _rule_op_meta, _rule_options, _rule_roles, _rule_scores, _rule_dropped, _rule_renamed_attrs)


def _walk(root, fix):
    config = _configuration(root)
    parents = dict((child, parent) for parent in config.iter() for child in parent)
    taken = _ids(root)
    found = []
    for rule in RULES:
        found += rule(config, parents, taken, fix)
    return found


def findings(root):
    """Everything in the CIB (an ElementTree root) Pacemaker 3.0 drops or refuses: a list of
    {code, object, message, replacement, fixable}. root None (no CIB) gives []."""
    if root is None:
        return []
    return _walk(root, False)


def fix(root):
    """(candidate, fixed, left): a copy of root with every fixable finding replaced, the findings it
    replaced, and those that need a person. The candidate's epoch is root's (the caller bumps it)."""
    candidate = copy.deepcopy(root)
    found = _walk(candidate, True)
    return candidate, [f for f in found if f["fixable"]], [f for f in found if not f["fixable"]]


def summary(found):
    """One line per finding, for messages and reports."""
    return ["%s: %s -> %s" % (f["object"], f["message"], f["replacement"]) for f in found]
