# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rule for what is a secret, for every writer: the configuration snapshots, the living
documentation, the cib module's diff, every module's logged arguments and results (module_entry) and
anything else that prints a resource's parameters.

By name: a parameter (an nvpair: instance attributes of primitives, fence devices, operations, alerts and
recipients, and the other nvpair sets of the CIB model, PARAM_KEYS) holds a secret when its name contains
pass, passwd, password, secret, key, token, community, auth, credential, private or cookie, or is kg or
ends in _kg (fence_ipmilan's hexadecimal_kg, the BMC's Kg key) (any case) -- fence device passwords, SNMP
communities, API tokens, cookies, keys -- unless the name only names a file, a path or a script that holds
the secret (passwd_script, identity_file, key_file, fence_docker's tlskey, ssl_insecure, configfile). Over-redaction is the safe
side: "auth" (fence_ipmilan's authentication type) is redacted although it is not a secret.

By value, whatever the name: a URL (scheme://...) may carry credentials in its user information
(https://user:pw@host/), its query or fragment (?token=...), and a webhook's also in its path (an alert
recipient's value, a parameter named url or with hook in its name: https://hooks.example.com/services/T0/B0/XYZ). Such a value keeps scheme://host[:port]/ and
the rest is hidden; the user information is dropped. A URL with nothing beyond its host (https://host,
https://host:8443/), and a resource's URL with only a path (statusurl=http://localhost/server-status), are
shown as they are. This applies to nvpair values
and to an alert recipient's value (VALUE_KEYS). A URL whose authority is not a plain host[:port] (a password
with an unescaped "/" or "#") keeps its scheme only.

By value, too: an option list in a value (a Filesystem resource's mount options "vers=3.0,username=bob,password=pw",
any comma- or space-separated NAME=VALUE items) hides the value of each item whose NAME is secret by the rule above
(password=, pass=, secret=...; credentials=/etc/file is hidden too, over-redaction being the safe side); the other
items stay as they are.

Resource agents' metadata has no secret mark (OCF 1.1 has none), so the rule is by name and value only.
Standard library only, Python 3.8 syntax: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

SECRET_NAME = re.compile(r"pass(w(or)?d)?|secret|key|token|community|auth|credential|private|cookie|(^|_)kg$", re.IGNORECASE)
# Names that match SECRET_NAME but only name a file, a path or a script holding a secret.
NOT_SECRET_NAME = re.compile(r"(_script|_file|_path|file|path)$|^(ssl_insecure|key_file|keyfile|tlskey)$", re.IGNORECASE)
# What a writer shows instead of a secret's value (the snapshots write a salted fingerprint instead).
REDACTED = "(redacted)"
# What the cib module's diff shows after, for a hidden value that changes.
REDACTED_CHANGED = "(redacted, changed)"
# The keys of the CIB model (cib_export.export) whose mappings are nvpairs ({name: value}) that may hold secrets:
# the nvpair sets of objects (params also of operations, alerts and recipients) and the dict kinds.
PARAM_KEYS = ("params", "meta", "utilization", "attributes", "properties", "rsc_defaults", "op_defaults")
# The keys of the CIB model whose lists hold objects with one more value that is not an nvpair, and its key:
# an alert's recipients ({"value": "https://hooks.example.com/services/T0/B0/XYZ", "params": {...}}).
VALUE_KEYS = {"recipients": "value"}

# scheme://authority rest, the authority ending at the first "/", "?" or "#".
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)(.*)", re.DOTALL)
# A host name, an IPv4 or a bracketed IPv6 address, with an optional port.
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]*\]|[A-Za-z0-9._~%-]*)(:[0-9]*)?")


def is_secret(name):
    """Whether a parameter of this name holds a secret."""
    name = "" if name is None else str(name)
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


# NAME=VALUE items of an option list: the start of the value or a comma, semicolon or white space, then the item.
_OPTION_ITEM = re.compile(r"(^|[,;\s])([A-Za-z_][A-Za-z0-9_.-]*)=([^,;\s]*)")


