"""molecule/_shared/drill.py: the drills' writer counts acknowledged writes on both sides of a fault."""

import importlib.util
import os
import threading
import time

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
SCRIPT = os.path.join(ROOT, "molecule", "_shared", "drill.py")
_spec = importlib.util.spec_from_file_location("molecule_drill_under_test", SCRIPT)
drill = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(drill)


class Fake(drill.Writer):
    """Acknowledges every write except while down is set (then fails, as a service between nodes does)."""

    def __init__(self):
        super().__init__()
        self.down = threading.Event()
        self.resets = 0

    def write(self, n):
        time.sleep(0.001)
        if self.down.is_set():
            raise OSError("connection refused")

    def reset(self):
        self.resets += 1


def test_count_is_the_writes_acknowledged_in_the_window():
    w = Fake()
    w.acked = [(1, 10.0), (2, 11.0), (3, 12.0), (4, 13.0)]
    assert w.count(0, 11.0) == 2
    assert w.count(11.5, 13.0) == 2
    assert w.count(14.0, 20.0) == 0


def test_resumed_waits_for_writes_after_the_fault_however_slowly_they_come():
    w = Fake()
    w.start()
    try:
        first = w.resumed("first writes", 0, timeout=10)
        assert first >= drill.ROWS_AFTER_FAULT
        w.down.set()
        time.sleep(0.3)
        w.down.clear()
        since = time.time()
        assert w.resumed("writes after the fault", since, timeout=10) >= drill.ROWS_AFTER_FAULT
        assert w.errors > 0 and w.resets == w.errors
    finally:
        w.stop.set()
        w.join(5)


def test_resumed_names_what_it_waited_for_when_writes_never_come_back():
    w = Fake()
    w.down.set()
    w.start()
    try:
        with pytest.raises(AssertionError, match="writes through the new primary"):
            w.resumed("writes through the new primary", time.time(), timeout=1)
    finally:
        w.stop.set()
        w.join(5)


def test_short_of_writes_names_each_fault_without_writes_on_both_sides():
    enough = drill.ROWS_AFTER_FAULT
    record = {"faults": [{"fault": "switchover", "acknowledged_before": enough, "acknowledged_after": enough + 5},
                         {"fault": "crash", "acknowledged_before": enough + 40, "acknowledged_after": enough - 1}]}
    assert [f["fault"] for f in drill.short_of_writes(record)] == ["crash"]
    record["faults"][1]["acknowledged_after"] = enough
    assert drill.short_of_writes(record) == []
