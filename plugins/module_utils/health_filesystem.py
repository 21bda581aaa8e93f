# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health check of filesystems under Pacemaker (ocf:heartbeat:Filesystem): each shared-storage filesystem is
mounted on exactly one node, where Pacemaker runs it (filesystem-single-mount). The resources are found in the
CIB by their agent, where each node has them mounted in the facts cluster_node_facts gathers
(filesystem.read_local()).

Each check_* takes health_base's _Context and returns (status, message, remedy lines, objects[, severity]);
its id, severity, title, why and remedy are in health.CHECKS, which runs it (health._RUNNERS).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import filesystem
from ansible_collections.clusterops.ha.plugins.module_utils.health_base import (
    _agent_resources,
    _failed,
    _join,
    _passed,
    _uniq,
    _unknown,
)


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
