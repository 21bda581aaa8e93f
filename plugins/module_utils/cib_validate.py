# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge the cib module's input before any candidate CIB is built.

`check(desired, context)` types every field of the CIB model by Pacemaker's own value types (score,
duration, ISO 8601 date, boolean, integer, role), refuses unknown option names with a suggestion, and
checks every reference it can (resources, nodes, fence devices, ACL roles, alert agents). It returns
(errors, warnings): every problem at once, each naming the object and the field as the user wrote them,
e.g. "locations loc-web.score: 'high' is not a score (...)".

What the caller knows decides how far references are checked (`Context`): the cib module passes what the
live CIB holds and the node's option metadata; the cluster role's preflight on the controller passes the
planned node names only, so references to objects that only the live CIB could hold are left to the module.
Pure: no I/O here (the alert path check is a callable the caller passes).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import validate as v
from ansible_collections.clusterops.ha.plugins.module_utils.cib import (
    CONSTRAINT_KINDS,
    DICT_KINDS,
    ID_KINDS,
    key_of,
    scalar,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_compare import comparable
from ansible_collections.clusterops.ha.plugins.module_utils.cib_normalize import (
    default_constraint_id,
    normalize,
)
from ansible_collections.clusterops.ha.plugins.module_utils.pcmk_metadata import (
    OP_ATTRIBUTES,
    RESOURCE_META,
    check_options,
)

# Pacemaker's remote-node connection agent: its resource id is a node name.
REMOTE_AGENT = "ocf:pacemaker:remote"


def only_changes(desired, current):
    """desired without what the live configuration (current: cib_export.export of the live CIB) already says:
    what exists is not judged again (a restore of an export, dc-version in properties, a custom
    meta attribute Pacemaker accepts), only what the call would change."""
    out = dict(desired or {})
    for kind in DICT_KINDS:
        live = current.get(kind) or {}
        values = out.get(kind)
        if isinstance(values, dict):
            out[kind] = dict((k, val) for k, val in values.items() if val is None or live.get(str(k)) != scalar(val))
    for kind in ID_KINDS:
        live = dict((key_of(kind, o), comparable(kind, o)) for o in current.get(kind) or [])
        kept = []
        for obj in out.get(kind) or []:
            try:
                same = (isinstance(obj, dict) and obj.get("state", "present") == "present"
                        and live.get(obj.get("id")) == comparable(kind, normalize(
                            kind, dict((k, val) for k, val in obj.items() if k != "state"))))
            except (KeyError, TypeError, ValueError, AttributeError):
                same = False
            if not same:
                kept.append(obj)
        if kind in out:
            out[kind] = kept
    return out


class Context:
    """What is known besides the input. None means unknown: that kind of reference is not checked."""

    def __init__(self, nodes=None, resources=None, stonith=None, acl_roles=None, options=None,
                 path_exists=None, allow_legacy_roles=True):
        self.nodes = None if nodes is None else set(nodes)
        self.resources = None if resources is None else set(resources)
        self.stonith = None if stonith is None else set(stonith)
        self.acl_roles = None if acl_roles is None else set(acl_roles)
        self.options = options
        self.path_exists = path_exists
        self.allow_legacy_roles = allow_legacy_roles


class _Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def run(self, fn, *args, **kwargs):
        """fn's canonical value, or None with its error recorded."""
        try:
            return fn(*args, **kwargs)
        except v.ValidationError as e:
            self.errors.append(str(e))
            return None

    def error(self, text):
        self.errors.append(text)


def _present(objs):
    return [o for o in objs or [] if (o or {}).get("state", "present") != "absent"]


def _label(kind, obj, index):
    ident = obj.get("id") if isinstance(obj, dict) else None
    if not ident and isinstance(obj, dict) and kind in CONSTRAINT_KINDS:
        ident = default_constraint_id(kind, obj)  # the id the planner gives it
    return "%s %s" % (kind, ident if ident else "[%d]" % index)


def _check_meta(r, label, values, table, what):
    """Known names typed by their table; unknown names that look like a known one are refused."""
    for name, value in sorted((values or {}).items()):
        field = "%s.%s.%s" % (label, what, name)
        info = table.get(name)
        if info is None:
            hint = v.suggest(str(name), list(table))
            if hint:
                r.error("%s: unknown %s attribute%s" % (field, what, hint))
            continue
        if value is None:
            continue
        r.run(v.by_type, info.get("type") or "string", value, field, allowed=info.get("values"))


def _check_utilization(r, label, values):
    for name, value in sorted((values or {}).items()):
        # Pacemaker's utilization values are non-negative integers; anything else is ignored silently.
        r.run(v.integer, value, "%s.utilization.%s" % (label, name), minimum=0)


def _check_operations(r, label, ops):
    for index, op in enumerate(ops or []):
        name = op.get("name") or "[%d]" % index
        field = "%s.operations[%s]" % (label, name)
        for key in ("interval", "timeout", "start_delay"):
            if op.get(key) is not None:
                r.run(v.duration, op[key], "%s.%s" % (field, key))
        if op.get("interval_origin") is not None:
            r.run(v.iso8601_datetime, op["interval_origin"], field + ".interval_origin")
        if op.get("role") is not None:
            r.run(v.role, op["role"], field + ".role")


def _check_sets(r, label, sets, refs):
    for index, s in enumerate(sets or []):
        field = "%s.sets[%d]" % (label, index)
        if s.get("score") is not None:
            r.run(v.score, s["score"], field + ".score")
        if s.get("role") is not None:
            r.run(v.role, s["role"], field + ".role")
        for rid in s.get("resources") or []:
            refs.append((field + ".resources", rid))


def _check_rules(r, label, rules):
    for index, rule in enumerate(rules or []):
        field = "%s.rules[%d]" % (label, index)
        if rule.get("score") is not None:
            r.run(v.score, rule["score"], field + ".score")
        if rule.get("score") is not None and rule.get("score_attribute"):
            r.error("%s: give score or score_attribute, not both" % field)
        if rule.get("role") is not None:
            r.run(v.role, rule["role"], field + ".role")
        if not rule.get("expressions") and not rule.get("date_expressions"):
            r.error("%s: a rule needs at least one expression or date expression" % field)
        for i, expr in enumerate(rule.get("expressions") or []):
            efield = "%s.expressions[%d]" % (field, i)
            op, value, kind = expr.get("operation"), expr.get("value"), expr.get("type") or "string"
            if op in ("defined", "not_defined"):
                if value is not None:
                    r.error("%s.value: %s takes no value" % (efield, op))
                continue
            if value is None:
                r.error("%s.value: %s needs a value" % (efield, op))
            elif kind == "integer":
                r.run(v.integer, value, efield + ".value")
            elif kind == "number":
                try:
                    float(str(value))
                except ValueError:
                    r.error("%s.value: %r is not a number (type is number)" % (efield, value))
        for i, date in enumerate(rule.get("date_expressions") or []):
            dfield = "%s.date_expressions[%d]" % (field, i)
            for key in ("start", "end"):
                if date.get(key) is not None:
                    r.run(v.iso8601_datetime, date[key], "%s.%s" % (dfield, key))
            op = date.get("operation")
            need = {"gt": ("start",), "lt": ("end",), "in_range": ()}.get(op, ())
            for key in need:
                if date.get(key) is None:
                    r.error("%s.%s: operation %s needs %s" % (dfield, key, op, key))
            if op == "in_range" and date.get("start") is None and date.get("end") is None:
                r.error("%s: operation in_range needs start, end or both" % dfield)


# Per constraint kind: the fields that are scores, roles and resource references.
CONSTRAINT_FIELDS = {
    "locations": (("score",), ("role",), ("resource",)),
    "colocations": (("score",), ("resource_role", "with_role"), ("resource", "with")),
    "orders": ((), (), ("first", "then")),
    "tickets": ((), ("role",), ("resource",)),
}


def _check_node(r, field, name, nodes):
    """name must be a node of the cluster, when the nodes are known."""
    if nodes is not None and name not in nodes:
        hint = v.suggest(str(name), sorted(nodes)) or " (nodes: %s)" % ", ".join(sorted(nodes))
        r.error("%s: %r is not a node of this cluster%s" % (field, name, hint))


def _ids(objs):
    return set(str(o.get("id")) for o in _present(objs) if isinstance(o, dict) and o.get("id"))


def _absent_ids(objs):
    return set(str(o.get("id")) for o in objs or [] if (o or {}).get("state") == "absent" and o.get("id"))


def check(desired, context=None):
    """(errors, warnings) for the cib module's input. See the module docstring."""
    ctx = context or Context()
    r = _Report()
    desired = dict((k, val) for k, val in (desired or {}).items() if val is not None)
    # Everything becomes XML: no control characters, no empty names (of params, meta, properties...).
    for kind in sorted(desired):
        if isinstance(desired[kind], list):
            for index, obj in enumerate(desired[kind]):
                for message in v.text_errors(obj, _label(kind, obj, index)):
                    r.error(message)
        else:
            for message in v.text_errors(desired[kind], kind):
                r.error(message)
    primitives = _present(desired.get("primitives"))
    removed = set()
    for kind in ("primitives", "groups", "clones"):
        removed |= _absent_ids(desired.get(kind))
    asked = _ids(primitives) | _ids(desired.get("groups")) | _ids(desired.get("clones"))
    resources = None if ctx.resources is None else (ctx.resources - removed) | asked
    stonith = set(str(p.get("id")) for p in primitives if str(p.get("agent") or "").startswith("stonith:"))
    if ctx.stonith is not None:
        stonith |= ctx.stonith - removed
    nodes = None
    if ctx.nodes is not None:
        nodes = set(ctx.nodes) | set(str(p.get("id")) for p in primitives if p.get("agent") == REMOTE_AGENT)
    refs = []  # (field, resource id)

    # Ids: Pacemaker's id syntax, unique within one call across every kind with ids.
    seen = {}
    for kind in ("primitives", "groups", "clones", "locations", "colocations", "orders", "tickets", "tags",
                 "acl_roles", "acl_targets", "acl_groups", "alerts"):
        for index, obj in enumerate(desired.get(kind) or []):
            if not isinstance(obj, dict) or obj.get("id") in (None, ""):
                continue
            r.run(v.cib_id, obj["id"], "%s.id" % _label(kind, obj, index))
            if obj.get("state", "present") == "present":
                if obj["id"] in seen and kind != "acl_targets" and seen[obj["id"]] != "acl_targets":
                    r.error("%s: id %s is given twice (also under %s)" % (_label(kind, obj, index), obj["id"],
                                                                          seen[obj["id"]]))
                seen.setdefault(obj["id"], kind)

    for index, obj in enumerate(primitives):
        label = _label("primitives", obj, index)
        _check_meta(r, label, obj.get("meta"), RESOURCE_META, "meta")
        _check_utilization(r, label, obj.get("utilization"))
        _check_operations(r, label, obj.get("operations"))
    for kind in ("groups", "clones"):
        for index, obj in enumerate(_present(desired.get(kind))):
            label = _label(kind, obj, index)
            _check_meta(r, label, obj.get("meta"), RESOURCE_META, "meta")
            members = obj.get("members") if kind == "groups" else ([obj["member"]] if obj.get("member") else [])
            for m in members or []:
                refs.append(("%s.%s" % (label, "members" if kind == "groups" else "member"), m))

    for kind, (scores, roles, ref_keys) in CONSTRAINT_FIELDS.items():
        for index, obj in enumerate(_present(desired.get(kind))):
            label = _label(kind, obj, index)
            for key in scores:
                if obj.get(key) is not None:
                    r.run(v.score, obj[key], "%s.%s" % (label, key))
            for key in roles:
                if obj.get(key) is not None:
                    r.run(v.role, obj[key], "%s.%s" % (label, key), allow_legacy=ctx.allow_legacy_roles)
            for key in ref_keys:
                if obj.get(key):
                    refs.append(("%s.%s" % (label, key), obj[key]))
            _check_sets(r, label, obj.get("sets"), refs)
            if kind == "locations":
                if obj.get("node"):
                    _check_node(r, label + ".node", obj["node"], nodes)
                _check_rules(r, label, obj.get("rules"))
            if kind == "tickets" and obj.get("ticket") is not None:
                r.run(v.cib_id, obj["ticket"], label + ".ticket")
    for index, obj in enumerate(_present(desired.get("tags"))):
        for m in obj.get("members") or []:
            refs.append((_label("tags", obj, index) + ".members", m))

    roles = _ids(desired.get("acl_roles")) | (ctx.acl_roles or set())
    for kind in ("acl_targets", "acl_groups"):
        for index, obj in enumerate(_present(desired.get(kind))):
            for role_id in obj.get("roles") or []:
                if ctx.acl_roles is not None and role_id not in roles:
                    r.error("%s.roles: %r is not an ACL role (define it under acl_roles)%s"
                            % (_label(kind, obj, index), role_id, v.suggest(str(role_id), sorted(roles))))
    for index, obj in enumerate(_present(desired.get("acl_roles"))):
        for i, perm in enumerate(obj.get("permissions") or []):
            given = [k for k in ("xpath", "reference", "object_type") if perm.get(k)]
            if len(given) != 1:
                r.error("%s.permissions[%d]: give exactly one of xpath, reference, object_type"
                        % (_label("acl_roles", obj, index), i))

    for index, obj in enumerate(_present(desired.get("alerts"))):
        label = _label("alerts", obj, index)
        path = obj.get("path")
        if path and not str(path).startswith("/"):
            r.error("%s.path: %r is not an absolute path (the agent runs as hacluster from /)" % (label, path))
        elif path and ctx.path_exists is not None and not ctx.path_exists(path):
            r.error("%s.path: %s does not exist on this node (install the alert agent on every node first)"
                    % (label, path))
        meta = obj.get("meta") or {}
        if meta.get("timeout") is not None:
            r.run(v.duration, meta["timeout"], label + ".meta.timeout")

    for index, level in enumerate(_present(desired.get("fencing_levels"))):
        label = "fencing_levels %s:%s" % (level.get("target"), level.get("index"))
        r.run(v.integer, level.get("index"), label + ".index", minimum=1, maximum=9)
        _check_node(r, label + ".target", level.get("target"), nodes)
        if not level.get("devices"):
            r.error("%s.devices: name at least one fence device" % label)
        for device in level.get("devices") or []:
            if ctx.stonith is not None and device not in stonith:
                r.error("%s.devices: %r is not a fence device (a stonith: primitive)%s"
                        % (label, device, v.suggest(str(device), sorted(stonith))))

    for index, node in enumerate(desired.get("nodes") or []):
        label = "nodes %s" % (node.get("name") or "[%d]" % index)
        _check_node(r, label + ".name", node.get("name"), nodes)
        _check_utilization(r, label, node.get("utilization"))

    for kind, table in (("rsc_defaults", RESOURCE_META), ("op_defaults", OP_ATTRIBUTES)):
        values = desired.get(kind) or {}
        if values:
            errors, warnings = check_options(values, table, kind)
            r.errors.extend(errors)
            r.warnings.extend(warnings)
    if desired.get("properties") and ctx.options is not None:
        errors, warnings = check_options(desired["properties"], ctx.options, "properties")
        r.errors.extend(errors)
        r.warnings.extend(warnings)

    if resources is not None:
        known = resources
    else:
        # Without the live CIB only what this call names can be judged; other ids may exist there.
        known = None
    for field, rid in refs:
        if known is not None and rid not in known:
            hint = v.suggest(str(rid), sorted(known)) or " (define it under primitives, groups or clones)"
            r.error("%s: %r is not a resource%s" % (field, rid, hint))
    return r.errors, r.warnings
