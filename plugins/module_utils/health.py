# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of clusterops.ha: a pure engine that runs no command.

run_checks() judges what was already read: the status model (cluster_status.build_status()), the
live configuration (cib.export(), None when Pacemaker is down) and facts gathered on every node
(the cluster_node_facts module). Every check in CHECKS yields pass, fail or skip with a message
naming the objects and, when it fails, a remedy made of concrete commands (one per line, "#"
lines explain). A check whose data is unknown (Pacemaker down, no node facts) is skipped with the
reason. A check's severity in CHECKS is the worst it reports; a lesser finding of the same check
fails with a lower one (fencing-history: a manual confirmation is critical, a failed or recent
fencing a warning). run_checks() takes `now` (Unix seconds; the node's clock when not given, which is
the clock the fencing history's times come from), so that tests judge times without a clock.
render_table() and render_markdown() present the report.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.clusterops.ha.plugins.module_utils import filesystem, pcmk3, postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import _bool
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import RULES_FILE
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import PCSD_CERT, PCSD_KEY
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, shape, suggest

SEVERITIES = ("critical", "warning", "info")
STATUSES = ("pass", "fail", "skip")
CLI_CONSTRAINT_PREFIXES = ("cli-ban-", "cli-prefer-")
COROSYNC_AUTHKEY_MODES = ("0400",)
PACEMAKER_AUTHKEY_MODES = ("0400", "0440")
COROSYNC_AUTHKEY = "/etc/corosync/authkey"
PACEMAKER_AUTHKEY = "/etc/pacemaker/authkey"
_INFINITY = 1000000
# A fencing that succeeded less than this long ago (seconds) fails fencing-history as a warning: a node was
# lost (or a drill fenced it), and people should know why. Older ones only count; manual confirmations and
# failures stay reported until the history is cleaned up (stonith_admin --history <node> --cleanup).
RECENT_FENCING_S = 24 * 3600
# pcsd-certificate fails when a node's pcsd certificate ends within this many days (or has ended).
PCSD_CERT_WARN_DAYS = 30
# postgresql-lag's thresholds are postgresql.LAG_BYTES and postgresql.LAG_S (shared with the living documentation).
# Checks of what only a running Pacemaker knows: skipped when it is down on the node that was asked.
_NEEDS_PACEMAKER = ("nodes-standby", "nodes-maintenance", "failed-actions", "fail-counts", "unmanaged-blocked",
                    "resources-placed", "fencing-history", "booth-tickets")


def _check(check_id, severity, title, why, remedy):
    return {"id": check_id, "severity": severity, "title": title, "why": why, "remedy": remedy}


CHECKS = [
    _check("quorum", "critical", "The partition is quorate",
           "Without quorum Pacemaker stops (or freezes) every resource, depending on no-quorum-policy.",
           "pcs cluster start <missing nodes>\ncorosync-quorumtool -s"),
    _check("nodes-online", "critical", "Every cluster node is online",
           "An offline node gives no redundancy; an unclean one blocks recovery until it is fenced.",
           "pcs cluster start <node>\npcs stonith fence <unclean node>"),
    _check("nodes-standby", "warning", "No node is in standby",
           "A standby node runs no resources, so the cluster has less capacity and redundancy than it seems.",
           "pcs node unstandby <node>"),
    _check("nodes-maintenance", "warning", "No node is in maintenance",
           "Pacemaker neither monitors nor recovers the resources of a node in maintenance.",
           "pcs node unmaintenance <node>"),
    _check("maintenance-mode", "warning", "The cluster is not in maintenance-mode",
           "In maintenance-mode Pacemaker manages no resource: nothing is monitored or recovered.",
           "pcs property set maintenance-mode=false"),
    _check("failed-actions", "warning", "No failed resource actions",
           "Failed actions are recorded failures; they may ban a resource from a node and hide the next one.",
           "crm_resource --cleanup -r <resource> -N <node>"),
    _check("fail-counts", "warning", "No resource has a fail count",
           "A resource moves away from a node once its fail count reaches migration-threshold.",
           "crm_resource --cleanup -r <resource> -N <node>"),
    _check("leftover-bans", "warning", "No leftover cli-ban or cli-prefer constraints",
           "crm_resource --ban/--move (pcs resource ban/move) leave constraints that pin resources for good.",
           "crm_resource --clear -r <resource>"),
    _check("stonith", "critical", "Fencing is enabled and a fence device exists",
           "Without fencing the cluster cannot safely recover from a node that stops responding.",
           "pcs stonith create <id> <fence agent> ...\npcs property set stonith-enabled=true"),
    _check("fencing-history", "critical", "No node confirmed fenced by hand, no failed or recent fencing",
           "stonith_admin --confirm tells the cluster a node is down without fencing it: if that node still runs, its "
           "resources run twice (split brain, one VIP on two nodes). A failed fencing leaves a node unclean and "
           "recovery blocked; a recent one means a node was lost. Critical for a confirmation by hand, a warning "
           "for the others.",
           "stonith_admin --history '*' --verbose\n# verify every confirmed node is really off\n"
           "stonith_admin --history <node> --cleanup"),
    _check("corosync-conf-identical", "critical", "corosync.conf is identical on every node",
           "Nodes with different corosync.conf disagree on membership and timing after the next restart.",
           "pcs cluster sync\npcs cluster reload corosync"),
    _check("versions-identical", "warning", "Every node runs the same Pacemaker and Corosync versions",
           "Mixed versions are only meant to last for the duration of a rolling update.",
           "pcs node standby <node>\n# upgrade pacemaker and corosync on <node>\npcs node unstandby <node>"),
    _check("knet-crypto", "critical", "knet traffic is encrypted and authenticated",
           "Without crypto_cipher and crypto_hash anyone on the network can read and forge cluster traffic.",
           "pcs cluster config update crypto cipher=aes256 hash=sha256"),
    _check("links-connected", "critical", "Every corosync link is connected",
           "A disconnected link removes redundancy; when the last link goes, the node is fenced.",
           "corosync-cfgtool -s"),
    _check("authkey-modes", "critical", "The authkeys are readable only by their owners",
           "Whoever reads an authkey can join or forge cluster traffic.",
           "chmod 0400 %s\nchown hacluster:haclient %s\nchmod 0400 %s" % (COROSYNC_AUTHKEY, PACEMAKER_AUTHKEY, PACEMAKER_AUTHKEY)),
    _check("authkeys-identical", "critical", "Every node holds the same corosync and Pacemaker authkeys",
           "A node with another corosync authkey cannot decrypt the others' packets (libknet logs \"Unable to decrypt "
           "packet\" and \"Digest does not match\" on every member): corosync runs there but the node never joins. "
           "A node with another Pacemaker authkey cannot run the connections to Pacemaker Remote nodes.",
           "# on the node whose key differs (<node>), with the key of a node of the majority (<good node>):\n"
           "systemctl stop pacemaker corosync\n"
           "scp <good node>:%s %s\nchown root:root %s && chmod 0400 %s\n"
           "# the same for %s (chown hacluster:haclient, chmod 0400) when the Pacemaker key differs\n"
           "systemctl start corosync pacemaker\n"
           "# or rerun playbooks/site.yml: it copies the key the majority holds to <node> and restarts corosync there"
           % (COROSYNC_AUTHKEY, COROSYNC_AUTHKEY, COROSYNC_AUTHKEY, COROSYNC_AUTHKEY, PACEMAKER_AUTHKEY)),
    _check("refused-packets", "warning", "No host sends corosync packets the members refuse",
           "libknet drops every packet it cannot decrypt (another key or other crypto settings, a scan, junk, another "
           "cluster on the same port) and every packet its access lists refuse, and says so only in corosync's log; "
           "knet keeps no counter. A cluster node named here runs with another key; any other address is someone on the "
           "cluster's network who should not be talking to it.",
           "journalctl -u corosync --since -1h --grep '<address>'  # on a node that refused them\n"
           "# a cluster node: see authkeys-identical and knet-crypto; any other address: find who it is, and let only "
           "the nodes reach corosync's ports (UDP 5405 and up, one per link; docs/security.md)"),
    _check("pcsd-failed-logins", "warning", "Nobody fails to log in to pcsd",
           "pcsd (TCP 2224) takes the hacluster password, and whoever has it can run any pcs command on every node. "
           "pcsd logs each wrong password or unknown user with the client's address and keeps no lockout of its own: "
           "repeated failures are someone guessing, or a node or tool with a stale password.",
           "grep -B1 -A1 \"Failed login by\" /var/log/pcsd/pcsd.log  # on <node>: who, when, from where\n"
           "# a cluster node or your own tool: give it the current password (pcs host auth <node>);\n"
           "# any other address: find who it is, and let only the nodes and your admin hosts reach TCP 2224 "
           "(PCSD_BIND_ADDR in /etc/default/pcsd, a firewall; docs/security.md)"),
    _check("pcsd-certificate", "warning", "pcsd's certificate is valid for %d days more on every node" % PCSD_CERT_WARN_DAYS,
           "pcsd serves the web UI and the pcs API (TCP 2224) over TLS. An expired certificate makes browsers and every "
           "client that verifies it refuse pcsd; one close to its end will. pcsd's own certificate, made at its first "
           "start, is self-signed: nothing proves to a client that it talks to the node and not to someone in between "
           "while it sends the hacluster password.",
           "# a certificate from your CA for <node> (its name and address as subjectAltName), then on <node>:\n"
           "pcs pcsd certkey <node>.crt <node>.key && systemctl restart pcsd\n"
           "# or let pcsd make a new self-signed one: systemctl stop pcsd; rm %s %s; systemctl start pcsd"
           % (PCSD_CERT, PCSD_KEY)),
    _check("firewall-loaded", "warning", "The cluster's firewall is loaded wherever it is on",
           "Where the cluster's firewall is on (cluster_firewall_enabled), its nftables table inet clusterops refuses "
           "corosync's and pcsd's ports to every address outside the cluster. Nothing warns when it goes: nft flush "
           "ruleset (which restarting nftables.service with Debian's /etc/nftables.conf does) deletes it, and the ports "
           "are open again; a node without it while the others have it is open as well.",
           "systemctl reload clusterops-firewall  # on <node>: loads %s again\n"
           "# or rerun playbooks/site.yml, which also writes the rules where they are missing" % RULES_FILE),
    _check("token-consistent", "warning", "The running token timeout is the expected one everywhere",
           "A token timeout that differs from the plan (or between nodes) changes failure detection times.",
           "pcs cluster config update totem token=<ms>\npcs cluster reload corosync"),
    _check("unmanaged-blocked", "warning", "Every resource is managed and none is blocked",
           "Pacemaker does not recover an unmanaged resource; a blocked one waits for manual intervention.",
           "pcs resource manage <resource>\ncrm_resource --cleanup -r <resource>"),
    _check("resources-placed", "warning", "The cluster has settled",
           "Pending actions mean resources are not (yet) where their constraints want them.",
           "crm_resource --wait\ncrm_simulate -Ls"),
    _check("pacemaker3-ready", "warning", "The configuration is ready for Pacemaker 3.0",
           "Pacemaker 3.0 (Debian 13) drops or refuses forms 2.1 accepted: resources, constraints or options "
           "would be lost or change meaning when the nodes move to it.",
           "ansible <cluster> -m clusterops.ha.cib -a pacemaker3_fixes=true --check --diff"),
    _check("postgresql-primary", "critical", "Exactly one PostgreSQL primary, where Pacemaker promoted it, with its VIP",
           "Under PAF (ocf:heartbeat:pgsqlms) only the instance Pacemaker promotes may accept writes, and clients reach it "
           "through the address colocated with the Promoted role. No primary means no writes; two mean two diverging "
           "databases (split brain); a VIP elsewhere sends writes to a read-only standby or to nothing.",
           "crm_mon -1 -r  # which node Pacemaker promoted, and why not\ncrm_resource --cleanup -r <clone>\n"
           "crm_resource --why -r <vip>"),
    _check("postgresql-standbys-streaming", "warning", "Every PostgreSQL standby streams from the primary",
           "A standby that does not stream (stopped, or not connected) falls behind and cannot take over without losing "
           "what it missed; PAF promotes the standby closest to the primary, and there may be none.",
           "crm_resource --cleanup -r <clone> -N <node>\n"
           "tail -n 50 /var/log/postgresql/postgresql-*.log  # on <node>: why it does not connect"),
    _check("postgresql-sync-standby", "critical", "Synchronous replication has its synchronous standby",
           "When synchronous_standby_names is set on the primary, every commit waits until enough standbys it names "
           "confirm it: with fewer streaming, writes hang.",
           "# start or fix the standby (postgresql-standbys-streaming), or accept losing the last commits on a failover:\n"
           "runuser -u postgres -- psql -c \"ALTER SYSTEM SET synchronous_standby_names = ''\" -c 'SELECT pg_reload_conf()'"),
    _check("postgresql-promotable", "warning", "Every PostgreSQL standby can be promoted (a positive promotion score)",
           "PAF's monitor on the primary gives each standby a promotion score (the node attribute master-<primitive>) from "
           "how close it is; Pacemaker promotes only an instance with a positive score. Right after a promotion the "
           "standbys have none until that monitor runs: a failure of the new primary then finds no standby to promote "
           "and leaves the database without a primary. A standby that stays at -1 or without a score does not stream, "
           "or lags beyond the agent's maxlag.",
           "crm_mon -1 -A  # the scores (master-<primitive>) per node\n"
           "crm_resource --cleanup -r <clone>  # after fixing the standby (see postgresql-standbys-streaming)"),
    _check("postgresql-lag", "warning",
           "No PostgreSQL standby is more than %d MiB or %d s behind" % (postgresql.LAG_BYTES // (1024 * 1024), postgresql.LAG_S),
           "What a standby has not replayed is lost, or waited for, when it is promoted; PAF does not promote a standby "
           "lagging more than its maxlag parameter.",
           "runuser -u postgres -- psql -c 'SELECT application_name, state, replay_lag FROM pg_stat_replication'  # on the "
           "primary\n# on <node>: I/O, a long query delaying replay (max_standby_streaming_delay), the network"),
    _check("booth-tickets", "critical", "Booth runs at this site, and every ticket granted here is kept by it",
           "At a geo cluster's site (roles/booth) the booth daemon renews the tickets the site holds and gives them up "
           "when it cannot. Pacemaker never expires a ticket by itself: if booth stops at a site that holds one, the "
           "site keeps its services running while the other sites, hearing nothing, take the ticket at the end of the "
           "lease and start them too (split brain). Critical for a granted ticket without booth; a warning when booth "
           "is down at a site that holds no ticket (it can take none).",
           "crm_mon -1 -r  # why booth-site does not run\ncrm_resource --cleanup -r booth\n"
           "booth list  # on the node that runs booth-site: who holds each ticket"),
    _check("booth-refused", "warning", "Booth refuses no message sent to this site",
           "Booth authenticates every message with its authfile and refuses, with a line in its journal and no other "
           "record, a message signed with another key, one from an address that is no member of booth.conf, and one "
           "whose timestamp is older than maxtimeskew or than the sender's previous one (out of order or replayed: "
           "noted, never a failure - a loaded host sends them). A member named here runs with another key (expected "
           "for a few "
           "seconds while booth_rotate_key.yml restarts the members, not after) or its clock is behind; a booth "
           "command refused as 'client' was run with another key; any other address is someone on the network "
           "talking to booth who should not be. A member whose messages are refused is cut off from the ticket "
           "votes, so the site may lose a ticket it should keep, or fail to take one.",
           "journalctl -t boothd-site --since -1h --grep '<source>'  # on the node that refused them\n"
           "sha256sum /etc/booth/authkey  # on every member: all the same (playbooks/booth_rotate_key.yml makes them so)\n"
           "timedatectl; chronyc tracking  # on the sender and here, for a timestamp refusal\n"
           "# any other address: find who it is; booth_firewall_enabled lets only the geo cluster's hosts reach "
           "booth's port (docs/security.md)"),
    _check("filesystem-single-mount", "critical",
           "Each shared-storage filesystem is mounted on exactly one node, where Pacemaker runs it",
           "A local filesystem (ext4, xfs) on a device every node sees, run by an ocf:heartbeat:Filesystem resource, may "
           "be mounted on one node at a time: a second mount, on another node or by hand outside the cluster, writes "
           "the same blocks without knowing of the first and corrupts the filesystem. Critical when it is mounted on "
           "more than one node or where Pacemaker does not run it; a warning when Pacemaker runs it and no node has it "
           "mounted. Network and cluster filesystems (nfs, cifs, glusterfs, gfs2, ocfs2...) and cloned Filesystem "
           "resources are mounted on several nodes by design: reported, not judged.",
           "crm_resource --locate -r <resource>  # where Pacemaker runs it\n"
           "umount <directory>  # now, on every other node that has it mounted\n"
           "pcs stonith status  # fencing must work, or the next failover mounts it twice again"),
]
_BY_ID = {c["id"]: c for c in CHECKS}


# ---------------------------------------------------------------------------------------------
# helpers


def _uniq(items):
    out = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def _join(items):
    return ", ".join(str(i) for i in items)


def _mode(value):
    if value is None:
        return None
    v = str(value).strip()
    if not v:
        return None
    return v.zfill(4) if v.isdigit() else v


def _version_key(version):
    return tuple(int(p) for p in re.findall(r"\d+", str(version)))


def _score_text(value):
    if value is None:
        return "unknown"
    return "INFINITY" if value >= _INFINITY else str(value)


def _passed(message, objects=None):
    return "pass", message, [], objects


def _failed(message, remedy, objects, severity=None):
    """A failure; severity lowers the catalogue's for a lesser finding of the check (None keeps it)."""
    if severity is None:
        return "fail", message, remedy, objects
    return "fail", message, remedy, objects, severity


def _unknown(reason):
    return "skip", reason, [], None


class _Context:
    """What the checks read, with the lookups several of them share."""

    def __init__(self, status, config, nodes, expected, cib_root=None, now=None):
        self.status = status
        self.config = config
        self.cib_root = cib_root
        self.now = time.time() if now is None else float(now)
        self.nodes = dict(nodes or {})
        self.expected = dict(expected or {})

    @property
    def pacemaker(self):
        return bool(self.status["stack"]["pacemaker"])

    @property
    def local(self):
        return self.status.get("local_node") or "the local node"

    def local_objects(self):
        return [self.status["local_node"]] if self.status.get("local_node") else []

    def cluster_nodes(self, expected_only=False):
        """The expected nodes when given (only those if expected_only), then those the cluster knows."""
        names = list(self.expected.get("nodes") or [])
        if not (names and expected_only):
            names += [n["name"] for n in self.status["nodes"] if n.get("type") != "ping"]
        return _uniq(names)

    def facts(self, key):
        """({node: value} where known, [nodes where unknown]) over every node heard of."""
        known = {}
        unknown = []
        for name in sorted(set(self.cluster_nodes()) | set(self.nodes)):
            f = self.nodes.get(name) or {}
            value = None if f.get("reachable") is False else f.get(key)
            if value is None or value == "":
                unknown.append(name)
            else:
                known[name] = value
        return known, unknown

    def member_names(self):
        """The corosync members the local node sees (corosync-quorumtool), by name; empty when unknown."""
        names = set()
        for m in self.status["quorum"].get("members") or []:
            if m.get("name"):
                names.add(m["name"])
            if m.get("nodeid") is not None:
                names.add(self.node_name(m["nodeid"]))
        return names

    def corosync_runs(self, name):
        """True when the node's facts come from a running corosync (cmap answered with its token or transport)."""
        f = self.nodes.get(name) or {}
        return f.get("reachable") is not False and (f.get("token_ms") is not None or f.get("transport") is not None)

    def node_name(self, nodeid):
        for n in self.status["nodes"]:
            if str(n.get("id")) == str(nodeid):
                return n["name"]
        for m in self.status["quorum"].get("members") or []:
            if str(m.get("nodeid")) == str(nodeid):
                return m["name"]
        return "nodeid %s" % nodeid


def _groups(known):
    """[(value, [nodes])], the most common value first."""
    by_value = {}
    for name in sorted(known):
        by_value.setdefault(known[name], []).append(name)
    return sorted(by_value.items(), key=lambda item: (-len(item[1]), item[1][0]))


def _describe_groups(groups, shorten=None):
    return "; ".join("%s on %s" % (shorten(v) if shorten else v, _join(names)) for v, names in groups)


def _unknown_suffix(unknown):
    return " (unknown on %s)" % _join(unknown) if unknown else ""


# ---------------------------------------------------------------------------------------------
# the checks: each returns (status, message, remedy lines, objects)


def check_quorum(ctx):
    q = ctx.status["quorum"]
    cl = ctx.status["cluster"]
    if not ctx.status["stack"]["corosync"]:
        return _failed("corosync is not running on %s: no membership, no quorum" % ctx.local,
                       [("pcs cluster start %s" % (ctx.status.get("local_node") or "")).strip(), "corosync-quorumtool -s"],
                       ctx.local_objects())
    if q["quorate"] is False or (ctx.pacemaker and cl["with_quorum"] is False):
        members = [m["name"] for m in q.get("members") or []]
        if members:
            missing = [n for n in ctx.cluster_nodes() if n not in members]
        else:
            missing = [n for n in ctx.cluster_nodes() if n in ctx.status["nodes_offline"]]
        votes = ""
        if q["total_votes"] is not None:
            votes = ": %s of %s expected votes, %s needed" % (q["total_votes"], q["expected_votes"], q["quorum"])
        msg = "the partition of %s is not quorate%s" % (_join(members) or ctx.local, votes)
        if missing:
            msg += "; not members: %s" % _join(missing)
        remedy = ["pcs cluster start %s" % (" ".join(missing) or "--all"), "corosync-quorumtool -s"]
        if missing:
            remedy.append("# only if %s are gone for good (and fenced): pcs quorum expected-votes %s"
                          % (_join(missing), q["total_votes"] or len(members) or 1))
        return _failed(msg, remedy, missing or ctx.local_objects())
    if q["quorate"] is None and cl["with_quorum"] is None:
        return _failed("the quorum state of %s is unknown" % ctx.local, ["corosync-quorumtool -s"], ctx.local_objects())
    if q["total_votes"] is not None:
        return _passed("quorate: %s of %s expected votes (%s needed)" % (q["total_votes"], q["expected_votes"], q["quorum"]))
    return _passed("partition with quorum (DC %s)" % cl["dc"])


def check_nodes_online(ctx):
    if not ctx.pacemaker:
        return _failed("Pacemaker is not running on %s: the node states are unknown" % ctx.local,
                       [("pcs cluster start %s" % (ctx.status.get("local_node") or "")).strip(), "crm_mon -1"], ctx.local_objects())
    names = ctx.cluster_nodes(expected_only=True)
    if not names:
        return _failed("the cluster knows no nodes", ["crm_mon -1", "pcs cluster node add <node>"], [])
    by_name = {n["name"]: n for n in ctx.status["nodes"]}
    problems, offline, unclean, pending, missing = [], [], [], [], []
    for name in names:
        n = by_name.get(name)
        if n is None:
            missing.append(name)
            problems.append("%s unknown to the cluster" % name)
            continue
        bad = []
        if not n.get("online"):
            bad.append("offline")
            offline.append(name)
        if n.get("unclean"):
            bad.append("unclean")
            unclean.append(name)
        if n.get("pending"):
            bad.append("pending")
            pending.append(name)
        if bad:
            problems.append("%s %s" % (name, "/".join(bad)))
    if not problems:
        return _passed("%d nodes online: %s" % (len(names), _join(names)), names)
    remedy = []
    # An offline node whose corosync runs (its facts came from cmap) but is not a member does not need starting:
    # a wrong authkey, another corosync.conf or a cut network keeps it out. Those checks name the cause.
    members = ctx.member_names()
    outside = [n for n in offline if n not in members and ctx.corosync_runs(n)]
    start = [n for n in offline if n not in outside]
    if start:
        remedy.append("pcs cluster start %s" % " ".join(start))
    for name in outside:
        remedy += ["# corosync runs on %s but it is not a member: see authkeys-identical, corosync-conf-identical and "
                   "links-connected" % name,
                   "corosync-cfgtool -s  # on %s" % name]
    for name in unclean:
        remedy.append("pcs stonith fence %s  # or, once it is verified powered off: stonith_admin --confirm %s "
                      "(fencing-history reports it until: stonith_admin --history %s --cleanup)" % (name, name, name))
    for name in pending:
        remedy.append("pcs cluster stop %s && pcs cluster start %s  # if it stays pending" % (name, name))
    for name in missing:
        remedy.append("pcs cluster node add %s  # or drop it from the expected nodes" % name)
    return _failed(", ".join(problems), remedy, _uniq(offline + unclean + pending + missing))


def check_nodes_standby(ctx):
    standby = [n["name"] for n in ctx.status["nodes"] if n.get("standby")]
    onfail = [n["name"] for n in ctx.status["nodes"] if n.get("standby_onfail") and n["name"] not in standby]
    if not standby and not onfail:
        return _passed("no node in standby")
    parts = ["%s in standby" % n for n in standby] + ["%s in standby after a failure (on-fail=standby)" % n for n in onfail]
    remedy = ["pcs node unstandby %s  # or: crm_attribute -N %s -n standby -D" % (n, n) for n in standby]
    remedy += ["crm_resource --cleanup -N %s  # after fixing the failure that put it in standby" % n for n in onfail]
    return _failed(", ".join(parts), remedy, standby + onfail)


def check_nodes_maintenance(ctx):
    names = [n["name"] for n in ctx.status["nodes"] if n.get("maintenance")]
    if not names:
        return _passed("no node in maintenance")
    return _failed(", ".join("%s in maintenance: its resources are not monitored" % n for n in names),
                   ["pcs node unmaintenance %s  # or: crm_attribute -N %s -n maintenance -D" % (n, n) for n in names],
                   names)


def check_maintenance_mode(ctx):
    sources = []
    known = False
    if ctx.config is not None:
        known = True
        if _bool((ctx.config.get("properties") or {}).get("maintenance-mode")):
            sources.append("cluster property")
    if ctx.pacemaker and ctx.status["cluster"].get("maintenance_mode") is not None:
        known = True
        if ctx.status["cluster"]["maintenance_mode"] and not sources:
            sources.append("crm_mon")
    if not known:
        return _unknown("neither the configuration nor crm_mon could be read (Pacemaker is not running on %s)" % ctx.local)
    if not sources:
        return _passed("maintenance-mode is off")
    return _failed("maintenance-mode=true (%s): Pacemaker manages no resource" % sources[0],
                   ["pcs property set maintenance-mode=false  # or: crm_attribute -t crm_config -n maintenance-mode -v false"],
                   ["maintenance-mode"])


def check_failed_actions(ctx):
    failures = ctx.status["failed_actions"]
    if not failures:
        return _passed("no failed actions")
    parts = []
    pairs = []
    for f in failures:
        why = f.get("exitstatus") or "failed"
        if f.get("exitreason"):
            why += " (%s)" % f["exitreason"]
        parts.append("%s %s on %s: %s" % (f["resource"], f.get("operation") or "action", f["node"], why))
        if (f["resource"], f["node"]) not in pairs:
            pairs.append((f["resource"], f["node"]))
    remedy = ["crm_resource --cleanup -r %s -N %s" % pair for pair in pairs]
    return _failed("; ".join(parts), remedy, _uniq([f["resource"] for f in failures]))


def check_fail_counts(ctx):
    if "fail_counts" not in ctx.status:
        return _unknown("the status model has no fail counts")
    counts = ctx.status["fail_counts"]
    if not counts:
        return _passed("no resource has a fail count")
    parts = []
    for fc in counts:
        text = "%s on %s: fail count %s (migration-threshold %s)" % (
            fc["resource"], fc["node"], _score_text(fc["fail_count"]), _score_text(fc.get("migration_threshold")))
        threshold = fc.get("migration_threshold")
        if threshold and fc["fail_count"] >= threshold:
            text += ", banned from %s" % fc["node"]
        parts.append(text)
    remedy = _uniq(["crm_resource --cleanup -r %s -N %s" % (fc["resource"], fc["node"]) for fc in counts])
    return _failed("; ".join(parts), remedy, _uniq([fc["resource"] for fc in counts]))


def _location_node(loc):
    if loc.get("node"):
        return loc["node"]
    for rule in loc.get("rules") or []:
        for e in rule.get("expressions") or []:
            if e.get("attribute") == "#uname" and e.get("value"):
                return e["value"]
    return None


def check_leftover_bans(ctx):
    found = []  # (constraint id, resource, node, kind)
    if ctx.config is not None:
        for loc in ctx.config.get("locations") or []:
            cid = loc.get("id") or ""
            if cid.startswith(CLI_CONSTRAINT_PREFIXES):
                kind = "ban" if cid.startswith("cli-ban-") else "prefer"
                found.append((cid, loc.get("resource") or loc.get("resource_pattern"), _location_node(loc), kind))
    elif ctx.pacemaker:
        for b in ctx.status.get("bans") or []:
            if (b.get("id") or "").startswith(CLI_CONSTRAINT_PREFIXES):
                found.append((b["id"], b.get("resource"), b.get("node"), "ban"))
    else:
        return _unknown("the configuration could not be read (Pacemaker is not running on %s)" % ctx.local)
    if not found:
        return _passed("no cli-ban or cli-prefer constraint")
    parts = []
    for cid, rsc, node, kind in found:
        where = " %s %s" % ("from" if kind == "ban" else "to", node) if node else ""
        parts.append("%s %s %s%s" % (cid, "bans" if kind == "ban" else "pins", rsc, where))
    resources = _uniq([f[1] for f in found])
    return _failed("; ".join(parts), ["crm_resource --clear -r %s  # or: pcs resource clear %s" % (r, r) for r in resources],
                   resources)


def check_stonith(ctx):
    if ctx.config is not None:
        enabled = _bool((ctx.config.get("properties") or {}).get("stonith-enabled"))
        enabled = True if enabled is None else enabled
        devices = [p["id"] for p in ctx.config.get("primitives") or [] if str(p.get("agent", "")).startswith("stonith:")]
    elif ctx.pacemaker:
        enabled = ctx.status["cluster"].get("stonith_enabled")
        enabled = True if enabled is None else enabled
        devices = [rid for rid, r in ctx.status["resources_by_id"].items() if str(r.get("agent") or "").startswith("stonith:")]
    else:
        return _unknown("the configuration could not be read (Pacemaker is not running on %s)" % ctx.local)
    problems, remedy, objects = [], [], []
    if not devices:
        problems.append("no fence device is configured (no primitive with a stonith: agent)")
        remedy += ["pcs stonith list  # the fence agents installed", "pcs stonith create <id> <fence agent> <options>"]
    if not enabled:
        problems.append("stonith-enabled=false: the cluster cannot recover from a node that stops responding")
        remedy.append("pcs property set stonith-enabled=true  # or: crm_attribute -t crm_config -n stonith-enabled -v true")
        objects.append("stonith-enabled")
    if problems:
        if devices:
            remedy.append("pcs stonith fence <node>  # test %s on a node you can lose" % _join(devices))
        return _failed("; ".join(problems), remedy, objects + devices)
    return _passed("stonith-enabled with fence device(s) %s" % _join(devices), devices)


def _when(t, now):
    """'<ISO time> (<age> ago)' of a fence event's completion, for people."""
    if t is None:
        return "at an unknown time"
    age = now - t
    if age < 0:
        ago = "in the future of this node's clock"
    elif age < 3600:
        ago = "%d min ago" % (age // 60)
    elif age < 2 * 86400:
        ago = "%.1f h ago" % (age / 3600.0)
    else:
        ago = "%d days ago" % (age // 86400)
    return "at %s (%s)" % (iso_time(t), ago)


def _recent(event, now):
    # An unknown or future completion time counts as recent: better a warning too many than a fencing missed.
    t = event.get("completed")
    return t is None or now - t < RECENT_FENCING_S


def _later_success(event, events):
    """When the same target was fenced successfully after this event, or None."""
    t = event.get("completed")
    later = [o["completed"] for o in events if o.get("target") == event.get("target") and o.get("status") == "success"
             and t is not None and o.get("completed") is not None and o["completed"] > t]
    return max(later) if later else None


def check_fencing_history(ctx):
    if "fence_history" not in ctx.status:
        return _unknown("the status model has no fencing history")
    events = ctx.status["fence_history"]
    if events is None:
        return _unknown("crm_mon could not read the fencing history from the fencer on %s" % ctx.local)
    now = ctx.now
    manual = [e for e in events if e.get("manual")]
    failed = [e for e in events if e.get("status") == "failed" and not e.get("manual")]
    pending = [e for e in events if e.get("status") == "pending" and not e.get("manual")]
    recent = [e for e in events if e.get("status") == "success" and not e.get("manual") and _recent(e, now)]
    if not (manual or failed or pending or recent):
        if not events:
            return _passed("no fencing in the history")
        return _passed("%d fencing action(s) in the history, none confirmed by hand, none failed, none in the last %d h"
                       % (len(events), RECENT_FENCING_S // 3600))
    unknown = "an unknown node"
    parts, remedy = [], []
    for e in manual:
        parts.append("%s was confirmed fenced by hand (stonith_admin --confirm) %s from %s (client %s): no device fenced it"
                     % (e["target"], _when(e.get("completed"), now), e.get("origin") or unknown, e.get("client") or "unknown"))
    for e in failed:
        later = _later_success(e, events)
        parts.append("fencing (%s) of %s failed %s, asked by %s%s%s" % (
            e.get("action"), e["target"], _when(e.get("completed"), now), e.get("origin") or unknown,
            " (%s)" % e["exit_reason"] if e.get("exit_reason") else "",
            "; fenced later %s" % _when(later, now) if later is not None else ""))
    for e in pending:
        parts.append("fencing (%s) of %s pending, asked by %s" % (e.get("action"), e["target"], e.get("origin") or unknown))
    for e in recent:
        parts.append("%s was fenced (%s) by %s %s, asked by %s" % (
            e["target"], e.get("action"), e.get("executioner") or unknown, _when(e.get("completed"), now),
            e.get("origin") or unknown))
    for t in _uniq([e["target"] for e in manual]):
        remedy += ["# %s: verify it is really off (its power, console or hypervisor), not just unreachable" % t,
                   "# if it was running: stop its resources by hand, or power it off / restart it (systemctl reboot on %s), "
                   "so that nothing runs twice" % t]
    if manual:
        remedy.append("crm_resource --cleanup  # then: Pacemaker probes every resource again and finds any that runs twice")
    remedy.append("stonith_admin --history '*' --verbose  # every fencing the fencers remember: who asked, who did it, when")
    for t in _uniq([e["target"] for e in pending]):
        remedy.append("crm_mon -1 --fence-history=3  # the fencing of %s is under way: wait for it (stonith-timeout)" % t)
    for t in _uniq([e["target"] for e in failed]):
        remedy += ["pcs stonith status  # the fence device(s) of %s; why they failed is in the fencer's log "
                   "(journalctl -u pacemaker | grep -i fenc)" % t,
                   "pcs stonith fence %s  # test the device again once fixed, while %s runs nothing you need" % (t, t)]
    for e in recent:
        remedy.append("journalctl -u pacemaker --since '-%dh' | grep -i fenc  # on %s: why it asked to fence %s"
                      % (RECENT_FENCING_S // 3600, e.get("origin") or "the DC", e["target"]))
    for t in _uniq([e["target"] for e in manual + failed + recent]):
        remedy.append("stonith_admin --history %s --cleanup  # once dealt with: forgets its fencing (or: pcs stonith history cleanup %s)"
                      % (t, t))
    objects = _uniq([e["target"] for e in manual + failed + pending + recent])
    return _failed("; ".join(parts), _uniq(remedy), objects, severity=None if manual else "warning")


def check_corosync_conf(ctx):
    known, unknown = ctx.facts("corosync_conf_sha256")
    if not known:
        return _unknown("no node reported the checksum of its corosync.conf")
    groups = _groups(known)
    if len(groups) == 1:
        return _passed("corosync.conf identical on %s (sha256 %s)%s" % (_join(groups[0][1]), groups[0][0][:12],
                                                                        _unknown_suffix(unknown)))
    odd = [n for g in groups[1:] for n in g[1]] if len(groups[0][1]) > len(groups[1][1]) else sorted(known)
    return _failed("corosync.conf differs: %s%s" % (_describe_groups(groups, lambda v: "sha256 " + v[:12]),
                                                    _unknown_suffix(unknown)),
                   ["pcs cluster sync  # on the node whose corosync.conf is right: copies it to every node",
                    "pcs cluster reload corosync"], odd)


def check_versions(ctx):
    problems, objects, remedy = [], [], []
    any_known = False
    for key, label in (("pacemaker_version", "Pacemaker"), ("corosync_version", "Corosync")):
        known, unknown = ctx.facts(key)
        any_known = any_known or bool(known)
        groups = _groups(known)
        if len(groups) > 1:
            newest = max(known.values(), key=_version_key)
            problems.append("%s %s%s" % (label, _describe_groups(groups), _unknown_suffix(unknown)))
            objects += [n for n in sorted(known) if known[n] != newest]
            remedy.append("# upgrade %s to %s on %s" % (label, newest, _join(n for n in sorted(known) if known[n] != newest)))
    if not problems and ctx.pacemaker and ctx.status["cluster"].get("mixed_version"):
        problems.append("crm_mon reports nodes with mixed Pacemaker versions (DC %s runs %s)"
                        % (ctx.status["cluster"]["dc"], ctx.status["cluster"].get("dc_version")))
        remedy.append("pacemakerd --version  # on every node, to find the ones to upgrade one at a time with pcs node standby")
        any_known = True
    if not any_known:
        return _unknown("no node reported its versions")
    if not problems:
        return _passed("same versions on every node that reported them")
    objects = _uniq(objects)
    steps = []
    for n in objects:
        steps += ["pcs node standby %s" % n, "# upgrade pacemaker and corosync on %s" % n, "pcs node unstandby %s" % n]
    return _failed("; ".join(problems), remedy + steps, objects)


def check_knet_crypto(ctx):
    transports, unknown = ctx.facts("transport")
    if not transports:
        return _unknown("no node reported its transport")
    knet = [n for n in sorted(transports) if str(transports[n]).lower() == "knet"]
    if not knet:
        return _passed("transport %s: knet crypto does not apply%s" % (
            _describe_groups(_groups(transports)), _unknown_suffix(unknown)))
    bad, names = [], []
    for name in knet:
        f = ctx.nodes.get(name) or {}
        weak = ["%s %s" % (k, f.get(k) or "unset") for k in ("crypto_cipher", "crypto_hash")
                if str(f.get(k) or "none").lower() == "none"]
        if weak:
            bad.append("%s: knet with %s" % (name, " and ".join(weak)))
            names.append(name)
    if not bad:
        return _passed("knet encrypted and authenticated on %s%s" % (_join(knet), _unknown_suffix(unknown)))
    return _failed("; ".join(bad) + _unknown_suffix(unknown),
                   ["corosync-keygen  # only if /etc/corosync/authkey is missing; then copy it to every node",
                    "pcs cluster config update crypto cipher=aes256 hash=sha256",
                    "pcs cluster reload corosync  # or restart the nodes one at a time if the running corosync keeps the old crypto"],
                   names)


def check_links(ctx):
    if not ctx.status["stack"]["corosync"]:
        return _unknown("corosync is not running on %s" % ctx.local)
    if not ctx.status["links"]:
        return _unknown("the link status of %s is unknown (corosync-cfgtool -s not read)" % ctx.local)
    # A link to a node that is offline is down by definition: nodes-online reports that node.
    offline = set(n["name"] for n in ctx.status["nodes"] if not n.get("online"))
    offline.update(ctx.status.get("nodes_offline") or [])
    down = [d for d in ctx.status["links_disconnected"] if ctx.node_name(d["nodeid"]) not in offline]
    if not down:
        return _passed("every link of %s to an online node connected" % ctx.local)
    names = _uniq([ctx.node_name(d["nodeid"]) for d in down])
    parts = ["link %s to %s disconnected" % (d["link"], ctx.node_name(d["nodeid"])) for d in down]
    return _failed("seen from %s: %s" % (ctx.local, ", ".join(parts)),
                   ["corosync-cfgtool -s  # on %s and %s: which links are down" % (ctx.local, _join(names)),
                    "# check the network and the firewall (UDP 5405 and up) between them; pcs cluster start %s if stopped"
                    % " ".join(names)], names)


_AUTHKEYS = (("authkey_mode", COROSYNC_AUTHKEY, COROSYNC_AUTHKEY_MODES, "root:root"),
             ("pcmk_authkey_mode", PACEMAKER_AUTHKEY, PACEMAKER_AUTHKEY_MODES, "hacluster:haclient"))


def check_authkeys(ctx):
    parts, remedy, objects, seen, unknown = [], [], [], set(), None
    for key, path, allowed, owner in _AUTHKEYS:
        known, missing = ctx.facts(key)
        seen.update(known)
        unknown = set(missing) if unknown is None else unknown & set(missing)
        for name in sorted(known):
            mode = _mode(known[name])
            if mode not in allowed:
                parts.append("%s: %s is %s" % (name, path, mode))
                remedy.append("chown %s %s && chmod 0400 %s  # on %s" % (owner, path, path, name))
                objects.append(name)
    if not seen:
        return _unknown("no node reported its authkey modes")
    if parts:
        return _failed("; ".join(parts) + _unknown_suffix(sorted(unknown)), remedy, _uniq(objects))
    return _passed("authkey modes correct on %s%s" % (_join(sorted(seen)), _unknown_suffix(sorted(unknown))))


# The keys every node must share: (label, fact, path, owner).
_SHARED_KEYS = (("corosync", "authkey_sha256", COROSYNC_AUTHKEY, "root:root"),
                ("Pacemaker", "pcmk_authkey_sha256", PACEMAKER_AUTHKEY, "hacluster:haclient"))


def _count_nodes(names):
    return "%d node%s: %s" % (len(names), "" if len(names) == 1 else "s", _join(names))


def _key_reference(ctx, groups):
    """The nodes whose key is the one to keep: the majority, or in a tie the only group holding members of a
    quorate partition (they run with it); None when nothing tells."""
    if len(groups[0][1]) > len(groups[1][1]):
        return groups[0][1]
    if ctx.status["quorum"].get("quorate") is not True:
        return None
    members = ctx.member_names()
    holding = [names for _value, names in groups if members & set(names)]
    return holding[0] if len(holding) == 1 else None


def check_authkeys_identical(ctx):
    # Digests of random keys; still, none of them goes into a message or a remedy: groups are named by their nodes.
    same, parts, fixes, objects, notes, any_known = [], [], {}, [], [], False
    for label, fact, path, owner in _SHARED_KEYS:
        known, unknown = ctx.facts(fact)
        if not known:
            same.append((label, None, unknown))
            continue
        any_known = True
        groups = _groups(known)
        if len(groups) == 1:
            same.append((label, groups[0][1], unknown))
            continue
        majority = len(groups[0][1]) > len(groups[1][1])
        reference = _key_reference(ctx, groups)
        if majority:
            odd = sorted(n for g in groups[1:] for n in g[1])
            if len(odd) == 1:
                text = "%s's %s authkey differs from the one %s hold" % (odd[0], label, _join(reference))
            else:
                text = "the %s authkeys of %s differ from the one %s hold" % (label, _join(odd), _join(reference))
        else:
            text = "the %s authkey differs and no key is held by a majority: %s" % (
                label, "; ".join("key %d on %s" % (i + 1, _join(names)) for i, (_value, names) in enumerate(groups)))
            odd = sorted(known) if reference is None else [n for n in sorted(known) if n not in reference]
            if reference is not None:
                notes.append("# no %s authkey is held by a majority: keep the one of %s, members of the quorate partition"
                             % (label, _join(reference)))
        parts.append(text + _unknown_suffix(unknown))
        objects += odd
        for name in odd:
            fixes.setdefault(name, []).append((path, owner, reference[0] if reference else None))
    if not any_known:
        return _unknown("no node reported the digests of its authkeys")
    if not parts:
        if same[0][1:] == same[1][1:]:
            return _passed("the corosync and Pacemaker authkeys are the same on %s%s"
                           % (_count_nodes(same[0][1]), _unknown_suffix(same[0][2])))
        return _passed("; ".join("%s authkey unknown on every node" % label if names is None else
                                 "%s authkey the same on %s%s" % (label, _count_nodes(names), _unknown_suffix(unknown))
                                 for label, names, unknown in same))
    remedy, undecided = list(notes), []
    for name in sorted(fixes):
        mine = [(path, owner, src) for path, owner, src in fixes[name] if src]
        for path, owner, src in fixes[name]:
            if not src and (path, owner) not in undecided:
                undecided.append((path, owner))
        if not mine:
            continue
        remedy += ["# %s: stop its cluster stack, copy the cluster's key%s from %s, start it again"
                   % (name, "s" if len(mine) > 1 else "", _join(_uniq(src for _path, _owner, src in mine))),
                   "systemctl stop pacemaker corosync  # on %s" % name]
        for path, owner, src in mine:
            remedy += ["scp %s:%s %s  # on %s" % (src, path, path, name),
                       "chown %s %s && chmod 0400 %s  # on %s" % (owner, path, path, name)]
        remedy.append("systemctl start corosync pacemaker  # on %s" % name)
    if undecided:
        remedy += ["# no majority, and the membership does not tell which key is the cluster's: keep the one the nodes that "
                   "must stay members hold (corosync-quorumtool -l), then on every node of the other group(s):",
                   "systemctl stop pacemaker corosync"]
        for path, owner in undecided:
            remedy += ["scp <node with the kept key>:%s %s" % (path, path), "chown %s %s && chmod 0400 %s" % (owner, path, path)]
        remedy.append("systemctl start corosync pacemaker")
    remedy.append("# or rerun playbooks/site.yml: it keeps the key most members hold (in a tie, the quorate members'; it "
                  "stops when nothing breaks the tie) and copies it to %s, restarting corosync where it ran with another key"
                  % ("every node whose copy differs" if undecided else _join(sorted(fixes))))
    return _failed("; ".join(parts), remedy, _uniq(objects))


def _window_text(seconds):
    seconds = int(seconds)
    if seconds % 3600 == 0:
        return "%d h" % (seconds // 3600)
    if seconds % 60 == 0:
        return "%d min" % (seconds // 60)
    return "%d s" % seconds


def _nodelist(ctx):
    """{address: node name} of the nodelist, as any node's corosync reported it."""
    out = {}
    for name in sorted(ctx.nodes):
        f = ctx.nodes.get(name) or {}
        for address, node in sorted((f.get("nodelist_addresses") or {}).items()):
            out.setdefault(address, node)
    return out


def _facts_window(ctx, known):
    """The window, in seconds, the nodes of known read their logs over (cluster_node_facts' refused_packets_window_s)."""
    return max(int((ctx.nodes.get(n) or {}).get("refused_packets_window_s") or 0) for n in known)


def check_refused_packets(ctx):
    # Addresses are the objects; no packet's content is ever read, only corosync's line about it.
    known, unknown = ctx.facts("refused_packets")
    if not known:
        return _unknown("no node could read corosync's journal for refused packets")
    window = _facts_window(ctx, known)
    nodelist = _nodelist(ctx)
    sources, lower_bound = {}, False
    for receiver in sorted(known):
        lower_bound = lower_bound or bool(ctx.nodes[receiver].get("refused_packets_truncated"))
        for e in known[receiver]:
            src = sources.setdefault((e["address"], e["reason"]), {"count": 0, "first": None, "last": None, "by": []})
            src["count"] += int(e.get("count") or 0)
            for key, pick in (("first", min), ("last", max)):
                if e.get(key) is not None:
                    src[key] = e[key] if src[key] is None else pick(src[key], e[key])
            src["by"].append(receiver)
    if not sources:
        return _passed("no packets refused by corosync on %s in the last %s%s"
                       % (_join(sorted(known)), _window_text(window), _unknown_suffix(unknown)))
    # A node with another key refuses the others' packets as they refuse its: one finding, told from the side of
    # the most receivers (node3's packets refused by node1 and node2, and node3 refusing theirs).
    order = sorted(sources, key=lambda k: (-len(sources[k]["by"]), -sources[k]["count"], k))
    for key in order:
        node = nodelist.get(key[0])
        if not node or sources[key].get("dropped"):
            continue
        for other in order:
            src = sources[other]
            if other != key and not src.get("dropped") and src["by"] == [node] \
                    and nodelist.get(other[0]) in sources[key]["by"]:
                src["dropped"] = True
                sources[key].setdefault("mutual", []).append(nodelist[other[0]])
    parts, remedy, objects = [], [], []
    for (address, reason), src in sorted(sources.items(), key=lambda item: (-item[1]["count"], item[0])):
        if src.get("dropped"):
            continue
        node = nodelist.get(address)
        who = "%s (%s)" % (address, node) if node else (
            "an unknown source" if address == "unknown" else "%s (not in the nodelist)" % address)
        what = "could not decrypt" if reason == "undecryptable" else "rejected"
        times = ("" if src["first"] is None else
                 ", first %s, last %s" % (iso_time(src["first"]), iso_time(src["last"])))
        mutual = " (and %s could not decrypt theirs)" % node if src.get("mutual") else ""
        count = "%s%d packet%s" % ("at least " if lower_bound else "", src["count"], "" if src["count"] == 1 else "s")
        parts.append("%s: %s %s %s%s%s" % (who, count, _join(src["by"]), what, mutual, times))
        by = src["by"][0]
        grep = "journalctl -u corosync --since -%ds --grep '%s'  # on %s" % (window, re.escape(address), by)
        if node:
            objects.append(node)
            remedy += ["# %s is a cluster node sending with another key or other crypto settings:" % node,
                       "corosync-cmapctl -g totem.crypto_cipher; corosync-cmapctl -g totem.crypto_hash  # on %s and %s"
                       % (node, by),
                       "sha256sum %s  # on every node: %s's should be the odd one out (see authkeys-identical)"
                       % (COROSYNC_AUTHKEY, node), grep]
        elif address == "unknown":
            remedy.append("journalctl -u corosync --since -%ds --grep 'from unknown host'  # on %s: when they came"
                          % (window, by))
        else:
            objects.append(address)
            remedy += ["# %s is not a cluster node: find who it is" % address,
                       "ip neigh show %s  # on %s: its MAC address, for the switch's table" % (address, by), grep,
                       "# then let only the nodes (%s) reach corosync's ports, UDP 5405 and up (one per link)"
                       % (_join(sorted(nodelist)) or "their addresses")]
    return _failed("in the last %s: %s%s" % (_window_text(window), "; ".join(parts), _unknown_suffix(unknown)),
                   _uniq(remedy), _uniq(objects))


def check_pcsd_failed_logins(ctx):
    # User names and addresses are the objects; no password is ever in pcsd's log, so none is here.
    known, unknown = ctx.facts("pcsd_failed_logins")
    if not known:
        return _unknown("no node could read pcsd's log (/var/log/pcsd/pcsd.log; no pcsd, or a crmsh cluster)")
    window = _facts_window(ctx, known)
    nodelist = _nodelist(ctx)
    found = []
    for node in sorted(known):
        lower_bound = bool(ctx.nodes[node].get("pcsd_failed_logins_truncated"))
        for e in known[node]:
            found.append((node, e, lower_bound))
    if not found:
        return _passed("no failed pcsd login on %s in the last %s%s"
                       % (_join(sorted(known)), _window_text(window), _unknown_suffix(unknown)))
    parts, remedy, objects = [], [], []
    for node, e, lower_bound in sorted(found, key=lambda f: (-int(f[1]["count"]), f[0], f[1]["user"], f[1]["address"])):
        address = e["address"]
        who = ("%s (%s)" % (address, nodelist[address]) if address in nodelist else
               "an unknown address" if address == "unknown" else address)
        times = ("" if e.get("first") is None else
                 ", first %s, last %s" % (iso_time(e["first"]), iso_time(e["last"])))
        count = "%s%d failed login%s" % ("at least " if lower_bound else "", int(e["count"]),
                                         "" if int(e["count"]) == 1 else "s")
        parts.append("%s on %s as '%s' from %s%s" % (count, node, e["user"], who, times))
        remedy.append("grep -B1 -A1 \"Failed login by '%s'\" /var/log/pcsd/pcsd.log  # on %s" % (e["user"], node))
        objects += [node, address]
    remedy.append("# a cluster node or your own tool: give it the current hacluster password (pcs host auth); any "
                  "other address: find who it is, and let only the nodes and admin hosts reach TCP 2224")
    return _failed("in the last %s: %s%s" % (_window_text(window), "; ".join(parts), _unknown_suffix(unknown)),
                   _uniq(remedy), _uniq(objects))


def check_pcsd_certificate(ctx):
    # Subjects, issuers and dates only: the certificate is public, its key is never read.
    known, unknown = ctx.facts("pcsd_certificate")
    if not known:
        return _unknown("no node could read pcsd's certificate (%s; no pcsd, or a crmsh cluster)" % PCSD_CERT)
    soon = ctx.now + PCSD_CERT_WARN_DAYS * 86400
    expired = [n for n in sorted(known) if known[n]["not_after"] <= ctx.now]
    ending = [n for n in sorted(known) if ctx.now < known[n]["not_after"] <= soon]
    own = [n for n in sorted(known) if known[n]["self_signed"]]
    signed = ("self-signed (pcsd's own: no client can verify it) on %s" % _join(own) if own else
              "signed by %s" % _join(sorted({known[n]["issuer"] for n in known})))
    if own and len(own) < len(known):
        signed += ", signed by %s on %s" % (_join(sorted({known[n]["issuer"] for n in known if n not in own})),
                                            _join([n for n in sorted(known) if n not in own]))
    if not expired and not ending:
        first = min(known, key=lambda n: (known[n]["not_after"], n))
        return _passed("valid until %s at the earliest (%s); %s%s" % (
            iso_time(known[first]["not_after"]), first, signed, _unknown_suffix(unknown)))
    parts = ["expired on %s (%s)" % (n, iso_time(known[n]["not_after"])) for n in expired]
    parts += ["ends within %d days on %s (%s)" % (PCSD_CERT_WARN_DAYS, n, iso_time(known[n]["not_after"]))
              for n in ending]
    remedy = ["openssl x509 -in %s -noout -subject -issuer -enddate  # on %s" % (PCSD_CERT, n)
              for n in expired + ending]
    remedy.append("pcs pcsd certkey <node>.crt <node>.key && systemctl restart pcsd  # a new certificate from your "
                  "CA, on each of them")
    return _failed("pcsd's certificate %s; %s%s" % ("; ".join(parts), signed, _unknown_suffix(unknown)),
                   remedy, expired + ending)


def check_firewall(ctx):
    known, unknown = ctx.facts("firewall")
    if not known:
        return _unknown("no node reported its firewall")
    on = [n for n in sorted(known) if known[n].get("managed")]
    if not on:
        return _passed("the cluster's firewall is off on %s (cluster_firewall_enabled false): only the hosts' own "
                       "firewall guards the cluster's ports%s" % (_join(sorted(known)), _unknown_suffix(unknown)))
    gone = [n for n in on if not known[n].get("loaded")]
    off = [n for n in sorted(known) if n not in on]
    if not gone and not off:
        refused = ["%d to %s on %s" % (d["packets"], d["rule"].replace(" from elsewhere", ""), n)
                   for n in on for d in known[n].get("drops") or [] if int(d["packets"])]
        return _passed("loaded on %s; %s%s" % (
            _join(on), "it refused packets from elsewhere: %s" % ", ".join(refused) if refused else
            "nothing refused since it was loaded", _unknown_suffix(unknown)))
    parts = ["not loaded on %s (%s)" % (n, known[n].get("error") or "nft has no table inet clusterops") for n in gone]
    remedy = ["systemctl reload clusterops-firewall  # on %s: loads %s again" % (n, RULES_FILE) for n in gone]
    if off:
        parts.append("off on %s while on on %s" % (_join(off), _join(on)))
        remedy.append("# rerun playbooks/site.yml: it writes and loads the rules on %s" % _join(off))
    return _failed("the cluster's firewall is %s: the cluster's ports are open there%s"
                   % ("; ".join(parts), _unknown_suffix(unknown)), remedy, gone + off)


def check_token(ctx):
    known, unknown = ctx.facts("token_ms")
    if not known:
        return _unknown("no node reported its running token timeout")
    want = ctx.expected.get("token_ms")
    if want is not None:
        off = [n for n in sorted(known) if int(known[n]) != int(want)]
        if not off:
            return _passed("token %s ms on %s, as expected%s" % (want, _join(sorted(known)), _unknown_suffix(unknown)))
        msg = "expected token %s ms; %s" % (want, _describe_groups(_groups(known), lambda v: "%s ms" % v))
    else:
        groups = _groups(known)
        if len(groups) == 1:
            return _passed("token %s ms on %s (no expected value given)%s" % (groups[0][0], _join(groups[0][1]),
                                                                              _unknown_suffix(unknown)))
        off = [n for g in groups[1:] for n in g[1]]
        msg = "the running token differs: %s" % _describe_groups(groups, lambda v: "%s ms" % v)
    return _failed(msg + _unknown_suffix(unknown),
                   ["pcs cluster config update totem token=%s  # the configured token, not the runtime value" % (want or "<ms>"),
                    "pcs cluster reload corosync",
                    "corosync-cmapctl -g runtime.config.totem.token  # on %s, to verify" % _join(off)], off)


def check_unmanaged(ctx):
    # Maintenance (cluster-wide or of a node) unmanages resources on purpose: its own checks say so.
    cluster_maintenance = bool(ctx.status["cluster"].get("maintenance_mode"))
    nodes_maintenance = set(n["name"] for n in ctx.status["nodes"] if n.get("maintenance"))
    unmanaged, blocked = [], []
    for r in ctx.status["resources"]:
        in_maintenance = cluster_maintenance or (r.get("nodes") and set(r["nodes"]) <= nodes_maintenance)
        if not r.get("managed", True) and not in_maintenance and r["id"] not in unmanaged:
            unmanaged.append(r["id"])
        if r.get("blocked"):
            blocked.append("%s blocked%s" % (r["instance"], " on " + _join(r["nodes"]) if r["nodes"] else ""))
    if not unmanaged and not blocked:
        return _passed("every resource managed, none blocked")
    parts = ["%s unmanaged" % r for r in unmanaged] + blocked
    remedy = []
    remedy += ["pcs resource manage %s  # or: crm_resource -r %s --meta -p is-managed -v true" % (r, r) for r in unmanaged]
    blocked_ids = _uniq([r["id"] for r in ctx.status["resources"] if r.get("blocked")])
    remedy += ["crm_resource --cleanup -r %s  # after fencing or stopping it by hand where its stop failed" % r for r in blocked_ids]
    return _failed(", ".join(parts), remedy, _uniq(unmanaged + blocked_ids))


def check_placed(ctx):
    st = ctx.status
    dc = st["cluster"].get("dc")
    if st["settled"] is True:
        return _passed("settled: the DC %s is idle with no pending actions" % dc)
    pend = ["%s %s%s" % (p["instance"], p["pending"], " on " + _join(p["nodes"]) if p["nodes"] else "")
            for p in st["pending_actions"]]
    pend += ["node %s pending" % n["name"] for n in st["nodes"] if n.get("pending")]
    objects = _uniq([p["resource"] for p in st["pending_actions"]])
    if pend:
        msg = "not settled, pending: %s" % ", ".join(pend)
    elif not dc:
        msg = "not settled: no DC elected"
    elif st["settled"] is None:
        return _unknown("the state of the DC %s is unknown" % dc)
    else:
        msg = "not settled: the DC %s is in %s, not S_IDLE" % (dc, st.get("dc_state"))
    remedy = ["crm_resource --wait  # until the cluster has settled", "crm_simulate -Ls  # the actions still planned"]
    remedy += ["crm_resource --why -r %s" % r for r in objects]
    return _failed(msg, remedy, objects)


def check_pacemaker3(ctx):
    if ctx.cib_root is None:
        return _unknown("the CIB could not be read (Pacemaker is not running on %s)" % ctx.local)
    found = pcmk3.findings(ctx.cib_root)
    if not found:
        return _passed("nothing in the configuration that Pacemaker 3.0 drops or refuses")
    fixable = [f for f in found if f["fixable"]]
    remedy = []
    if fixable:
        remedy += ["# %d of them have a replacement that keeps their meaning; see it, then make it in one transaction:"
                   % len(fixable),
                   "ansible <cluster> -m clusterops.ha.cib -a pacemaker3_fixes=true --check --diff",
                   "ansible <cluster> -m clusterops.ha.cib -a pacemaker3_fixes=true"]
    remedy += ["# %s: %s" % (f["object"], f["replacement"]) for f in found if not f["fixable"]]
    return _failed("%d form(s) Pacemaker 3.0 drops or refuses: %s" % (len(found), "; ".join(f["message"] for f in found)),
                   remedy, _uniq(f["object"] for f in found))


# --- PostgreSQL under PAF (ocf:heartbeat:pgsqlms): the instances are found in the CIB by their agent, their state
# in the facts cluster_node_facts gathers on each node (postgresql.read_local()).


def _agent_resources(ctx, agent, find, key, what, reported, usable=None):
    """([(resource, {node: its fact}, [nodes not knowing it])], None), or (None, result) when nothing can be judged:
    skipped without a CIB or facts, passed as not applicable without a primitive of the agent. find(cib_root) lists
    the primitives (dicts with their id); key names their facts in cluster_node_facts' (per primitive id); a node's
    fact counts only when usable(fact) (default: any)."""
    none = "no %s resource (%s) in the configuration: not applicable" % (what, ":".join(agent))
    if ctx.cib_root is None:
        # The exported configuration tells whether there is anything to judge; the CIB's XML is needed to judge it.
        if ctx.config is not None and not any(str(p.get("agent")) == ":".join(agent)
                                              for p in ctx.config.get("primitives") or []):
            return None, _passed(none)
        return None, _unknown("the CIB could not be read (Pacemaker is not running on %s)" % ctx.local)
    found = find(ctx.cib_root)
    if not found:
        return None, _passed(none)
    known, unknown = ctx.facts(key)
    if not known:
        return None, _unknown("no node reported its %s (cluster_node_facts)" % reported)
    out = []
    for rsc in found:
        facts = dict((n, known[n][rsc["id"]]) for n in sorted(known)
                     if isinstance(known[n], dict) and isinstance(known[n].get(rsc["id"]), dict)
                     and (usable is None or usable(known[n][rsc["id"]])))
        out.append((rsc, facts, sorted(set(unknown) | set(n for n in known if n not in facts))))
    return out, None


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


# --- Filesystems under Pacemaker (ocf:heartbeat:Filesystem): the resources are found in the CIB by their agent, where
# each node has them mounted in the facts cluster_node_facts gathers (filesystem.read_local()).


def _fs_resources(ctx):
    # A node's fact counts only when its mountinfo was read (mounted is not null).
    return _agent_resources(ctx, filesystem.AGENT, filesystem.resources, "filesystems", "Filesystem", "Filesystem resources",
                            usable=filesystem.mountinfo_read)


def _fs_label(rsc):
    return "%s (%s%s)" % (rsc["id"], rsc["device"] or "no device", ", %s" % rsc["fstype"] if rsc["fstype"] else "")


def _fs_where(facts, names):
    """'<node> at <mount points>' for each node."""
    return ", ".join("%s at %s" % (n, _join(filesystem.mount_points(facts[n]))) for n in names)


def _fs_unknown(ctx, rid, unknown):
    """'<node> (<why its fact is missing>)' for each node."""
    out = []
    for n in unknown:
        f = ctx.nodes.get(n)
        fs = (f or {}).get("filesystems")
        if not f:
            why = "no facts"
        elif f.get("reachable") is False:
            why = "unreachable"
        elif not isinstance(fs, dict):
            why = "no Filesystem facts"
        elif not isinstance(fs.get(rid), dict):
            why = "its CIB has no %s" % rid
        else:
            why = fs[rid].get("error") or "mountinfo not read"
        out.append("%s (%s)" % (n, why))
    return out


def _fs_unmount(rsc, facts, nodes, why):
    directory = rsc["directory"] or "<directory>"
    remedy = []
    for n in nodes:
        points = filesystem.mount_points(facts[n]) or [directory]
        remedy.append("umount %s  # on %s, now: %s (fuser -vm %s: what still holds it)"
                      % (" ".join(points), n, why, points[0]))
        remedy.append("grep -e '%s' -e '%s' /etc/fstab; systemctl list-units --type=mount  # on %s: nothing but "
                      "Pacemaker may mount it" % (rsc["device"] or directory, directory, n))
    return remedy


def _fs_fsck(rsc):
    target = rsc["group"] or rsc["id"]
    repair = "xfs_repair -n" if str(rsc["fstype"]).lower() == "xfs" else "fsck -f -n"
    return ("# then check the filesystem while no node has it mounted: pcs resource disable %s; %s %s on one node; "
            "pcs resource enable %s" % (target, repair, rsc["device"] or "<device>", target))


def _fs_judge(ctx, rsc, facts, unknown):
    """(severity, message, remedy, objects): severity critical or warning for a failure, "unknown" when facts are
    missing where they could change the verdict, None for a pass."""
    rid, label = rsc["id"], _fs_label(rsc)
    mounted = [n for n in sorted(facts) if facts[n].get("mounted")]
    running = None
    if ctx.pacemaker:
        running = list(((ctx.status.get("resources_by_id") or {}).get(rid) or {}).get("running_on") or [])
        runs = "Pacemaker runs it on %s" % (_join(running) or "no node")
    else:
        runs = "where Pacemaker runs it is unknown (Pacemaker is not running on %s)" % ctx.local
    fencing = ("pcs stonith status; crm_mon -1 --fence-history=3  # fencing must work: a node that left the cluster "
               "must be fenced before another one mounts the filesystem (see stonith, fencing-history)")
    gaps = _fs_unknown(ctx, rid, unknown)
    suffix = "; unknown on %s" % _join(gaps) if gaps else ""
    if len(mounted) > 1:
        keep = [n for n in mounted if running and n in running][:1]
        why = "Pacemaker does not run %s there" % rid if keep else "Pacemaker runs %s on none of them" % rid
        remedy = ["crm_resource --locate -r %s  # %s" % (rid, runs)]
        remedy += _fs_unmount(rsc, facts, [n for n in mounted if n not in keep], why)
        if not keep:
            remedy.append("crm_resource --cleanup -r %s  # once no node has it mounted: Pacemaker mounts it on one" % rid)
        remedy += [fencing, _fs_fsck(rsc)]
        return ("critical", "%s is mounted on %d nodes, %s: a local filesystem mounted on two nodes at once gets "
                "corrupted; %s%s" % (label, len(mounted), _fs_where(facts, mounted), runs, suffix), remedy, [rid] + mounted)
    outside = [n for n in mounted if running is not None and n not in running]
    if outside:
        remedy = _fs_unmount(rsc, facts, outside, "Pacemaker does not run %s there" % rid)
        remedy += ["crm_resource --cleanup -r %s  # then Pacemaker probes every node again" % rid, fencing]
        return ("critical", "%s is mounted on %s, where Pacemaker does not run it (%s): mounted outside the cluster's "
                "control%s" % (label, _fs_where(facts, outside), runs, suffix), remedy, [rid] + outside)
    if running is None:
        return ("unknown", "%s: %s%s" % (rid, runs, suffix), [], [])
    missing = [n for n in running if n in facts and n not in mounted]
    if missing:
        remedy = ["crm_resource --refresh -r %s -N %s  # Pacemaker probes it again, finds it unmounted and recovers it"
                  % (rid, n) for n in missing]
        remedy += ["findmnt %s  # on %s: unmounted by hand, or mounted in another mount namespace"
                   % (rsc["directory"] or "<directory>", n) for n in missing]
        remedy.append("# a Filesystem resource without a monitor operation never notices: pcs resource op add %s monitor "
                      "interval=20s" % rid)
        return ("warning", "%s: %s, but %s%s" % (
            label, runs, "only %s has it mounted" % _fs_where(facts, mounted) if mounted else "no node has it mounted",
            suffix), remedy, [rid] + missing)
    if mounted:
        state = "%s mounted on %s, where Pacemaker runs it" % (rsc["device"], _fs_where(facts, mounted))
    elif running:
        state = "%s, no node that reported has it mounted" % runs
    else:
        state = "stopped, mounted on no node"
    if gaps:
        return ("unknown", "%s: %s, but unknown on %s: it may be mounted there" % (rid, state, _join(gaps)), [], [])
    return (None, "%s: %s" % (rid, state), [], [])


def check_filesystem_single_mount(ctx):
    found, result = _fs_resources(ctx)
    if result:
        return result
    parts, passes, unknowns, remedy, objects = [], [], [], [], []
    critical = False
    for rsc, facts, unknown in found:
        if rsc["shared"]:
            mounted = [n for n in sorted(facts) if facts[n].get("mounted")]
            passes.append("%s: shared (%s), mounted on %s: not judged" % (
                _fs_label(rsc), "cloned" if rsc["clone"] else "a network or cluster filesystem", _join(mounted) or "no node"))
            continue
        severity, message, more, names = _fs_judge(ctx, rsc, facts, unknown)
        if severity in ("critical", "warning"):
            critical = critical or severity == "critical"
            parts.append(message)
            remedy += more
            objects += names
        elif severity == "unknown":
            unknowns.append(message)
        else:
            passes.append(message)
    if parts:
        return _failed("; ".join(parts + unknowns), _uniq(remedy), _uniq(objects), severity=None if critical else "warning")
    if unknowns:
        return _unknown("; ".join(unknowns + passes))
    return _passed("; ".join(passes))


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


_RUNNERS = {
    "quorum": check_quorum, "nodes-online": check_nodes_online, "nodes-standby": check_nodes_standby,
    "nodes-maintenance": check_nodes_maintenance, "maintenance-mode": check_maintenance_mode,
    "failed-actions": check_failed_actions, "fail-counts": check_fail_counts, "leftover-bans": check_leftover_bans,
    "stonith": check_stonith, "fencing-history": check_fencing_history, "corosync-conf-identical": check_corosync_conf,
    "versions-identical": check_versions,
    "knet-crypto": check_knet_crypto, "links-connected": check_links, "authkey-modes": check_authkeys,
    "authkeys-identical": check_authkeys_identical, "refused-packets": check_refused_packets,
    "pcsd-failed-logins": check_pcsd_failed_logins,
    "pcsd-certificate": check_pcsd_certificate, "firewall-loaded": check_firewall,
    "token-consistent": check_token, "unmanaged-blocked": check_unmanaged, "resources-placed": check_placed,
    "pacemaker3-ready": check_pacemaker3, "postgresql-primary": check_postgresql_primary,
    "postgresql-standbys-streaming": check_postgresql_standbys, "postgresql-sync-standby": check_postgresql_sync,
    "postgresql-lag": check_postgresql_lag,
    "postgresql-promotable": check_postgresql_promotable, "filesystem-single-mount": check_filesystem_single_mount,
    "booth-tickets": check_booth, "booth-refused": check_booth_refused,
}


# ---------------------------------------------------------------------------------------------
# the report


def check_skip(skip, field="skip"):
    """skip as the checks to leave out: a mapping of check id to reason (None is none). Returns it as a dict
    of text; raises ValidationError naming field (and the id, with a suggestion) otherwise."""
    if skip is None:
        return {}
    if not isinstance(skip, dict):
        raise ValidationError(field, skip, "%r is not a mapping of check id to reason (such as {versions-identical: "
                                           "'rolling update'})" % (skip,))
    unknown = sorted(str(k) for k in skip if k not in _BY_ID)
    if unknown:
        hints = "".join(suggest(k, _BY_ID) for k in unknown)
        raise ValidationError(field, skip, "unknown check id%s %s%s (known: %s)" % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown), hints, _join(c["id"] for c in CHECKS)))
    return dict((str(k), "" if v is None else str(v)) for k, v in skip.items())


# The data run_checks reads, as the cluster_node_facts module and cluster_health_inputs give it (validate.shape),
# and the report it returns, as the rolling update's gate reads it.
NODE_FACTS_SHAPE = {"*": {"reachable?": "bool?", "corosync_conf_sha256?": "str?", "authkey_mode?": "str?",
                          "pcmk_authkey_mode?": "str?", "authkey_sha256?": "str?", "pcmk_authkey_sha256?": "str?",
                          "corosync_version?": "str?", "pacemaker_version?": "str?",
                          "token_ms?": "int?", "transport?": "str?", "crypto_cipher?": "str?", "crypto_hash?": "str?",
                          "nodelist_addresses?": {"*": "str"},
                          "refused_packets?": [{"address": "str", "reason": "str", "count": "int",
                                                "first?": "number?", "last?": "number?"}],
                          "refused_packets_window_s?": "int?", "refused_packets_truncated?": "bool?",
                          "pcsd_failed_logins?": [{"user": "str", "address": "str", "count": "int",
                                                   "first?": "number?", "last?": "number?"}],
                          "pcsd_failed_logins_truncated?": "bool?",
                          "booth_refused?": [{"source": "str", "reason": "str", "count": "int",
                                              "first?": "number?", "last?": "number?", "maxtimeskew?": "int?"}],
                          "booth_refused_truncated?": "bool?",
                          "pcsd_certificate?": {"subject": "str", "issuer": "str", "self_signed": "bool",
                                                "not_before": "number", "not_after": "number"},
                          "firewall?": {"managed": "bool", "loaded?": "bool", "error?": "str",
                                        "drops?": [{"rule": "str", "packets": "int"}]},
                          "postgresql?": {"*": {"state": "str", "error?": "str?", "in_recovery?": "bool?",
                                                "synchronous_standby_names?": "str?",
                                                "replication?": [{"application_name": "str", "state?": "str?",
                                                                  "sync_state?": "str?", "lag_bytes?": "int?",
                                                                  "replay_lag_s?": "number?"}],
                                                "wal_receiver?": {"status?": "str?", "sender_host?": "str?"}}},
                          "filesystems?": {"*": {"device?": "str?", "directory?": "str?", "fstype?": "str?",
                                                 "shared?": "bool?", "block_device?": "bool?", "major_minor?": "str?",
                                                 "mounted?": "bool?", "error?": "str?",
                                                 "mounts?": [{"mount_point": "str", "fstype?": "str?", "source?": "str?"}]}}}}
REPORT_SHAPE = {"checks": [{"id": "str", "status": "str", "severity": "str", "objects?": ["any"]}]}


def node_facts_errors(nodes):
    """Messages for node facts that run_checks cannot read, naming the node and the key."""
    return shape(nodes, NODE_FACTS_SHAPE, "node_facts")


def report_errors(report, field="health_report"):
    """Messages for a report (run_checks' result) that is not one, naming the key."""
    return shape(report, REPORT_SHAPE, field)


def run_checks(status, config, nodes, expected=None, skip=None, cib_root=None, now=None):
    """Run every check of CHECKS (see the module docstring); returns {checks, summary, verdict}.

    skip maps check ids to the reason they are not run; an unknown id raises ValueError. cib_root is the
    live CIB's XML (cib.read_live_cib()), which the Pacemaker 3.0 readiness check reads; None skips it.
    now (Unix seconds, default time.time()) is when "recent" fencing (RECENT_FENCING_S) ends.
    A check's severity in the report is the catalogue's unless its result lowers it.
    """
    skip = check_skip(skip)
    ctx = _Context(status, config, nodes, expected, cib_root, now)
    checks = []
    for c in CHECKS:
        if c["id"] in skip:
            reason = skip[c["id"]]
            result = ("skip", str(reason) if reason not in (None, "") else "skipped", [], None)
        elif c["id"] in _NEEDS_PACEMAKER and not ctx.pacemaker:
            result = _unknown("Pacemaker is not running on %s" % ctx.local)
        else:
            result = _RUNNERS[c["id"]](ctx)
        state, message, remedy, objects = result[:4]
        severity = result[4] if len(result) > 4 and result[4] else c["severity"]
        checks.append({
            "id": c["id"], "severity": severity, "title": c["title"], "status": state, "message": message,
            "remedy": "\n".join(remedy) if state == "fail" else "", "objects": list(objects or []),
        })
    summary = dict.fromkeys(STATUSES + SEVERITIES, 0)
    for c in checks:
        summary[c["status"]] += 1
        if c["status"] == "fail":
            summary[c["severity"]] += 1
    if summary["critical"]:
        verdict = "critical"
    elif summary["fail"]:
        verdict = "degraded"
    else:
        verdict = "healthy"
    return {"checks": checks, "summary": summary, "verdict": verdict}


def _summary_line(report):
    s = report["summary"]
    return "verdict: %s - %d passed, %d failed (%d critical, %d warning, %d info), %d skipped" % (
        report["verdict"], s["pass"], s["fail"], s["critical"], s["warning"], s["info"], s["skip"])


def render_table(report):
    """The report as a plain-text table (one row per check), then the summary line."""
    header = ("STATUS", "SEVERITY", "CHECK", "MESSAGE")
    rows = [(c["status"].upper(), c["severity"], c["id"], " ".join(str(c["message"]).split()))
            for c in report["checks"]]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(3)]
    lines = []
    for r in [header] + rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    lines.append("")
    lines.append(_summary_line(report))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(report):
    """The report as Markdown: verdict, a table of every check, then each failed check with its remedy."""
    marks = {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}
    out = ["# Cluster health: %s" % report["verdict"], "", _summary_line(report), "",
           "| Check | Severity | Status | Message |", "| --- | --- | --- | --- |"]
    for c in report["checks"]:
        out.append("| %s | %s | %s | %s |" % (c["id"], c["severity"], marks[c["status"]], _cell(c["message"])))
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    out.append("")
    if not failed:
        out += ["No check failed.", ""]
    else:
        out += ["## Failed checks", ""]
    for c in failed:
        out += ["### %s (%s): %s" % (c["id"], c["severity"], c["title"]), "", c["message"], ""]
        if c["objects"]:
            out += ["Objects: %s" % ", ".join("`%s`" % o for o in c["objects"]), ""]
        why = _BY_ID.get(c["id"], {}).get("why")
        if why:
            out += ["Why it matters: %s" % why, ""]
        if c["remedy"]:
            out += ["Remedy:", "", "```sh", c["remedy"], "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"
