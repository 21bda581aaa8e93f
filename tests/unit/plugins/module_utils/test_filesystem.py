# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for filesystem: the Filesystem primitives of a CIB, /proc/self/mountinfo (fixtures/filesystem, README
there), which mounts are a resource's, and the facts of a node through the seam."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET

import pytest

from conftest import FIXTURES, FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import filesystem as fs
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError


def fs_primitive(rid, device, directory, fstype):
    """A Filesystem primitive as pcs writes it."""
    return ('<primitive id="{0}" class="ocf" provider="heartbeat" type="Filesystem">'
            '<instance_attributes id="{0}-instance_attributes">'
            '<nvpair id="{0}-instance_attributes-device" name="device" value="{1}"/>'
            '<nvpair id="{0}-instance_attributes-directory" name="directory" value="{2}"/>'
            '<nvpair id="{0}-instance_attributes-fstype" name="fstype" value="{3}"/>'
            '</instance_attributes>'
            '<operations><op id="{0}-monitor-interval-20s" name="monitor" interval="20s" timeout="40s"/></operations>'
            '</primitive>').format(rid, device, directory, fstype)


# The shared-storage pattern (active-passive: a local filesystem on a device every node sees, Samba and its VIP in
# one group), and a home directory on NFS, mounted on every node through a clone.
SHARE_RESOURCES = """
<resources>
  <group id="fileshare">
    %s
    <primitive id="share-vip" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="share-vip-instance_attributes">
        <nvpair id="share-vip-instance_attributes-ip" name="ip" value="172.31.250.101"/>
      </instance_attributes>
    </primitive>
    <primitive id="share-smbd" class="systemd" type="smbd"/>
  </group>
  <clone id="home-clone">%s</clone>
</resources>
""" % (fs_primitive("share-fs", "/dev/clusterops-shared", "/srv/clusterops-share", "ext4"),
       fs_primitive("home-fs", "nas.lab:/export/home", "/srv/home", "nfs4"))
SHARE = {"id": "share-fs", "device": "/dev/clusterops-shared", "directory": "/srv/clusterops-share", "fstype": "ext4",
         "options": None, "group": "fileshare", "clone": None, "shared": False}
HOME = {"id": "home-fs", "device": "nas.lab:/export/home", "directory": "/srv/home", "fstype": "nfs4",
        "options": None, "group": None, "clone": "home-clone", "shared": True}


def share_cib(base="cib.lab.xml", nfs=True):
    """The lab's CIB (fixtures/health) with the share group (and the NFS clone) added."""
    root = ET.fromstring(fixture_text("health", base))
    target = root.find("configuration/resources")
    for el in ET.fromstring(SHARE_RESOURCES):
        if nfs or el.get("id") != "home-clone":
            target.append(el)
    return root


def mountinfo(name):
    return os.path.join(FIXTURES, "filesystem", "mountinfo.%s.txt" % name)


def entries(name):
    return fs.parse_mountinfo(fixture_text("filesystem", "mountinfo.%s.txt" % name))


class FakeStat:
    def __init__(self, mode, rdev=0):
        self.st_mode = mode
        self.st_rdev = rdev


def fake_stat(devices=None):
    """os.stat of a node where each path of devices (default: the lab's /dev/clusterops-shared, the loop device 7:0)
    is a block device with that major and minor; any other path is missing."""
    devices = {"/dev/clusterops-shared": (7, 0)} if devices is None else devices

    def stat_(path):
        if path not in devices:
            raise OSError(2, "No such file or directory", path)
        return FakeStat(stat.S_IFBLK | 0o660, os.makedev(*devices[path]))
    return stat_


