# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The configuration snapshot engine: normalise, redact, lay out, describe, restore.

Pure: nothing here runs a command or touches a file. The modules hand in texts and get back texts
and plain data.

- ``normalize_cib(xml, salt)``: the CIB's configuration without the status section and without the
  attributes Pacemaker rewrites on every change (epoch, num_updates, cib-last-written, update-*,
  have-quorum, dc-uuid, crm_feature_set, execution-date; dc-version and last-lrm-refresh; the promotion
  scores agents keep as node attributes, master-*), in a
  stable order, indented, with every value the one rule hides (secrets.redact_value: secret-named nvpairs,
  and URLs' credentials in nvpairs and alert recipients) replaced by a fingerprint (a URL keeps scheme://host/).
- ``fingerprint(salt, value)``: ``redacted:sha256:<16 hex>``, an HMAC-SHA256 keyed with a
  per-repository salt, so equal secrets give equal fingerprints inside one repository (a change is
  visible) while a short password cannot be found by hashing guesses without the salt.
- ``build_tree(nodes, cib)``: the repository's files from what every node returned (a file equal on
  every node is stored once, else per node and reported as drift).
- ``describe(old_files, new_files)``: what changed, in words ("cib: resource web meta target-role
  Started -> Stopped", "corosync: totem.token 3000 -> 5000").
- ``cib_last_change(xml)``: who changed the CIB last, as Pacemaker records it on the root of every CIB it
  writes (``update-user``, ``update-client``, ``update-origin``, ``cib-last-written``), which the normalised
  cib.xml leaves out; ``commit_message`` names it when the CIB changed (the audit trail of the history).
- ``fill_secrets(config, live, salt, given)``: a snapshot's configuration (the cib module's format)
  with every fingerprint replaced by the live value whose fingerprint matches or a given value;
  the names of the missing ones otherwise.

Standard library only, Python 3.8 syntax at most (parts run on managed nodes).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import hashlib
import hmac
import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils import cib as cibmod
from ansible_collections.clusterops.ha.plugins.module_utils import cib_compare, cib_export
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf, corosync_conf_diff, corosync_conf_parse
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import redact_value
from ansible_collections.clusterops.ha.plugins.module_utils.validate import shape

REDACTED_PREFIX = "redacted:sha256:"
# A fingerprint, alone (a secret-named parameter) or after the scheme://host[:port]/ a URL keeps (secrets.redact_value).
REDACTED_RE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*/)?redacted:sha256:[0-9a-f]{16}$")

# Root attributes of <cib> that change without a configuration change.
VOLATILE_CIB_ATTRS = ("epoch", "num_updates", "cib-last-written", "update-origin", "update-client",
                      "update-user", "have-quorum", "dc-uuid", "crm_feature_set", "execution-date")
# Cluster properties Pacemaker rewrites itself (the DC's version, the time of the last refresh).
VOLATILE_PROPERTIES = ("dc-version", "last-lrm-refresh")
# Node attributes that are state, not configuration: a promotable resource's agent writes its promotion scores
# (master-<resource>, crm_master / ocf_promotion_score) as permanent node attributes and changes them on its
# own (PAF after every promotion).
VOLATILE_NODE_ATTR_PREFIXES = ("master-",)

# Layout of the repository.
CIB_PATH = "cib/cib.xml"
DUMP_PATHS = {"pcs": "cib/pcs-config.txt", "crm": "cib/crm-configure.txt"}
MANIFEST_PATH = "manifest.json"
HOSTS_DIR = "hosts"
COROSYNC_CONF = "/etc/corosync/corosync.conf"

# Element tags whose children are sorted (their order has no meaning to Pacemaker).
_SORTED_CONTAINERS = ("nodes", "constraints", "tags", "acls", "alerts", "fencing-topology", "operations")
_NVSETS = ("instance_attributes", "meta_attributes", "utilization", "cluster_property_set")


class SnapshotError(ClusterOpsError):
    """Input the engine cannot work with."""


