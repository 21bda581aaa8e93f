# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the one wait of the collection (module_utils/cluster_status_wait.py); its conditions are
tested on the status model in test_cluster_status.py.
"""

from __future__ import annotations

import pytest

from ansible_collections.clusterops.ha.plugins.module_utils import cluster_status_wait
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError


# ---------------------------------------------------------------------------------------------
# the one wait


class _Clock:
    def __init__(self):
        self.now, self.sleeps = 100.0, []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_reads_until_done_without_sleeping_for_real():
    clock, values = _Clock(), iter([1, 2, 3, 4])
    seen = cluster_status_wait.wait_for(lambda: next(values), lambda v: v >= 3, 60, 2, clock.time, clock.sleep)
    assert (seen.met, seen.value, seen.error, seen.waited) == (True, 3, None, 4.0)
    assert clock.sleeps == [2, 2]


def test_wait_for_times_out_with_the_last_value_and_cuts_the_last_sleep():
    clock = _Clock()
    seen = cluster_status_wait.wait_for(lambda: "down", lambda v: False, 5, 2, clock.time, clock.sleep)
    assert (seen.met, seen.value, seen.waited) == (False, "down", 5.0)
    assert clock.sleeps == [2, 2, 1]
    clock = _Clock()
    seen = cluster_status_wait.wait_for(lambda: "down", lambda v: False, 0, 2, clock.time, clock.sleep)
    assert (seen.met, clock.sleeps) == (False, [])  # a timeout of 0 reads once


def test_wait_for_tolerates_only_the_errors_it_is_told_and_keeps_the_last_good_value():
    clock = _Clock()
    answers = iter(["starting", CommandError(["crm_mon"], 102, "", "not connected"), "up"])

    def read():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    seen = cluster_status_wait.wait_for(read, lambda v: v == "up", 60, 1, clock.time, clock.sleep, tolerate=(CommandError,))
    assert (seen.met, seen.value, len(clock.sleeps)) == (True, "up", 2)
    clock = _Clock()

    def failing():
        raise CommandError(["crm_mon"], 1, "", "x")

    seen = cluster_status_wait.wait_for(failing, lambda v: True, 3, 1, clock.time, clock.sleep, tolerate=(CommandError,))
    assert (seen.met, seen.value, isinstance(seen.error, CommandError)) == (False, None, True)
    with pytest.raises(ValueError):
        cluster_status_wait.wait_for(lambda: int("x"), lambda v: True, 3, 1, clock.time, clock.sleep, tolerate=(CommandError,))
