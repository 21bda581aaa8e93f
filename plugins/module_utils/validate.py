# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed validation of values, the way Pacemaker and Corosync read them.

This is the one place where the collection judges a value of a given type before anything touches a
node. Every validator takes ``(value, field)`` and either returns the canonical value or raises
ValidationError, whose text is ``"<field>: <message>"``; the message shows the bad value with repr()
and says what is allowed, e.g.::

    locations loc1.score: 'abc' is not a score (an integer, INFINITY, +INFINITY, -INFINITY, or red/yellow/green)

``collect(errors, fn, ...)`` runs a validator and appends the message to a list instead of raising,
so callers report every problem at once.

The grammar follows Pacemaker's own parsers (2.1.5 and 3.0.x): lib/common/scores.c
(char2score, pcmk_parse_score), lib/common/strings.c (crm_str_to_boolean, crm_get_msec,
pcmk__parse_ms, pcmk_parse_interval_spec, pcmk__parse_ll_range), lib/common/iso8601.c (parse_date,
parse_hms, crm_time_parse_duration), lib/common/roles.c (pcmk_parse_role), lib/common/options.c
(pcmk__valid_*), and Pacemaker Explained, "Configuration Value Types". It is stricter than Pacemaker
where Pacemaker quietly reads something other than what was written:

- a duration with a decimal ("1.5s") is truncated by Pacemaker (@COMPAT in pcmk__parse_ms), and its
  units are matched by prefix ("10 seconds" is read as 10 s, "5 mins" as 5 min): both are refused;
- a duration above 4294967295 ms (about 49.7 days) is clipped by pcmk_parse_interval_spec: refused;
- trailing garbage after an integer ("100abc") is ignored by strtoll: refused;
- 24:00:00 (Pacemaker: midnight of the next day) and a space before a time zone offset are refused;
- Pacemaker compares INFINITY case-sensitively (pcmk_str_is_infinity), so "infinity" in the CIB is
  read as 0; it is accepted here but canonicalised to "INFINITY": callers must write the returned value.

Everything here is pure and uses the standard library only (Python 3.8 syntax at most: this runs on
managed nodes).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import difflib
import ipaddress
import math
import os
import re
import shutil
import ssl
import tempfile
import time

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import read_certificate

SCORE_INFINITY = 1000000
INT32_MIN = -2147483648
INT32_MAX = 2147483647
# pcmk_parse_interval_spec keeps milliseconds in an unsigned int and clips anything larger.
DURATION_MAX_MS = 4294967295

_SPACE = " \t\n\r\f\v"  # C isspace() in the C locale; str.strip() would also strip Unicode spaces
_MAX_DIGITS = 18  # enough for any long long; longer digit strings are refused before int()


class ValidationError(ClusterOpsError, ValueError):
    """A value that does not fit its type. str() is "<field>: <message>"."""

    def __init__(self, field, value, message):
        self.field = field
        self.value = value
        self.message = message
        super(ValidationError, self).__init__("%s: %s" % (field, message))

    def __str__(self):
        return "%s: %s" % (self.field, self.message)


def _err(field, value, allowed):
    """The standard error: "<field>: <repr(value)> is not <allowed>"."""
    return ValidationError(field, value, "%r is not %s" % (value, allowed))


def collect(errors, fn, *args, **kw):
    """Call fn(*args, **kw); on ValidationError append str(error) to errors and return None."""
    try:
        return fn(*args, **kw)
    except ValidationError as e:
        errors.append(str(e))
        return None


def _strip(text):
    return text.strip(_SPACE)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_int_text(text):
    """The int of an optionally signed ASCII decimal, or None."""
    m = re.fullmatch(r"([+-]?)([0-9]+)", text)
    if not m or len(m.group(2).lstrip("0")) > _MAX_DIGITS:
        return None
    return int(m.group(1) + m.group(2))


# --------------------------------------------------------------------------------------------------
# names: suggestions and unknown names
# --------------------------------------------------------------------------------------------------

def suggest(key, known):
    """ "; did you mean a or b?" for the close matches of key among known, or "" when there are none."""
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=3, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean %s?" % " or ".join(close)


_KNOWN_SHOWN = 20


def _known_list(known):
    names = sorted(set(str(k) for k in known))
    shown = ", ".join(names[:_KNOWN_SHOWN])
    if len(names) > _KNOWN_SHOWN:
        shown += ", and %d more" % (len(names) - _KNOWN_SHOWN)
    return shown


def name(value, field, known, what="key"):
    """value when it is one of known (case-sensitive), else "unknown <what> 'x'; did you mean y?"."""
    known = list(known)
    if not isinstance(value, str):
        raise _err(field, value, "a %s (a string)" % what)
    if value in known:
        return value
    hint = suggest(value, known)
    if not hint:
        hint = " (known: %s)" % _known_list(known) if known else " (none is known)"
    raise ValidationError(field, value, "unknown %s %r%s" % (what, value, hint))


def choice(value, field, allowed):
    """One of allowed (strings), matched case-insensitively as Pacemaker matches its selects;
    returns the spelling in allowed. An int is compared as its decimal text."""
    allowed = [str(a) for a in allowed]
    text = None
    if isinstance(value, str):
        text = _strip(value)
    elif _is_int(value):
        text = str(value)
    if text is not None:
        if text in allowed:
            return text
        for a in allowed:
            if a.lower() == text.lower():
                return a
    hint = suggest(text, allowed) if text else ""
    raise ValidationError(field, value, "%r is not one of %s%s" % (value, ", ".join(allowed), hint))


# --------------------------------------------------------------------------------------------------
# score, integers, boolean
# --------------------------------------------------------------------------------------------------

_SCORE_HELP = "a score (an integer, INFINITY, +INFINITY, -INFINITY, or red/yellow/green)"
_HEALTH = ("red", "yellow", "green")