# ---------------------------------------------------------------------------------------------
# Secrets


def fingerprint(salt, value):
    """The redacted form of a secret: HMAC-SHA256 keyed with the repository's salt, 16 hex digits."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(salt, str):
        salt = salt.encode("utf-8")
    return REDACTED_PREFIX + hmac.new(salt or b"", value or b"", hashlib.sha256).hexdigest()[:16]


def redact_text(text, secrets, salt):
    """Replace every occurrence of a secret value in free text (pcs/crm dumps) by its fingerprint.

    Longer values first, so that a secret containing another is replaced whole."""
    for value in sorted(set(v for v in secrets if v), key=len, reverse=True):
        text = text.replace(value, fingerprint(salt, value))
    return text


# ---------------------------------------------------------------------------------------------
# The CIB


def _sort_key(el):
    return (el.tag, el.get("name") or el.get("uname") or el.get("id") or "", el.get("interval") or "",
            el.get("role") or "", el.get("target") or "", el.get("index") or "")


def _normalize_element(el):
    # Attributes in a fixed order: id first, then by name.
    items = sorted(el.attrib.items(), key=lambda kv: (kv[0] != "id", kv[0]))
    el.attrib.clear()
    for k, v in items:
        el.set(k, v)
    el.text = None if el.text is None or not el.text.strip() else el.text.strip()
    el.tail = None
    for child in list(el):
        _normalize_element(child)
    if el.tag in _SORTED_CONTAINERS or el.tag in _NVSETS:
        children = list(el)
        # nvpairs with the same name: the first wins in Pacemaker; a stable sort keeps that.
        children.sort(key=_sort_key)
        for c in list(el):
            el.remove(c)
        el.extend(children)


def _indent(el, level=0):
    pad = "\n" + "  " * level
    if len(el):
        if not el.text or not el.text.strip():
            el.text = pad + "  "
        for child in el:
            _indent(child, level + 1)
        if not child.tail or not child.tail.strip():
            child.tail = pad
    if level and (not el.tail or not el.tail.strip()):
        el.tail = pad


def normalize_cib(xml_text, salt):
    """(text, secrets): the CIB's configuration normalised and redacted.

    secrets lists {"path", "name", "value"} for every redacted nvpair; the values stay in memory
    (to redact dumps) and are never returned by the modules."""
    root, secrets = _redacted(xml_text, salt)
    for a in VOLATILE_CIB_ATTRS:
        root.attrib.pop(a, None)
    status = root.find("status")
    if status is not None:
        root.remove(status)
    _normalize_element(root)
    _indent(root)
    return ET.tostring(root, encoding="unicode") + "\n", secrets


def cib_last_change(xml_text):
    """{"user", "client", "origin", "written"} of the raw CIB's root (each None when Pacemaker did not write it);
    None when the text is not a CIB. written is the writing node's local time as Pacemaker prints it."""
    try:
        root = cibmod.parse(xml_text)
    except cibmod.CibError:
        return None
    return dict((name, root.get(attr)) for name, attr in LAST_CHANGE_ATTRS)


def last_change_text(change):
    """"by root through cibadmin on lab-node1, Sat Dec  5 19:31:07 2026" (the parts known)."""
    change = change or {}
    parts = []
    for key, word in (("user", "by"), ("client", "through"), ("origin", "on")):
        if change.get(key):
            parts.append("%s %s" % (word, change[key]))
    text = " ".join(parts) or "by an unknown user"
    return text + (", %s" % " ".join(change["written"].split()) if change.get("written") else "")


def redacted_cib(xml_text, salt):
    """The whole CIB (status included: pcs needs it to print a configuration) with the secrets and
    the volatile properties out: the input of the human-readable dumps."""
    root, _secrets = _redacted(xml_text, salt)
    return ET.tostring(root, encoding="unicode")