class TestResources:
    def test_found_by_agent_in_groups_and_clones(self):
        assert fs.resources(share_cib()) == [SHARE, HOME]
        assert fs.resources(share_cib().find("configuration/resources")) == [SHARE, HOME]

    def test_none(self):
        assert fs.resources(ET.fromstring(fixture_text("health", "cib.lab.xml"))) == []
        assert fs.resources(None) == []

    def test_shared_by_clone_or_by_type(self):
        assert fs.is_shared("ext4", None) is False and fs.is_shared(None, None) is False
        assert fs.is_shared("xfs", "share-clone") is True  # a clone (the agent refuses it unless force_clones)
        for fstype in ("nfs", "NFS4", "cifs", "glusterfs", "gfs2", "ocfs2", "tmpfs", "none"):
            assert fs.is_shared(fstype, None) is True, fstype

    def test_a_bare_nfs_primitive_is_shared_and_a_legacy_master_is_a_clone(self):
        root = ET.fromstring("""<resources><master id="ms"><primitive id="a" class="ocf" provider="heartbeat"
            type="Filesystem"><instance_attributes id="a-p"><nvpair id="a-d" name="device" value="/dev/sdb1"/>
            </instance_attributes></primitive></master><primitive id="b" class="ocf" provider="heartbeat"
            type="Filesystem"><instance_attributes id="b-p"><nvpair id="b-d" name="device" value="//nas/share"/>
            <nvpair id="b-t" name="fstype" value="cifs"/><nvpair id="b-e" name="options" value=""/>
            </instance_attributes></primitive></resources>""")
        (a, b) = fs.resources(root)
        assert (a["clone"], a["shared"], a["fstype"], a["directory"]) == ("ms", True, None, None)
        assert (b["clone"], b["shared"], b["options"]) == (None, True, None)


class TestParseMountinfo:
    def test_a_lab_node(self):
        found = entries("mounted")
        assert len(found) == 16
        assert found[0]["mount_point"] == "/" and found[0]["fstype"] == "overlay"
        assert found[-1] == {"mount_id": 1187, "parent_id": 1021, "major_minor": "7:0", "root": "/",
                             "mount_point": "/srv/clusterops-share", "options": "rw,relatime", "fstype": "ext4",
                             "source": "/dev/clusterops-shared", "super_options": "rw"}

    def test_captured_on_lab_nodes(self):
        owner = [e for e in entries("captured-owner") if e["major_minor"] == "7:0"]
        assert [(e["mount_point"], e["fstype"], e["source"]) for e in owner] == [
            ("/srv/clusterops-share", "ext4", "/dev/clusterops-shared")]
        by_hand = [e for e in entries("captured-by-hand") if e["major_minor"] == "7:0"]
        assert [e["mount_point"] for e in by_hand] == ["/mnt/x"]
        assert entries("captured-owner")[0]["mount_point"] == "/"

    def test_without_optional_fields(self):
        (e,) = fs.parse_mountinfo("36 35 7:0 / /srv/clusterops-share rw,relatime - ext4 /dev/loop0 rw\n")
        assert (e["major_minor"], e["source"], e["fstype"]) == ("7:0", "/dev/loop0", "ext4")

    def test_escaped_paths(self):
        bind = entries("mounted-and-bind")[-1]
        assert (bind["root"], bind["mount_point"]) == ("/users", "/run/samba users")
        (e,) = fs.parse_mountinfo("40 1 8:1 /a\\134b /x\\011y\\012z rw - ext4 /dev/sda1 rw\n")
        assert (e["root"], e["mount_point"]) == ("/a\\b", "/x\ty\nz")

    @pytest.mark.parametrize("line", [
        "36 35 7:0 / /srv/clusterops-share rw,relatime shared:1 ext4 /dev/loop0 rw",  # no separator
        "36 35 7-0 / /srv/clusterops-share rw,relatime - ext4 /dev/loop0 rw",  # no major:minor
        "36 35 7:0 / /srv/clusterops-share rw,relatime - ext4",  # no source
        "mount 35 7:0 / /srv/clusterops-share rw - ext4 /dev/loop0 rw",
    ])
    def test_what_the_kernel_does_not_write(self, line):
        with pytest.raises(fs.MountinfoParseError) as exc:
            fs.parse_mountinfo("22 1 0:21 / /proc rw - proc proc rw\n" + line + "\n")
        assert str(exc.value).startswith("mountinfo line 2 ")
        assert isinstance(exc.value, ClusterOpsError)

    def test_empty(self):
        assert fs.parse_mountinfo("") == [] and fs.parse_mountinfo("\n") == []