def score(value, field):
    """A Pacemaker score; returns its canonical text: "INFINITY", "-INFINITY", "red", "100", "-5".

    Integers beyond +/-1000000 are kept as written (Pacemaker clips them to +/-INFINITY).
    """
    if _is_int(value):
        if abs(value) >= 10 ** _MAX_DIGITS:
            raise _err(field, value, _SCORE_HELP)
        return str(value)
    if not isinstance(value, str):
        raise _err(field, value, _SCORE_HELP)
    text = _strip(value)
    # Pacemaker compares INFINITY case-sensitively (pcmk_str_is_infinity): "infinity" would be read as 0.
    if text in ("INFINITY", "+INFINITY"):
        return "INFINITY"
    if text == "-INFINITY":
        return "-INFINITY"
    if text.upper().lstrip("+-") == "INFINITY":
        raise _err(field, value, _SCORE_HELP + "; INFINITY is upper case, Pacemaker reads %r as 0" % text)
    if text.lower() in _HEALTH:
        return text.lower()
    number = _parse_int_text(text)
    if number is None:
        raise _err(field, value, _SCORE_HELP)
    return str(number)


def _range_words(minimum, maximum):
    if minimum is not None and maximum is not None:
        return "an integer from %d to %d" % (minimum, maximum)
    if minimum is not None:
        return "an integer of at least %d" % minimum
    if maximum is not None:
        return "an integer of at most %d" % maximum
    return "an integer"


