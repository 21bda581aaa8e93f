# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL streaming replication under PAF (ocf:heartbeat:pgsqlms): what the health checks and the metrics read.

- instances(root): the pgsqlms primitives of a CIB (the XML root of ``cibadmin --query``, or its resources
  section), found by their agent, never by id, with the connection parameters PAF itself uses (its defaults
  where a parameter is not set) and the clone that holds each.
- writable_vips(root, instance): the resources colocated with the Promoted role of that clone (the writable VIP).
- STATE_QUERY and psql_argv(): the one psql call a node makes per instance: one SELECT that returns one JSON
  object (recovery, synchronous_standby_names, pg_stat_replication with the lag of each standby,
  pg_stat_wal_receiver).
- parse_state(text): that call's output; parse_psql_error(rc, stderr): its failure (a stopped instance is a
  state, not an error); parse_sync_names(text): synchronous_standby_names as PostgreSQL reads it.
- read_local(runner, root): the facts of this node's instances through the command seam (cluster_node_facts
  and the metrics call it).
- primaries(facts), standby_row(primary_fact, node), why_not_streaming(fact), size_text(n), lag_text(row), behind(row), lag_summary(row): how
  the nodes' facts are read, the same for the health checks and the living documentation.

Pure except read_local and read_cib (which go through the runner they are given, and the on-disk CIB when
Pacemaker is down). Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandNotFound
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

AGENT = ("ocf", "heartbeat", "pgsqlms")
# PAF 2.3's defaults (pgsqlms meta-data) for the parameters read here.
DEFAULTS = {"system_user": "postgres", "bindir": "/usr/bin", "pgdata": "/var/lib/pgsql/data", "pghost": "/var/run/postgresql",
            "pgport": "5432", "maxlag": "0"}
PROMOTED_ROLES = ("Promoted", "Master")
# The node attribute where PAF (crm_master, crm_attribute --promotion) keeps an instance's promotion score, by the
# primitive's id; Pacemaker promotes only an instance whose score is positive.
PROMOTION_ATTRIBUTE = "master-%s"
INFINITY_SCORES = ("INFINITY", "+INFINITY")
# Where Pacemaker keeps the CIB on disk: read when it is down on the node (root only).
CIB_FILE = "/var/lib/pacemaker/cib/cib.xml"
# The database psql connects to, as PAF does (dbname=postgres).
DATABASE = "postgres"
# Seconds psql waits for the connection (PGCONNECT_TIMEOUT) and the whole call may take.
CONNECT_TIMEOUT_S = 5
CALL_TIMEOUT_S = 20
# The states of an instance: running answered; stopped, starting, stopping refused connections for that reason;
# absent has no psql (no PostgreSQL on this node); error anything else (the fact's error says what).
STATES = ("running", "stopped", "starting", "stopping", "absent", "error")
# pg_stat_replication.state and sync_state values PostgreSQL 11 to 17 report.
REPLICATION_STATES = ("startup", "catchup", "streaming", "backup", "stopping")
SYNC_STATES = ("async", "potential", "sync", "quorum")

# One row, one column: a JSON object. pg_current_wal_lsn() fails in recovery, so a cascading standby measures
# from its replay position. replay_lag is NULL once a standby has caught up and nothing was written for a while.
STATE_QUERY = (
    "SELECT json_build_object("
    "'server_version_num', current_setting('server_version_num')::int, "
    "'in_recovery', pg_is_in_recovery(), "
    "'synchronous_standby_names', current_setting('synchronous_standby_names'), "
    "'replication', COALESCE((SELECT json_agg(json_build_object("
    "'application_name', application_name, 'client_addr', host(client_addr), 'state', state, "
    "'sync_state', sync_state, 'sync_priority', sync_priority, "
    "'lag_bytes', pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
    "ELSE pg_current_wal_lsn() END, replay_lsn), "
    "'replay_lag_s', EXTRACT(EPOCH FROM replay_lag)) ORDER BY application_name) FROM pg_stat_replication), '[]'), "
    "'wal_receiver', (SELECT json_build_object('status', status, 'sender_host', sender_host, "
    "'sender_port', sender_port, 'slot_name', slot_name) FROM pg_stat_wal_receiver))"
)


