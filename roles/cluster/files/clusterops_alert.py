# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pacemaker alert agent of clusterops.ha (installed by the cluster role).

Pacemaker runs it as hacluster for every selected event, with the event in CRM_alert_* variables and
the recipient in CRM_alert_recipient. The event becomes one JSON object:
  - a recipient starting with http:// or https:// gets it as an HTTP POST (Content-Type: application/json);
  - any other recipient is a file path; the object is appended as one line (JSON lines), and the event
    is also written to syslog (facility daemon, tag clusterops-alert).
Exit codes: 0 delivered, 1 not delivered (Pacemaker logs it). Standard library only.
"""

import json
import os
import socket
import sys
import time

try:
    from urllib.request import Request, urlopen
except ImportError:  # pragma: no cover - Python 2 is not supported on the nodes
    sys.exit(1)


def event():
    fields = {}
    for key, value in os.environ.items():
        if key.startswith("CRM_alert_"):
            fields[key[len("CRM_alert_"):]] = value
    return {
        "source": "clusterops.ha",
        "host": socket.gethostname(),
        "received": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "kind": fields.get("kind"),
        "node": fields.get("node"),
        "resource": fields.get("rsc"),
        "task": fields.get("task"),
        "desc": fields.get("desc"),
        "rc": fields.get("rc"),
        "target_rc": fields.get("target_rc"),
        "status": fields.get("status"),
        "timestamp": fields.get("timestamp"),
        "fields": dict((k, v) for k, v in fields.items() if k not in ("recipient",)),
    }


def to_syslog(ev):
    try:
        import syslog
        syslog.openlog("clusterops-alert", 0, syslog.LOG_DAEMON)
        syslog.syslog(syslog.LOG_NOTICE, "%s %s %s %s" % (ev["kind"], ev["node"] or "", ev["resource"] or "",
                                                          ev["desc"] or ev["task"] or ""))
    except Exception:  # pylint: disable=broad-except
        pass


def main():
    recipient = os.environ.get("CRM_alert_recipient", "")
    if not recipient:
        return 1
    ev = event()
    body = json.dumps(ev, sort_keys=True)
    if recipient.startswith(("http://", "https://")):
        timeout = float(os.environ.get("CRM_alert_timeout_s", "10"))
        req = Request(recipient, data=body.encode("utf-8"), headers={"Content-Type": "application/json"})
        try:
            with urlopen(req, timeout=timeout) as resp:
                return 0 if 200 <= resp.status < 300 else 1
        except Exception:  # pylint: disable=broad-except
            return 1
    to_syslog(ev)
    try:
        with open(recipient, "a") as f:
            f.write(body + "\n")
    except (IOError, OSError):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
