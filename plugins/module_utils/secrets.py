# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rule for what is a secret, for every writer: the configuration snapshots, the living
documentation, the cib module's diff and anything else that prints a resource's parameters.

A parameter (an nvpair: instance attributes of primitives, fence devices and alerts) holds a secret when
its name contains pass, passwd, password, secret, key, token, community, auth, credential, private or
cookie (any case) -- fence device passwords, SNMP communities, API tokens, cookies, keys -- unless the
name only names a file, a path or a script that holds the secret (passwd_script, identity_file,
key_file, ssl_insecure, configfile). Over-redaction is the safe side: "auth" (fence_ipmilan's
authentication type) is redacted although it is not a secret.

Resource agents' metadata has no secret mark (OCF 1.1 has none), so the rule is by name only.
Standard library only, Python 3.8 syntax: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

SECRET_NAME = re.compile(r"pass(w(or)?d)?|secret|key|token|community|auth|credential|private|cookie", re.IGNORECASE)
# Names that match SECRET_NAME but only name a file, a path or a script holding a secret.
NOT_SECRET_NAME = re.compile(r"(_script|_file|_path|file|path)$|^(ssl_insecure|key_file|keyfile)$", re.IGNORECASE)
# What a writer shows instead of a secret's value (the snapshots write a salted fingerprint instead).
REDACTED = "(redacted)"
# The keys of the CIB model (cib.export) whose mappings are nvpairs that may hold secrets.
PARAM_KEYS = ("params",)


def is_secret(name):
    """Whether a parameter of this name holds a secret."""
    name = "" if name is None else str(name)
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def redact_params(params, shown=REDACTED):
    """params ({name: value}) with the value of every secret replaced by shown (None and "" stay)."""
    return dict((k, shown if is_secret(k) and v not in (None, "") else v) for k, v in (params or {}).items())


def redact_model(obj, shown=REDACTED):
    """A copy of any part of the CIB model (an export, a diff's before or after, a list of objects) with
    every secret parameter value replaced by shown."""
    if isinstance(obj, dict):
        return dict((k, redact_params(v, shown) if k in PARAM_KEYS and isinstance(v, dict) else redact_model(v, shown))
                    for k, v in obj.items())
    if isinstance(obj, list):
        return [redact_model(v, shown) for v in obj]
    return obj


def redact_diff(diff):
    """The cib module's {before, after} with secret values hidden; a secret that changes shows as
    "(redacted, changed)" after, so the diff still says that it changed."""
    before, after = diff.get("before") or {}, diff.get("after") or {}
    changed = set()

    def walk(b, a, path):
        if isinstance(b, dict) and isinstance(a, dict):
            for k in set(b) & set(a):
                if k in PARAM_KEYS and isinstance(b[k], dict) and isinstance(a[k], dict):
                    changed.update(path + (n,) for n in a[k] if is_secret(n) and a[k].get(n) != b[k].get(n))
                else:
                    walk(b[k], a[k], path + (k,))
        elif isinstance(b, list) and isinstance(a, list):
            bi = dict((o.get("id"), o) for o in b if isinstance(o, dict) and o.get("id") is not None)
            for o in a:
                if isinstance(o, dict) and o.get("id") in bi:
                    walk(bi[o["id"]], o, path + (o["id"],))

    walk(before, after, ())

    def mark(obj, path):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k in PARAM_KEYS and isinstance(v, dict):
                    out[k] = dict((n, "(redacted, changed)" if path + (n,) in changed else x)
                                  for n, x in redact_params(v).items())
                else:
                    out[k] = mark(v, path + (k,))
            return out
        if isinstance(obj, list):
            return [mark(o, path + (o.get("id"),)) if isinstance(o, dict) and o.get("id") is not None
                    else mark(o, path) for o in obj]
        return obj

    return {"before": redact_model(before), "after": mark(after, ())}