def _redacted(xml_text, salt):
    root = cibmod.parse(xml_text)
    config = root.find("configuration")
    if config is None:
        raise SnapshotError("the CIB has no <configuration> section")
    crm_config = config.find("crm_config")
    if crm_config is not None:
        for pset in crm_config.findall("cluster_property_set"):
            for nv in pset.findall("nvpair"):
                if nv.get("name") in VOLATILE_PROPERTIES:
                    pset.remove(nv)
    for node in config.iter("node"):
        for nvset in node.findall("instance_attributes"):
            for nv in nvset.findall("nvpair"):
                if (nv.get("name") or "").startswith(VOLATILE_NODE_ATTR_PREFIXES):
                    nvset.remove(nv)
            if len(nvset) == 0:
                node.remove(nvset)
    secrets = []
    parents = dict((c, p) for p in config.iter() for c in p)
    shown = functools.partial(fingerprint, salt)
    # The one rule (secrets.redact_value) on every nvpair and on every alert recipient's value (a webhook URL).
    for el, name, key in ([(nv, nv.get("name"), None) for nv in config.iter("nvpair")]
                          + [(r, "value", r.get("id")) for r in config.iter("recipient")]):
        value = el.get("value")
        if value is None or REDACTED_RE.match(value):
            continue
        hidden = redact_value(name, value, shown)
        if hidden == value:
            continue
        if key is None:
            owner = parents.get(parents.get(el))
            key = owner.get("id") if owner is not None else "?"
        secrets.append({"path": "%s.%s" % (key, name), "name": name, "value": value})
        el.set("value", hidden)
    return root, secrets


# ---------------------------------------------------------------------------------------------
# Layout


def _host_path(node, path):
    return "%s/%s/%s" % (HOSTS_DIR, node, path.lstrip("/"))


# What config_snapshot_info returns per node and for the CIB, as build_tree reads it (validate.shape).
NODE_SHAPE = {"files?": {"*": {"content": "str", "mode?": "str?", "owner?": "str?", "group?": "str?"}},
              "fingerprints?": {"*": "str?"}}
CIB_SHAPE = {"xml?": "str?", "dumps?": {"*": "str?"},
             "last_change?": {"user?": "str?", "client?": "str?", "origin?": "str?", "written?": "str?"}}
# The root's attributes that say who made the CIB's last change (Pacemaker's cib_perform_op), by our name.
LAST_CHANGE_ATTRS = (("user", "update-user"), ("client", "update-client"), ("origin", "update-origin"),
                     ("written", "cib-last-written"))
_MODE = re.compile(r"[0-7]{3,4}")
_OWNER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?")


def collected_errors(nodes, cib=None):
    """Messages for collections (config_snapshot_info's results) that build_tree cannot take, naming the key:
    the shape, a file's mode (octal) and its owner and group (user or group names, or numbers)."""
    if not isinstance(nodes, dict):
        return shape(nodes, {}, "nodes")
    errors = []
    for node in sorted(nodes, key=str):
        data = nodes[node] or {}
        where = "nodes.%s" % node
        found = shape(data, NODE_SHAPE, where)
        errors.extend(found)
        if found:
            continue
        for path, f in sorted((data.get("files") or {}).items()):
            for key, pattern, words in (("mode", _MODE, "a file mode (3 or 4 octal digits)"),
                                        ("owner", _OWNER, "a user name or number"),
                                        ("group", _OWNER, "a group name or number")):
                value = f.get(key)
                if value is not None and not pattern.fullmatch(value):
                    errors.append("%s.files.%s.%s: %r is not %s" % (where, path, key, value, words))
    if cib is not None:
        errors.extend(shape(cib, CIB_SHAPE, "cib"))
    return errors