class PostgresqlParseError(ClusterOpsError, ValueError):
    """psql's output is not what STATE_QUERY returns."""


# ---------------------------------------------------------------------------------------------
# the CIB


def _resources(root):
    if root is None:
        return None
    if root.tag == "resources":
        return root
    found = root.find("configuration/resources")
    if found is None:
        found = root.find("resources")
    return found


def _params(el):
    out = {}
    for nvset in el.findall("instance_attributes"):
        for nv in nvset.findall("nvpair"):
            if nv.get("name") is not None and nv.get("value") is not None:
                out.setdefault(nv.get("name"), nv.get("value"))
    return out


def _int(value, default=None):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def instances(root):
    """The pgsqlms primitives of a CIB, in document order: [{id, clone, promotable, system_user, bindir, pgdata,
    datadir, pghost, pgport, maxlag}], the parameters as PAF reads them (its defaults when unset; datadir
    defaults to pgdata; pgport and maxlag as int). clone is the clone (or legacy master) holding the primitive,
    None for a bare primitive. [] when there is none or root is None."""
    resources = _resources(root)
    if resources is None:
        return []
    out = []

    def walk(el, holder):
        for child in el:
            if child.tag == "primitive":
                if (child.get("class"), child.get("provider"), child.get("type")) != AGENT:
                    continue
                p = dict(DEFAULTS)
                # PAF reads an empty parameter as unset ($ENV{...} || default).
                p.update(dict((k, v) for k, v in _params(child).items() if v and (k in DEFAULTS or k == "datadir")))
                promotable = holder is not None and (holder.tag == "master" or any(
                    nv.get("name") in ("promotable",) and str(nv.get("value")).lower() in ("true", "yes", "1", "on")
                    for nv in holder.iter("nvpair")))
                out.append({
                    "id": child.get("id"), "clone": holder.get("id") if holder is not None else None,
                    "promotable": bool(promotable),
                    "system_user": p["system_user"], "bindir": p["bindir"].rstrip("/") or "/",
                    "pgdata": p["pgdata"], "datadir": p.get("datadir") or p["pgdata"],
                    "pghost": p["pghost"], "pgport": _int(p["pgport"], 5432), "maxlag": _int(p["maxlag"], 0),
                })
            elif child.tag in ("clone", "master"):
                walk(child, child)
            elif child.tag == "group":
                walk(child, holder)

    walk(resources, None)
    return out


def writable_vips(root, instance):
    """The resources colocated (score INFINITY) with the Promoted role of the instance's clone (or of the primitive),
    in either direction of the constraint: the addresses clients write to. Resource sets are not read."""
    if root is None:
        return []
    constraints = root.find("configuration/constraints")
    if constraints is None:
        constraints = root.find("constraints")
    if constraints is None:
        return []
    targets = set(t for t in (instance.get("clone"), instance.get("id")) if t)
    out = []
    for c in constraints.findall("rsc_colocation"):
        if str(c.get("score") or "").upper() not in INFINITY_SCORES:
            continue
        rsc, with_rsc = c.get("rsc"), c.get("with-rsc")
        if with_rsc in targets and c.get("with-rsc-role") in PROMOTED_ROLES and rsc not in targets:
            other = rsc
        elif rsc in targets and c.get("rsc-role") in PROMOTED_ROLES and with_rsc not in targets:
            other = with_rsc
        else:
            continue
        if other and other not in out:
            out.append(other)
    return out


def parse_cib(text):
    """A CIB's XML text (``cibadmin --query`` or the on-disk cib.xml) as its root; None when it is not XML."""
    try:
        return ET.fromstring(text)
    except ET.ParseError:
        return None


