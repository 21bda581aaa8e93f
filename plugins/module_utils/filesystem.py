# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filesystems under Pacemaker (ocf:heartbeat:Filesystem): what the health check filesystem-single-mount and the
metrics read.

- resources(root): the Filesystem primitives of a CIB (the XML root of ``cibadmin --query``, or its resources
  section), found by their agent, never by id: device, directory, fstype, the group and clone holding each, and
  whether the filesystem may be mounted on several nodes at once (shared).
- parse_mountinfo(text): /proc/self/mountinfo as the kernel writes it, one entry per mount.
- device_number(device, stat): the major:minor of the block device a device parameter names on this node.
- mounts_of(resource, entries, major_minor): where this node has the resource's filesystem mounted.
- read_local(runner, root): the facts of this node (cluster_node_facts and the metrics call it).
- mountinfo_read(fact), mount_points(fact): how a node's fact is read, the same for the health check and the
  living documentation.

A mount is the resource's when its major:minor (mountinfo's third field, the filesystem's st_dev) is the device's
st_rdev, which holds whatever name the device was mounted by (/dev/clusterops-shared, /dev/loop0, a
/dev/disk/by-id link that mount resolved); else when its source is the device parameter as written (server:/path
for NFS, //server/share for CIFS); a bind mount (fstype none) by its mount point.

Pure except read_local (which reads the CIB through the runner it is given when not handed one, the mountinfo file
and the device's inode). Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat as stat_module

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import read_primitive
from ansible_collections.clusterops.ha.plugins.module_utils.postgresql import CIB_FILE, _resources, read_cib

AGENT = ("ocf", "heartbeat", "Filesystem")
MOUNTINFO = "/proc/self/mountinfo"
# The types the Filesystem agent itself lets run on several nodes (its CLUSTERSAFE=1 list): network and cluster
# filesystems, and those that are no shared device at all (tmpfs, overlay, a bind mount "none"). A Filesystem
# primitive of one of them, or inside a clone, is shared: mounted on several nodes by design.
SHARED_FSTYPES = ("nfs", "nfs4", "aznfs", "efs", "smbfs", "cifs", "none", "gfs2", "glusterfs", "ceph", "ocfs2",
                  "overlay", "overlayfs", "tmpfs", "cvfs", "lustre")
# The agent's device parameter may name the device by a tag, as mount does: -U/--uuid, -L/--label, UUID=, LABEL=
# (udev's links under /dev/disk are where they point).
_TAGS = (
    (re.compile(r"^(?:-U\s*|--uuid[=\s]\s*|UUID=)(\S+)$"), "/dev/disk/by-uuid/"),
    (re.compile(r"^(?:-L\s*|--label[=\s]\s*|LABEL=)(\S+)$"), "/dev/disk/by-label/"),
    (re.compile(r"^PARTUUID=(\S+)$"), "/dev/disk/by-partuuid/"),
    (re.compile(r"^PARTLABEL=(\S+)$"), "/dev/disk/by-partlabel/"),
)
_ESCAPE = re.compile(r"\\([0-7]{3})")


class MountinfoParseError(ClusterOpsError, ValueError):
    """A line of /proc/self/mountinfo is not what the kernel writes."""


# ---------------------------------------------------------------------------------------------
# the CIB


def is_shared(fstype, clone):
    """Whether a Filesystem resource may be mounted on several nodes: in a clone, or of a type the agent lets run on
    several nodes (SHARED_FSTYPES)."""
    return clone is not None or str(fstype or "").strip().lower() in SHARED_FSTYPES


def resources(root):
    """The Filesystem primitives of a CIB, in document order: [{id, device, directory, fstype, options, group, clone,
    shared}], the parameters as written (None when unset; the agent detects fstype when it is not given). group and
    clone are the group and clone (or legacy master) holding the primitive, None when there is none. [] when there is
    none or root is None."""
    section = _resources(root)
    if section is None:
        return []
    out = []

    def walk(el, group, clone):
        for child in el:
            if child.tag == "primitive":
                if (child.get("class"), child.get("provider"), child.get("type")) != AGENT:
                    continue
                p = read_primitive(child).get("params") or {}
                fstype = p.get("fstype") or None
                out.append({"id": child.get("id"), "device": p.get("device") or None,
                            "directory": p.get("directory") or None, "fstype": fstype,
                            "options": p.get("options") or None, "group": group, "clone": clone,
                            "shared": is_shared(fstype, clone)})
            elif child.tag in ("clone", "master"):
                walk(child, group, child.get("id"))
            elif child.tag == "group":
                walk(child, child.get("id"), clone)

    walk(section, None, None)
    return out


# ---------------------------------------------------------------------------------------------
# /proc/self/mountinfo


def _unescape(text):
    # The kernel writes a space, tab, newline and backslash in a path as \040, \011, \012 and \134.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), text)


def parse_mountinfo(text):
    """/proc/<pid>/mountinfo (proc(5)) as [{mount_id, parent_id, major_minor, root, mount_point, options, fstype,
    source, super_options}], in the file's order; paths unescaped. Raises MountinfoParseError for a line that does
    not have the kernel's fields (the optional fields end with a lone "-")."""
    out = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
        except ValueError:
            raise MountinfoParseError("mountinfo line %d has no \"-\" separator: %s" % (number, line[:200]))
        if len(fields) < sep + 3 or not re.match(r"^\d+:\d+$", fields[2]) or not fields[0].isdigit():
            raise MountinfoParseError("mountinfo line %d is not a mount: %s" % (number, line[:200]))
        out.append({
            "mount_id": int(fields[0]), "parent_id": int(fields[1]) if fields[1].isdigit() else None,
            "major_minor": fields[2], "root": _unescape(fields[3]), "mount_point": _unescape(fields[4]),
            "options": fields[5], "fstype": fields[sep + 1], "source": _unescape(fields[sep + 2]),
            "super_options": fields[sep + 3] if len(fields) > sep + 3 else "",
        })
    return out


# ---------------------------------------------------------------------------------------------
# this node


def device_path(device):
    """The path a device parameter names: the /dev/disk link of a -U/-L/UUID=/LABEL= tag, else itself."""
    value = (device or "").strip()
    for pattern, prefix in _TAGS:
        m = pattern.match(value)
        if m:
            return prefix + m.group(1)
    return value


def device_number(device, stat=os.stat):
    """"major:minor" of the block device the parameter names on this node (following links), None when it names no
    block device here (missing, a directory, a remote source such as server:/path)."""
    path = device_path(device)
    if not path.startswith("/"):
        return None
    try:
        st = stat(path)
    except (IOError, OSError, ValueError):
        return None
    if not stat_module.S_ISBLK(st.st_mode):
        return None
    return "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))


def _norm(source):
    source = (source or "").strip()
    return source.rstrip("/") if len(source) > 1 and not source.endswith(":/") else source


def mounts_of(resource, entries, major_minor=None, aliases=()):
    """The entries of parse_mountinfo() that are the resource's filesystem on this node: by major:minor (the device's,
    from device_number()), else by source (the device parameter, or one of aliases such as its resolved path); a
    source that is no path nor remote spec (tmpfs) and a bind mount (fstype none) count only at the resource's
    directory."""
    directory = _norm(resource.get("directory"))
    bind = str(resource.get("fstype") or "").lower() == "none"
    sources = set(_norm(s) for s in (resource.get("device"),) + tuple(aliases) if s)
    spec = any(s.startswith("/") or ":" in s for s in sources)
    out = []
    for e in entries:
        at_directory = bool(directory) and _norm(e["mount_point"]) == directory
        if major_minor and e["major_minor"] == major_minor:
            out.append(e)
        elif bind:
            if at_directory:
                out.append(e)
        elif _norm(e["source"]) in sources and (spec or at_directory):
            out.append(e)
    return out


def local_fact(resource, entries, error=None, stat=os.stat, realpath=os.path.realpath):
    """This node's fact of one Filesystem resource: {device, directory, fstype, shared, block_device, major_minor,
    mounted, mounts: [{mount_point, fstype, source}], error}. mounted and mounts are None when mountinfo could not be
    read (error says why)."""
    device = resource.get("device")
    major_minor = device_number(device, stat) if device else None
    fact = {"device": device, "directory": resource.get("directory"), "fstype": resource.get("fstype"),
            "shared": bool(resource.get("shared")), "block_device": major_minor is not None,
            "major_minor": major_minor, "mounted": None, "mounts": None, "error": error}
    if entries is None:
        return fact
    aliases = ()
    path = device_path(device)
    if path.startswith("/"):
        aliases = (path, realpath(path))
    found = mounts_of(resource, entries, major_minor, aliases)
    fact["mounts"] = [{"mount_point": e["mount_point"], "fstype": e["fstype"], "source": e["source"]} for e in found]
    fact["mounted"] = bool(found)
    return fact


def read_mountinfo(path=MOUNTINFO):
    """(entries, None), or (None, why) when the file cannot be read or understood."""
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except (IOError, OSError) as e:
        return None, "cannot read %s: %s" % (path, e)
    try:
        return parse_mountinfo(text), None
    except MountinfoParseError as e:
        return None, str(e)


def read_local(runner, root=None, cib_file=CIB_FILE, mountinfo_file=MOUNTINFO, stat=os.stat):
    """{primitive id: local_fact()} for every Filesystem primitive of the CIB (root, or read through the seam when
    None); None when the CIB holds none or cannot be read: no Filesystem under Pacemaker, nothing to report, and
    mountinfo is not read. No command beyond the CIB's."""
    if root is None:
        root = read_cib(runner, cib_file)
    found = resources(root)
    if not found:
        return None
    entries, error = read_mountinfo(mountinfo_file)
    return dict((r["id"], local_fact(r, entries, error, stat)) for r in found)


# ---------------------------------------------------------------------------------------------
# reading the nodes' facts (health_filesystem.py's check and cluster_doc_storage.py's storage section)


def mountinfo_read(fact):
    """Whether a node's fact (local_fact()) says anything about mounts: its mountinfo was read (mounted is not None)."""
    return isinstance(fact, dict) and fact.get("mounted") is not None


def mount_points(fact):
    """The mount points of a node's fact (local_fact()), each once, in mountinfo's order; [] when not mounted or
    not read."""
    out = []
    for m in (fact or {}).get("mounts") or []:
        if m.get("mount_point") not in out:
            out.append(m.get("mount_point"))
    return out
