# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions of a live key rotation (the cluster role's rotate_keys entry point): whether the cluster
can take new authkeys now without a membership change, and whether it did. No I/O here.

How corosync takes a new key live (corosync >= 3.1 with libknet >= 1.17; Debian 12 and 13): every node reads its
authkey file again on ``corosync-cfgtool -R``, loads the new key into knet's second crypto slot, switches to it
when every member has it (the CFG service's crypto reconfiguration phases) and drops the old one; membership,
ring id and every process stay as they were. A node whose file cannot be read keeps the old key, and
``corosync-cfgtool -R`` still says "Done" on the node that asked: each node's own ``config.reload_status`` (1 = CS_OK;
absent before a node's first reload, so the rotation sets it to 0 on every member first and a 0 afterwards means
it did not reload there: a corosync.conf it cannot parse leaves the status as it was) is the only per-node
answer. Members that did reload drop the old key once all of them switched, so a member that failed is cut off:
identical corosync.conf files (checked first) make every member's reload end the same way. A node outside the
membership at that moment never gets the new key live: with the new file it can still join later (it reads the
file when corosync starts), with the old one never. Pacemaker's key is read only when a remote connection is
made: its file is the whole rotation.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

KEYS = ("corosync", "pacemaker")
# config.reload_status after a reload: cs_error_t CS_OK.
RELOAD_OK = 1
_NO_CRYPTO = (None, "", "none")


class RotationError(ClusterOpsError):
    """The cluster cannot take new keys live now, or did not; nothing more is written."""


def plan(hosts, views, keys, crypto=None, conf_checksums=None):
    """Whether the keys can be rotated live now, and how.

    hosts: the cluster's hosts (the play's), in inventory order.
    views: {host: {"quorate", "members" (hosts), "ring_id"}} where corosync runs (corosync-quorumtool -s as
    each host sees it); a host without a view does not run corosync (or did not answer).
    keys: the names to rotate (KEYS), in any order; the rotation follows KEYS' order (corosync first).
    crypto: corosync's runtime totem.crypto_* ({key: value}, parse_cmapctl) on the first host; None or {} when
    corosync runs without crypto settings (its defaults: none). Not judged when the first host has no view.
    conf_checksums: {host: sha256 of its corosync.conf}; for corosync's key they must all be the same.

    Every host must run corosync and see exactly the play's hosts in one quorate membership with one ring id:
    a host outside it would keep the old key and could not join again; a member the play does not hold would
    be cut off by the reload. A corosync key needs knet's crypto on (otherwise it is unused).
    Returns {"source", "key_names", "reload", "members", "ring_id"}; raises RotationError listing every reason.
    """
    hosts = list(hosts)
    unknown = [k for k in keys if k not in KEYS]
    if unknown or not keys:
        raise RotationError("cluster_rotate_keys must name one or more of %s; got %s" % (", ".join(KEYS), list(keys)))
    if not hosts:
        raise RotationError("no host to rotate keys on: the play holds none")
    errors = []
    ring_ids = {}
    for host in hosts:
        view = views.get(host)
        if view is None:
            errors.append("%s: corosync does not run (or the host did not answer): it would keep the old key and "
                          "never join again; start it (site.yml) or remove it from the cluster first" % host)
            continue
        if view.get("quorate") is not True:
            errors.append("%s: not quorate" % host)
        members = set(view.get("members") or [])
        missing = [h for h in hosts if h not in members]
        extra = sorted(members - set(hosts))
        if missing:
            errors.append("%s: its membership lacks %s" % (host, ", ".join(missing)))
        if extra:
            errors.append("%s: its membership holds %s, which this play does not (run on the whole cluster, without "
                          "--limit): the reload would cut them off" % (host, ", ".join(extra)))
        ring_ids.setdefault(view.get("ring_id"), []).append(host)
    if len(ring_ids) > 1:
        errors.append("the hosts see different memberships (ring ids %s)"
                      % "; ".join("%s on %s" % (r, ", ".join(h)) for r, h in sorted(ring_ids.items(), key=str)))
    crypto = crypto or {}
    # The settings are read on the first host; where its corosync does not run there is nothing to judge them by.
    if "corosync" in keys and hosts[0] in views and crypto.get("totem.crypto_cipher") in _NO_CRYPTO \
            and crypto.get("totem.crypto_hash") in _NO_CRYPTO:
        errors.append("corosync runs without crypto (totem.crypto_cipher and crypto_hash none): its key is unused. "
                      "Turn crypto on first (cluster_crypto_cipher, cluster_crypto_hash, site.yml), or rotate "
                      "Pacemaker's key only (cluster_rotate_keys: [pacemaker])")
    sums = dict((h, (conf_checksums or {}).get(h)) for h in hosts)
    if "corosync" in keys and conf_checksums is not None and len(set(sums.values())) > 1:
        groups = {}
        for h in hosts:
            groups.setdefault(sums[h], []).append(h)
        errors.append("corosync.conf differs between the members (%s): a member whose reload fails while the others "
                      "switch to the new key is cut off; run site.yml first (it writes the same file everywhere)"
                      % "; ".join("one file on %s" % ", ".join(g) for g in groups.values()))
    if errors:
        raise RotationError("the keys cannot be rotated live now; nothing was written: " + "; ".join(errors))
    ring_id = list(ring_ids)[0]
    return {
        "source": hosts[0],
        "key_names": [k for k in KEYS if k in keys],
        "reload": "corosync" in keys,
        "members": hosts,
        "ring_id": ring_id,
    }


def check(rotation, views, reload_status):
    """What corosync's reload did: {"restore": bool, "problems": [remedies]}; no problem when every member took the
    new key live in the same membership.

    rotation: plan()'s result. views: {host: view} as plan() takes them, read after the reload.
    reload_status: {host: config.reload_status (corosync-cmapctl)}, set to 0 on every member before the reload;
    None where it could not be read.
    restore: no member took the new key (the reload never ran, or failed everywhere): every member still runs the
    old key, so the old key files go back. Otherwise the members that took it run the new one, and a member that
    did not is cut off until corosync restarts there with the new file.
    """
    members = rotation["members"]
    if not any(reload_status.get(h) == RELOAD_OK for h in members):
        return {"restore": True, "problems": [
            "no member took the new key (config.reload_status %s): every node gets its old key file back and the "
            "cluster keeps running its old key; the journals say why; fix that, then run rotate_keys.yml again"
            % ", ".join("%s on %s" % (reload_status.get(h), h) for h in members)]}
    problems = []
    for host in members:
        status = reload_status.get(host)
        view = views.get(host)
        if status != RELOAD_OK:
            what = {0: "did not reload (its file unreadable, or the request never came)",
                    None: "could not be asked"}.get(status, "failed to reload")
            problems.append("%s: corosync %s there (config.reload_status %s) while the other members switched to the "
                            "new key: it is cut off; its journal says why; fix that, then restart corosync on %s alone "
                            "(it reads the new key when it starts)" % (host, what, status, host))
        elif view is None or set(view.get("members") or []) != set(members):
            problems.append("%s: no longer in the membership of %s after the reload: restart corosync there (it "
                            "reads the new key when it starts)" % (host, ", ".join(members)))
        elif view.get("ring_id") != rotation["ring_id"]:
            problems.append("%s: the membership changed during the reload (ring id %s, was %s); every member is "
                            "back, check the journals for what happened" % (host, view.get("ring_id"),
                                                                            rotation["ring_id"]))
    return {"restore": False, "problems": problems}
