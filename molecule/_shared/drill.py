"""What the storage drills and the services scenario's tests share (molecule/services): a command on a node, the one
wait, a drill's record, and a writer thread that counts every write its service acknowledged.

A drill's writer subclasses Writer with write(n) (one numbered write; returns when the service acknowledged it, raises
otherwise) and reset() (drop the connection after a failure). acked holds (n, time) of every acknowledged write.
"""

import json
import os
import subprocess
import threading
import time
import xml.etree.ElementTree as ET


def on(node, *argv, check=True, stdin=None, timeout=60):
    """argv run on the node (docker exec), its CompletedProcess."""
    return subprocess.run(["docker", "exec", "-i", node] + list(argv), input=stdin, capture_output=True,
                          text=True, check=check, timeout=timeout)


def output(node, *argv):
    """argv's standard output on the node; CalledProcessError when it fails."""
    return on(node, *argv, timeout=120).stdout


def record(name):
    """A drill's record, NAME.json in Molecule's ephemeral directory (where side_effect.yml had the drill write it)."""
    with open(os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), name + ".json"), encoding="utf-8") as f:
        return json.load(f)


# Writes a drill wants acknowledged before a fault and after the service took over again: a drill's record says it
# wrote on both sides of each fault, counted rather than timed, so a slow machine makes it longer, never fail.
ROWS_AFTER_FAULT = 20


def short_of_writes(record):
    """The faults of a drill's record without ROWS_AFTER_FAULT writes acknowledged before the fault and after the
    takeover (empty when the drill wrote on both sides of each)."""
    return [f for f in record["faults"]
            if min(f["acknowledged_before"], f["acknowledged_after"]) < ROWS_AFTER_FAULT]


def wait(what, predicate, timeout=180, interval=0.5):
    """predicate's first true value, polled every interval seconds on the monotonic clock; AssertionError naming what
    was awaited (and the last value) after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def crm_mon(nodes, *options):
    """crm_mon's XML (ElementTree root) from the first node that answers, None when none does."""
    for node in nodes:
        try:
            return ET.fromstring(on(node, "crm_mon", "--output-as=xml", *options, timeout=20).stdout)
        except (subprocess.SubprocessError, ET.ParseError):
            continue
    return None


def online(root):
    """The online nodes of a crm_mon root, sorted."""
    return sorted(n.get("name") for n in root.iter("node") if n.get("online") == "true" and n.get("name"))


def running_on(root, resource, role="Started"):
    """The node where resource runs in that role (crm_mon's view), else None."""
    for r in root.iter("resource"):
        names = [n.get("name") for n in r.findall("node")]
        if r.get("id") == resource and r.get("role") == role and names:
            return names[0]
    return None


def longest_gap(acked, start, end):
    """The longest time in [start, end] without an acknowledged write."""
    times = [start] + sorted(t for _n, t in acked if start <= t <= end) + [end]
    return round(max(b - a for a, b in zip(times, times[1:])), 2)


class Writer(threading.Thread):
    """Numbered writes, one after the other until stop is set; a failed one is not acknowledged, the next one
    reconnects (reset)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.acked = []
        self.errors = 0
        self.stop = threading.Event()

    def write(self, n):
        raise NotImplementedError

    def reset(self):
        raise NotImplementedError

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                self.write(n)
                self.acked.append((n, time.time()))
            except Exception:  # pylint: disable=broad-except  # any failure: not acknowledged, reconnect
                self.errors += 1
                try:
                    self.reset()
                except Exception:  # pylint: disable=broad-except
                    pass
                time.sleep(0.1)

    def count(self, start, end=None):
        """How many writes were acknowledged in [start, end] (end: now)."""
        end = time.time() if end is None else end
        return sum(1 for _n, t in self.acked if start <= t <= end)

    def resumed(self, what, since, timeout=60):
        """Waits until ROWS_AFTER_FAULT writes were acknowledged after since (the service is back and takes writes
        steadily, whatever the machine's pace); returns that count for the drill's record."""
        wait(what, lambda: self.count(since) >= ROWS_AFTER_FAULT, timeout=timeout)
        return self.count(since)
