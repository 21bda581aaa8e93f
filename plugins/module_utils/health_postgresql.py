# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of PostgreSQL under PAF (ocf:heartbeat:pgsqlms): one primary where Pacemaker promoted it,
with its VIP (postgresql-primary), standbys streaming (postgresql-standbys-streaming) and promotable
(postgresql-promotable), synchronous replication's standby (postgresql-sync-standby) and the lag
(postgresql-lag: postgresql.LAG_BYTES, postgresql.LAG_S). The instances are found in the CIB by their agent,
their state in the facts cluster_node_facts gathers on each node (postgresql.read_local()).

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.health_base import (
    _agent_resources,
    _failed,
    _join,
    _passed,
    _uniq,
    _unknown,
    _unknown_suffix,
)


def _pg_instances(ctx):
    return _agent_resources(ctx, postgresql.AGENT, postgresql.instances, "postgresql", "PostgreSQL", "PostgreSQL instances")


def _pg_label(inst):
    return inst["clone"] or inst["id"]


def _pg_psql(inst, sql):
    return "runuser -u %s -- %s/psql -h %s -p %s -c %s" % (
        inst["system_user"], inst["bindir"], inst["pghost"], inst["pgport"], _shell_quote(sql))


def _shell_quote(text):
    return "'%s'" % text.replace("'", "'\\''")


def _pg_single_primary(ctx):
    """([(instance, facts, unknown, primary)], notes, None), or (None, None, result)."""
    found, result = _pg_instances(ctx)
    if result:
        return None, None, result
    judged, notes = [], []
    for inst, facts, unknown in found:
        primaries = postgresql.primaries(facts)
        if len(primaries) == 1:
            judged.append((inst, facts, unknown, primaries[0]))
        else:
            notes.append("%s has %s (see postgresql-primary)" % (
                inst["id"], "no primary" if not primaries else "%d primaries" % len(primaries)))
    if not judged:
        return None, None, _unknown("; ".join(notes))
    return judged, notes, None


def check_postgresql_primary(ctx):
    found, result = _pg_instances(ctx)
    if result:
        return result
    by_id = ctx.status.get("resources_by_id") or {}
    parts, passes, remedy, objects = [], [], [], []
    for inst, facts, unknown in found:
        rid, label = inst["id"], _pg_label(inst)
        primaries = postgresql.primaries(facts)
        promoted = list((by_id.get(rid) or {}).get("promoted_on") or [])
        vips = postgresql.writable_vips(ctx.cib_root, inst)
        suffix = _unknown_suffix(unknown)
        if not primaries:
            why = ", ".join("%s on %s" % ("in recovery" if facts[n].get("in_recovery") else facts[n].get("state"), n)
                            for n in sorted(facts))
            parts.append("%s has no primary: %s%s" % (rid, why or "no node reported it", suffix))
            remedy += ["crm_mon -1 -r  # why Pacemaker promotes no instance of %s" % label,
                       "crm_resource --why -r %s" % label,
                       "crm_resource --cleanup -r %s  # once the cause is fixed: PAF promotes the standby closest to the "
                       "old primary" % label]
            objects += [label]
            continue
        if len(primaries) > 1:
            rogue = [n for n in primaries if n not in promoted] or primaries
            parts.append("%s runs as a primary on %s: %d databases accept writes and diverge (split brain)%s"
                         % (rid, _join(primaries), len(primaries), suffix))
            for n in rogue:
                remedy += ["runuser -u %s -- %s/pg_ctl -D %s stop -m fast  # on %s: the primary Pacemaker did not promote"
                           % (inst["system_user"], inst["bindir"], facts[n].get("pgdata") or inst["pgdata"], n),
                           "# then make %s a standby of the promoted one again (pg_rewind, or a new pg_basebackup) "
                           "before: crm_resource --cleanup -r %s -N %s" % (n, label, n)]
            objects += [label] + primaries
            continue
        primary = primaries[0]
        problems = []
        if ctx.pacemaker and promoted != [primary]:
            problems.append("the primary of %s is on %s but Pacemaker promoted it on %s" % (
                rid, primary, _join(promoted) if promoted else "no node"))
            remedy += ["crm_resource --cleanup -r %s  # Pacemaker probes every instance again and learns where the "
                       "primary is" % label]
            objects += [label, primary]
        running = {}
        for vip in vips:
            running[vip] = list((by_id.get(vip) or {}).get("running_on") or [])
            if ctx.pacemaker and running[vip] != [primary]:
                problems.append("%s (colocated with the Promoted role of %s) runs %s, not on the primary %s" % (
                    vip, label, "on " + _join(running[vip]) if running[vip] else "nowhere", primary))
                remedy += ["crm_resource --why -r %s" % vip, "crm_resource --cleanup -r %s" % vip]
                objects += [vip]
        if problems:
            parts.append("; ".join(problems) + suffix)
            continue
        standbys = [n for n in sorted(facts) if n != primary and facts[n].get("in_recovery")]
        text = "%s: primary on %s%s" % (rid, primary, ", promoted there by Pacemaker" if ctx.pacemaker else "")
        if vips:
            text += ", %s there" % _join(vips)
        else:
            text += " (no resource is colocated with its Promoted role)"
        if standbys:
            text += "; standbys on %s" % _join(standbys)
        passes.append(text + suffix)
    if parts:
        return _failed("; ".join(parts), _uniq(remedy), _uniq(objects))
    return _passed("; ".join(passes))