def integer(value, field, minimum=None, maximum=None):
    """An int or a decimal string with an optional sign (no float, bool or "1e3"), within
    [minimum, maximum] when given; returns the int."""
    words = _range_words(minimum, maximum)
    if _is_int(value):
        number = value
    elif isinstance(value, str):
        number = _parse_int_text(_strip(value))
    else:
        number = None
    if number is None or (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise _err(field, value, words)
    return number


def nonnegative_integer(value, field, maximum=None):
    """integer() of at least 0."""
    return integer(value, field, minimum=0, maximum=maximum)


def positive_integer(value, field, maximum=None):
    """integer() of at least 1."""
    return integer(value, field, minimum=1, maximum=maximum)


_TRUE_WORDS = ("true", "yes", "on", "y", "1")
_FALSE_WORDS = ("false", "no", "off", "n", "0")
_BOOLEAN_HELP = "a boolean (true/false, yes/no, on/off, y/n, 1/0)"


def flag(value, default=None):
    """A boolean as Pacemaker and corosync write it (the words of boolean(), any case) read leniently: True or False,
    default for None or anything else. For reading what a tool printed; boolean() judges an input."""
    if isinstance(value, bool):
        return value
    text = _strip(str(value)).lower() if value is not None else None
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    return default


def boolean(value, field):
    """A bool, the int 0 or 1, or a word crm_str_to_boolean knows (any case); returns a bool."""
    if isinstance(value, bool):
        return value
    if _is_int(value) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        text = _strip(value).lower()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
    raise _err(field, value, _BOOLEAN_HELP)


# --------------------------------------------------------------------------------------------------
# durations
# --------------------------------------------------------------------------------------------------

# Exact units only: Pacemaker matches by prefix ("10 seconds" -> s), which hides typos.
_UNIT_MS = {
    "ms": (1, 1), "msec": (1, 1),
    "us": (1, 1000), "usec": (1, 1000),
    "": (1000, 1), "s": (1000, 1), "sec": (1000, 1),
    "m": (60000, 1), "min": (60000, 1),
    "h": (3600000, 1), "hr": (3600000, 1),
}
_PLAIN_DURATION = re.compile(r"([0-9]+)[ \t\n\r\f\v]*([A-Za-z]*)")
# Components in the standard order; Pacemaker is lax about the order, we are not.
_ISO_DURATION = re.compile(
    r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?"
    r"(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?")
_DURATION_HELP = ("a duration (a whole number with an optional unit ms, msec, us, usec, s, sec, m, min, h or hr, "
                  "or an ISO 8601 duration such as PT5M; no decimals, at most about 49 days)")
_DAY_MS = 86400000


def _iso_duration_ms(text):
    m = _ISO_DURATION.fullmatch(text)
    if not m or text in ("P", "PT") or text.endswith("T"):
        return None
    parts = [int(g) if g is not None else 0 for g in m.groups()]
    if any(len(g) > _MAX_DIGITS for g in m.groups() if g):
        return None
    years, months, weeks, days, hours, minutes, seconds = parts
    total_days = 365 * years + 30 * months + 7 * weeks + days
    return total_days * _DAY_MS + (hours * 3600 + minutes * 60 + seconds) * 1000


def _duration_parse(value):
    """(stripped text, milliseconds) or None."""
    if _is_int(value):
        if value < 0:
            return None
        text = str(value)
    elif isinstance(value, str):
        text = _strip(value)
    else:
        return None
    if text.startswith("P"):
        ms = _iso_duration_ms(text)
    else:
        m = _PLAIN_DURATION.fullmatch(text)
        unit = _UNIT_MS.get(m.group(2).lower()) if m else None
        if unit is None or len(m.group(1).lstrip("0")) > _MAX_DIGITS:
            return None
        ms = int(m.group(1)) * unit[0] // unit[1]
    if ms is None or ms > DURATION_MAX_MS:
        return None
    return text, ms


def _checked_duration(value, field, allow_zero):
    parsed = _duration_parse(value)
    if parsed is None:
        raise _err(field, value, _DURATION_HELP)
    if not allow_zero and parsed[1] == 0:
        raise _err(field, value, "a duration greater than zero")
    return parsed


def duration(value, field, allow_zero=True):
    """A Pacemaker interval/timeout: a whole number of seconds, a whole number with a unit
    (ms, msec, us, usec, s, sec, m, min, h, hr; any case; spaces before the unit allowed), or an ISO 8601
    duration (P[nY][nM][nW][nD][T[nH][nM][nS]]). Returns the text stripped (an int as its decimal text)."""
    return _checked_duration(value, field, allow_zero)[0]


def duration_ms(value, field, allow_zero=True):
    """duration()'s value in milliseconds (an int). As Pacemaker's crm_time_get_seconds: an ISO 8601
    year counts 365 days and a month 30 days; microseconds are truncated to whole milliseconds."""
    return _checked_duration(value, field, allow_zero)[1]


# --------------------------------------------------------------------------------------------------
# ISO 8601 date and time
# --------------------------------------------------------------------------------------------------

_ISO_DATE_FORMS = (
    ("calendar", re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")),
    ("calendar", re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")),
    ("week", re.compile(r"([0-9]{4})-W([0-9]{2})-([0-9])")),
    ("ordinal", re.compile(r"([0-9]{4})-([0-9]{3})")),
)
_ISO_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?")
_ISO_HELP = ("an ISO 8601 date and time that exists (YYYY-MM-DD, YYYY-DDD or YYYY-Www-D, optionally followed "
             "by T or a space and HH:MM[:SS] with an optional Z or +HH:MM offset)")


def _iso_date(text):
    """True when text is an existing date in one of the accepted forms."""
    for kind, rx in _ISO_DATE_FORMS:
        m = rx.fullmatch(text)
        if not m:
            continue
        nums = [int(g) for g in m.groups()]
        try:
            if kind == "calendar":
                datetime.date(nums[0], nums[1], nums[2])
            elif kind == "week":
                datetime.date.fromisocalendar(nums[0], nums[1], nums[2])
            else:
                start = datetime.date(nums[0], 1, 1)
                if not 1 <= nums[1] or (start + datetime.timedelta(days=nums[1] - 1)).year != nums[0]:
                    return False
        except (ValueError, OverflowError):
            return False
        return True
    return False


def _iso_time(text):
    m = _ISO_TIME.fullmatch(text)
    if not m:
        return False
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return False
    offset = m.group(4)
    if offset and offset != "Z":
        digits = offset[1:].replace(":", "")
        if int(digits[:2]) > 23 or (len(digits) > 2 and int(digits[2:]) > 59):
            return False
    return True


def iso8601_datetime(value, field):
    """A date, or a date and time, as Pacemaker's date_expression start/end take it; the date must exist.
    Returns the text stripped."""
    if not isinstance(value, str):
        raise _err(field, value, _ISO_HELP)
    text = _strip(value)
    m = re.fullmatch(r"([0-9W-]+)(?:[T ](.+))?", text)
    if not m or not _iso_date(m.group(1)) or (m.group(2) is not None and not _iso_time(m.group(2))):
        raise _err(field, value, _ISO_HELP)
    return text


# --------------------------------------------------------------------------------------------------
# roles, ids, date_spec
# --------------------------------------------------------------------------------------------------

ROLES = ("Started", "Stopped", "Promoted", "Unpromoted")
LEGACY_ROLES = {"Master": "Promoted", "Slave": "Unpromoted"}


def role(value, field, allow_legacy=True):
    """A resource role, any case (pcmk_parse_role compares case-insensitively); returns the canonical
    capitalisation. Master/Slave only when allow_legacy (the Pacemaker 3.0 schema refuses them)."""
    if isinstance(value, str):
        text = _strip(value).lower()
        for r in ROLES:
            if r.lower() == text:
                return r
        for old, new in sorted(LEGACY_ROLES.items()):
            if old.lower() == text:
                if allow_legacy:
                    return old
                raise _err(field, value, "a role (Started, Stopped, Promoted or Unpromoted; %s replaces %s, "
                                         "which Pacemaker 3.0 no longer accepts)" % (new, old))
    legacy = ", or legacy Master/Slave" if allow_legacy else ""
    raise _err(field, value, "a role (Started, Stopped, Promoted or Unpromoted%s)" % legacy)


_CIB_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
CIB_ID_MAX = 255


def cib_id(value, field):
    """A Pacemaker XML id: a letter or underscore, then letters, digits, '_', '.', '-' (at most 255)."""
    if not isinstance(value, str) or not _CIB_ID.fullmatch(value) or len(value) > CIB_ID_MAX:
        raise _err(field, value, "an id (a letter or _ followed by letters, digits, _, . or -; at most %d characters)"
                   % CIB_ID_MAX)
    return value


# date_spec attributes and their bounds (Pacemaker Explained, "Date Specifications"; lib/common/rules.c).
DATE_SPEC_BOUNDS = {
    "years": (0, None), "weekyears": (0, None),
    "months": (1, 12), "monthdays": (1, 31), "yeardays": (1, 366),
    "weeks": (1, 53), "weekdays": (1, 7),
    "hours": (0, 23), "minutes": (0, 59), "seconds": (0, 59),
}
# moon (phase of the moon, 0-7) was deprecated in 2.1 and removed in 3.0.
LEGACY_DATE_SPEC_BOUNDS = {"moon": (0, 7)}


def _range_help(low, high):
    bounds = "%d-%d" % (low, high) if high is not None else "%d or more" % low
    return "a number or range (N, N-M, N- or -M) within %s" % bounds


def date_range(value, field, low=0, high=None):
    """A date_spec value as pcmk__parse_ll_range reads it: "N", "N-M", "N-" or "-M" (or an int) within
    [low, high]; returns its text."""
    words = _range_help(low, high)
    if _is_int(value):
        text = str(value)
    elif isinstance(value, str):
        text = _strip(value)
    else:
        raise _err(field, value, words)
    m = re.fullmatch(r"([0-9]*)-?([0-9]*)", text)
    if not m or text in ("", "-") or ("-" not in text and m.group(2)):
        raise _err(field, value, words)
    ends = [g for g in m.groups() if g]
    if any(len(g) > _MAX_DIGITS for g in ends):
        raise _err(field, value, words)
    nums = [int(g) for g in ends]
    if any(n < low or (high is not None and n > high) for n in nums) or (len(nums) == 2 and nums[0] > nums[1]):
        raise _err(field, value, words)
    return text


def date_spec(spec, field, allow_legacy=True):
    """A date_spec mapping (optional id plus years, months, monthdays, hours, minutes, seconds, yeardays,
    weekyears, weeks, weekdays; moon only when allow_legacy). Returns a new dict of canonical texts;
    raises for the first problem in key order."""
    if not isinstance(spec, dict):
        raise _err(field, spec, "a date_spec (a mapping of %s to numbers or ranges)" % ", ".join(sorted(DATE_SPEC_BOUNDS)))
    bounds = dict(DATE_SPEC_BOUNDS)
    if allow_legacy:
        bounds.update(LEGACY_DATE_SPEC_BOUNDS)
    result = {}
    for key in sorted(spec, key=str):
        sub = "%s.%s" % (field, key)
        if key == "id":
            result["id"] = cib_id(spec[key], sub)
            continue
        name(key, field, sorted(bounds) + ["id"], what="date_spec attribute")
        low, high = bounds[key]
        result[key] = date_range(spec[key], sub, low, high)
    return result


# --------------------------------------------------------------------------------------------------
# addresses
# --------------------------------------------------------------------------------------------------

IP_VERSIONS = ("ipv4", "ipv6", "ipv4-6", "ipv6-4")
_ADDRESS_HELP = "an address (a single IPv4 or IPv6 address or a host name)"
_IPV4 = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
_ZONE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _ip(text):
    """(ipaddress object, zone or None) for an IP literal, else None. No leading zeros, no prefix."""
    if _IPV4.fullmatch(text):
        try:
            return ipaddress.IPv4Address(text), None
        except ValueError:
            return None
    if ":" not in text:
        return None
    addr, _sep, zone = text.partition("%")
    if _sep and not _ZONE.fullmatch(zone):
        return None
    try:
        return ipaddress.IPv6Address(addr), (zone if _sep else None)
    except ValueError:
        return None


def is_ip_literal(text):
    """True when text is an IPv4 or IPv6 address literal (IPv6 with an optional %zone)."""
    return isinstance(text, str) and _ip(_strip(text)) is not None


def is_host_name(text):
    """True when text is an RFC 1123 host name whose last label is not all digits."""
    if not isinstance(text, str) or not text or len(text) > 253:
        return False
    labels = text.split(".")
    return all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def _ip_text(ip, zone):
    return ip.compressed + ("%" + zone if zone else "")


def _special(ip, zone):
    """Why ip cannot be a cluster node's address, or None."""
    v4 = ip.version == 4
    reasons = (
        (ip.is_unspecified, "an unspecified address"),
        (v4 and ip in _THIS_NETWORK, "a 'this network' address (0.0.0.0/8)"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_link_local and v4, "a link-local address"),
        (ip.is_link_local and not v4 and not zone, "a link-local address without a %zone"),
        (v4 and ip.is_reserved, "a reserved address (240.0.0.0/4, broadcast)"),
    )
    for applies, why in reasons:
        if applies:
            return why
    return None


def address(value, field, ip_version=None, special=False):
    """A node address: an IPv4 or IPv6 literal or a host name; returns its canonical text (ipaddress's
    compressed form, a host name in lower case).

    ip_version is corosync's totem.ip_version: "ipv4" refuses an IPv6 literal, "ipv6" an IPv4 literal,
    "ipv4-6"/"ipv6-4" and None accept both (corosync.conf(5): the default is ipv6-4 for knet and udpu,
    ipv4 for udp). Unless special, loopback, unspecified, multicast and link-local addresses (IPv6
    link-local with a %zone is accepted) are refused: a cluster node cannot be reached there.
    """
    if ip_version is not None and ip_version not in IP_VERSIONS:
        raise ValueError("ip_version must be one of %s, not %r" % (", ".join(IP_VERSIONS), ip_version))
    if not isinstance(value, str):
        raise _err(field, value, _ADDRESS_HELP)
    text = _strip(value)
    parsed = _ip(text)
    if parsed is None:
        if is_host_name(text):
            return text.lower()
        raise _err(field, value, _ADDRESS_HELP)
    ip, zone = parsed
    if ip.version == 6 and ip_version == "ipv4":
        raise _err(field, value, "an IPv4 address or a host name (totem.ip_version is ipv4)")
    if ip.version == 4 and ip_version == "ipv6":
        raise _err(field, value, "an IPv6 address or a host name (totem.ip_version is ipv6)")
    if zone and ip.version == 6 and not ip.is_link_local:
        raise _err(field, value, "an address (a %zone belongs only on an IPv6 link-local address)")
    if not special:
        why = _special(ip, zone)
        if why:
            raise ValidationError(field, value, "%r is %s, which cannot be a cluster node's address" % (value, why))
    return _ip_text(ip, zone)


def address_on_host(value, field, host_addresses):
    """An IP literal must be one of host_addresses (ansible_all_ipv4_addresses + ansible_all_ipv6_addresses);
    a host name is returned as is. Returns the canonical text of a literal."""
    if not isinstance(value, str):
        raise _err(field, value, _ADDRESS_HELP)
    parsed = _ip(_strip(value))
    if parsed is None:
        return value
    ip, zone = parsed
    mine = []
    shown = []
    for item in host_addresses or ():
        other = _ip(_strip(item)) if isinstance(item, str) else None
        if other is not None:
            mine.append(other[0])
        if str(item) not in shown:
            shown.append(str(item))
    if ip not in mine:
        raise ValidationError(field, value, "%r is not an address of this host (it has: %s)"
                              % (value, ", ".join(shown) if shown else "none"))
    return _ip_text(ip, zone)


# --------------------------------------------------------------------------------------------------
# by Pacemaker metadata type
# --------------------------------------------------------------------------------------------------

def pcmk_integer(value, field):
    """Pacemaker's "integer" option type (pcmk__valid_int): a 32-bit integer (returned as an int), or
    INFINITY/+INFINITY/-INFINITY (returned as "INFINITY"/"-INFINITY"; the daemons' legacy metadata shows
    score options as integer)."""
    if isinstance(value, str) and _strip(value).upper() in ("INFINITY", "+INFINITY", "-INFINITY"):
        return score(value, field)
    return integer(value, field, INT32_MIN, INT32_MAX)


def pcmk_nonnegative_integer(value, field):
    """Pacemaker's "nonnegative_integer": 0 to 2147483647."""
    return integer(value, field, 0, INT32_MAX)


def port(value, field):
    """A TCP/UDP port, 1-65535 (Pacemaker Explained allows 0, which no service listens on); returns the int."""
    number = collect([], integer, value, field, 1, 65535)
    if number is None:
        raise _err(field, value, "a port (an integer from 1 to 65535)")
    return number


def percentage(value, field):
    """A non-negative whole number followed by '%' ("80%"), as pcmk__valid_percentage (strtol, then
    exactly "%"); returns the text stripped."""
    if isinstance(value, str):
        text = _strip(value)
        if re.fullmatch(r"[0-9]+%", text):
            return text
    raise _err(field, value, "a percentage (a non-negative whole number followed by %, such as 80%)")


def version(value, field):
    """A version: a digit, then letters, digits, dots and dashes ("3.0.0", "2.1.5-rc1"); returns text."""
    if _is_int(value) and value >= 0:
        return str(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9][A-Za-z0-9.-]*", _strip(value)):
        return _strip(value)
    raise _err(field, value, "a version (a digit followed by letters, digits, dots and dashes, such as 2.1.5)")


def system_user(value, field):
    """A system user name as Debian's adduser accepts it by default (NAME_REGEX): a lower-case letter, then
    lower-case letters, digits, '-' or '_', at most 32 characters, and not root or hacluster (Pacemaker never
    restricts them). It goes into sudoers files and group lists, so nothing else is let through."""
    if isinstance(value, str) and re.fullmatch(r"[a-z][-a-z0-9_]{0,31}", value) and value not in ("root", "hacluster"):
        return value
    raise _err(field, value, "a system user name (a lower-case letter, then lower-case letters, digits, '-' or '_', "
                             "at most 32 characters; not root or hacluster)")


_PG_SETTING = re.compile(r"[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f]")


def pg_settings(value, field, reserved=None):
    """PostgreSQL settings for a postgresql.conf file, {name: value}: each name a setting's name as PostgreSQL
    spells it (lower case; one dot for an extension's, e.g. pg_stat_statements.track), each value one string,
    number or boolean without control characters (a line break would start a setting of its own). reserved:
    {name: what sets it}, the settings a role owns; one of them is refused with what to set instead. Returns value."""
    if not isinstance(value, dict):
        raise _err(field, value, "a mapping of PostgreSQL settings ({name: value})")
    for name in sorted(value, key=str):
        item = value[name]
        where = "%s.%s" % (field, name)
        if not isinstance(name, str) or not _PG_SETTING.fullmatch(name):
            raise ValidationError(where, name, "%r is not a PostgreSQL setting's name (lower-case letters, digits and _, "
                                               "one dot for an extension's setting)" % (name,))
        if name in (reserved or {}):
            raise ValidationError(where, item, "is set by the role, which the cluster depends on: use %s" % reserved[name])
        if isinstance(item, (dict, list, tuple)) or item is None or (isinstance(item, str) and _CONTROL_ANY.search(item)):
            raise _err(where, item, "a single string, number or boolean without control characters")
    return value


def epoch_time(value, field):
    """Seconds since the Unix epoch (a non-negative integer); returns the int."""
    return integer(value, field, minimum=0)


def string(value, field):
    """Any single value as text: a string as is, an int as its decimal text, a bool as true/false,
    a float as str(); a list, mapping or None is refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise _err(field, value, "a single value (a string)")


# --------------------------------------------------------------------------------------------------
# values of the roles' own variables: numbers, node names, paths, URLs, systemd time spans
# --------------------------------------------------------------------------------------------------

def number(value, field, minimum=None, maximum=None):
    """An int or float (or its decimal text, no bool) within [minimum, maximum]; returns a float."""
    words = "a number"
    if minimum is not None and maximum is not None:
        words = "a number from %s to %s" % (minimum, maximum)
    elif minimum is not None:
        words = "a number of at least %s" % minimum
    elif maximum is not None:
        words = "a number of at most %s" % maximum
    result = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", _strip(value)):
        result = float(_strip(value))
    if result is None or math.isnan(result) or (minimum is not None and result < minimum) \
            or (maximum is not None and result > maximum):
        raise _err(field, value, words)
    return result


_NODE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?")


def node_name(value, field):
    """A cluster node's name as corosync's nodelist and Pacemaker use it: 1-64 letters, digits, '.', '-'
    and '_', beginning and ending with a letter or digit (no spaces); returns it."""
    if isinstance(value, str) and _NODE_NAME.fullmatch(value):
        return value
    raise _err(field, value, "a node name (1-64 letters, digits, '.', '-' or '_', beginning and ending with a "
                             "letter or digit, no spaces)")


def absolute_path(value, field, suffix=None):
    """An absolute path on a node: begins with '/', names a file (not ending in '/'), no '..' component,
    no control character; with suffix, ends in it. Returns it."""
    words = "an absolute path of a file (beginning with '/')" if not suffix else \
        "an absolute path ending in %s (a file)" % suffix
    ok = isinstance(value, str) and value.startswith("/") and not value.endswith("/") \
        and ".." not in value.split("/") and not any(ord(c) < 32 or ord(c) == 127 for c in value)
    if not ok or (suffix and (not value.endswith(suffix) or value.rsplit("/", 1)[1] == suffix)):
        raise _err(field, value, words)
    return value


_FILE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")


def file_name(value, field):
    """A report's file name without a directory: 1-100 letters, digits, '.', '-' or '_', not beginning with '.'."""
    if not (isinstance(value, str) and _FILE_NAME.fullmatch(value)):
        raise _err(field, value, "a file name (1-100 letters, digits, '.', '-' or '_', not beginning with '.')")
    return value


_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://(\[[0-9A-Fa-f:.]+\]|[^\s/:?#@\[\]]+)(?::([0-9]{1,5}))?([/?#]\S*)?")


def url(value, field, schemes=("http", "https")):
    """A URL with one of schemes, a host and an optional port 1-65535, without spaces; returns it."""
    words = "a URL (%s://host[:port][/path])" % "|".join(schemes)
    m = _URL.fullmatch(value) if isinstance(value, str) else None
    if not m or m.group(1).lower() not in schemes or (m.group(3) and not 0 < int(m.group(3)) < 65536):
        raise _err(field, value, words)
    return value


_GIT_BAD = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|/\.|\.lock(?:/|$)")
_GIT_REVISION = re.compile(r"[A-Za-z0-9._/@{}~^+-]+")


def git_ref(value, field, revision=False):
    """A git branch name (git check-ref-format --branch: no space, ~ ^ : ? * [ \\, '..', '@{' or '//', not
    beginning with '-' or '/', not ending with '/', '.' or '.lock'); with revision, a revision instead (a
    hash, a tag, a branch, HEAD~2, main^, HEAD@{1}). Returns it."""
    if revision:
        ok = isinstance(value, str) and _GIT_REVISION.fullmatch(value) is not None and not value.startswith("-")
        words = "a git revision (a commit hash, a tag, a branch, HEAD~2, ...)"
    else:
        ok = isinstance(value, str) and value != "@" and not _GIT_BAD.search(value) \
            and not value.startswith(("-", "/", ".")) and not value.endswith(("/", ".")) and value != ""
        words = "a git branch name (letters, digits, '/', '.', '-' and '_'; no spaces, '..' or ':')"
    if not ok:
        raise _err(field, value, words)
    return value


# systemd.time(7): the units of a time span; a number without a unit is seconds.
_TIMESPAN_UNITS = ("usec", "us", "\u00b5s", "msec", "ms", "seconds", "second", "sec", "s", "minutes", "minute",
                   "min", "m", "hours", "hour", "hr", "h", "days", "day", "d", "weeks", "week", "w",
                   "months", "month", "M", "years", "year", "y")
_TIMESPAN_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)[ \t]*(%s)?" % "|".join(
    sorted((re.escape(u) for u in _TIMESPAN_UNITS), key=len, reverse=True)))


