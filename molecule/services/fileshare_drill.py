"""The file service under faults, with a client that counts every write it was told succeeded.

Run on the test machine (Molecule's side effect, or by hand against the lab):
    python fileshare_drill.py RECORD.json NODE1 NODE2 NODE3 --vip ADDRESS --user NAME --password-env VAR

A client on this machine (smbprotocol) writes numbered files to the share `data` through the VIP, each one opened,
written and closed, reconnecting after an error, and logs each file Samba acknowledged (the close returned; the share
syncs every write, roles/fileshare_ha). Meanwhile: a switchover (the group banned from its node, so Pacemaker stops smbd,
the VIP and the filesystem there and starts them on another node), then a crash of the new node (its container killed;
Pacemaker fences it and starts the group on a survivor). A sampler reads every node's mounts all along. Afterwards every
acknowledged file is read back on the node that mounts the filesystem. The record holds, per fault, how long the writer
saw no acknowledged write, the files acknowledged, found intact and lost, and the most nodes that had the filesystem
mounted at one moment.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time

import smbclient

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
from drill import Writer, crm_mon, longest_gap, on, online, running_on, wait  # noqa: E402  pylint: disable=wrong-import-position

GROUP = "fileshare"
MEMBERS = ("share-fs", "share-vip", "share-smbd")
DIRECTORY = "/srv/clusterops-share"
SHARE = "data"


def payload(n):
    return ("write %d\n" % n).encode() * 64


def placement(nodes):
    """(the node running the whole group or None, online nodes)."""
    root = crm_mon(nodes)
    if root is None:
        return None, []
    where = set(running_on(root, r) for r in MEMBERS)
    return (where.pop() if len(where) == 1 and None not in where else None), online(root)


def running_among(asked, allowed):
    """The node running the whole group (crm_mon asked of the nodes in asked) when it is one of allowed, else None."""
    node = placement(asked)[0]
    return node if node in allowed else None


class FileWriter(Writer):
    """Numbered files on the share through the VIP: acknowledged when the close returned."""

    def __init__(self, vip, user, password):
        super().__init__()
        self.vip, self.user, self.password = vip, user, password

    def write(self, n):
        path = r"\\%s\%s\w-%06d" % (self.vip, SHARE, n)
        with smbclient.open_file(path, mode="wb", username=self.user, password=self.password, connection_timeout=5) as f:
            f.write(payload(n))

    def reset(self):
        smbclient.reset_connection_cache()


class MountSampler(threading.Thread):
    """Every node's mounts of the shared filesystem, sampled until stop is set; most holds the most nodes that had it
    mounted in one sample, and where."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.samples = 0
        self.most = (0, [])
        self.stop = threading.Event()

    def mounted(self, node):
        try:
            out = on(node, "awk", "-v", "d=" + DIRECTORY, "$5 == d", "/proc/self/mountinfo", check=False, timeout=10).stdout
        except subprocess.SubprocessError:
            return False
        return bool(out.strip())

    def run(self):
        while not self.stop.is_set():
            where = [n for n in self.nodes if self.mounted(n)]
            self.samples += 1
            if len(where) > self.most[0]:
                self.most = (len(where), where)
            time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("record")
    ap.add_argument("nodes", nargs="+")
    ap.add_argument("--vip", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", required=True, help="the environment variable holding the user's password")
    args = ap.parse_args()
    nodes = args.nodes
    record = {"faults": []}

    first = wait("the file service running on one node", lambda: placement(nodes)[0])
    record["first_node"] = first
    sampler = MountSampler(nodes)
    sampler.start()
    writer = FileWriter(args.vip, args.user, os.environ[args.password_env])
    writer.start()
    writer.resumed("the writer's first acknowledged files", 0)

    # Switchover: the group banned from its node; Pacemaker stops it there (smbd, the VIP, the filesystem) and
    # starts it elsewhere. The ban is cleared once it runs there.
    start = time.time()
    on(nodes[0], "crm_resource", "--ban", "--resource", GROUP, "--node", first)
    target = wait("the switchover away from " + first, lambda: running_among(nodes, [n for n in nodes if n != first]))
    taken = time.time()
    on(nodes[0], "crm_resource", "--clear", "--resource", GROUP)
    after = writer.resumed("acknowledged files after the switchover", taken)
    end = time.time()
    record["faults"].append({"fault": "switchover", "from": first, "to": target,
                             "acknowledged_before": writer.count(0, start), "acknowledged_after": after,
                             "seconds_without_acknowledged_write": longest_gap(writer.acked, start, end)})

    # Crash of its node: the container is killed; the survivors fence it (fence_docker starts it again) and start
    # the group on one of them.
    start = time.time()
    subprocess.run(["docker", "kill", target], check=True, capture_output=True, timeout=60)
    survivors = [n for n in nodes if n != target]
    new = wait("the file service on a survivor after the crash of " + target, lambda: running_among(survivors, survivors),
               timeout=120)
    after = writer.resumed("acknowledged files through " + new, time.time())
    end = time.time()
    record["faults"].append({"fault": "crash", "node": target, "to": new,
                             "acknowledged_before": writer.count(0, start), "acknowledged_after": after,
                             "seconds_without_acknowledged_write": longest_gap(writer.acked, start, end)})

    writer.stop.set()
    writer.join(60)
    # Every file on the filesystem, with the first 16 hex digits of its sha256, read on the node that mounts it.
    listing = on(new, "sh", "-c", 'cd "$1" && for f in w-*; do echo "$f $(sha256sum < "$f" | cut -c1-16)"; done',
                 "list", "%s/%s" % (DIRECTORY, SHARE), timeout=120).stdout
    found = dict(line.split() for line in listing.splitlines() if line.strip())
    intact = [n for n, _t in writer.acked if found.get("w-%06d" % n) == hashlib.sha256(payload(n)).hexdigest()[:16]]
    lost = sorted(set(n for n, _t in writer.acked) - set(intact))
    record.update(acknowledged=len(writer.acked), found=len(found), intact=len(intact), lost=lost, node_after=new,
                  write_errors=writer.errors)

    # Fenced, its container started again: back in the cluster after the lab's boot delay (20 s), with nothing mounted.
    wait(target + " back in the cluster", lambda: target in placement(nodes)[1], timeout=180)
    time.sleep(2)
    sampler.stop.set()
    sampler.join(30)
    record.update(mount_samples=sampler.samples, most_nodes_mounted=sampler.most[0], most_mounted_on=sampler.most[1],
                  crashed_node=target, placement_after=placement(nodes))
    with open(args.record, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