def read_cib(runner, cib_file=CIB_FILE):
    """The resources and constraints of the CIB: ``cibadmin --query`` through the seam, or the on-disk file when
    Pacemaker is down on this node; None when neither can be read."""
    try:
        res = runner.run(["cibadmin", "--query"], check=False)
    except CommandNotFound:
        res = None
    if res is not None and res.rc == 0:
        root = parse_cib(res.stdout)
        if root is not None:
            return root
    try:
        with open(cib_file, "r") as f:
            return parse_cib(f.read())
    except (IOError, OSError):
        return None


# ---------------------------------------------------------------------------------------------
# psql


def psql_argv(instance, query=STATE_QUERY):
    """The one psql call for an instance, as its system user, on the socket directory (or host) and port PAF
    uses: no psqlrc (-X), unaligned tuples only (-A -t), never a password prompt (-w), stop at the first error."""
    return ["runuser", "-u", instance["system_user"], "--",
            "%s/psql" % instance["bindir"].rstrip("/"), "-X", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1",
            "-h", instance["pghost"], "-p", str(instance["pgport"]), "-d", DATABASE, "-c", query]


def _num(value, field):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PostgresqlParseError("%s is %r, not a number" % (field, value))
    return value if isinstance(value, int) else float(value)


def _text(value, field):
    if value is None:
        return None
    if not isinstance(value, str):
        raise PostgresqlParseError("%s is %r, not text" % (field, value))
    return value


def parse_state(text):
    """psql's output of STATE_QUERY (one line of JSON) as {server_version_num, in_recovery,
    synchronous_standby_names, replication: [{application_name, client_addr, state, sync_state, sync_priority,
    lag_bytes, replay_lag_s}], wal_receiver: {status, sender_host, sender_port, slot_name} or None}.
    lag_bytes is how far the standby's replay is behind this instance's WAL (int; None when the standby has not
    reported); replay_lag_s is PostgreSQL's replay_lag in seconds (None when it has no measure). Raises
    PostgresqlParseError for anything else."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if len(lines) != 1:
        raise PostgresqlParseError("expected one line of JSON from psql, got %d line(s)" % len(lines))
    try:
        data = json.loads(lines[0])
    except ValueError as e:
        raise PostgresqlParseError("psql's output is not JSON: %s" % e)
    if not isinstance(data, dict) or not isinstance(data.get("in_recovery"), bool):
        raise PostgresqlParseError("psql's output has no in_recovery: %s" % lines[0][:200])
    replication = []
    for i, r in enumerate(data.get("replication") or []):
        if not isinstance(r, dict):
            raise PostgresqlParseError("replication[%d] is not an object" % i)
        replication.append({
            "application_name": _text(r.get("application_name"), "application_name") or "",
            "client_addr": _text(r.get("client_addr"), "client_addr"),
            "state": _text(r.get("state"), "state"),
            "sync_state": _text(r.get("sync_state"), "sync_state"),
            "sync_priority": _num(r.get("sync_priority"), "sync_priority"),
            "lag_bytes": None if r.get("lag_bytes") is None else int(_num(r.get("lag_bytes"), "lag_bytes")),
            "replay_lag_s": _num(r.get("replay_lag_s"), "replay_lag_s"),
        })
    receiver = data.get("wal_receiver")
    if receiver is not None:
        if not isinstance(receiver, dict):
            raise PostgresqlParseError("wal_receiver is not an object")
        receiver = {"status": _text(receiver.get("status"), "status"),
                    "sender_host": _text(receiver.get("sender_host"), "sender_host"),
                    "sender_port": None if receiver.get("sender_port") is None else int(_num(receiver["sender_port"], "sender_port")),
                    "slot_name": _text(receiver.get("slot_name"), "slot_name")}
    version = data.get("server_version_num")
    return {
        "server_version_num": None if version is None else int(_num(version, "server_version_num")),
        "in_recovery": data["in_recovery"],
        "synchronous_standby_names": _text(data.get("synchronous_standby_names"), "synchronous_standby_names") or "",
        "replication": replication,
        "wal_receiver": receiver,
    }


_ERROR_STATES = (
    (re.compile(r"^runuser: (failed to execute \S*psql\S*: No such file|user \S+ does not exist)", re.M), "absent"),
    (re.compile(r"the database system is starting up|the database system is not yet accepting connections"), "starting"),
    (re.compile(r"the database system is shutting down"), "stopping"),
    (re.compile(r"(No such file or directory|Connection refused)\s*\n\s*Is the server running", re.S), "stopped"),
)


def parse_psql_error(rc, stderr):
    """(state, message) of a failed psql call (run through runuser): stopped when nothing listens on the socket or
    port (the instance is down, a fact and not an error), starting or stopping when the server says so, absent
    when there is no psql at bindir or no system user (no PostgreSQL on this node), else error. message is the
    first line of the tool's message."""
    text = stderr or ""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("could not change directory")]
    message = lines[0] if lines else "psql ended with rc=%s and no message" % rc
    for pattern, state in _ERROR_STATES:
        if pattern.search(text):
            return state, message
    return "error", message


