# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of a geo cluster's site (roles/booth): booth runs here and keeps the tickets granted here
(booth-tickets), and booth refuses no message sent to this site (booth-refused).

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.health_base import (
    _facts_window,
    _failed,
    _join,
    _passed,
    _uniq,
    _unknown,
    _unknown_suffix,
    _window_text,
)
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time

BOOTH_AGENT = "ocf:pacemaker:booth-site"


def check_booth(ctx):
    st = ctx.status
    tickets = st.get("tickets") or {}
    granted = sorted(t for t, v in tickets.items() if v.get("granted"))
    booth = _uniq([r["id"] for r in st["resources"] if r.get("agent") == BOOTH_AGENT])
    running = _uniq([n for r in st["resources"] if r.get("agent") == BOOTH_AGENT and r.get("active")
                     for n in r["nodes"]])
    if not booth and not tickets:
        return _passed("no booth-site resource and no ticket: not a geo cluster's site (not applicable)")
    if running:
        held = ("%s granted here" % _join(granted)) if granted else "no ticket granted here"
        return _passed("booth runs on %s; %s" % (_join(running), held), booth)
    remedy = ["crm_mon -1 -r  # why %s does not run" % _join(booth or [BOOTH_AGENT]),
              "crm_resource --cleanup -r %s" % (booth[0] if booth else "<booth-site resource>")]
    if granted:
        return _failed("%s granted here but booth does not run here: nothing renews or gives up %s, and another site "
                       "takes %s at the end of the lease while this one keeps its services"
                       % (_join(granted), "it" if len(granted) == 1 else "them", "it" if len(granted) == 1 else "them"),
                       remedy, booth + granted)
    what = "booth does not run here (%s stopped)" % _join(booth) if booth else \
        "tickets are known here (%s) but no booth-site resource exists" % _join(sorted(tickets))
    return _failed("%s: this site can take no ticket" % what, remedy, booth, severity="warning")


_BOOTH_REASONS = {
    "authentication": "could not authenticate (another key)",
    "stranger": "refused from a sender that is no member of booth.conf",
    "timestamp": "refused as older than maxtimeskew (the sender's clock is behind)",
    "replay": "refused as older than the sender's previous message (a replay, or its clock stepped back)",
}


def check_booth_refused(ctx):
    # Addresses are the objects; no message's content is ever read, only booth's line about it.
    known, unknown = ctx.facts("booth_refused")
    st = ctx.status or {}
    geo = any(r.get("agent") == BOOTH_AGENT for r in st.get("resources") or []) or bool(st.get("tickets"))
    found = [(node, e, bool(ctx.nodes[node].get("booth_refused_truncated"))) for node in sorted(known)
             for e in known[node]]
    if not geo and not found:
        return _passed("no booth-site resource, no ticket and no refusal in booth's journal: not a geo cluster's "
                       "site (not applicable)")
    if not known:
        return _unknown("no node could read booth's journal")
    window = _facts_window(ctx, known)
    # "Older than the sender's previous message" comes from a member's address and is what a loaded host sends: the
    # geo lab saw 1, then 3 within 30 s, during converges while the machine ran other work. Booth drops them (the
    # protection worked); they are noted, never a failure. Another key, a stranger or a clock behind fail.
    reordered = [f for f in found if f[1]["reason"] == "replay"]
    found = [f for f in found if f not in reordered]
    tolerated = "".join("; noted: %s: %s%d message%s booth on %s refused as older than the sender's previous one (out "
                        "of order, as on a loaded host, or replayed)"
                        % (e["source"], "at least " if lower else "", int(e["count"]), "" if int(e["count"]) == 1 else "s",
                           node) for node, e, lower in reordered)
    if not found:
        return _passed("booth refused no message on %s in the last %s%s%s"
                       % (_join(sorted(known)), _window_text(window), tolerated, _unknown_suffix(unknown)))
    parts, remedy, objects = [], [], []
    for node, e, lower_bound in sorted(found, key=lambda f: (-int(f[1]["count"]), f[0], f[1]["source"], f[1]["reason"])):
        count = "%s%d message%s" % ("at least " if lower_bound else "", int(e["count"]), "" if int(e["count"]) == 1 else "s")
        who = "booth commands run with another key" if e["source"] == "client" else e["source"]
        what = _BOOTH_REASONS.get(e["reason"], e["reason"])
        if e["reason"] == "timestamp" and e.get("maxtimeskew"):
            what = what.replace("maxtimeskew", "maxtimeskew (%d s)" % int(e["maxtimeskew"]))
        times = ("" if e.get("first") is None else
                 ", first %s, last %s" % (iso_time(e["first"]), iso_time(e["last"])))
        parts.append("%s: %s booth on %s %s%s" % (who, count, node, what, times))
        grep = "client: failed" if e["source"] == "client" else e["source"]
        remedy.append("journalctl -t boothd-site --since -%ds --grep '%s'  # on %s" % (window, re.escape(grep), node))
        objects += [node] + ([] if e["source"] == "client" else [e["source"]])
        if e["reason"] == "authentication":
            remedy.append("sha256sum /etc/booth/authkey  # on every member: all the same; else run "
                          "playbooks/booth_rotate_key.yml (right after a rotation a few refusals are expected)")
        elif e["reason"] == "stranger":
            remedy.append("# %s is no member of booth.conf: find who it is; booth_firewall_enabled lets only the geo "
                          "cluster's hosts reach booth's port" % e["source"])
        else:
            remedy.append("timedatectl; chronyc tracking  # on %s and on %s: the clocks must agree within maxtimeskew"
                          % (e["source"], node))
    return _failed("in the last %s: %s%s%s" % (_window_text(window), "; ".join(parts), tolerated, _unknown_suffix(unknown)),
                   _uniq(remedy), _uniq(objects))