def check_postgresql_standbys(ctx):
    judged, notes, result = _pg_single_primary(ctx)
    if result:
        return result
    parts, passes, remedy, objects = [], [], [], []
    for inst, facts, unknown, primary in judged:
        label = inst["id"]
        expected = [n for n in sorted(facts) if n != primary and facts[n].get("state") != "absent"]
        bad, good = [], []
        for n in expected:
            r = postgresql.standby_row(facts[primary], n)
            if r is None:
                bad.append((n, "not connected: %s" % postgresql.why_not_streaming(facts[n])))
            elif r.get("state") != "streaming":
                bad.append((n, "connected but %s" % r.get("state")))
            else:
                good.append("%s (%s)" % (n, r.get("sync_state")))
        suffix = _unknown_suffix(unknown)
        if not bad:
            passes.append("%s: %s from %s%s" % (
                label, "%s stream%s" % (_join(good), "s" if len(good) == 1 else "") if good else "no other node has an instance",
                primary, suffix))
            continue
        parts.append("%s: not streaming from the primary %s: %s%s" % (
            label, primary, "; ".join("%s %s" % b for b in bad), suffix))
        for n, why in bad:
            if facts[n].get("state") == "stopped":
                remedy.append("crm_resource --cleanup -r %s -N %s  # Pacemaker starts the standby on %s again (crm_mon -1 -r: "
                              "why it stopped)" % (_pg_label(inst), n, n))
            else:
                remedy += ["tail -n 50 /var/log/postgresql/postgresql-*.log  # on %s: why it does not stream from %s" % (n, primary),
                           "grep -h primary_conninfo %s/postgresql*.conf  # on %s: host must reach %s, application_name=%s"
                           % (facts[n].get("pgdata") or inst["datadir"], n, primary, n)]
            objects.append(n)
        remedy.append("# a standby the primary no longer has the WAL for: rebuild it with pg_basebackup -R from %s, then "
                      "crm_resource --cleanup -r %s" % (primary, _pg_label(inst)))
    notes = ["; ".join(notes)] if notes else []
    if parts:
        return _failed("; ".join(parts + notes), _uniq(remedy), _uniq(objects))
    return _passed("; ".join(passes + notes))


def check_postgresql_promotable(ctx):
    judged, notes, result = _pg_single_primary(ctx)
    if result:
        return result
    if not ctx.pacemaker:
        return _unknown("Pacemaker does not run here: the promotion scores are node attributes only it keeps")
    attributes = ctx.status.get("node_attributes") or {}
    parts, passes, remedy, objects = [], [], [], []
    for inst, facts, unknown, primary in judged:
        name = postgresql.PROMOTION_ATTRIBUTE % inst["id"]
        standbys = [n for n in sorted(facts) if n != primary and facts[n].get("in_recovery")]
        scores = dict((n, postgresql.promotion_score(attributes.get(n) or {}, inst["id"])) for n in standbys)
        bad = ["%s %s" % (n, "without a score" if scores[n] is None else "at %d" % scores[n])
               for n in standbys if scores[n] is None or scores[n] <= 0]
        good = ["%s %d" % (n, scores[n]) for n in standbys if scores[n] is not None and scores[n] > 0]
        suffix = _unknown_suffix(unknown)
        if not standbys:
            passes.append("%s: no standby to promote (one instance)%s" % (inst["id"], suffix))
            continue
        if not bad:
            passes.append("%s: %s promotable (%s)%s" % (inst["id"], _join(standbys), ", ".join(good), suffix))
            continue
        parts.append("%s: %s cannot be promoted (%s)%s%s" % (
            inst["id"], _join([b.split()[0] for b in bad]), ", ".join(bad),
            "" if good else "; if the primary %s fails now, no instance is promoted" % primary, suffix))
        remedy += ["crm_mon -1 -A  # %s per node: PAF's monitor on %s sets it (every monitor interval after a promotion)"
                   % (name, primary),
                   "crm_resource --cleanup -r %s  # once the standby streams again (see postgresql-standbys-streaming)"
                   % _pg_label(inst)]
        objects += [_pg_label(inst)] + [b.split()[0] for b in bad]
    notes = ["; ".join(notes)] if notes else []
    if parts:
        return _failed("; ".join(parts + notes), _uniq(remedy), _uniq(objects))
    return _passed("; ".join(passes + notes))


