#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_node_facts
short_description: What one cluster node has - config checksum, key modes and digests, versions, live totem settings, PostgreSQL, mounts
version_added: 0.2.0
description:
  - Reads, on the target node, the facts the health checks compare across nodes; the checksum of
    corosync.conf, the mode and the SHA-256 digest of the corosync and Pacemaker authkeys, the corosync
    and Pacemaker versions, and from the running corosync (C(corosync-cmapctl)) the effective token,
    transport and knet crypto.
  - The authkeys are random, so their digests tell whether two nodes hold the same key without giving
    the key away; the module never returns the keys themselves.
  - From corosync's journal (C(journalctl -u corosync)), the packets libknet refused in the last
    O(refused_packets_window_s) seconds, per source address; a host sending with another key or other crypto
    settings, or anything else sent to the knet port. knet keeps no counter of them; its log is the only record.
  - From pcsd's log (C(/var/log/pcsd/pcsd.log)), the failed pcsd logins of the same window, per user name and
    client address (someone guessing the hacluster password, or a node with a stale one).
  - At a geo cluster's site, from booth's journal (C(journalctl -t boothd-site -t boothd-arbitrator)), the messages
    booth refused in the same window, per sender and reason (another key, a sender that is no member, a timestamp
    older than booth's maxtimeskew); booth logs them and keeps no other record.
  - The subject, issuer and validity of the certificate pcsd serves, never its key.
  - Where the cluster's firewall is on (its rules file O(firewall_rules) exists), whether nft holds its table
    (C(nft list table inet clusterops)) and what each of its drop rules refused.
  - Where the CIB (C(cibadmin --query), or C(/var/lib/pacemaker/cib/cib.xml) when Pacemaker is down on the node) holds
    PostgreSQL resources of PAF (agent C(ocf:heartbeat:pgsqlms), found by their agent), the state of the local instance
    of each; one C(psql) call per instance, as its system user on the socket and port PAF uses (RV(facts.postgresql)).
  - Where the CIB holds Filesystem resources (agent C(ocf:heartbeat:Filesystem)), whether this node has each one's
    filesystem mounted and where, from C(/proc/self/mountinfo), and whether its device is a block device here
    (RV(facts.filesystems)). The CIB is read once for both; without such resources nothing more is read.
  - Where the CIB keeps parameters in Pacemaker's secret store (value C(lrm://)), whether this node's store holds each
    with the digest Pacemaker checks, and a digest keyed with Pacemaker's authkey to compare nodes, never the value
    (RV(facts.cib_secrets)).
  - A fact that cannot be read (file missing or unreadable, corosync stopped) is null. The module only reads.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  corosync_conf:
    description: Path of corosync.conf.
    type: path
    default: /etc/corosync/corosync.conf
  corosync_authkey:
    description: Path of corosync's authkey.
    type: path
    default: /etc/corosync/authkey
  pacemaker_authkey:
    description: Path of Pacemaker's authkey.
    type: path
    default: /etc/pacemaker/authkey
  pcsd_certificate:
    description: Path of the certificate pcsd serves (its validity and issuer become RV(facts.pcsd_certificate)).
    type: path
    default: /var/lib/pcsd/pcsd.crt
  firewall_rules:
    description:
      - Path of the cluster firewall's rules file, which the common role writes where the firewall is on
        (C(cluster_firewall_enabled)); without it C(managed) in RV(facts.firewall) is false.
    type: path
    default: /etc/clusterops/firewall.nft
  refused_packets_window_s:
    description:
      - How far back, in seconds, the journal is read for refused packets (the fact RV(facts.refused_packets)) and
        pcsd's log for failed logins (RV(facts.pcsd_failed_logins)).
      - At most the newest 20000 lines of each are read; RV(facts.refused_packets_truncated) and
        RV(facts.pcsd_failed_logins_truncated) say when there were more.
    type: int
    default: 3600
"""

EXAMPLES = r"""
- name: Facts for the health checks
  clusterops.ha.cluster_node_facts:
  register: node_facts
"""

RETURN = r"""
facts:
  description: The node's facts; each is null when it could not be read.
  returned: always
  type: dict
  contains:
    corosync_conf_sha256: {description: SHA-256 of corosync.conf., type: str, sample: "9f2c..."}
    authkey_mode: {description: Octal mode of corosync's authkey., type: str, sample: "0400"}
    pcmk_authkey_mode: {description: Octal mode of Pacemaker's authkey., type: str, sample: "0400"}
    authkey_sha256:
      description:
        - SHA-256 (hex) of corosync's authkey (O(corosync_authkey)); null when it cannot be read.
        - A digest of a random key, not the key. The health check C(authkeys-identical) compares it across
          nodes, since a node holding another key cannot decrypt the others' traffic and never joins.
      type: str
      sample: "3b0c9f6e..."
    pcmk_authkey_sha256:
      description:
        - SHA-256 (hex) of Pacemaker's authkey (O(pacemaker_authkey)); null when it cannot be read.
        - A digest of a random key, not the key. The health check C(authkeys-identical) compares it across nodes.
      type: str
      sample: "e41d07a2..."
    corosync_version: {description: Version of corosync., type: str, sample: "3.1.7"}
    pacemaker_version: {description: Version of Pacemaker., type: str, sample: "2.1.5"}
    token_ms: {description: "The running token timeout (runtime.config.totem.token), ms.", type: int, sample: 3650}
    transport: {description: The running transport., type: str, sample: knet}
    crypto_cipher: {description: The running knet cipher., type: str, sample: aes256}
    crypto_hash: {description: The running knet hash., type: str, sample: sha256}
    nodelist_addresses:
      description: The addresses of the nodelist corosync runs with, each with its node's name; null when corosync is down.
      type: dict
      sample: {"10.0.0.11": "node1", "10.0.0.12": "node2"}
    refused_packets:
      description:
        - The packets libknet refused in the last RV(facts.refused_packets_window_s) seconds, from corosync's journal,
          one entry per source address and reason; empty when there were none, null when the journal cannot be read.
        - C(undecryptable) is a packet that did not decrypt (another key, other crypto settings, or not corosync at
          all); C(rejected) a source knet's access lists refused.
      type: list
      elements: dict
      sample: [{"address": "10.0.0.13", "reason": "undecryptable", "count": 88, "first": 1796407317.97,
                "last": 1796407404.12}]
    refused_packets_window_s: {description: "The window the journal was read for, in seconds.", type: int, sample: 3600}
    refused_packets_truncated:
      description: True when the window held more refused-packet lines than were read; the counts are then lower bounds.
      type: bool
      sample: false
    pcsd_failed_logins:
      description:
        - The failed pcsd logins in the last RV(facts.refused_packets_window_s) seconds, from pcsd's log, one entry per
          user name and client address; empty when there were none, null when the log cannot be read (no pcsd).
      type: list
      elements: dict
      sample: [{"user": "hacluster", "address": "172.17.0.3", "count": 3, "first": 1796407317.97, "last": 1796407404.12}]
    pcsd_failed_logins_truncated:
      description: True when the window may hold more of pcsd's log than was read; the counts are then lower bounds.
      type: bool
      sample: false
    booth_refused:
      description:
        - The messages booth refused on this node in the last RV(facts.refused_packets_window_s) seconds, from its
          journal, one entry per sender and reason; empty when there were none (or booth never ran here), null when
          the journal cannot be read.
        - C(source) is the sender's address, or C(client) for a booth command (list, grant, revoke) run with another
          key. C(reason) is C(authentication) (another key), C(stranger) (no member of booth.conf sent it),
          C(timestamp) (older than booth's maxtimeskew, which C(maxtimeskew) gives; the sender's clock is behind) or
          C(replay) (older than the sender's previous message).
      type: list
      elements: dict
      sample: [{"source": "172.31.244.200", "reason": "authentication", "count": 4, "first": 1796598980.49,
                "last": 1796598984.59}]
    booth_refused_truncated:
      description: True when the window held more refusal lines than were read; the counts are then lower bounds.
      type: bool
      sample: false
    pcsd_certificate:
      description:
        - The certificate pcsd serves (O(pcsd_certificate)), never its key; null when there is none or it cannot be
          decoded. Times are Unix seconds.
      type: dict
      sample: {"subject": "C=US, ST=MN, L=Minneapolis, O=pcsd, OU=pcsd, CN=node1",
               "issuer": "C=US, ST=MN, L=Minneapolis, O=pcsd, OU=pcsd, CN=node1", "self_signed": true,
               "not_before": 1796407317.0, "not_after": 2111767317.0}
    firewall:
      description:
        - The cluster's firewall on this node. C(managed) is false where its rules file is not there (the firewall
          is off here). Where it is, C(loaded) says whether nft holds the table C(inet clusterops); when it does not
          (deleted by hand, or by C(nft flush ruleset), which restarting nftables.service with Debian's
          C(/etc/nftables.conf) does), C(error) is nft's message and the cluster's ports are open.
        - C(drops) is each drop rule's counter since the table was loaded, by the rule's comment.
      type: dict
      sample: {"managed": true, "loaded": true, "drops": [{"rule": "corosync knet from elsewhere", "packets": 5},
                                                          {"rule": "pcsd from elsewhere", "packets": 0}]}
    postgresql:
      description:
        - Per pgsqlms primitive id, the local PostgreSQL instance as C(runuser -u <system_user> -- <bindir>/psql -h <pghost>
          -p <pgport> -d postgres) sees it (PAF's parameters, or its defaults). Null when the CIB holds no pgsqlms primitive
          or cannot be read; the module does not fail for a missing or stopped PostgreSQL.
        - C(state) is C(running), C(stopped) (nothing listens on the socket or port), C(starting), C(stopping), C(absent)
          (no psql at bindir, or no system user) or C(error); C(error) is the tool's message when it is not running.
        - When running, C(in_recovery) (true on a standby), C(synchronous_standby_names), C(replication) (the
          standbys connected to it, from pg_stat_replication; C(lag_bytes) is how far each one's replay is behind, and
          C(replay_lag_s) PostgreSQL's replay_lag, null when it has no measure) and C(wal_receiver) (on a standby,
          from pg_stat_wal_receiver; null when it receives nothing).
      type: dict
      sample: {"pgsqld": {"pghost": "/var/run/postgresql", "pgport": 5432, "pgdata": "/etc/postgresql/15/main",
                          "state": "running", "error": null, "server_version_num": 150018, "in_recovery": false,
                          "synchronous_standby_names": "", "wal_receiver": null,
                          "replication": [{"application_name": "node2", "client_addr": "10.0.0.12", "state": "streaming",
                                           "sync_state": "async", "sync_priority": 0, "lag_bytes": 0,
                                           "replay_lag_s": 0.023229}]}}
    filesystems:
      description:
        - Per Filesystem primitive id (agent C(ocf:heartbeat:Filesystem), in a group or a clone too), its filesystem on
          this node. Null when the CIB holds no Filesystem primitive or cannot be read.
        - C(device), C(directory) and C(fstype) are the resource's parameters (null when unset). C(shared) is true for
          a cloned resource and for the types the agent lets run on several nodes (nfs, nfs4, cifs, glusterfs, gfs2,
          ocfs2, tmpfs, a bind mount C(none)...), which are mounted on several nodes by design.
        - C(block_device) says whether the device (a C(-U)/C(-L)/C(UUID=)/C(LABEL=) tag through its C(/dev/disk) link)
          is a block device on this node, C(major_minor) its device number (null when it is not).
        - C(mounts) is where this node has the filesystem mounted, from C(/proc/self/mountinfo); a mount is the
          resource's when its major:minor is the device's (whatever name it was mounted by), or its source is the
          device parameter (C(server:/path), C(//server/share)), or, for a bind mount, its mount point is the
          directory. C(mounted) is whether there is any. Both are null when mountinfo cannot be read, C(error)
          then says why.
      type: dict
      sample: {"share-fs": {"device": "/dev/clusterops-shared", "directory": "/srv/clusterops-share", "fstype": "ext4",
                            "shared": false, "block_device": true, "major_minor": "7:0", "mounted": true,
                            "mounts": [{"mount_point": "/srv/clusterops-share", "fstype": "ext4",
                                        "source": "/dev/clusterops-shared"}], "error": null}}
    cib_secrets:
      description:
        - Per parameter the CIB keeps in Pacemaker's secret store (value C(lrm://)), as C(<resource>/<parameter>),
          this node's copy; null when the CIB cannot be read. Never the value.
        - C(state) is V(ok) when the value file and its C(.sign) agree, as Pacemaker checks them, V(missing) without
          the value file, V(no-sign) without the digest file, V(mismatch) when the digest is another value's,
          V(unreadable) otherwise (C(error) says why), and V(left) for a value file of the store whose parameter the
          CIB no longer keeps there (a deleted resource's; nothing reads it; only C(state) then).
        - C(digest) is an HMAC-SHA256 of the value keyed with Pacemaker's authkey (the same on every member), its
          first 16 hexadecimal digits. It is equal on two nodes when they hold the same value, and of no use without the
          key. Null when the value or the key cannot be read.
      type: dict
      sample: {"fence-ipmi-node1/password": {"state": "ok", "digest": "3f7c0a9e1b2d4c5e"}}
"""

import hashlib
import os
import stat
import time


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import read_stack_versions
from ansible_collections.clusterops.ha.plugins.module_utils.command import Runner
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import RULES_FILE, read_table
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import PCSD_CERT, read_certificate, read_failed_logins
from ansible_collections.clusterops.ha.plugins.module_utils.booth import read_refusals
from ansible_collections.clusterops.ha.plugins.module_utils import cib_secrets, filesystem, postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.validate import positive_integer
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import (
    CmapParseError, cmap_get, nodelist_addresses, read_cmap, read_refused_packets)


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def file_sha256(path):
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except (IOError, OSError):
        return None


def file_mode(path):
    try:
        return "%04o" % stat.S_IMODE(os.stat(path).st_mode)
    except (IOError, OSError):
        return None


def cmap_value(runner, key):
    """One key from corosync-cmapctl, typed (corosync_runtime.cmap_get), or None when corosync is down,
    the key is unset or the output cannot be understood."""
    try:
        return cmap_get(runner, key)
    except CmapParseError:
        return None


def nodelist(runner):
    try:
        cmap = read_cmap(runner, ["nodelist.node"])
    except CmapParseError:
        return None
    return None if cmap is None else nodelist_addresses(cmap)


def services(runner, paths):
    """The local facts of the resources found in the CIB by their agent, from one read of the CIB (none without it)."""
    root = postgresql.read_cib(runner, paths.get("cib_file", postgresql.CIB_FILE))
    if root is None:
        return {"postgresql": None, "filesystems": None, "cib_secrets": None}
    return {"postgresql": postgresql.read_local(runner, root),
            "filesystems": filesystem.read_local(runner, root, mountinfo_file=paths.get("mountinfo", filesystem.MOUNTINFO)),
            "cib_secrets": cib_secrets.read_local(root, paths["pacemaker_authkey"],
                                                  store=paths.get("cib_secrets_store", cib_secrets.SECRETS_DIR))}


def gather(runner, paths, window_s=3600, now=None):
    token = cmap_value(runner, "runtime.config.totem.token")
    now = time.time() if now is None else now
    refused, truncated = read_refused_packets(runner, window_s, now)
    logins, logins_truncated = read_failed_logins(runner, window_s, now)
    booth_refused, booth_truncated = read_refusals(runner, window_s, now)
    versions = read_stack_versions(runner)
    facts = {
        "corosync_conf_sha256": file_sha256(paths["corosync_conf"]),
        "authkey_mode": file_mode(paths["corosync_authkey"]),
        "pcmk_authkey_mode": file_mode(paths["pacemaker_authkey"]),
        # Digests only, never the keys: enough to tell whether every node holds the cluster's key.
        "authkey_sha256": file_sha256(paths["corosync_authkey"]),
        "pcmk_authkey_sha256": file_sha256(paths["pacemaker_authkey"]),
        "corosync_version": versions["corosync"],
        "pacemaker_version": versions["pacemaker"],
        "token_ms": token if isinstance(token, int) else None,
        "transport": cmap_value(runner, "totem.transport"),
        "crypto_cipher": cmap_value(runner, "totem.crypto_cipher"),
        "crypto_hash": cmap_value(runner, "totem.crypto_hash"),
        "nodelist_addresses": nodelist(runner),
        "refused_packets": refused,
        "refused_packets_window_s": window_s,
        "refused_packets_truncated": truncated,
        "pcsd_failed_logins": logins,
        "pcsd_failed_logins_truncated": logins_truncated,
        "booth_refused": booth_refused,
        "booth_refused_truncated": booth_truncated,
        "pcsd_certificate": read_certificate(paths.get("pcsd_certificate", PCSD_CERT)),
        "firewall": read_table(runner, paths.get("firewall_rules", RULES_FILE)),
    }
    facts.update(services(runner, paths))
    return facts


def main():
    module = new_module(
        argument_spec=dict(
            corosync_conf=dict(type="path", default="/etc/corosync/corosync.conf"),
            corosync_authkey=dict(type="path", default="/etc/corosync/authkey"),
            pacemaker_authkey=dict(type="path", default="/etc/pacemaker/authkey"),
            pcsd_certificate=dict(type="path", default="/var/lib/pcsd/pcsd.crt"),
            firewall_rules=dict(type="path", default=RULES_FILE),
            refused_packets_window_s=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    with guard(module):
        window = positive_integer(module.params["refused_packets_window_s"], "refused_packets_window_s")
        module.exit_json(changed=False, facts=gather(make_runner(module), module.params, window))


if __name__ == "__main__":
    main()