_SYNC_METHOD = re.compile(r"^(FIRST|ANY)\s+(\d+)\s*\((.*)\)$", re.I | re.S)
_SYNC_LEGACY = re.compile(r"^(\d+)\s*\((.*)\)$", re.S)


def _names(text):
    out = []
    for part in text.split(","):
        name = part.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        elif name != "*":
            name = name.lower()  # an unquoted name is folded to lower case, as an identifier
        if name:
            out.append(name)
    return out


def parse_sync_names(text):
    """synchronous_standby_names as PostgreSQL reads it: None when empty (asynchronous replication), else
    {method: first or any, num, names}. "a, b" is FIRST 1 (a, b); "2 (a, b)" is FIRST 2; "*" matches any standby.
    Unquoted names are folded to lower case (application_name is compared case-insensitively by PostgreSQL only
    for unquoted names, so the standby's name is compared lower-cased against them)."""
    value = (text or "").strip()
    if not value:
        return None
    m = _SYNC_METHOD.match(value)
    if m:
        return {"method": m.group(1).lower(), "num": int(m.group(2)), "names": _names(m.group(3))}
    m = _SYNC_LEGACY.match(value)
    if m:
        return {"method": "first", "num": int(m.group(1)), "names": _names(m.group(2))}
    return {"method": "first", "num": 1, "names": _names(value)}


def sync_name_matches(pattern, application_name):
    """Whether a standby's application_name is one synchronous_standby_names lists (a name of parse_sync_names)."""
    return pattern == "*" or pattern == application_name or pattern == (application_name or "").lower()


# ---------------------------------------------------------------------------------------------
# this node