def systemd_timespan(value, field):
    """A systemd time span of more than zero: "30s", "1min", "1h 30min", a bare number of seconds
    (systemd.time(7)); returns it as text."""
    text = _strip(str(value)) if _is_int(value) or isinstance(value, str) else None
    pos, total = 0, 0.0
    while text and pos < len(text):
        m = _TIMESPAN_PART.match(text, pos)
        if not m:
            break
        total += float(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    if not text or pos < len(text) or total <= 0:
        raise _err(field, value, "a systemd time span of more than zero (such as 30s, 1min or 1h 30min)")
    return text


# --------------------------------------------------------------------------------------------------
# TLS: a certificate with its private key, an OpenSSL cipher list
# --------------------------------------------------------------------------------------------------

_PEM_CERT = "-----BEGIN CERTIFICATE-----"
_PEM_KEY = re.compile(r"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----")


def _no_password():
    raise ValueError("encrypted")


def tls_certificate_pair(value, field, key_field="private_key", now=None):
    """value: {"certificate": PEM, "private_key": PEM} (the certificate may be followed by its chain). Both empty:
    nothing to install, returns None. Otherwise both must be PEM, the certificate must not have ended, and the
    key must be the certificate's, unencrypted: what pcsd's own start checks (it refuses to start otherwise).
    Judged with Python's ssl module (the one the daemon itself loads them with); returns value. The messages
    never show the key."""
    value = value if isinstance(value, dict) else {}
    cert, key = value.get("certificate") or "", value.get("private_key") or ""
    if not isinstance(cert, str) or not isinstance(key, str):
        raise ValidationError(field, "(hidden)", "certificate and key must be PEM text")
    if not cert and not key:
        return None
    if not cert or not key:
        raise ValidationError(field, "(hidden)", "%s and %s go together: set both or neither"
                              % (field, key_field))
    if _PEM_CERT not in cert:
        raise ValidationError(field, "(hidden)", "is not a PEM certificate (no %s line)" % _PEM_CERT)
    if not _PEM_KEY.search(key):
        raise ValidationError(key_field, "(hidden)", "is not a PEM private key (no -----BEGIN ... PRIVATE KEY----- line)")
    if "ENCRYPTED" in key:  # PKCS#8 "BEGIN ENCRYPTED PRIVATE KEY" or the legacy "Proc-Type: 4,ENCRYPTED"
        raise ValidationError(key_field, "(hidden)", "is encrypted: the daemon cannot ask for its passphrase")
    tmp = tempfile.mkdtemp(prefix="clusterops-tls-")
    try:
        paths = {}
        for name, text in (("crt", cert), ("key", key)):
            paths[name] = os.path.join(tmp, name)
            fd = os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
        parsed = read_certificate(paths["crt"])
        if parsed is None:
            raise ValidationError(field, "(hidden)", "cannot be decoded as an X.509 certificate")
        if parsed["not_after"] <= (now if now is not None else time.time()):
            raise ValidationError(field, "(hidden)", "ended on %s (subject %s)" % (
                datetime.datetime.fromtimestamp(parsed["not_after"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                parsed["subject"]))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(paths["crt"], paths["key"], password=_no_password)
        except (ssl.SSLError, ValueError) as e:
            reason = getattr(e, "reason", None) or ""
            if "MISMATCH" in reason.upper() or "key values mismatch" in str(e):
                raise ValidationError(key_field, "(hidden)", "is not the private key of %s (subject %s)"
                                      % (field, parsed["subject"]))
            raise ValidationError(key_field, "(hidden)", "cannot be loaded with %s: %s"
                                  % (field, reason or "not a usable unencrypted private key"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return value


def ip_network(value, field):
    """An IP address or network ("10.0.0.5", "10.0.0.0/24", "fd00::/64"; host bits may be set); returns its
    canonical text (a single address without its prefix)."""
    try:
        net = ipaddress.ip_network(_strip(value), strict=False) if isinstance(value, str) else None
    except ValueError:
        net = None
    if net is None:
        raise _err(field, value, "an IP address or network (such as 10.0.0.5 or 10.0.0.0/24)")
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_PORT_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_SERVICE_KEYS = ("name", "port", "protocol", "sources")


def _service_port(value, field):
    """A port (int or digits) or a range "low-high"; returns its nft text ("5432", "8000-8010")."""
    m = _PORT_RANGE.match(value) if isinstance(value, str) else None
    if m:
        low, high = port(m.group(1), field), port(m.group(2), field)
        if low >= high:
            raise ValidationError(field, value, "%r is not a port range (low-high, low below high)" % value)
        return "%d-%d" % (low, high)
    return str(port(value, field))


def firewall_service(value, field):
    """A service the cluster's firewall lets in from its sources only: {name, port, protocol, sources}. name: a
    label for the drop rule's counter (lower case letters, digits, - and _; at most 32, a letter first); port: a
    port, a range "low-high", or a list of those; protocol: tcp (the default) or udp; sources: addresses or
    networks besides the nodes (which may always reach it), [] for the nodes only. Returns it normalized:
    {"name", "protocol", "ports": ["5432", "8000-8010"], "sources": [canonical networks]}."""
    if not isinstance(value, dict):
        raise _err(field, value, "a mapping with name, port, protocol and sources")
    for key in value:
        if key not in _SERVICE_KEYS:
            name(key, field, _SERVICE_KEYS)
    for key in ("name", "port", "sources"):
        if key not in value:
            raise ValidationError(field, value, "%s is missing (a service needs %s; protocol is optional)"
                                  % (key, ", ".join(k for k in _SERVICE_KEYS if k != "protocol")))
    label = value["name"]
    if not isinstance(label, str) or not _SERVICE_NAME.match(label):
        raise _err(field + ".name", label, "a service name (lower case letters, digits, - and _, a letter first, "
                                           "at most 32)")
    ports = value["port"] if isinstance(value["port"], list) else [value["port"]]
    if not ports:
        raise _err(field + ".port", value["port"], "a port, a range low-high, or a list of those")
    texts = [_service_port(p, "%s.port" % field if len(ports) == 1 and not isinstance(value["port"], list)
                           else "%s.port[%d]" % (field, i)) for i, p in enumerate(ports)]
    protocol = choice(value.get("protocol", "tcp"), field + ".protocol", ("tcp", "udp"))
    sources = value["sources"]
    if not isinstance(sources, list):
        raise _err(field + ".sources", sources, "a list of addresses or networks ([] for the nodes only)")
    networks = [ip_network(s, "%s.sources[%d]" % (field, i)) for i, s in enumerate(sources)]
    return {"name": label, "protocol": protocol, "ports": texts, "sources": networks}


_CIPHER_TEXT = re.compile(r"[A-Za-z0-9_+=:!@.,-]+")


def tls_ciphers(value, field):
    """An OpenSSL cipher list ("HIGH:!aNULL:@STRENGTH") that selects at least one cipher; returns it. Only the
    characters cipher lists use: it goes into a file a shell may read."""
    if isinstance(value, str) and _CIPHER_TEXT.fullmatch(value):
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).set_ciphers(value)
            return value
        except ssl.SSLError:
            pass
    raise _err(field, value, "an OpenSSL cipher list that selects at least one cipher (such as "
                             "'HIGH:!aNULL:!MD5' or 'DEFAULT:!RC4:!3DES:@STRENGTH'; see ciphers(1))")


# --------------------------------------------------------------------------------------------------
# A password people choose (the hacluster password pcs logs in with)
# --------------------------------------------------------------------------------------------------

# Words a password must not be, or be with digits and punctuation around them ("Hacluster2024!"): the
# cluster's own user and group, its software, and the defaults guides and images ship with.
WEAK_PASSWORD_WORDS = ("hacluster", "haclient", "pacemaker", "corosync", "cluster", "pcs", "pcsd", "crmsh",
                       "password", "passw0rd", "changeme", "secret", "admin", "administrator", "root", "default",
                       "letmein", "welcome", "qwerty", "test", "linux", "debian")
PASSWORD_MIN_LENGTH = 12
PASSWORD_MIN_DISTINCT = 5


def _password_core(text):
    """text lower-cased without the digits and punctuation around its letters ("Hacluster2024!" -> hacluster)."""
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", text.lower())


def password(value, field, min_length=PASSWORD_MIN_LENGTH, words=()):
    """A password people chose: text of at least min_length characters and PASSWORD_MIN_DISTINCT different
    ones, that is not (apart from digits and punctuation around it) one of WEAK_PASSWORD_WORDS or of words
    (the caller's: the cluster's name, its host names). No composition rules (NIST SP 800-63B): length and
    a list of what attackers try first. Every reason at once, in one message that never shows the value;
    returns value."""
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "(hidden)", "is empty: set it (keep it in a vault)")
    reasons = []
    if len(value) < min_length:
        reasons.append("has %d characters, fewer than %d" % (len(value), min_length))
    if len(set(value)) < PASSWORD_MIN_DISTINCT:
        reasons.append("has fewer than %d different characters" % PASSWORD_MIN_DISTINCT)
    core = _password_core(value)
    known = set(w.lower() for w in WEAK_PASSWORD_WORDS) | set(str(w).lower() for w in words or () if w)
    if value.lower() in known or core in known:
        reasons.append("is a word attackers try first (a default, the cluster's software, its name or a host's)")
    if reasons:
        raise ValidationError(field, "(hidden)", "is weak: it %s; choose another (a passphrase of several words "
                                                 "will do)" % ", and ".join(reasons))
    return value


def _duration_type(value, field):
    return duration(value, field)


TYPES = {
    "boolean": boolean,
    "integer": pcmk_integer,
    "nonnegative_integer": pcmk_nonnegative_integer,
    "positive_integer": positive_integer,
    "score": score,
    "duration": _duration_type,
    "timeout": _duration_type,
    "time": _duration_type,
    "interval": _duration_type,
    "percentage": percentage,
    "port": port,
    "version": version,
    "epoch_time": epoch_time,
    "iso8601": iso8601_datetime,
    "id": cib_id,
    "range": date_range,
    "select": choice,
    "enum": choice,
    "enumeration": choice,
    "string": string,
    "text": string,
}
_SELECT_TYPES = ("select", "enum", "enumeration")


def by_type(type_name, value, field, allowed=None):
    """Validate value by a Pacemaker metadata type name (any case). A select/enum with allowed values uses
    choice(); without them, and for an unknown type, the value is taken as a string."""
    kind = str(type_name or "string").strip().lower()
    if kind in _SELECT_TYPES:
        if allowed:
            return choice(value, field, allowed)
        return string(value, field)
    return TYPES.get(kind, string)(value, field)


# The types check_values knows: Pacemaker's value types (TYPES) and the roles' own.
VALUE_TYPES = dict(TYPES, int=integer, number=number, node_name=node_name, absolute_path=absolute_path, url=url,
                   systemd_timespan=systemd_timespan, name=name, choice=choice, git_ref=git_ref,
                   system_user=system_user, address=address, address_on_host=address_on_host, tls_ciphers=tls_ciphers, ip_network=ip_network,
                   firewall_service=firewall_service,
                   tls_certificate_pair=tls_certificate_pair, password=password,
                   pg_settings=pg_settings)


def check_values(specs, types=None):
    """Judge [{field, value, type, args?, elements?}] and return every message, in order (empty: all good).

    type names a validator of VALUE_TYPES or of types (the caller's own, same signature); args are its
    keyword arguments. With elements true the value must be a list and each item is judged as field[i].
    A spec that is not such a mapping is a programming error and raises ValueError.
    """
    table = dict(VALUE_TYPES, **(types or {}))
    errors = []
    for spec in specs or []:
        if not isinstance(spec, dict) or spec.get("type") not in table or not spec.get("field"):
            raise ValueError("check_values: each spec needs field and a type of %s, got %r"
                             % (", ".join(sorted(table)), spec))
        fn, field, value, args = table[spec["type"]], spec["field"], spec.get("value"), spec.get("args") or {}
        if spec.get("elements"):
            if not isinstance(value, list):
                errors.append(str(_err(field, value, "a list")))
                continue
            for i, item in enumerate(value):
                collect(errors, fn, item, "%s[%d]" % (field, i), **args)
        else:
            collect(errors, fn, value, field, **args)
    return errors


# --------------------------------------------------------------------------------------------------
# a module's parameters: what Ansible's argument spec lets through and Python or XML cannot take
# --------------------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (and that no file name, node name or setting of a cluster needs).
_CONTROL = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f]")
INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
PATH_MAX = 4096  # Linux PATH_MAX, with the NUL
NAME_MAX = 255


def what(value):
    """A value for a message: its type and its repr(), cut at 60 characters."""
    shown = repr(value)
    return "%s %s" % (type(value).__name__, shown if len(shown) <= 60 else shown[:57] + "...")


def _param_value_errors(opt, value, field):
    kind = opt.get("type", "str")
    if kind == "list":
        if not isinstance(value, list):
            return []
        errors = []
        for i, item in enumerate(value):
            errors.extend(_param_value_errors(dict(opt, type=opt.get("elements") or "raw"), item, "%s[%d]" % (field, i)))
        return errors
    if kind == "dict":
        options = opt.get("options")
        if options and isinstance(value, dict):
            return param_errors(options, value, field + ".")
        return []
    if kind in ("str", "path") and isinstance(value, str):
        m = _CONTROL.search(value)
        if m:
            return ["%s: must not contain control characters, found %r at %d" % (field, m.group(0), m.start())]
        if kind == "path":
            if value == "":
                return ["%s: must not be empty (a path)" % field]
            if len(value) >= PATH_MAX or any(len(part) > NAME_MAX for part in value.split("/")):
                return ["%s: is too long for a path (%d characters; at most %d, and %d per name)"
                        % (field, len(value), PATH_MAX - 1, NAME_MAX)]
    elif kind == "int" and _is_int(value) and not INT64_MIN <= value <= INT64_MAX:
        return ["%s: %d is out of range (a 64-bit integer)" % (field, value)]
    elif kind == "float" and isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ["%s: must be a finite number, got %s" % (field, value)]
    return []


def param_errors(spec, params, prefix=""):
    """Messages for the values Ansible's argument spec accepted but no module here can use: text with control
    characters (XML cannot carry them, a file name with a NUL crashes), an empty or over-long path, an int
    beyond 64 bits, a float that is NaN or infinite. Sub-options and list elements are named field[i].sub."""
    errors = []
    for key, opt in spec.items():
        value = params.get(key)
        if value is not None:
            errors.extend(_param_value_errors(opt, value, prefix + key))
    return errors


def text_errors(value, field):
    """Messages for text anywhere in value (strings, and the keys of mappings, at any depth) that XML cannot carry,
    and for empty keys. For data that becomes XML or a file, e.g. the CIB model: "primitives[0].params.ip: ..."."""
    errors = []
    if isinstance(value, str):
        m = _CONTROL.search(value)
        if m:
            errors.append("%s: must not contain control characters, found %r at %d" % (field, m.group(0), m.start()))
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            where = "%s.%s" % (field, key)
            if isinstance(key, str) and not key.strip():
                errors.append("%s: a name must not be empty, got %r" % (field, key))
                continue
            errors.extend(text_errors(key, "%s (the name)" % where) if isinstance(key, str) else [])
            errors.extend(text_errors(value[key], where))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            errors.extend(text_errors(item, "%s[%d]" % (field, i)))
    return errors


_SHAPE_TYPES = {
    "str": (lambda x: isinstance(x, str), "a string"),
    "int": (_is_int, "an integer"),
    "number": (lambda x: isinstance(x, (int, float)) and not isinstance(x, bool), "a number"),
    "bool": (lambda x: isinstance(x, bool), "true or false"),
    "any": (lambda x: True, "anything"),
}


def shape(value, schema, field):
    """Messages for data that does not have the shape schema describes (empty: it has). For data that one step
    of a role produces and a module of a later step reads.

    schema: a type name of "str", "int", "number", "bool", "any", with "?" appended when None is allowed too;
    a list of one schema (a list whose every element has it); a dict of key -> schema (a mapping that has
    those keys, with "?" appended to a key that may be missing or null; other keys are allowed), where the key
    "*" gives the schema of every value of a mapping with any keys.
    """
    if isinstance(schema, str):
        nullable = schema.endswith("?")
        test, words = _SHAPE_TYPES[schema.rstrip("?")]
        if (value is None and nullable) or (value is not None and test(value)):
            return []
        return ["%s: must be %s%s, got %s" % (field, words, " or null" if nullable else "", what(value))]
    if isinstance(schema, list):
        if not isinstance(value, list):
            return ["%s: must be a list, got %s" % (field, what(value))]
        errors = []
        for i, item in enumerate(value):
            errors.extend(shape(item, schema[0], "%s[%d]" % (field, i)))
        return errors
    if not isinstance(value, dict):
        return ["%s: must be a dictionary, got %s" % (field, what(value))]
    errors = []
    for key, sub in schema.items():
        if key == "*":
            for name in sorted(value, key=str):
                errors.extend(shape(value[name], sub, "%s.%s" % (field, name)))
            continue
        optional = key.endswith("?")
        name = key.rstrip("?")
        if name not in value or (optional and value[name] is None):
            if not optional:
                errors.append("%s: the key %s is missing" % (field, name))
            continue
        errors.extend(shape(value[name], sub, "%s.%s" % (field, name)))
    return errors