def _option_secrets(value):
    """The values of the secret-named NAME=VALUE items of an option list (mount options), in order; [] when none."""
    if not isinstance(value, str) or "=" not in value:
        return []
    return [m.group(3) for m in _OPTION_ITEM.finditer(value) if m.group(3) and is_secret(m.group(2))]


def _hide_options(value, shown):
    """value with each secret-named option item's value replaced by shown (a text or a function of the value)."""
    def one(m):
        if not m.group(3) or not is_secret(m.group(2)):
            return m.group(0)
        return "%s%s=%s" % (m.group(1), m.group(2), _shown(shown, m.group(3)))
    return _OPTION_ITEM.sub(one, value)


def _url(value, whole_path=True):
    """(kept, hidden) for a URL that may carry credentials: kept is scheme://host[:port]/ (scheme:// only
    when the authority is not a plain host[:port]), hidden the parts that may be credentials (the user
    information, its password, and everything after host[:port]/). None for any other value.

    whole_path: a path is enough to hide (a webhook's token is its path). Without it only user information,
    a query or a fragment make a URL hidden (a resource's statusurl=http://localhost/server-status is not)."""
    if not isinstance(value, str):
        return None
    m = _URL.fullmatch(value.strip())
    if m is None:
        return None
    scheme, authority, rest = m.groups()
    userinfo, at, host_port = authority.rpartition("@")
    if not _HOST_PORT.fullmatch(host_port):
        return scheme, [authority + rest]
    if not at and rest in ("", "/"):
        return None
    if not whole_path and not at and "?" not in rest and "#" not in rest:
        return None
    hidden = [userinfo, userinfo.partition(":")[2], rest[1:] if rest.startswith("/") else rest]
    return scheme + host_port + "/", [h for h in hidden if h]


# Names whose URL hides on its path alone (a webhook's path is often its token): an alert recipient's value
# (VALUE_KEYS), a parameter named url, and any name with hook in it.
WHOLE_PATH_NAME = re.compile(r"^(value|url)$|hook", re.IGNORECASE)


def _whole_path(name):
    """Whether a URL under this name hides on its path alone (WHOLE_PATH_NAME); any other URL parameter
    (statusurl=http://localhost/server-status) hides only with user information, a query or a fragment."""
    return bool(WHOLE_PATH_NAME.search(str(name or "")))


def _shown(shown, value):
    return shown(str(value)) if callable(shown) else shown


def redact_value(name, value, shown=REDACTED):
    """The value of parameter name as a writer may show it: shown for a secret-named parameter, a URL with
    credentials as scheme://host[:port]/ followed by shown, anything else (None and "" too) unchanged.

    shown is a text, or a function of the whole value giving one (the snapshots' salted fingerprint, so the
    same value always gives the same text)."""
    if value is None or value == "":
        return value
    if is_secret(name):
        return _shown(shown, value)
    url = _url(value, _whole_path(name))
    if url is None:
        return _hide_options(value, shown) if _option_secrets(value) else value
    return url[0] + _shown(shown, value)


def redact_params(params, shown=REDACTED):
    """params ({name: value}) with every value redact_value hides replaced (None and "" stay)."""
    return dict((k, redact_value(k, v, shown)) for k, v in (params or {}).items())


def _redact_item(item, value_key, shown):
    """An object of a VALUE_KEYS list (a recipient) with its value and its nvpairs redacted."""
    out = redact_model(item, shown)
    if isinstance(item, dict) and value_key in item:
        out[value_key] = redact_value(value_key, item[value_key], shown)
    return out