def check_postgresql_sync(ctx):
    judged, notes, result = _pg_single_primary(ctx)
    if result:
        return result
    parts, passes, remedy, objects = [], [], [], []
    for inst, facts, _unknown_nodes, primary in judged:
        setting = facts[primary].get("synchronous_standby_names") or ""
        wanted = postgresql.parse_sync_names(setting)
        if wanted is None:
            passes.append("%s: asynchronous replication on %s (synchronous_standby_names empty): not applicable"
                          % (inst["id"], primary))
            continue
        rows = facts[primary].get("replication") or []
        listed = [r for r in rows if any(postgresql.sync_name_matches(p, r.get("application_name")) for p in wanted["names"])]
        sync = [r for r in listed if r.get("state") == "streaming" and r.get("sync_state") in ("sync", "quorum")]
        names = ", ".join("%s %s" % (r.get("application_name"), r.get("sync_state")) for r in sync)
        if len(sync) >= wanted["num"]:
            passes.append("%s: synchronous_standby_names '%s' on %s: %s" % (inst["id"], setting, primary, names))
            continue
        nodes = set(n.lower() for n in ctx.cluster_nodes()) | set(n.lower() for n in facts)
        strangers = [p for p in wanted["names"] if p != "*" and p not in nodes]
        text = "%s: synchronous_standby_names '%s' on %s wants %d synchronous standby(s), %d streams as one%s: every " \
               "commit on %s waits" % (inst["id"], setting, primary, wanted["num"], len(sync),
                                       " (%s)" % names if names else "", primary)
        if strangers:
            text += "; no node of the cluster is named %s" % _join(strangers)
        parts.append(text)
        remedy += ["# start or fix the standby that should confirm commits (see postgresql-standbys-streaming), or, "
                   "accepting that a failover may lose the last commits:",
                   "%s -c 'SELECT pg_reload_conf()'  # on %s" % (
                       _pg_psql(inst, "ALTER SYSTEM SET synchronous_standby_names = ''"), primary)]
        objects += [primary]
    notes = ["; ".join(notes)] if notes else []
    if parts:
        return _failed("; ".join(parts + notes), _uniq(remedy), _uniq(objects))
    return _passed("; ".join(passes + notes))


def check_postgresql_lag(ctx):
    judged, notes, result = _pg_single_primary(ctx)
    if result:
        return result
    parts, passes, remedy, objects = [], [], [], []
    for inst, facts, _unknown_nodes, primary in judged:
        rows = facts[primary].get("replication") or []
        if not rows:
            passes.append("%s: no standby connected to %s (see postgresql-standbys-streaming)" % (inst["id"], primary))
            continue
        late, fine = [], []
        for r in rows:
            b = r.get("lag_bytes")
            text = "%s %s behind" % (r.get("application_name"), postgresql.lag_text(r))
            over = postgresql.behind(r)
            if inst["maxlag"] and b is not None and b > inst["maxlag"]:
                text += " (above maxlag %d: PAF will not promote it)" % inst["maxlag"]
                over = True
            (late if over else fine).append((r.get("application_name"), text))
        if not late:
            passes.append("%s: %s %s (thresholds %s, %d s)" % (
                inst["id"], ", ".join(t for _n, t in fine), primary, postgresql.size_text(postgresql.LAG_BYTES), postgresql.LAG_S))
            continue
        parts.append("%s: %s the primary %s (thresholds %s, %d s)" % (
            inst["id"], ", ".join(t for _n, t in late), primary, postgresql.size_text(postgresql.LAG_BYTES), postgresql.LAG_S))
        remedy.append("%s  # on %s: watch it catch up" % (
            _pg_psql(inst, "SELECT application_name, state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), replay_lag "
                           "FROM pg_stat_replication"), primary))
        for n, _t in late:
            remedy.append("# on %s: I/O, a long query holding replay back (max_standby_streaming_delay), the network "
                          "to %s" % (n, primary))
            objects.append(n)
    notes = ["; ".join(notes)] if notes else []
    if parts:
        return _failed("; ".join(parts + notes), _uniq(remedy), _uniq(objects))
    return _passed("; ".join(passes + notes))