def read_instance(runner, instance):
    """The facts of one local instance: {pghost, pgport, pgdata, state, error} and, when running, the fields of
    parse_state(). Never raises for a stopped or missing PostgreSQL: that is its state."""
    fact = {"pghost": instance["pghost"], "pgport": instance["pgport"], "pgdata": instance["pgdata"],
            "state": "error", "error": None, "server_version_num": None, "in_recovery": None,
            "synchronous_standby_names": None, "replication": None, "wal_receiver": None}
    try:
        res = runner.run(psql_argv(instance), check=False, timeout=CALL_TIMEOUT_S,
                         env={"PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S), "PGAPPNAME": "clusterops"})
    except CommandNotFound as e:
        fact.update(state="absent", error=str(e))
        return fact
    if res.rc == 0:
        try:
            fact.update(parse_state(res.stdout))
        except PostgresqlParseError as e:
            fact["error"] = str(e)
            return fact
        fact["state"] = "running"
        return fact
    fact["state"], fact["error"] = parse_psql_error(res.rc, res.stderr)
    return fact


def read_local(runner, root=None, cib_file=CIB_FILE):
    """{primitive id: read_instance()} for every pgsqlms primitive of the CIB (root, or read through the seam when
    None); None when the CIB holds none or cannot be read: no PostgreSQL under Pacemaker, nothing to report."""
    if root is None:
        root = read_cib(runner, cib_file)
    found = instances(root)
    if not found:
        return None
    return dict((i["id"], read_instance(runner, i)) for i in found)


# ---------------------------------------------------------------------------------------------
# reading the nodes' facts (health_postgresql.py's checks and cluster_doc_storage.py's storage section)


def promotion_score(attributes, primitive):
    """The promotion score of the primitive's instance on a node (its node attributes, as crm_mon shows them), as
    an int (INFINITY 1000000), or None when the node has none or it is not a number."""
    value = str((attributes or {}).get(PROMOTION_ATTRIBUTE % primitive, "")).strip()
    sign = -1 if value.startswith("-") else 1
    digits = value.lstrip("+-")
    if digits.upper() == "INFINITY":
        return sign * 1000000
    return sign * int(digits) if digits.isdigit() else None


def primaries(facts):
    """The nodes whose instance answers and is not in recovery (a primary), sorted; facts is {node: read_instance()}."""
    return [n for n in sorted(facts) if facts[n].get("state") == "running" and facts[n].get("in_recovery") is False]


def standby_row(primary_fact, node):
    """The primary's pg_stat_replication row of the standby on node (PAF names each standby's application_name after
    its node; compared case-insensitively), None when that standby is not connected."""
    for r in primary_fact.get("replication") or []:
        if (r.get("application_name") or "").lower() == str(node).lower():
            return r
    return None


def why_not_streaming(fact):
    """Why a node's instance is not a streaming standby, from its own fact."""
    state = fact.get("state")
    if state != "running":
        return "%s%s" % (state, " (%s)" % fact["error"] if fact.get("error") and state != "stopped" else "")
    if fact.get("in_recovery") is False:
        return "a primary itself"
    receiver = fact.get("wal_receiver")
    if not receiver:
        return "in recovery with no WAL receiver (it cannot reach the primary)"
    return "its WAL receiver is %s from %s" % (receiver.get("status"), receiver.get("sender_host"))


def size_text(value):
    """A number of bytes for people: 512 B, 49.2 MiB; "an unknown amount" for None."""
    if value is None:
        return "an unknown amount"
    if value < 1024:
        return "%d B" % value
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024.0
        if value < 1024 or unit == "TiB":
            return "%.1f %s" % (value, unit)
    return "%d B" % value  # not reached


# How far behind a standby may be before the health check postgresql-lag warns; the living documentation shows a lag
# under it as "under ..." so that its page does not change at every write.
LAG_BYTES = 16 * 1024 * 1024
LAG_S = 30


def behind(row):
    """True when a replication row of parse_state() is further behind than LAG_BYTES or LAG_S (unknown parts count as
    not behind: postgresql-standbys-streaming judges a standby that reports nothing)."""
    b, s = row.get("lag_bytes"), row.get("replay_lag_s")
    return (b is not None and b > LAG_BYTES) or (s is not None and s > LAG_S)


def lag_summary(row):
    """A standby's lag as the living documentation shows it: "under 16.0 MiB / 30 s" while it is within the health
    check's threshold (behind()), else lag_text(row); lag_text when the bytes are unknown."""
    if row.get("lag_bytes") is None or behind(row):
        return lag_text(row)
    return "under %s / %d s" % (size_text(LAG_BYTES), LAG_S)


def lag_text(row):
    """How far a standby's replay is behind (a replication row of parse_state()): "0 B / 0.0 s", or the bytes alone
    when PostgreSQL has no measure in time (replay_lag is NULL)."""
    seconds = row.get("replay_lag_s")
    return "%s%s" % (size_text(row.get("lag_bytes")), "" if seconds is None else " / %.1f s" % seconds)