def build_tree(nodes, cib=None, cluster_name=None):
    """The repository's files from the nodes' collections.

    nodes: {node: {"files": {abs_path: {"content", "mode", "owner", "group"}},
                   "fingerprints": {abs_path: fingerprint}}}
    cib: {"xml": normalised text, "dumps": {"pcs": text, "crm": text}} or None.
    Returns (files {repo_path: text}, drift [{"path", "groups": [[nodes]...]}]).
    """
    files = {}
    drift = []
    manifest = {"cluster": cluster_name, "nodes": sorted(nodes), "files": {}, "secrets": {}}
    paths = sorted(set(p for n in nodes.values() for p in (n.get("files") or {})))
    for path in paths:
        holders = dict((node, (nodes[node].get("files") or {}).get(path)) for node in sorted(nodes))
        contents = {}
        for node, f in holders.items():
            key = None if f is None else f.get("content")
            contents.setdefault(key, []).append(node)
        meta = {}
        for node, f in holders.items():
            if f is not None:
                meta[node] = "%s %s:%s" % (f.get("mode"), f.get("owner"), f.get("group"))
        if len(contents) == 1 and None not in contents:
            files[path.lstrip("/")] = list(contents)[0]
        else:
            drift.append({"path": path, "groups": sorted(contents.values())})
            for node, f in holders.items():
                if f is not None:
                    files[_host_path(node, path)] = f.get("content")
        manifest["files"][path] = _collapse(meta, len(nodes))
    secret_paths = sorted(set(p for n in nodes.values() for p in (n.get("fingerprints") or {})))
    for path in secret_paths:
        per = dict((node, (nodes[node].get("fingerprints") or {}).get(path)) for node in sorted(nodes))
        per = dict((k, v) for k, v in per.items() if v)
        if len(set(per.values())) > 1 or len(per) != len(nodes):
            drift.append({"path": path, "groups": _groups(per, nodes)})
        manifest["secrets"][path] = _collapse(per, len(nodes))
    if cib is not None and cib.get("xml"):
        files[CIB_PATH] = cib["xml"]
        for tool, text in sorted((cib.get("dumps") or {}).items()):
            if text and tool in DUMP_PATHS:
                files[DUMP_PATHS[tool]] = text
    if drift:
        manifest["drift"] = drift
    files[MANIFEST_PATH] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files, drift


def _collapse(per_node, count):
    values = set(per_node.values())
    if len(values) == 1 and len(per_node) == count:
        return values.pop()
    return per_node


def _groups(per, nodes):
    out = {}
    for node in sorted(nodes):
        out.setdefault(per.get(node), []).append(node)
    return sorted(out.values())


# ---------------------------------------------------------------------------------------------
# Describing changes in words

_NOUN = {
    "primitives": "resource", "groups": "resource", "clones": "resource", "locations": "location",
    "colocations": "colocation", "orders": "order", "tickets": "ticket", "tags": "tag",
    "acl_roles": "ACL role", "acl_targets": "ACL user", "acl_groups": "ACL group", "alerts": "alert",
    "fencing_levels": "fencing level", "nodes": "node", "properties": "property",
    "rsc_defaults": "resource default", "op_defaults": "operation default",
}


def _label(item, index):
    if isinstance(item, dict):
        if "name" in item and ("interval" in item or "role" in item):
            return " ".join(str(item[k]) for k in ("name", "interval", "role") if item.get(k))
        for key in ("id", "name", "value", "kind"):
            if item.get(key) is not None and isinstance(item.get(key), str):
                return str(item[key])
    return str(index)