class TestDevice:
    @pytest.mark.parametrize("device,path", [
        ("/dev/clusterops-shared", "/dev/clusterops-shared"),
        ("-U 0c7d2b8e-4a1f-4d52-9e0b-3f6a2c1d9e84", "/dev/disk/by-uuid/0c7d2b8e-4a1f-4d52-9e0b-3f6a2c1d9e84"),
        ("--uuid=0c7d2b8e", "/dev/disk/by-uuid/0c7d2b8e"), ("UUID=0c7d2b8e", "/dev/disk/by-uuid/0c7d2b8e"),
        ("-Lshare", "/dev/disk/by-label/share"), ("LABEL=share", "/dev/disk/by-label/share"),
        ("PARTUUID=9f1e-01", "/dev/disk/by-partuuid/9f1e-01"), ("nas.lab:/export/home", "nas.lab:/export/home"),
    ])
    def test_path(self, device, path):
        assert fs.device_path(device) == path

    def test_number_of_a_block_device(self):
        assert fs.device_number("/dev/clusterops-shared", fake_stat()) == "7:0"
        assert fs.device_number("LABEL=share", fake_stat({"/dev/disk/by-label/share": (8, 17)})) == "8:17"

    def test_no_number_for_anything_else(self, tmp_path):
        plain = tmp_path / "image"
        plain.write_bytes(b"")
        assert fs.device_number(str(plain)) is None  # a file (os.stat: a real one)
        assert fs.device_number(str(tmp_path)) is None  # a directory (a bind mount's device)
        assert fs.device_number("/dev/clusterops-shared", fake_stat({})) is None  # not on this node
        calls = []
        assert fs.device_number("nas.lab:/export/home", calls.append) is None and calls == []


class TestMountsOf:
    def fact(self, name, resource=None, stat_=None):
        return fs.local_fact(resource or SHARE, entries(name), stat=stat_ or fake_stat(), realpath=lambda p: p)

    def test_mounted_where_the_agent_mounts_it(self):
        f = self.fact("mounted")
        assert f == {"device": "/dev/clusterops-shared", "directory": "/srv/clusterops-share", "fstype": "ext4", "shared": False,
                     "block_device": True, "major_minor": "7:0", "mounted": True, "error": None,
                     "mounts": [{"mount_point": "/srv/clusterops-share", "fstype": "ext4", "source": "/dev/clusterops-shared"}]}

    def test_not_mounted(self):
        f = self.fact("unmounted")
        assert (f["mounted"], f["mounts"], f["block_device"]) == (False, [], True)

    def test_mounted_by_hand_through_another_name_is_found_by_its_number(self):
        f = self.fact("loop0-by-hand")
        assert f["mounts"] == [{"mount_point": "/mnt", "fstype": "ext4", "source": "/dev/loop0"}]
        # where the device is not there (no number), only the name it was mounted by can tell
        assert self.fact("loop0-by-hand", stat_=fake_stat({}))["mounted"] is False
        f = self.fact("mounted", stat_=fake_stat({}))
        assert (f["block_device"], f["major_minor"], f["mounted"]) == (False, None, True)

    def test_a_link_resolved_by_mount(self):
        # mount resolves a /dev/disk link: mountinfo shows the device node, the number is the same
        resource = dict(SHARE, device="UUID=0c7d2b8e")
        f = fs.local_fact(resource, entries("loop0-by-hand"), stat=fake_stat({"/dev/disk/by-uuid/0c7d2b8e": (7, 0)}))
        assert [m["mount_point"] for m in f["mounts"]] == ["/mnt"]
        f = fs.local_fact(resource, entries("loop0-by-hand"), stat=fake_stat({}),
                          realpath=lambda p: "/dev/loop0" if p == "/dev/disk/by-uuid/0c7d2b8e" else p)
        assert [m["mount_point"] for m in f["mounts"]] == ["/mnt"]

    def test_every_mount_point_of_one_filesystem(self):
        f = self.fact("mounted-and-bind")
        assert [m["mount_point"] for m in f["mounts"]] == ["/srv/clusterops-share", "/run/samba users"]

    def test_nfs_by_its_source(self):
        f = self.fact("mounted-with-nfs", resource=HOME)
        assert f["mounts"] == [{"mount_point": "/srv/home", "fstype": "nfs4", "source": "nas.lab:/export/home"}]
        assert (f["shared"], f["block_device"], f["major_minor"]) == (True, False, None)
        f = self.fact("mounted-with-nfs", resource=dict(HOME, device="nas.lab:/export/home/"))
        assert f["mounted"] is True
        assert self.fact("mounted", resource=HOME)["mounted"] is False

    def test_tmpfs_and_bind_mounts_only_at_their_directory(self):
        tmpfs = {"id": "scratch", "device": "tmpfs", "directory": "/run/lock", "fstype": "tmpfs"}
        assert [m["mount_point"] for m in self.fact("unmounted", resource=tmpfs)["mounts"]] == ["/run/lock"]
        bind = {"id": "users", "device": "/srv/clusterops-share/users", "directory": "/run/samba users", "fstype": "none"}
        assert [m["mount_point"] for m in self.fact("mounted-and-bind", resource=bind)["mounts"]] == ["/run/samba users"]

    def test_mountinfo_not_read(self):
        f = fs.local_fact(SHARE, None, "cannot read /proc/self/mountinfo: denied", stat=fake_stat())
        assert (f["mounted"], f["mounts"], f["error"], f["major_minor"]) == (
            None, None, "cannot read /proc/self/mountinfo: denied", "7:0")


