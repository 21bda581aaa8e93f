# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine's core: the model's kinds, CibError, values and ids, and the CIB document.

The engine is a pure model of Pacemaker's configuration and the planner that changes it, one concern a file:

  cib            (this file) the kinds and their XML tags, CibError, scalar/make_id/compact, key_of,
                 parse (text -> <cib> root), configuration, read_live_cib, to_xml
  cib_export     reading elements into the model: export(root), the read_* readers, live_names
  cib_normalize  desired objects (module input) into the model: normalize, default_constraint_id
  cib_compare    comparable and compare(export(old), export(new))
  cib_render     model objects into elements: render and the render_* writers
  cib_plan       plan(): the candidate CIB with only the named objects changed, and its changes
  cib_simulate   crm_simulate's XML: parse_simulate, parse_simulate_run, stops_everything
  cib_verify     crm_verify's lines (UNPARSED_VALUE, explain_verify) and check_params against agent metadata

Imports go one way: every file imports this core; cib_plan also imports cib_export, cib_normalize,
cib_compare and cib_render; nothing imports cib_plan. Nothing here runs a command: read_live_cib runs
``cibadmin --query`` through the command seam it is given.

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

import re
import xml.etree.ElementTree as ET

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


def compact(obj):
    """Drop empty optional values so that 'not given' and 'empty' compare equal."""
    return dict((k, v) for k, v in obj.items() if v not in (None, {}, []))


def key_of(kind, obj):
    if kind == "nodes":
        return obj.get("name")
    if kind == "fencing_levels":
        return "%s:%s" % (obj.get("target"), obj.get("index"))
    return obj.get("id")


# ---------------------------------------------------------------------------------------------
# The CIB document


def parse(xml_text):
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as e:
        raise CibError(["the CIB is not valid XML: %s" % e])
    if root.tag != "cib":
        raise CibError(["expected a <cib> document, got <%s>" % root.tag])
    return root


def configuration(root):
    config = root.find("configuration")
    if config is None:
        raise CibError(["the CIB has no <configuration> section"])
    return config


def read_live_cib(runner):
    """The live CIB's XML root, or None when Pacemaker cannot be asked.

    The one reader here: it runs ``cibadmin --query`` through the command seam it is given.
    """
    res = runner.run(["cibadmin", "--query"], check=False)
    if res.rc != 0:
        return None
    return parse(res.stdout)


def to_xml(root):
    return ET.tostring(root, encoding="unicode")
