# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every parser of the cluster status shares (part of the status engine: cluster_status.py lists
the others).

The parsers are named for the tools they read: cluster_status_crm_mon (crm_mon, crm_simulate),
cluster_status_fencing (fence events), cluster_status_corosync (corosync-quorumtool, corosync-cfgtool) and
cluster_status_crmadmin (crmadmin). Here are the error they raise (StatusParseError, naming the tool), how they
read Pacemaker's values (to_bool, to_int, parse_pcmk_time) and an XML document's root and <status> (xml_root,
result_status).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
import time
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

# Pacemaker's XML time stamps: '2026-11-25 04:51:02Z', with fractions, 'T', a numeric zone or none (UTC).
_PCMK_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?$")


class StatusParseError(ClusterOpsError, ValueError):
    """The output of a cluster tool could not be understood."""

    def __init__(self, tool, message, text=None):
        self.tool = tool
        self.text = text
        super(StatusParseError, self).__init__("%s: %s" % (tool, message))


# ---------------------------------------------------------------------------------------------
# values


def to_bool(value, default=None):
    """A boolean as Pacemaker's and Corosync's tools print it (true/false, 1/0, yes/no, on/off, y/n), else default."""
    if value is None:
        return default
    v = str(value).strip().lower()
    if v in ("true", "1", "yes", "on", "y"):
        return True
    if v in ("false", "0", "no", "off", "n"):
        return False
    return default


def to_int(value, default=None):
    """An integer as the tools print it (decimal, 0x hex, milliseconds with "ms"), else default."""
    if value is None:
        return default
    v = str(value).strip()
    if v.endswith("ms"):
        v = v[:-2]
    try:
        if v.lower().startswith("0x"):
            return int(v, 16)
        return int(v)
    except ValueError:
        return default


def parse_pcmk_time(text):
    """A time as Pacemaker's tools print it -> Unix seconds (float), or None. The one reader of them.

    ISO 8601 ('2026-11-25 04:51:02Z', '2026-11-25 04:51:02.123456Z', with or without 'T', with a zone or
    not): no zone is UTC, since Pacemaker converts a time to UTC when it leaves the zone out
    (lib/common/iso8601.c, "Convert to UTC if local timezone was not requested"). Or ctime
    ('Tue Nov 24 22:06:50 2026'), which is the node's local time: crm_mon 2.1 prints last_change and
    last_update that way.
    """
    if not text:
        return None
    text = " ".join(str(text).split())
    try:
        return float(time.mktime(time.strptime(text, "%a %b %d %H:%M:%S %Y")))
    except (ValueError, OverflowError):
        pass
    m = _PCMK_TIME.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(k)) for k in range(1, 7))
    secs = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) + float(m.group(7) or 0)
    zone = m.group(8)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return secs


# ---------------------------------------------------------------------------------------------
# XML documents


def xml_root(tool, xml_text, roots):
    if xml_text is None or not str(xml_text).strip():
        raise StatusParseError(tool, "empty output where XML was expected", xml_text)
    try:
        root = ET.fromstring(xml_text if isinstance(xml_text, str) else xml_text.decode("utf-8"))
    except (ET.ParseError, UnicodeDecodeError) as e:
        raise StatusParseError(tool, "malformed XML (%s)" % e, xml_text)
    if root.tag not in roots:
        raise StatusParseError(tool, "unexpected XML root <%s>, expected <%s>" % (root.tag, "> or <".join(roots)),
                               xml_text)
    return root


def result_status(root):
    """(code, message, [errors]) of a <pacemaker-result><status .../> document."""
    st = root.find("status")
    if st is None:
        return 0, None, []
    errors = [(e.text or "").strip() for e in st.iter("error") if (e.text or "").strip()]
    return to_int(st.get("code"), 0), st.get("message"), errors