class TestReadLocal:
    def runner(self, root=None):
        runner = FakeRunner()
        runner.add(["cibadmin", "--query"], stdout=ET.tostring(share_cib() if root is None else root, encoding="unicode"))
        return runner

    def test_the_facts_of_a_node(self):
        runner = self.runner()
        facts = fs.read_local(runner, mountinfo_file=mountinfo("mounted-with-nfs"), stat=fake_stat())
        assert sorted(facts) == ["home-fs", "share-fs"]
        assert facts["share-fs"]["mounts"] == [{"mount_point": "/srv/clusterops-share", "fstype": "ext4",
                                                "source": "/dev/clusterops-shared"}]
        assert facts["home-fs"]["mounted"] is True and facts["home-fs"]["shared"] is True
        assert [c["argv"] for c in runner.calls] == [["cibadmin", "--query"]]  # the only command

    def test_a_cib_given_costs_no_command(self):
        runner = FakeRunner()
        facts = fs.read_local(runner, share_cib(), mountinfo_file=mountinfo("unmounted"), stat=fake_stat())
        assert facts["share-fs"]["mounted"] is False and runner.calls == []

    def test_nothing_without_a_filesystem_primitive(self, tmp_path):
        runner = self.runner(ET.fromstring(fixture_text("health", "cib.lab.xml")))
        assert fs.read_local(runner, mountinfo_file=str(tmp_path / "never-read")) is None
        down = FakeRunner()
        down.add(["cibadmin"], rc=102, stderr="Could not connect to the CIB: Transport endpoint is not connected\n")
        assert fs.read_local(down, cib_file=str(tmp_path / "cib.xml")) is None

    def test_the_cib_on_disk_when_pacemaker_is_down(self, tmp_path):
        cib = tmp_path / "cib.xml"
        cib.write_text(ET.tostring(share_cib(nfs=False), encoding="unicode"))
        down = FakeRunner()
        down.add(["cibadmin"], rc=102, stderr="Could not connect to the CIB: Transport endpoint is not connected\n")
        facts = fs.read_local(down, cib_file=str(cib), mountinfo_file=mountinfo("mounted"), stat=fake_stat())
        assert list(facts) == ["share-fs"] and facts["share-fs"]["mounted"] is True

    def test_unreadable_or_garbled_mountinfo_is_unknown_not_unmounted(self, tmp_path):
        facts = fs.read_local(FakeRunner(), share_cib(), mountinfo_file=str(tmp_path / "missing"), stat=fake_stat())
        f = facts["share-fs"]
        assert f["mounted"] is None and f["mounts"] is None
        assert f["error"].startswith("cannot read %s: " % (tmp_path / "missing"))
        bad = tmp_path / "mountinfo"
        bad.write_text("garbage\n")
        f = fs.read_local(FakeRunner(), share_cib(), mountinfo_file=str(bad), stat=fake_stat())["share-fs"]
        assert f["mounted"] is None and f["error"] == "mountinfo line 1 has no \"-\" separator: garbage"

    def test_a_captured_mountinfo_file_reads(self):
        found, error = fs.read_mountinfo(mountinfo("captured-owner"))
        assert error is None and found[0]["mount_point"] == "/"
        assert [e["mount_point"] for e in found if e["major_minor"] == "7:0"] == ["/srv/clusterops-share"]


def test_reading_a_nodes_fact():
    """The readers health_filesystem.py's check and cluster_doc_storage.py's storage section share."""
    fact = {"mounted": True, "mounts": [{"mount_point": "/srv/a"}, {"mount_point": "/run/b"}, {"mount_point": "/srv/a"}]}
    assert fs.mount_points(fact) == ["/srv/a", "/run/b"]
    assert fs.mount_points({"mounted": None, "mounts": None}) == [] and fs.mount_points(None) == []
    assert fs.mountinfo_read(fact) and not fs.mountinfo_read({"mounted": None}) and not fs.mountinfo_read(None)
