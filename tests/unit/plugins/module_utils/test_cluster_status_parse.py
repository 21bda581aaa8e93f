# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for what the status parsers share (module_utils/cluster_status_parse.py): Pacemaker's time stamps.
"""

from __future__ import annotations

import calendar
import time

import pytest

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import parse_pcmk_time


@pytest.mark.parametrize("text,seconds", [
    ("2026-11-25 04:34:53Z", 1795581293.0),
    ("2026-11-25T04:34:53Z", 1795581293.0),
    ("2026-11-25 04:34:53", 1795581293.0),
    ("2026-11-25 04:34:53.25Z", 1795581293.25),
    ("2026-11-25 04:34:53.123456Z", 1795581293.123456),
    ("2026-11-25 06:34:53+02:00", 1795581293.0),
    ("2026-11-25 06:34:53.5+0200", 1795581293.5),
    ("2026-11-25 03:04:53-01:30", 1795581293.0),
    ("2026-11-25 04:34:53 Z", 1795581293.0),
])
def test_parse_pcmk_time_zones_and_fractions(text, seconds):
    assert parse_pcmk_time(text) == pytest.approx(seconds, abs=1e-6)


@pytest.mark.parametrize("text", [None, "", "2026-11-25", "garbage", "yesterday"])
def test_parse_pcmk_time_of_what_is_no_time_stamp(text):
    assert parse_pcmk_time(text) is None


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_parse_pcmk_time_ctime_is_local_and_iso_without_zone_is_utc(monkeypatch, zone):
    """crm_mon 2.1's last_change is ctime in the node's zone; an ISO time without a zone is UTC, whatever the
    node's zone (Pacemaker converts to UTC when it prints no zone). Metrics and health read both the same way."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        offset = {"UTC": 0, "Europe/Berlin": 3600, "America/New_York": -5 * 3600}[zone]
        local = calendar.timegm((2026, 11, 25, 1, 0, 30, 0, 0, 0)) - offset
        assert parse_pcmk_time("Wed Nov 25 01:00:30 2026") == local
        assert parse_pcmk_time("Wed  Nov 25 01:00:30 2026") == local
        assert parse_pcmk_time("2026-11-25 01:00:34") == 1795568434
        assert parse_pcmk_time("2026-11-25 02:00:34 +01:00") == 1795568434
    finally:
        monkeypatch.undo()
        time.tzset()