def _flatten(value, prefix, out):
    if isinstance(value, dict):
        for k in sorted(value):
            _flatten(value[k], (prefix + " " + str(k)).strip(), out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            _flatten(item, (prefix + " " + _label(item, i)).strip(), out)
    elif isinstance(value, list):
        out[prefix] = ", ".join(str(v) for v in value)
    else:
        out[prefix] = "" if value is None else str(value)
    return out


def _show(value):
    if value is None or value == "":
        return "(none)"
    if REDACTED_RE.match(value):
        return "(secret)"
    return value


def _field_changes(before, after):
    b = _flatten(before, "", {})
    a = _flatten(after, "", {})
    out = []
    for key in sorted(set(b) | set(a)):
        if key in ("id", "name"):
            continue
        if b.get(key) == a.get(key):
            continue
        if key not in b:
            out.append("%s %s added" % (key, _show(a[key])))
        elif key not in a:
            out.append("%s %s removed" % (key, _show(b[key])))
        elif REDACTED_RE.match(b[key] or "") or REDACTED_RE.match(a[key] or ""):
            out.append("%s changed (secret)" % key)
        else:
            out.append("%s %s -> %s" % (key, _show(b[key]), _show(a[key])))
    return out


def _export(text):
    if text is None:
        return None
    try:
        root = cibmod.parse(text)
        return root, cib_export.export(root)
    except (cibmod.CibError, SnapshotError):
        return None


def describe_cib(old_text, new_text):
    old, new = _export(old_text), _export(new_text)
    if old is None and new is None:
        return ["cib: changed"] if old_text != new_text else []
    if old is None:
        return ["cib: configuration captured"]
    if new is None:
        return ["cib: configuration no longer captured"]
    out = []
    for attr in sorted(set(old[0].attrib) | set(new[0].attrib)):
        if old[0].get(attr) != new[0].get(attr):
            out.append("cib: %s %s -> %s" % (attr, _show(old[0].get(attr)), _show(new[0].get(attr))))
    changes, _diff = cib_compare.compare(old[1], new[1])
    for c in changes:
        kind, key = c["kind"], c["id"]
        noun = _NOUN.get(kind, kind)
        if kind in cibmod.DICT_KINDS:
            bv, av = (old[1].get(kind) or {}).get(key), (new[1].get(kind) or {}).get(key)
            if bv is None:
                out.append("cib: %s %s=%s added" % (noun, key, _show(av)))
            elif av is None:
                out.append("cib: %s %s removed (was %s)" % (noun, key, _show(bv)))
            else:
                out.append("cib: %s %s %s -> %s" % (noun, key, _show(bv), _show(av)))
            continue
        if c["action"] == "created":
            out.append("cib: %s %s created" % (noun, key))
        elif c["action"] == "deleted":
            out.append("cib: %s %s deleted" % (noun, key))
        else:
            b = [o for o in old[1].get(kind) or [] if cibmod.key_of(kind, o) == key][0]
            a = [o for o in new[1].get(kind) or [] if cibmod.key_of(kind, o) == key][0]
            fields = _field_changes(b, a) or ["changed"]
            out.extend("cib: %s %s %s" % (noun, key, f) for f in fields)
    if not out and old_text != new_text:
        out.append("cib: layout changed (same meaning)")
    return out


def describe_corosync(old_text, new_text, label="corosync"):
    if old_text is None:
        return ["%s: corosync.conf captured" % label]
    if new_text is None:
        return ["%s: corosync.conf no longer captured" % label]
    try:
        changes = corosync_conf_diff.diff(corosync_conf_parse.parse(old_text), corosync_conf_parse.parse(new_text))
    except corosync_conf.CorosyncConfError:
        return ["%s: corosync.conf changed" % label]
    out = []
    for c in changes:
        b, a = c.get("before"), c.get("after")
        if b is None:
            out.append("%s: %s added%s" % (label, c["path"], "" if isinstance(a, (dict, list)) else " (%s)" % a))
        elif a is None:
            out.append("%s: %s removed" % (label, c["path"]))
        elif isinstance(b, (dict, list)) or isinstance(a, (dict, list)):
            out.append("%s: %s changed" % (label, c["path"]))
        else:
            out.append("%s: %s %s -> %s" % (label, c["path"], b, a))
    if not out:
        out.append("%s: corosync.conf layout changed (same meaning)" % label)
    return out


def _manifest(text):
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def describe_manifest(old_text, new_text):
    old, new = _manifest(old_text), _manifest(new_text)
    out = []
    if old.get("nodes") != new.get("nodes") and old:
        out.append("nodes: %s -> %s" % (" ".join(old.get("nodes") or []) or "(none)",
                                        " ".join(new.get("nodes") or []) or "(none)"))
    os_, ns = old.get("secrets") or {}, new.get("secrets") or {}
    for path in sorted(set(os_) | set(ns)):
        if os_.get(path) == ns.get(path):
            continue
        if path not in os_:
            out.append("secret %s: present (fingerprint recorded)" % path)
        elif path not in ns:
            out.append("secret %s: gone" % path)
        else:
            out.append("secret %s: changed (fingerprint differs)" % path)
    of, nf = old.get("files") or {}, new.get("files") or {}
    for path in sorted(set(of) & set(nf)):
        if of[path] != nf[path]:
            out.append("file %s: owner or mode %s -> %s" % (path, _mode_text(of[path]), _mode_text(nf[path])))
    od = dict((d["path"], d) for d in old.get("drift") or [])
    for d in new.get("drift") or []:
        if d["path"] not in od:
            out.append("drift: %s differs between nodes (%s)" % (d["path"], " | ".join(" ".join(g) for g in d["groups"])))
    nd = set(d["path"] for d in new.get("drift") or [])
    for path in sorted(set(od) - nd):
        out.append("drift: %s is the same on every node again" % path)
    return out


def _mode_text(value):
    if isinstance(value, dict):
        return ", ".join("%s %s" % (k, v) for k, v in sorted(value.items()))
    return str(value)


def _corosync_label(path):
    if path == COROSYNC_CONF.lstrip("/"):
        return "corosync"
    if path.startswith(HOSTS_DIR + "/") and path.endswith(COROSYNC_CONF):
        return "corosync@" + path.split("/")[1]
    return None


def _common_path(path):
    """etc/x for hosts/NODE/etc/x, else None."""
    parts = path.split("/", 2)
    if len(parts) == 3 and parts[0] == HOSTS_DIR:
        return parts[2]
    return None


def describe(old_files, new_files):
    """Sentences saying what differs between two trees ({repo path: text})."""
    out = []
    paths = sorted(set(old_files) | set(new_files))
    dumps = set(DUMP_PATHS.values())
    cib_changed = old_files.get(CIB_PATH) != new_files.get(CIB_PATH)
    for path in paths:
        old, new = old_files.get(path), new_files.get(path)
        common = _common_path(path)
        if common and old is None:
            # A file that drifted: compare each node's copy with the one all nodes had.
            old = old_files.get(common)
        elif common and new is None and new_files.get(common) is not None:
            continue  # drift resolved: the common file says what changed
        if not common and new is None and any(_common_path(p) == path for p in new_files):
            continue  # now per node: their own lines say what changed
        if not common and old is None and any(_common_path(p) == path for p in old_files):
            old = [old_files[p] for p in sorted(old_files) if _common_path(p) == path][0]
        if old == new:
            continue
        if path == CIB_PATH:
            out.extend(describe_cib(old, new))
        elif path == MANIFEST_PATH:
            out.extend(describe_manifest(old, new))
        elif _corosync_label(path):
            out.extend(describe_corosync(old, new, _corosync_label(path)))
        elif path in dumps:
            if not cib_changed:
                out.append("%s: changed" % path)
        elif old is None:
            out.append("file %s: added" % path)
        elif new is None:
            out.append("file %s: removed" % path)
        else:
            out.append("file %s: changed" % path)
    return out


# The trailer lines commit_message() writes, and the keys parse_commit_message() gives them.
_TRAILERS = (("Cluster: ", "cluster"), ("Who: ", "who"), ("Why: ", "why"), ("CIB changed last: ", "cib_changed_last"))
# No configuration change: the subject of a commit that records a run (commit_message(run=True)).
RUN_SUBJECT = "run, no configuration change"
# git log's format for parse_history(): fields split by US (0x1f), commits by RS (0x1e).
HISTORY_FORMAT = "%H%x1f%aI%x1f%B%x1e"


def commit_message(changes, who, why, cluster_name=None, limit=3, cib_change=None, run=False):
    """A commit message: a subject naming the first changes, then all of them, who and why; with cib_change
    (cib_last_change() of the CIB, given when it changed) who changed it last, as Pacemaker recorded it. run: the
    record of a run that changed nothing (an empty commit), subject RUN_SUBJECT."""
    if run:
        lines = [RUN_SUBJECT, ""]
    else:
        if not changes:
            changes = ["snapshot"]
        subject = "; ".join(changes[:limit])
        if len(changes) > limit:
            subject += "; (+%d more)" % (len(changes) - limit)
        lines = [subject, ""]
        lines.extend("- " + c for c in changes)
        lines.append("")
    trailers = {"cluster": cluster_name, "who": who or "unknown", "why": why or "not given",
                "cib_changed_last": last_change_text(cib_change) if cib_change is not None else None}
    lines.extend(prefix + trailers[key] for prefix, key in _TRAILERS if trailers[key])
    return "\n".join(lines) + "\n"


def parse_commit_message(text):
    """commit_message()'s text -> {subject, changes, cluster, who, why, cib_changed_last, run}: the one reader of
    the messages snapshots are committed with (None for a trailer the message lacks). A message written by
    someone else keeps its subject and has no changes."""
    lines = (text or "").strip("\n").splitlines()
    out = {"subject": lines[0].strip() if lines else "", "changes": [], "run": False}
    for _prefix, key in _TRAILERS:
        out[key] = None
    for line in lines[1:]:
        if line.startswith("- "):
            out["changes"].append(line[2:])
            continue
        for prefix, key in _TRAILERS:
            if line.startswith(prefix):
                out[key] = line[len(prefix):].strip()
    out["run"] = out["subject"] == RUN_SUBJECT
    return out


def parse_history(text):
    """``git log --format=HISTORY_FORMAT`` -> [{commit, date, subject, changes, cluster, who, why,
    cib_changed_last, run}], newest first, date in ISO 8601 with the zone."""
    out = []
    for record in (text or "").split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        parts = record.split("\x1f", 2)
        if len(parts) != 3:
            continue
        entry = {"commit": parts[0].strip(), "date": parts[1].strip()}
        entry.update(parse_commit_message(parts[2]))
        out.append(entry)
    return out


# ---------------------------------------------------------------------------------------------
# Restore


def _walk(value, path, found):
    if isinstance(value, dict):
        for k in value:
            _walk(value[k], path + (k,), found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, path + (i,), found)
    elif isinstance(value, str) and REDACTED_RE.match(value):
        found.append(path)
    return found


def _fingerprint_part(text):
    """The fingerprint in a redacted value (a URL keeps its scheme://host/ before it)."""
    return text[text.rindex(REDACTED_PREFIX):]


def _get(value, path):
    for step in path:
        if isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and step < len(value):
            value = value[step]
        else:
            return None
    return value


def _set(value, path, new):
    for step in path[:-1]:
        value = value[step]
    value[path[-1]] = new


def _by_key(config, kind):
    return dict((cibmod.key_of(kind, o), o) for o in (config or {}).get(kind) or [])


def secret_name(config, path):
    """A readable name for a redacted value: <object id>.<where>.<name> (e.g. fence-ipmi.params.password)."""
    kind, index = path[0], path[1]
    if kind in cibmod.DICT_KINDS:
        return "%s.%s" % (kind, index)
    obj = config[kind][index]
    rest = []
    sub = obj
    for step in path[2:]:
        sub = sub[step]
        rest.append(_label(sub, step) if isinstance(step, int) else str(step))
    return ".".join([str(cibmod.key_of(kind, obj))] + rest)


def fill_secrets(config, live, salt, given=None):
    """(filled config, used, missing): every fingerprint in config replaced by a real value.

    A value comes from the live configuration at the same place when its fingerprint matches,
    else from `given` (keyed by the name secret_name() gives, or by the fingerprint itself).
    missing names every secret found in neither; used says where each value came from."""
    import copy

    given = given or {}
    out = copy.deepcopy(config)
    used, missing = [], []
    for path in _walk(config, (), []):
        fp = _get(config, path)
        name = secret_name(config, path)
        value = None
        source = None
        kind = path[0]
        if kind in cibmod.DICT_KINDS:
            candidate = ((live or {}).get(kind) or {}).get(path[1])
        else:
            obj = config[kind][path[1]]
            twin = _by_key(live, kind).get(cibmod.key_of(kind, obj))
            candidate = _get(twin, path[2:]) if twin is not None else None
        if isinstance(candidate, str) and fingerprint(salt, candidate) == _fingerprint_part(fp):
            value, source = candidate, "live"
        elif name in given and given[name] is not None:
            value, source = str(given[name]), "given"
        elif fp in given and given[fp] is not None:
            value, source = str(given[fp]), "given"
        if value is None:
            missing.append(name)
            continue
        if fingerprint(salt, value) != _fingerprint_part(fp) and source == "given":
            source = "given (fingerprint differs from the snapshot)"
        _set(out, path, value)
        used.append({"name": name, "source": source})
    return out, used, missing


# ---------------------------------------------------------------------------------------------
# Reassembly: a lost cluster rebuilt from a commit on new hosts


# A key file the snapshot keeps only as a fingerprint: a rebuild makes a new one unless a surviving member hands its
# key on (booth's authfile at the other sites), so a changed fingerprint after a reassembly is expected.
_REGENERATED_KEY = re.compile(r"^secret (/\S+): (?:changed \(fingerprint differs\)|present \(fingerprint recorded\))$")


def manifest_of(text):
    """{cluster, nodes} of a commit's manifest.json (empty values when it has none or cannot be read)."""
    manifest = _manifest(text)
    return {"cluster": manifest.get("cluster"), "nodes": sorted(manifest.get("nodes") or [])}


def reassembly_problems(commit, has_cib, corosync_error, manifest, hosts, cluster_name):
    """Why commit cannot rebuild the cluster cluster_name on exactly hosts; empty when it can.

    A reassembly rebuilds the lost cluster under its own identity: the same cluster name and the same node names
    (the CIB names nodes in constraints, node attributes and fencing levels; the other sites name the cluster in
    booth.conf). A node that is renamed is a different cluster: build it with site.yml and restore onto it."""
    short = (commit or "")[:12]
    problems = []
    if not has_cib:
        problems.append("commit %s has no CIB (cib/cib.xml): it cannot rebuild a cluster" % short)
    if corosync_error:
        problems.append("commit %s: %s; a reassembly needs the corosync.conf every node ran" % (short, corosync_error))
    if not manifest.get("nodes"):
        problems.append("commit %s names no nodes (manifest.json): it is not a snapshot of a running cluster" % short)
        return problems
    if manifest.get("cluster") != cluster_name:
        problems.append("commit %s is a snapshot of the cluster %r, the hosts are cluster_name %r"
                        % (short, manifest.get("cluster"), cluster_name))
    want, have = set(manifest["nodes"]), set(hosts)
    if want != have:
        parts = []
        if want - have:
            parts.append("missing from the play: %s" % " ".join(sorted(want - have)))
        if have - want:
            parts.append("not in the snapshot: %s" % " ".join(sorted(have - want)))
        problems.append("commit %s has the nodes %s; the play's hosts must be exactly those (%s)"
                        % (short, " ".join(sorted(want)), "; ".join(parts)))
    return problems


def reassembly_differences(changes):
    """{expected, unexpected}: what describe() found between the commit and the rebuilt cluster, split.

    Expected: a key file whose fingerprint differs (the snapshot never holds a key, so a rebuild makes a new one).
    Everything else is a difference the operator must look at."""
    expected, unexpected = [], []
    for change in changes:
        (expected if _REGENERATED_KEY.match(change) else unexpected).append(change)
    return {"expected": expected, "unexpected": unexpected}