def redact_model(obj, shown=REDACTED):
    """A copy of any part of the CIB model (an export, a diff's before or after, a list of objects) with
    every value redact_value hides replaced (nvpairs of PARAM_KEYS, the values of VALUE_KEYS' objects)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in PARAM_KEYS and isinstance(v, dict):
                out[k] = redact_params(v, shown)
            elif k in VALUE_KEYS and isinstance(v, list):
                out[k] = [_redact_item(item, VALUE_KEYS[k], shown) for item in v]
            else:
                out[k] = redact_model(v, shown)
        return out
    if isinstance(obj, list):
        return [redact_model(v, shown) for v in obj]
    return obj


def hidden_parts(name, value):
    """The texts redact_value hides in this parameter's value: the whole value of a secret-named parameter,
    a URL's user information, its password and what follows scheme://host[:port]/. Empty when nothing is."""
    if value is None or value == "" or isinstance(value, (bool, dict, list)):
        return []
    if is_secret(name):
        return [str(value)]
    url = _url(value, _whole_path(name))
    return _option_secrets(value) if url is None else url[1]


def secret_values(obj):
    """Every text the rule hides, anywhere in obj (a module's options: dictionaries and lists at any depth):
    the hidden parts (hidden_parts) of the nvpairs under a PARAM_KEYS key and of the values of VALUE_KEYS'
    objects. Module_entry hands them to Ansible's masking (no_log_values)."""
    found = set()
    todo = [obj]
    while todo:
        value = todo.pop()
        if isinstance(value, list):
            todo.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        for k, v in value.items():
            if k in PARAM_KEYS and isinstance(v, dict):
                for name, x in v.items():
                    found.update(hidden_parts(name, x))
            elif k in VALUE_KEYS and isinstance(v, list):
                found.update(p for item in v if isinstance(item, dict) for p in hidden_parts(VALUE_KEYS[k], item.get(VALUE_KEYS[k])))
            todo.append(v)
    return found


def redact_diff(diff):
    """The cib module's {before, after} with secret values hidden; a hidden value that changes shows as
    "(redacted, changed)" after (a URL as scheme://host/(redacted, changed)), so the diff still says that
    it changed."""
    before, after = diff.get("before") or {}, diff.get("after") or {}
    changed = set()

    def walk(b, a, path):
        if isinstance(b, dict) and isinstance(a, dict):
            for k in set(b) & set(a):
                if k in PARAM_KEYS and isinstance(b[k], dict) and isinstance(a[k], dict):
                    changed.update(path + (k, n) for n in a[k] if a[k].get(n) != b[k].get(n))
                elif k in VALUE_KEYS and isinstance(b[k], list) and isinstance(a[k], list):
                    # Recipients have no id in the model: the same place in the list is the same recipient.
                    key = VALUE_KEYS[k]
                    for i, (x, y) in enumerate(zip(b[k], a[k])):
                        if isinstance(x, dict) and isinstance(y, dict):
                            if x.get(key) != y.get(key):
                                changed.add(path + (k, i, key))
                            walk(x, y, path + (k, i))
                else:
                    walk(b[k], a[k], path + (k,))
        elif isinstance(b, list) and isinstance(a, list):
            bi = dict((o.get("id"), o) for o in b if isinstance(o, dict) and o.get("id") is not None)
            for o in a:
                if isinstance(o, dict) and o.get("id") in bi:
                    walk(bi[o["id"]], o, path + (o["id"],))

    walk(before, after, ())

    def hide(name, value, path):
        return redact_value(name, value, REDACTED_CHANGED if path in changed else REDACTED)

    def mark(obj, path):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                if k in PARAM_KEYS and isinstance(v, dict):
                    out[k] = dict((n, hide(n, x, path + (k, n))) for n, x in v.items())
                elif k in VALUE_KEYS and isinstance(v, list):
                    out[k] = [mark_item(item, VALUE_KEYS[k], path + (k, i)) for i, item in enumerate(v)]
                else:
                    out[k] = mark(v, path + (k,))
            return out
        if isinstance(obj, list):
            return [mark(o, path + (o.get("id"),)) if isinstance(o, dict) and o.get("id") is not None
                    else mark(o, path) for o in obj]
        return obj

    def mark_item(item, key, path):
        out = mark(item, path)
        if isinstance(item, dict) and key in item:
            out[key] = hide(key, item[key], path + (key,))
        return out

    return {"before": redact_model(before), "after": mark(after, ())}
