# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pacemaker's own option metadata: cluster options, resource meta-attributes, operation attributes.

The names, types and allowed values of cluster options (properties) are read from the node's own
Pacemaker, never from a list kept here:

- ``pacemaker-schedulerd metadata``, ``pacemaker-controld metadata`` and ``pacemaker-based metadata``
  (in /usr/lib/pacemaker on Debian, /usr/libexec/pacemaker on RHEL and SUSE), every version;
- ``crm_attribute --list-options=cluster --all --output-as=xml``, Pacemaker 2.1.8 and later
  (Debian trixie's 3.0.0 has it, bookworm's 2.1.5 answers "Unknown option", exit 64). Where both
  are given, this one wins: it carries the newer types (duration, timeout, score, version) and the
  ``advanced``/``generated`` flags, which the daemons' legacy output lacks even in 3.0.0.

``pacemaker-fenced metadata`` prints the parameters every fence device takes (pcmk_host_list ...),
not cluster options, in both 2.1.5 and 3.0.0: cluster_options() leaves such a document out.

Resource meta-attributes come from ``crm_resource --list-options=primitive --output-as=xml`` where it
exists (3.0.0: yes; 2.1.5: no); clone, promotable and group meta-attributes and the operation
attributes have no metadata in any version, so RESOURCE_META and OP_ATTRIBUTES below are hand lists
taken from Pacemaker Explained (2.1.5 and 3.0.0, doc/sphinx/Pacemaker_Explained/*.rst), each entry
naming its source.

Types are Pacemaker's own words (lib/common/options.c, include/crm/common/options.h):
boolean, integer, nonnegative_integer, score, duration, timeout, time (the daemons' legacy word for a
duration), percentage, port, select (with ``values``), string, version; plus iso8601 (a date and time)
for the hand-listed ``interval-origin``. An unknown type accepts any string.

Everything here is pure and uses the standard library only (Python 3.8 syntax at most: this runs on
managed nodes). The tests use the real outputs captured in tests/unit/fixtures/metadata/.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils import validate as v

KINDS = ("properties", "rsc_defaults", "op_defaults")

_WHAT = {
    "properties": "cluster option",
    "rsc_defaults": "resource meta-attribute",
    "op_defaults": "operation attribute",
}
_SEE = {
    "properties": "see pacemaker-schedulerd metadata",
    "rsc_defaults": "see Pacemaker Explained, Resource Meta-Attributes",
    "op_defaults": "see Pacemaker Explained, Operation Properties",
}

# Options Pacemaker writes itself; a user's value is ignored or overwritten. 3.0.0's crm_attribute
# --list-options marks the first three generated="1"; 2.1.5's metadata has no such flag (it says of
# have-watchdog "User-configured values are ignored"). last-lrm-refresh is in no metadata: the
# controller writes it into crm_config on a refresh (daemons/controld/controld_execd.c, 2.1.5 and 3.0.0),
# so real CIBs carry it.
PACEMAKER_MAINTAINED = ("dc-version", "cluster-infrastructure", "have-watchdog", "last-lrm-refresh")

# Durations that may be negative (Pacemaker Explained: "If this is set to a negative value, the
# cluster will use twice the local value of the SBD_WATCHDOG_TIMEOUT environment variable").
_NEGATIVE_DURATION_OK = ("stonith-watchdog-timeout", "fencing-watchdog-timeout")

_MARK_ADVANCED = "*** Advanced Use Only ***"
_MARK_DEPRECATED = "*** Deprecated ***"
_ALLOWED = re.compile(r"Allowed values:\s*(.+?)\s*$", re.S)


def _flag(value):
    return v.flag(value, False)


def _text(el):
    """An element's text with its whitespace folded (3.0.0's daemons indent every text)."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _desc(param, tag):
    """The English (or language-less) longdesc/shortdesc of a parameter, else the first one."""
    found = param.findall(tag)
    for el in found:
        if el.get("lang") in (None, "en"):
            return _text(el)
    return _text(found[0]) if found else ""


def _info(param):
    content = param.find("content")
    kind = (content.get("type") if content is not None else None) or "string"
    default = content.get("default") if content is not None else None
    values = [o.get("value") for o in content.findall("option")] if content is not None else []
    longdesc = _desc(param, "longdesc")
    shortdesc = _desc(param, "shortdesc")
    if not values and kind in ("select", "enum"):
        # Older daemons put the choices only into the prose: "...  Allowed values: stop, freeze, ignore".
        m = _ALLOWED.search(longdesc)
        if m:
            values = [v.strip().rstrip(".") for v in m.group(1).split(",") if v.strip()]
    deprecated_el = param.find("deprecated")
    replaced = param.find("deprecated/replaced-with")
    info = {
        "type": kind,
        "default": default,
        "values": values or None,
        "deprecated": (_flag(param.get("deprecated")) or deprecated_el is not None
                       or _MARK_DEPRECATED in shortdesc),
        "advanced": _flag(param.get("advanced")) or _MARK_ADVANCED in shortdesc,
        "generated": _flag(param.get("generated")),
        "required": _flag(param.get("required")),
        "obsoletes": param.get("obsoletes"),
        "unique": _flag(param.get("unique")),
        "shortdesc": "",
    }
    if replaced is not None and replaced.get("name"):
        info["replaced_with"] = replaced.get("name")
    short = " ".join(shortdesc.replace(_MARK_ADVANCED, "").replace(_MARK_DEPRECATED, "").split())
    if not short and longdesc:
        short = longdesc.split(". ", 1)[0].rstrip(".")
    info["shortdesc"] = short
    return info


def _agents(root):
    if root.tag == "resource-agent":
        return [root]
    return list(root.iter("resource-agent"))


def parse_metadata(xml_text):
    """Every parameter of an OCF-style metadata document: name -> info.

    Reads a resource or fence agent's metadata (``crm_resource --show-metadata``, ``stonith_admin
    --metadata``), a Pacemaker daemon's option metadata (``pacemaker-schedulerd metadata`` ...) and
    3.0's ``crm_attribute``/``crm_resource --list-options --output-as=xml`` (a <pacemaker-result>
    around the same <resource-agent>). info has:

    type, default, values (the allowed values of a select, from <option> children or, in older
    output, the longdesc's "Allowed values: a, b" text; else None), deprecated (attribute, <deprecated/>
    element, or the daemons' "*** Deprecated ***" mark), advanced (attribute or "*** Advanced Use Only
    ***"), generated (maintained by Pacemaker itself; only 3.0's list-options says so), required,
    obsoletes, unique, shortdesc; and replaced_with where the metadata names a replacement
    (3.0.2's <deprecated><replaced-with name=.../>). required, deprecated and obsoletes mean what
    cib.parse_metadata's keys mean.
    """
    root = ET.fromstring(xml_text)
    params = {}
    agents = _agents(root)
    found = [p for agent in agents for p in agent.iter("parameter")] if agents else list(root.iter("parameter"))
    for p in found:
        name = p.get("name")
        if name:
            params[name] = _info(p)
    return params


def _agent_name(xml_text):
    root = ET.fromstring(xml_text)
    agents = _agents(root)
    return agents[0].get("name") if agents else None


def _is_fence_device_params(params):
    """pacemaker-fenced's metadata: the pcmk_* parameters of every fence device, not cluster options."""
    return bool(params) and all(name.startswith("pcmk_") for name in params)


def cluster_options(texts):
    """The cluster options of several metadata outputs merged: name -> info (as parse_metadata).

    texts: the daemons' ``metadata`` outputs and, where it exists, ``crm_attribute --list-options=cluster
    --all --output-as=xml``; empty texts are skipped, and so is the fencer's device parameter list.
    For a name several documents give, crm_attribute's list wins, else the first one; flags
    (deprecated, advanced, generated) are kept if any document sets them. The options Pacemaker
    maintains itself (PACEMAKER_MAINTAINED) are marked generated whatever the version says.
    """
    merged = {}
    authoritative = set()
    for text in texts or ():
        if not text or not text.strip():
            continue
        params = parse_metadata(text)
        if _is_fence_device_params(params):
            continue
        from_list = _agent_name(text) == "cluster-options"
        for name, info in params.items():
            old = merged.get(name)
            if old is None or (from_list and name not in authoritative):
                new = dict(info)
                if old is not None:
                    for flag in ("deprecated", "advanced", "generated"):
                        new[flag] = new[flag] or old[flag]
                merged[name] = new
            else:
                for flag in ("deprecated", "advanced", "generated"):
                    old[flag] = old[flag] or info[flag]
                if not old.get("values") and info.get("values"):
                    old["values"] = info["values"]
            if from_list:
                authoritative.add(name)
    if merged:
        for name in PACEMAKER_MAINTAINED:
            if name in merged:
                merged[name]["generated"] = True
            else:
                merged[name] = _entry("string", None, generated=True,
                                      shortdesc="Written by Pacemaker's controller on a resource refresh",
                                      source="daemons/controld/controld_execd.c (2.1.5, 3.0.0)")
    return merged


# --------------------------------------------------------------------------------------------------
# Hand lists: names with no metadata in some or all versions. Source: Pacemaker Explained at the tags
# Pacemaker-2.1.5 and Pacemaker-3.0.0 (github.com/ClusterLabs/pacemaker, doc/sphinx/Pacemaker_Explained),
# types from 3.0.0's lib/common/options.c where it defines them (the primitive meta-attributes) and
# from the documents' "Type" column (3.0.0) or text otherwise.
# --------------------------------------------------------------------------------------------------

ROLES = ["Stopped", "Started", "Unpromoted", "Promoted"]
# Accepted with a deprecation warning by 2.1.5 and 3.0.0 (lib/common/roles.c pcmk_parse_role).
LEGACY_ROLES = ["Slave", "Master"]


def _entry(kind, default, values=None, deprecated=False, shortdesc="", source="", deprecated_since=None,
           deprecated_values=None, replaced_with=None, generated=False, advanced=False):
    info = {
        "type": kind,
        "default": default,
        "values": list(values) if values else None,
        "deprecated": deprecated,
        "advanced": advanced,
        "generated": generated,
        "required": False,
        "obsoletes": None,
        "unique": False,
        "shortdesc": shortdesc,
        "source": source,
    }
    if deprecated_since:
        info["deprecated_since"] = deprecated_since
    if deprecated_values:
        info["deprecated_values"] = list(deprecated_values)
    if replaced_with:
        info["replaced_with"] = replaced_with
    return info


_PRIMITIVE = "Pacemaker Explained 2.1.5 and 3.0.0, resources.rst, Meta-attributes of a Primitive Resource"
_REMOTE = "Pacemaker Explained 2.1.5 and 3.0.0, resources.rst (3.0.0) / advanced-resources.rst (2.1.5), guest node meta-attributes"
_CLONE = "Pacemaker Explained 2.1.5 advanced-resources.rst and 3.0.0 collective.rst, Clone-specific configuration options"
_PROMOTABLE_LEGACY = "Pacemaker Explained 3.0.0 collective.rst, note Deprecated Terminology (deprecated since 2.0.0)"
_GROUP_LEGACY = "not documented; lib/pengine/group.c reads it, @COMPAT deprecated since 2.1.5 (2.1.5 and 3.0.0)"
_OPS = "Pacemaker Explained 2.1.5 resources.rst / 3.0.0 operations.rst, Properties of an Operation"
_OPS_ADV = "Pacemaker Explained 2.1.5 advanced-options.rst / 3.0.0 operations.rst"

RESOURCE_META = {
    # Every primitive; also 3.0.0's crm_resource --list-options=primitive (same 18 names, same types).
    "priority": _entry("score", "0", source=_PRIMITIVE, shortdesc="Resource assignment priority"),
    "critical": _entry("boolean", "true", source=_PRIMITIVE,
                       shortdesc="Default value for influence in colocation constraints (since 2.1.0)"),
    "target-role": _entry("select", "Started", ROLES, deprecated_values=LEGACY_ROLES, source=_PRIMITIVE,
                          shortdesc="State the cluster should attempt to keep this resource in"),
    "is-managed": _entry("boolean", "true", source=_PRIMITIVE,
                         shortdesc="Whether the cluster is allowed to actively change the resource's state"),
    "maintenance": _entry("boolean", "false", source=_PRIMITIVE,
                          shortdesc="Whether the resource is in maintenance mode"),
    "resource-stickiness": _entry("score", None, source=_PRIMITIVE,
                                  shortdesc="Score to add to the current node when a resource is already active"),
    "requires": _entry("select", None, ["nothing", "quorum", "fencing", "unfencing"], source=_PRIMITIVE,
                       shortdesc="Conditions under which the resource can be started"),
    "migration-threshold": _entry("score", "INFINITY", source=_PRIMITIVE,
                                  shortdesc="Number of failures on a node before the resource becomes ineligible"),
    "failure-timeout": _entry("duration", "0", source=_PRIMITIVE,
                              shortdesc="Number of seconds before acting as if a failure had not occurred"),
    "multiple-active": _entry("select", "stop_start", ["block", "stop_only", "stop_start", "stop_unexpected"],
                              source=_PRIMITIVE, shortdesc="What to do if the resource is active on more than one node"),
    "allow-migrate": _entry("boolean", None, source=_PRIMITIVE,
                            shortdesc="Whether the cluster should try to live migrate this resource"),
    "allow-unhealthy-nodes": _entry("boolean", "false", source=_PRIMITIVE,
                                    shortdesc="Whether the resource may run on unhealthy nodes (since 2.1.3)"),
    "container-attribute-target": _entry("string", None, source=_PRIMITIVE,
                                         shortdesc="Where to check user-defined node attributes (bundles; \"host\")"),
    "remote-node": _entry("string", None, source=_REMOTE, shortdesc="Name of the guest node this resource defines"),
    "remote-addr": _entry("string", None, source=_REMOTE, shortdesc="Address of the guest node's Pacemaker Remote"),
    "remote-port": _entry("port", "3121", source=_REMOTE, shortdesc="Port of the guest node's Pacemaker Remote"),
    "remote-connect-timeout": _entry("timeout", "60s", source=_REMOTE,
                                     shortdesc="How long before a pending guest connection times out"),
    "remote-allow-migrate": _entry("boolean", "true", source=_REMOTE,
                                   shortdesc="Whether the guest node's connection may be migrated"),
    # Clones and promotable clones (no metadata in 2.1.5 or 3.0.0).
    "globally-unique": _entry("boolean", None, source=_CLONE,
                              shortdesc="Whether each clone instance performs a distinct function"),
    "clone-max": _entry("nonnegative_integer", "0", source=_CLONE,
                        shortdesc="Maximum number of instances in the cluster (0: the number of nodes)"),
    "clone-node-max": _entry("nonnegative_integer", "1", source=_CLONE,
                             shortdesc="Maximum number of instances on one node (globally unique clones)"),
    "clone-min": _entry("nonnegative_integer", "0", source=_CLONE,
                        shortdesc="Instances that must be runnable before dependent resources are"),
    "notify": _entry("boolean", "false", source=_CLONE, shortdesc="Call the agent's notify action"),
    "ordered": _entry("boolean", "false", source=_CLONE,
                      shortdesc="Start clone instances one after another (also a group option, deprecated there)"),
    "interleave": _entry("boolean", "false", source=_CLONE,
                         shortdesc="Order relative to instances on the same node only"),
    "promotable": _entry("boolean", "false", source=_CLONE, shortdesc="Whether instances can be promoted"),
    "promoted-max": _entry("nonnegative_integer", "1", source=_CLONE,
                           shortdesc="Instances that can be promoted at once in the cluster"),
    "promoted-node-max": _entry("nonnegative_integer", "1", source=_CLONE,
                                shortdesc="Instances that can be promoted at once on one node"),
    "master-max": _entry("nonnegative_integer", "1", deprecated=True, deprecated_since="2.0.0",
                         replaced_with="promoted-max", source=_PROMOTABLE_LEGACY,
                         shortdesc="Deprecated alias for promoted-max"),
    "master-node-max": _entry("nonnegative_integer", "1", deprecated=True, deprecated_since="2.0.0",
                              replaced_with="promoted-node-max", source=_PROMOTABLE_LEGACY,
                              shortdesc="Deprecated alias for promoted-node-max"),
    # Groups (ordered is shared with clones, above).
    "collocated": _entry("boolean", "true", deprecated=True, deprecated_since="2.1.5", source=_GROUP_LEGACY,
                         shortdesc="Whether a group's members are colocated"),
}

OP_ATTRIBUTES = {
    "interval": _entry("duration", "0", source=_OPS, shortdesc="How often to run a recurring action"),
    "timeout": _entry("timeout", "20s", source=_OPS,
                      shortdesc="How long before the action is considered failed"),
    # restart-container is accepted too (lib/pengine/pe_actions.c, 2.1.5 and 3.0.0), though undocumented.
    "on-fail": _entry("select", None, ["ignore", "block", "stop", "demote", "restart", "fence", "standby",
                                       "restart-container"],
                      source=_OPS, shortdesc="How the cluster responds to a failure of the action"),
    "enabled": _entry("boolean", "true", source=_OPS, shortdesc="Whether this operation definition is used"),
    "record-pending": _entry("boolean", "true", deprecated=True, deprecated_since="3.0.0", source=_OPS,
                             shortdesc="Record operations when initiated (deprecated since 3.0.0)"),
    "role": _entry("select", None, ROLES, deprecated_values=LEGACY_ROLES, source=_OPS,
                   shortdesc="Run only where the resource is in this role"),
    "description": _entry("string", None, source=_OPS + " (3.0.0)", shortdesc="Free text"),
    "start-delay": _entry("duration", None, advanced=True, source=_OPS_ADV,
                          shortdesc="Wait this long before running the action"),
    "interval-origin": _entry("iso8601", None, advanced=True, source=_OPS_ADV,
                              shortdesc="Schedule the recurring action from this point in time"),
}


def _version_tuple(version):
    return tuple(int(p) for p in re.findall(r"\d+", str(version or ""))[:3])


def _for_version(table, version):
    """table with ``deprecated`` as it stood in Pacemaker ``version`` (None: the newest known)."""
    if version is None:
        return dict(table)
    out = {}
    for name, info in table.items():
        info = dict(info)
        since = info.get("deprecated_since")
        if since:
            info["deprecated"] = _version_tuple(version) >= _version_tuple(since)
        out[name] = info
    return out


def resource_meta(list_options_xml=None, version=None):
    """Resource meta-attributes: RESOURCE_META, with what 3.0's ``crm_resource --list-options=primitive
    --output-as=xml`` says where it is given (its entries win; clone and group names stay hand-listed)."""
    table = _for_version(RESOURCE_META, version)
    if list_options_xml:
        for name, info in parse_metadata(list_options_xml).items():
            info = dict(info)
            old = table.get(name) or {}
            for key in ("deprecated_values", "source"):
                if key in old:
                    info[key] = old[key]
            info["source"] = "crm_resource --list-options=primitive"
            table[name] = info
    return table


def op_attributes(version=None):
    """Operation attributes (op_defaults, an operation's own attributes) as of a Pacemaker version."""
    return _for_version(OP_ATTRIBUTES, version)


def _value_problem(name, value, info):
    """None when value fits info's type, else the text after "<field>: " (validate.py judges it)."""
    kind = (info.get("type") or "string").lower()
    allowed = list(info.get("values") or [])
    legacy = [str(d).lower() for d in info.get("deprecated_values") or []]
    try:
        v.by_type(kind, value, name, allowed=allowed or None)
    except v.ValidationError as e:
        if isinstance(value, str) and value.strip().lower() in legacy:
            return None  # a deprecated value: check_options warns about it
        negative = (name in _NEGATIVE_DURATION_OK and kind in ("duration", "time", "timeout", "interval")
                    and isinstance(value, str) and value.strip().startswith("-"))
        if negative and v.collect([], v.by_type, kind, value.strip()[1:], name) is not None:
            return None
        return e.message
    return None


def _shown(value):
    return "'%s'" % (value,) if isinstance(value, (str, bool, int, float)) else repr(value)


def _replacement(name, info, options):
    if info.get("replaced_with"):
        return info["replaced_with"]
    for other, oinfo in sorted(options.items()):
        if oinfo.get("obsoletes") == name and not oinfo.get("deprecated"):
            return other
    return None


def check_options(values, options, kind):
    """Problems with name -> value settings against a table of options: (errors, warnings).

    values: the user's settings (properties, rsc_defaults or op_defaults); options: cluster_options(),
    RESOURCE_META/resource_meta() or OP_ATTRIBUTES/op_attributes(); kind: "properties", "rsc_defaults"
    or "op_defaults" (the prefix of every message). Never raises. Errors: an unknown name (with the
    closest known names), an option Pacemaker maintains itself, a value of the wrong type or not among
    the allowed values. Warnings: a deprecated option or value (with its replacement when known).
    A value of None (an option being removed) is not type-checked.
    """
    errors = []
    warnings = []
    options = options or {}
    prefix = kind if kind in KINDS else str(kind)
    what = _WHAT.get(kind, "option")
    try:
        items = sorted((values or {}).items(), key=lambda kv: str(kv[0]))
    except AttributeError:
        return (["%s: %s is not a mapping of names to values" % (prefix, _shown(values))], [])
    known = sorted(options)
    for name, value in items:
        name = str(name)
        field = "%s.%s" % (prefix, name)
        info = options.get(name)
        if info is None:
            hint = v.suggest(name, known)
            if hint:
                errors.append("%s: unknown %s%s" % (field, what, hint))
            else:
                errors.append("%s: unknown %s (%s)" % (field, what, _SEE.get(kind, "see Pacemaker's metadata")))
            continue
        if info.get("generated"):
            errors.append("%s: is maintained by Pacemaker itself and cannot be set" % field)
            continue
        if info.get("deprecated"):
            instead = _replacement(name, info, options)
            warnings.append("%s: is deprecated%s" % (field, "; use %s instead" % instead if instead else ""))
        if value is None:
            continue
        problem = _value_problem(name, value, info)
        if problem:
            errors.append("%s: %s" % (field, problem))
        elif info.get("deprecated_values") and not isinstance(value, bool) and \
                str(value).strip().lower() in [d.lower() for d in info["deprecated_values"]]:
            warnings.append("%s: %s is a deprecated value (use one of %s)" % (
                field, _shown(value), ", ".join(info.get("values") or [])))
    return errors, warnings
