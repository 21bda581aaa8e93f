# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster role's alert agent: the environment Pacemaker gives it, a file and a webhook."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from conftest import ROOT, load_file

AGENT = os.path.join(ROOT, "roles", "cluster", "files", "clusterops_alert.py")

# What Pacemaker 2.1 sets for a resource event (names from its alert documentation).
RESOURCE_EVENT = {
    "CRM_alert_kind": "resource", "CRM_alert_node": "node2", "CRM_alert_rsc": "site-vip",
    "CRM_alert_task": "start", "CRM_alert_desc": "ok", "CRM_alert_rc": "0", "CRM_alert_target_rc": "0",
    "CRM_alert_status": "0", "CRM_alert_timestamp": "23:44:10.668293", "CRM_alert_version": "2.1.5",
}


@pytest.fixture
def agent():
    return load_file(AGENT, "clusterops_alert")


@pytest.fixture
def env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("CRM_alert_"):
            monkeypatch.delenv(key)
    for key, value in RESOURCE_EVENT.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_a_file_recipient_gets_one_json_line(agent, env, tmp_path):
    out = tmp_path / "alerts.jsonl"
    env.setenv("CRM_alert_recipient", str(out))
    assert agent.main() == 0
    assert agent.main() == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 2
    event = json.loads(lines[0])
    assert (event["kind"], event["node"], event["resource"], event["task"]) == ("resource", "node2", "site-vip", "start")
    assert event["source"] == "clusterops.ha"
    assert "recipient" not in event["fields"]


def test_a_webhook_recipient_gets_a_post(agent, env):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append((self.headers.get("Content-Type"),
                             json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    env.setenv("CRM_alert_recipient", "http://127.0.0.1:%d/hook" % server.server_port)
    try:
        assert agent.main() == 0
    finally:
        thread.join(5)
        server.server_close()
    assert received[0][0] == "application/json"
    assert received[0][1]["resource"] == "site-vip"


def test_undeliverable_is_rc_1(agent, env, tmp_path):
    env.setenv("CRM_alert_recipient", str(tmp_path / "no" / "such" / "dir" / "file"))
    assert agent.main() == 1
    env.setenv("CRM_alert_recipient", "http://127.0.0.1:9/nothing-listens")
    assert agent.main() == 1
    env.delenv("CRM_alert_recipient")
    assert agent.main() == 1
