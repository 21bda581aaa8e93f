# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret parameters kept out of the CIB, in Pacemaker's own secret store (what `cibsecret` manages).

Pacemaker, built with CIB secrets (Debian's is), replaces a resource parameter whose value in the CIB is
exactly "lrm://" with the content of /var/lib/pacemaker/lrm/secrets/<resource>/<parameter> on the node that runs
the action, after checking it against the MD5 digest in the file beside it (<parameter>.sign). The executor
does so for every action of a primitive, the fencer for every action of a fence device. The files must be on
every node that may run the resource, before the CIB says "lrm://": the cluster role writes them on every node
(no_log) before the CIB phase and before a new node starts.

Which parameters: those the one secret rule names (module_utils/secrets.is_secret), of the fence devices
(scope "fence") or of every primitive (scope "all"); scope "none" leaves every value in the CIB.

A changed value changes a file and not the CIB. The executor reads the file again for each action, so a
primitive's next monitor has it; the fencer substitutes once when it registers the device and keeps the value,
so a fence device needs a new registration (any change of its CIB entry): reregister() lists those devices.

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import os
import re

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import is_secret

SECRETS_DIR = "/var/lib/pacemaker/lrm/secrets"
MAGIC = "lrm://"
SCOPES = ("none", "fence", "all")
# A resource id or a parameter name becomes a path component: no separator, no dot-only name.
_COMPONENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


class SecretStoreError(ClusterOpsError):
    """The input cannot go to the secret store; the message names the field."""


def _in_scope(primitive, scope):
    if scope == "all":
        return True
    return scope == "fence" and str(primitive.get("agent") or "").startswith("stonith:")


def problems(primitives, scope):
    """Every message about primitives that cannot go to the store in this scope (the field named, never a value);
    empty when they can."""
    problems = []
    if scope not in SCOPES:
        return ["cluster_cib_secrets: %r is not one of %s" % (scope, ", ".join(SCOPES))]
    for i, p in enumerate(primitives or []):
        if not isinstance(p, dict) or p.get("state") == "absent" or not _in_scope(p, scope):
            continue
        for name, value in sorted((p.get("params") or {}).items()):
            if not is_secret(name) or value is None or str(value) == MAGIC:
                continue
            where = "cluster_primitives[%d] (%s).params.%s" % (i, p.get("id"), name)
            if not _COMPONENT.match(str(p.get("id") or "")) or not _COMPONENT.match(str(name)):
                problems.append("%s: the resource id and the parameter name must be letters, digits, '_', '.', ':' or '-' "
                                "to name a file of the secret store" % where)
            text = str(value)
            if text != text.strip() or "\n" in text or "\r" in text or text == "":
                problems.append("%s: a value kept in the secret store must be one line without leading or trailing "
                                "white space (Pacemaker strips it when it reads the file)" % where)
    return problems


def split(primitives, scope):
    """(primitives for the CIB, entries): every secret parameter in scope replaced by MAGIC in a copy of the
    primitives, and [{resource, param, value, fence}] for the store. Raises SecretStoreError on bad input."""
    found = problems(primitives, scope)
    if found:
        raise SecretStoreError("; ".join(found))
    out, entries = [], []
    for p in primitives or []:
        if not isinstance(p, dict) or p.get("state") == "absent" or not _in_scope(p, scope):
            out.append(p)
            continue
        params = dict(p.get("params") or {})
        for name in sorted(params):
            value = params[name]
            if is_secret(name) and value is not None and str(value) != MAGIC:
                entries.append({"resource": p["id"], "param": name, "value": str(value),
                                "fence": str(p.get("agent") or "").startswith("stonith:")})
                params[name] = MAGIC
        q = dict(p)
        if "params" in p:
            q["params"] = params
        out.append(q)
    return out, entries


def sign(value):
    """The digest Pacemaker checks (the .sign file): MD5 of the value, hexadecimal (as cibsecret writes it)."""
    return hashlib.md5(value.encode("utf-8")).hexdigest()  # nosec - Pacemaker's format, not a protection


def files(entries):
    """The store's files for the entries: [{path, content, resource, fence}], a value and its .sign each,
    written as cibsecret writes them (the text and a newline)."""
    out = []
    for e in entries:
        path = "%s/%s/%s" % (SECRETS_DIR, e["resource"], e["param"])
        out.append({"path": path, "content": e["value"] + "\n", "resource": e["resource"], "fence": e["fence"]})
        out.append({"path": path + ".sign", "content": sign(e["value"]) + "\n", "resource": e["resource"],
                    "fence": e["fence"]})
    return out


def directories(entries):
    """The resources' directories of the store, each once, sorted (the store's own first)."""
    return [SECRETS_DIR] + sorted(set("%s/%s" % (SECRETS_DIR, e["resource"]) for e in entries))


def reregister(changed_paths, entries):
    """The fence devices whose secret files changed (a path of changed_paths): the fencer keeps the value it
    substituted when it registered the device, so these need a new registration. Sorted, each once."""
    changed = set(changed_paths or [])
    out = set()
    for f in files(entries):
        if f["fence"] and f["path"] in changed:
            out.add(f["resource"])
    return sorted(out)


def in_cib(root):
    """[(resource, param, fence)] of the CIB's primitives (root: its XML) whose instance attribute is MAGIC, sorted."""
    out = []
    if root is None:
        return out
    for prim in root.iter("primitive"):
        fence = prim.get("class") == "stonith"
        for ia in prim.findall("instance_attributes"):
            for nv in ia.findall("nvpair"):
                if nv.get("value") == MAGIC and nv.get("name"):
                    out.append((prim.get("id"), nv.get("name"), fence))
    return sorted(set(out))


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def read_local(root, key_file="/etc/pacemaker/authkey", store=SECRETS_DIR):
    """This node's store for the CIB's MAGIC parameters (root: the CIB's XML): {"<resource>/<param>": {"state",
    "digest"}}; None without a CIB. state: "ok" (the file's value matches its .sign, as Pacemaker checks it),
    "missing" (no value file), "no-sign", "mismatch" (the .sign is another value's) or "unreadable". digest: an
    HMAC-SHA256 of the value keyed with Pacemaker's authkey (the same on every member), first 16 hex digits, to
    tell whether two nodes hold the same value without giving it away; None when the value or the key cannot be
    read. Never the value itself.

    Besides, every value file of the store whose parameter the CIB does not keep there (a resource deleted, or a
    parameter given back to the CIB): {"state": "left"}, a secret Pacemaker will never read again."""
    if root is None:
        return None
    try:
        with open(key_file, "rb") as f:
            key = f.read()
    except (IOError, OSError):
        key = None
    out = {}
    for rsc, param, _fence in in_cib(root):
        path = os.path.join(store, rsc, param)
        entry = {"state": "ok", "digest": None}
        try:
            # Pacemaker strips trailing white space from both files before it compares.
            value = _read(path).rstrip()
        except (IOError, OSError) as e:
            entry["state"] = "missing" if not os.path.exists(path) else "unreadable"
            entry["error"] = getattr(e, "strerror", None) or str(e)
            out["%s/%s" % (rsc, param)] = entry
            continue
        try:
            signed = _read(path + ".sign").strip()
        except (IOError, OSError):
            signed = None
        if signed is None:
            entry["state"] = "no-sign"
        elif signed != sign(value):
            entry["state"] = "mismatch"
        if key:
            entry["digest"] = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
        out["%s/%s" % (rsc, param)] = entry
    for stale in left_behind(store, out):
        out[stale] = {"state": "left"}
    return out


def left_behind(store, known):
    """"<resource>/<param>" of the store's value files (not the .sign files) that are not among known, sorted."""
    found = []
    try:
        resources = sorted(os.listdir(store))
    except (IOError, OSError):
        return found
    for rsc in resources:
        folder = os.path.join(store, rsc)
        try:
            names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        except (IOError, OSError):
            continue
        found += ["%s/%s" % (rsc, name) for name in names
                  if not name.endswith(".sign") and "%s/%s" % (rsc, name) not in known]
    return found
