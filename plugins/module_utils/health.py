# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health checks of clusterops.ha: a pure engine that runs no command.

run_checks() judges what was already read: the status model (cluster_status.build_status()), the
live configuration (cib_export.export(), None when Pacemaker is down) and facts gathered on every node
(the cluster_node_facts module). Every check in CHECKS yields pass, fail or skip with a message
naming the objects and, when it fails, a remedy made of concrete commands (one per line, "#"
lines explain). A check whose data is unknown (Pacemaker down, no node facts) is skipped with the
reason. A check's severity in CHECKS is the worst it reports; a lesser finding of the same check
fails with a lower one (fencing-history: a manual confirmation is critical, a failed or recent
fencing a warning). run_checks() takes `now` (Unix seconds; the node's clock when not given, which is
the clock the fencing history's times come from), so that tests judge times without a clock.
render_table() and render_markdown() present the report.

This module is the catalogue and the runner: CHECKS (each check's id, severity, title, why and remedy), the
function that runs each id (_RUNNERS), the shapes of the node facts and of the report, run_checks() and the
renderers. The checks themselves are in one module per concern, on the context and helpers of health_base.py:
health_membership.py (quorum, nodes, links, what every node runs alike), health_resources.py, health_fencing.py,
health_security.py (keys, crypto, refused packets and logins, pcsd's certificate, the firewall),
health_postgresql.py, health_filesystem.py and health_booth.py.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import (
    health_booth,
    health_fencing,
    health_filesystem,
    health_membership,
    health_postgresql,
    health_resources,
    health_security,
    postgresql,
)
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import RULES_FILE
from ansible_collections.clusterops.ha.plugins.module_utils.health_base import _Context, _join, _unknown
from ansible_collections.clusterops.ha.plugins.module_utils.health_security import (
    COROSYNC_AUTHKEY,
    PACEMAKER_AUTHKEY,
    PCSD_CERT_WARN_DAYS,
)
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import PCSD_CERT, PCSD_KEY
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, shape, suggest

SEVERITIES = ("critical", "warning", "info")
STATUSES = ("pass", "fail", "skip")
# The thresholds live with their checks: pcsd-certificate's is health_security.PCSD_CERT_WARN_DAYS (its title names
# it), fencing-history's "recent" health_fencing.RECENT_FENCING_S.
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
    _check("cib-secrets", "warning", "Every node holds the secrets the CIB keeps in Pacemaker's secret store",
           "A parameter whose CIB value is lrm:// (cluster_cib_secrets) is read from /var/lib/pacemaker/lrm/secrets on the "
           "node that runs the action. A node without the file, with a file its .sign does not match, or with another "
           "value (a node that was down when the value changed) fails the action there: a fence device's monitor "
           "fails and the device moves, and its fencing from that node fails (then critical).",
           "# rerun playbooks/site.yml: it writes the store on every node from its variables\n"
           "cibsecret check <resource> <parameter>  # on <node>: what Pacemaker finds there"),
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
# which function runs each check: health_<concern>.py, on health_base's context


_RUNNERS = {
    "quorum": health_membership.check_quorum,
    "nodes-online": health_membership.check_nodes_online,
    "nodes-standby": health_membership.check_nodes_standby,
    "nodes-maintenance": health_membership.check_nodes_maintenance,
    "maintenance-mode": health_resources.check_maintenance_mode,
    "failed-actions": health_resources.check_failed_actions,
    "fail-counts": health_resources.check_fail_counts,
    "leftover-bans": health_resources.check_leftover_bans,
    "stonith": health_fencing.check_stonith,
    "fencing-history": health_fencing.check_fencing_history,
    "corosync-conf-identical": health_membership.check_corosync_conf,
    "versions-identical": health_membership.check_versions,
    "knet-crypto": health_security.check_knet_crypto,
    "links-connected": health_membership.check_links,
    "authkey-modes": health_security.check_authkeys,
    "authkeys-identical": health_security.check_authkeys_identical,
    "refused-packets": health_security.check_refused_packets,
    "pcsd-failed-logins": health_security.check_pcsd_failed_logins,
    "pcsd-certificate": health_security.check_pcsd_certificate,
    "firewall-loaded": health_security.check_firewall,
    "cib-secrets": health_security.check_cib_secrets,
    "token-consistent": health_membership.check_token,
    "unmanaged-blocked": health_resources.check_unmanaged,
    "resources-placed": health_resources.check_placed,
    "pacemaker3-ready": health_resources.check_pacemaker3,
    "postgresql-primary": health_postgresql.check_postgresql_primary,
    "postgresql-standbys-streaming": health_postgresql.check_postgresql_standbys,
    "postgresql-sync-standby": health_postgresql.check_postgresql_sync,
    "postgresql-promotable": health_postgresql.check_postgresql_promotable,
    "postgresql-lag": health_postgresql.check_postgresql_lag,
    "booth-tickets": health_booth.check_booth,
    "booth-refused": health_booth.check_booth_refused,
    "filesystem-single-mount": health_filesystem.check_filesystem_single_mount,
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
                                                 "mounts?": [{"mount_point": "str", "fstype?": "str?", "source?": "str?"}]}},
                          "cib_secrets?": {"*": {"state": "str", "digest?": "str?", "error?": "str?"}}}}
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
    now (Unix seconds, default time.time()) is when "recent" fencing (health_fencing.RECENT_FENCING_S) ends.
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
