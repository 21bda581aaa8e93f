"""Verify the geo cluster from booth's and Pacemaker's own views, then lose a whole site.

Evidence comes from the members' own tools (booth list, crm_mon XML, the files on each host), never from what the
collection returned. The tests run in file order, once each: the healthy geo cluster first, then the preview of a
change and bad input (nothing may change), then site A is crashed as a whole and comes back.
"""

import json
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import crm_mon, online, wait  # noqa: E402  pylint: disable=wrong-import-position
from playbook_run import parse_recap, run_playbook  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.clusterops.ha.plugins.module_utils import booth, firewall  # noqa: E402  pylint: disable=wrong-import-position

SITES = {"site-a": ["geo-a1", "geo-a2"], "site-b": ["geo-b1", "geo-b2"]}
ADDRESS = {"site-a": "172.31.244.100", "site-b": "172.31.244.200"}
ARBITRATOR = "geo-arb"
NODES = SITES["site-a"] + SITES["site-b"]
MEMBERS = NODES + [ARBITRATOR]
TICKET = "geo-web"
# Cut a node off the WAN (172.31.244.0/24): drop everything in and out of that interface.
CUT = ("i=$(ip -o -4 addr show | awk '/ 172[.]31[.]244[.]/ {print $2; exit}') && "
       "nft add table inet geo_cut && "
       "nft add chain inet geo_cut in '{ type filter hook input priority -300; policy accept; }' && "
       "nft add chain inet geo_cut out '{ type filter hook output priority -300; policy accept; }' && "
       "nft add rule inet geo_cut in iifname $i drop && nft add rule inet geo_cut out oifname $i drop")
SERVICE = "geo-service"
# The scenario's ticket (molecule.yml), for the timing formula of module_utils/booth.py.
TICKET_SETTINGS = {"expire": 30, "acquire_after": 0, "timeout": 2, "retries": 3, "mode": "automatic"}


def docker(*args):
    res = subprocess.run(["docker"] + list(args), capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, "docker %s: %s" % (" ".join(args), res.stderr.strip())
    return res.stdout


def sh(node, command, timeout=30):
    """(rc, stdout) of a command in a node, through docker exec; rc None when the node does not answer."""
    try:
        res = subprocess.run(["docker", "exec", node, "sh", "-c", command], capture_output=True, text=True,
                             timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, ""
    return res.returncode, res.stdout


def site_view(site):
    """What the site's cluster says, from the first node that answers: {"granted": bool or None (no answer),
    "service": [nodes running it], "booth": [nodes running booth-site], "online": [nodes]}."""
    root = crm_mon(SITES[site])
    if root is None:
        return {"granted": None, "service": [], "booth": [], "online": []}
    granted = any(t.get("id") == TICKET and t.get("status") == "granted" for t in root.iter("ticket"))
    running = {}
    for r in root.iter("resource"):
        if r.get("role") == "Started":
            running.setdefault(r.get("id"), []).extend(n.get("name") for n in r.findall("node"))
    return {"granted": granted, "service": sorted(running.get(SERVICE, [])),
            "booth": sorted(running.get("booth-site", [])), "online": online(root)}


def booth_list(node):
    rc, out = sh(node, "booth list")
    return booth.parse_list(out) if rc == 0 else None


def leader_seen_by(node):
    view = booth_list(node)
    return None if view is None else view["tickets"].get(TICKET, {}).get("leader")


def booth_node(site):
    """The site's node that runs booth (and holds its booth address)."""
    return site_view(site)["booth"][0]


def sha256(node, path):
    rc, out = sh(node, "sha256sum %s" % path)
    assert rc == 0, "%s: cannot read %s" % (node, path)
    return out.split()[0]


# ---------------------------------------------------------------------------------------------
# the healthy geo cluster


def test_booth_conf_is_the_same_on_every_member():
    sums = dict((n, sha256(n, booth.CONF_PATH)) for n in MEMBERS)
    assert len(set(sums.values())) == 1, sums
    rc, text = sh(ARBITRATOR, "cat %s" % booth.CONF_PATH)
    assert rc == 0
    assert 'site = "172.31.244.100"' in text and 'site = "172.31.244.200"' in text
    assert 'arbitrator = "172.31.244.10"' in text and 'ticket = "geo-web"' in text
    assert "authfile = %s" % booth.AUTHFILE in text


def test_one_authfile_readable_by_root_only():
    sums = dict((n, sha256(n, booth.AUTHFILE)) for n in MEMBERS)
    assert len(set(sums.values())) == 1, sums
    for node in MEMBERS:
        rc, out = sh(node, "stat -c '%%U %%G %%a %%s' %s" % booth.AUTHFILE)
        assert rc == 0 and out.split() == ["root", "root", "600", "64"], (node, out)


def test_booth_runs_at_each_site_under_pacemaker_and_on_the_arbitrator():
    rc, out = sh(ARBITRATOR, "systemctl is-active booth-arbitrator.service; systemctl is-enabled booth-arbitrator.service")
    assert out.split() == ["active", "enabled"], out
    for site, nodes in SITES.items():
        view = site_view(site)
        assert view["online"] == nodes, view
        assert len(view["booth"]) == 1, view
        # booth-site runs where the site's booth address is.
        rc, out = sh(view["booth"][0], "ip -o -4 addr show")
        assert ADDRESS[site] + "/24" in out, out


def test_the_ticket_is_granted_to_site_a_alone_and_the_service_runs_only_there():
    for node in (ARBITRATOR, booth_node("site-a"), booth_node("site-b")):
        assert leader_seen_by(node) == ADDRESS["site-a"], (node, booth_list(node))
    a, b = site_view("site-a"), site_view("site-b")
    assert a["granted"] is True and b["granted"] is False, (a, b)
    assert len(a["service"]) == 1 and b["service"] == [], (a, b)


def drops(node, rule):
    """What booth's table on the node dropped so far under one rule (its counter), from nft itself."""
    rc, out = sh(node, "nft list table inet clusterops_booth")
    assert rc == 0, "%s: no booth table: %s" % (node, out)
    found = [d["packets"] for d in firewall.parse_table(out)["drops"] if d["rule"] == rule]
    assert len(found) == 1, (node, rule, out)
    return found[0]


def test_the_booth_firewall_refuses_strangers_and_lets_the_members_talk():
    """booth's own table on every member, beside the cluster's; a stranger's UDP and TCP to booth's port are dropped
    and counted, while the members keep the ticket and answer each other (booth list -s from a site's node)."""
    for node in MEMBERS:
        rc, out = sh(node, "systemctl is-active clusterops-firewall-booth.service; nft list tables")
        assert rc == 0 and "active" in out.split() and "table inet clusterops_booth" in out.splitlines(), (node, out)
        # The site's own table (cluster_firewall_enabled) beside it, untouched by the booth role.
        assert ("table inet clusterops" in out.splitlines()) == (node in NODES), (node, out)
    before = (drops(ARBITRATOR, "booth from elsewhere"), drops(ARBITRATOR, "booth client from elsewhere"))
    # A stranger on the WAN: an address no member and no host of the play has, put for the test on a node of site A
    # that does not hold the site's booth address.
    stranger = "172.31.244.250"
    asker = next(n for n in SITES["site-a"] if n != booth_node("site-a"))
    probe = ("import socket\n"
             "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('%s', 0))\n"
             "for _ in range(3): u.sendto(b'x' * 64, ('172.31.244.10', 9929))\n"
             "t = socket.socket(); t.bind(('%s', 0)); t.settimeout(2)\n"
             "try:\n    t.connect(('172.31.244.10', 9929)); print('connected')\n"
             "except OSError as e:\n    print('refused', e)\n" % (stranger, stranger))
    command = ("i=$(ip -o -4 addr show | awk '/ 172[.]31[.]244[.]/ {print $2; exit}'); "
               "ip addr add %s/24 dev $i && cat > /tmp/probe.py <<'PROBE'\n%sPROBE\n"
               "python3 /tmp/probe.py; rc=$?; ip addr del %s/24 dev $i; exit $rc" % (stranger, probe, stranger))
    rc, out = sh(asker, command)
    assert rc == 0 and "refused" in out and "connected" not in out, out
    after = (drops(ARBITRATOR, "booth from elsewhere"), drops(ARBITRATOR, "booth client from elsewhere"))
    assert after[0] >= before[0] + 3 and after[1] > before[1], (before, after)
    # The members still talk: the same node, from its own address, asks the arbitrator, and the ticket stays where
    # it was.
    rc, out = sh(asker, "booth list -s 172.31.244.10")
    assert rc == 0 and booth.parse_list(out)["tickets"][TICKET]["leader"] == ADDRESS["site-a"], out


def test_health_sees_booth_keeping_the_ticket_at_each_site(tmp_path):
    """health.yml's booth-tickets check at each site (fencing is off in this scenario: its check is skipped)."""
    for site, group, held in (("site-a", "site_a", "geo-web granted here"), ("site-b", "site_b", "no ticket granted here")):
        rc, out = run_playbook("health.yml", {"cluster_hosts": group, "health_report_dir": str(tmp_path / site),
                                              "health_skip": {"stonith": "no fencing in the geo scenario"}}, timeout=300)
        assert rc == 0, out[-3000:]
        report = json.loads((tmp_path / site / "health.json").read_text())
        check = next(c for c in report["checks"] if c["id"] == "booth-tickets")
        assert check["status"] == "pass" and check["message"] == "booth runs on %s; %s" % (booth_node(site), held), check
        # Nobody has knocked with another key yet (the firewall test's stranger went to the arbitrator).
        check = next(c for c in report["checks"] if c["id"] == "booth-refused")
        assert check["status"] == "pass" and check["message"].startswith("booth refused no message on "), check


def test_check_mode_previews_a_ticket_change_and_changes_nothing():
    before = dict((n, sha256(n, booth.CONF_PATH)) for n in MEMBERS)
    tickets = [dict(TICKET_SETTINGS, name=TICKET, expire=40, grant_to="site-a")]
    tickets[0].pop("mode")
    # The audit snapshots are proven by the converge (and by the services scenario); here they would only add time.
    rc, out = run_playbook("booth.yml", {"booth_tickets": tickets, "config_snapshot_audit": False}, check=True, diff=True,
                           timeout=400)
    assert rc == 0, out[-3000:]
    # booth.conf would change on every member: each counts a change, and says which lines.
    recap = parse_recap(out)
    assert all(recap[n]["changed"] > 0 for n in MEMBERS), recap
    assert "-    expire = 30" in out and "+    expire = 40" in out, out[-3000:]
    assert dict((n, sha256(n, booth.CONF_PATH)) for n in MEMBERS) == before


def test_bad_input_is_refused_before_any_host_changes():
    before = dict((n, sha256(n, booth.CONF_PATH)) for n in MEMBERS)
    bad = {
        "booth_tickets": [
            {"name": TICKET, "expire": 30, "timeout": 2, "retries": 2},
            {"name": "geo-db", "expire": 30, "timeout": 5, "retries": 3},
        ],
        "cluster_tickets": [{"ticket": "geo-files", "resource": SERVICE, "loss_policy": "stop"}],
        "booth_sites": [{"cluster": "site-a", "address": "172.31.244.100"},
                        {"cluster": "site-b", "address": "172.31.244.300"}],
        "booth_wait_timeout": 0,
        "booth_firewall_sources": ["admin-host"],
    }
    rc, out = run_playbook("booth.yml", bad, timeout=300)
    assert rc != 0
    for expected in (
        "booth_tickets[0].retries: 2 is not an integer from 3 to 100",
        "booth_tickets[1] (geo-db): timeout x (retries + 1) = 5 x 4 = 20 s is not below the renewal period",
        "geo-files",
        "booth_sites[1].address: '172.31.244.300'",
        "booth_wait_timeout: 0",
        "booth_firewall_sources[0]: 'admin-host' is not an IP address or network",
    ):
        assert expected in out, (expected, out[-4000:])
    assert "Booth at the sites and the arbitrators" not in out
    assert dict((n, sha256(n, booth.CONF_PATH)) for n in MEMBERS) == before


def test_a_configuration_change_restarts_booth_member_by_member_and_moves_nothing():
    """A second ticket in booth.conf: every member's file changes, and booth restarts one member at a time - the
    arbitrator, then site B, then site A, which holds geo-web - so the ticket stays at site A and the service runs on.
    (The ticket stays in booth.conf for the tests below; none of them reads it.)"""
    call = service_call_id()
    assert call is not None
    tickets = [dict(name=TICKET, expire=30, timeout=2, retries=3, grant_to="site-a"),
               dict(name="geo-spare", expire=30, timeout=2, retries=3)]
    # The audit snapshots are proven by the converge; here they would only add time.
    rc, out = run_playbook("booth.yml", {"booth_tickets": tickets, "config_snapshot_audit": False}, timeout=600)
    assert rc == 0, out[-4000:]
    steps = [out.find(step) for step in ("Restart | the arbitrator geo-arb", "where it runs | site-b",
                                         "where it runs | site-a")]
    assert -1 not in steps and steps == sorted(steps), (steps, out[-4000:])
    for node in MEMBERS:
        rc, text = sh(node, "cat %s" % booth.CONF_PATH)
        assert rc == 0 and 'ticket = "geo-spare"' in text, (node, text)
    for node in (ARBITRATOR, booth_node("site-a"), booth_node("site-b")):
        view = booth_list(node)
        assert view["tickets"][TICKET]["leader"] == ADDRESS["site-a"] and "geo-spare" in view["tickets"], (node, view)
    assert service_call_id() == call, "geo-service was restarted"
    a, b = site_view("site-a"), site_view("site-b")
    assert a["granted"] is True and b["granted"] is False and len(a["service"]) == 1 and b["service"] == [], (a, b)


# ---------------------------------------------------------------------------------------------
# a planned switchover, then a partition of the site that holds the ticket


def sample_both(log):
    """One sample of both sites; appends to log what two sites held or ran at once."""
    a, b = site_view("site-a"), site_view("site-b")
    if a["granted"] and b["granted"]:
        log.append(("ticket", a, b))
    if a["service"] and b["service"]:
        log.append(("service", a, b))
    return a, b


def watch_both(both, stop):
    """A thread that samples both sites every 2 s into `both` (sample_both) until `stop` is set; started."""
    def watch():
        while not stop.is_set():
            sample_both(both)
            time.sleep(2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    return watcher


def test_a_planned_switchover_moves_the_ticket_in_order():
    bad = {"booth_switchover_ticket": "geo-db", "booth_switchover_to": "site-c"}
    rc, out = run_playbook("booth_switchover.yml", bad, timeout=300)
    assert rc != 0, out[-3000:]
    for expected in ("booth_switchover_ticket: unknown booth ticket 'geo-db'", "booth_switchover_to: unknown site 'site-c'"):
        assert expected in out, (expected, out[-3000:])
    assert "Switchover | revoke" not in out and site_view("site-a")["granted"] is True
    rc, out = run_playbook("booth_switchover.yml", {"booth_switchover_ticket": TICKET, "booth_switchover_to": "site-b"},
                           check=True, timeout=300)
    assert rc == 0 and "revoke at site-a, wait until its services stop, then grant to site-b" in out, out[-3000:]
    assert site_view("site-a")["granted"] is True, "check mode moved the ticket"

    rc, out = run_playbook("booth_switchover.yml", {"booth_switchover_ticket": TICKET, "booth_switchover_to": "site-b"},
                           timeout=400)
    assert rc == 0, out[-4000:]
    assert "moved from site-a to site-b in" in out, out[-3000:]
    print(" ".join(out[out.index("moved from site-a to site-b in"):].split("\n")[0:4]).split('"', maxsplit=1)[0])
    a, b = site_view("site-a"), site_view("site-b")
    assert a["granted"] is False and a["service"] == [] and b["granted"] is True and len(b["service"]) == 1, (a, b)
    assert all(leader_seen_by(n) == ADDRESS["site-b"] for n in (ARBITRATOR, booth_node("site-a")))

    # Again: the ticket is there already, nothing changes.
    rc, out = run_playbook("booth_switchover.yml", {"booth_switchover_ticket": TICKET, "booth_switchover_to": "site-b"},
                           timeout=300)
    assert rc == 0 and "already at site-b, nothing to do" in out, out[-3000:]
    assert all(r["changed"] == 0 for r in parse_recap(out).values()), parse_recap(out)


def service_call_id():
    """The call id of geo-service's last action where it runs (a restart would change it)."""
    for node in NODES:
        rc, out = sh(node, "crm_mon --output-as=xml --include=operations")
        if rc != 0:
            continue
        for rh in ET.fromstring(out).iter("resource_history"):
            if rh.get("id") != SERVICE:
                continue
            for op in rh.iter("operation_history"):
                if op.get("task") == "start":
                    return node, op.get("call")
    return None


def test_booths_authfile_rotated_live_no_ticket_moves_and_the_old_key_is_refused():
    """booth_rotate_key.yml on the running geo cluster (site B holds the ticket after the switchover): a new key
    everywhere, every member's booth answers with it, the ticket stays at site B, the service is not restarted, and a
    client with the old key is refused by every member."""
    before_key = sha256(ARBITRATOR, booth.AUTHFILE)
    rc, old = sh(ARBITRATOR, "base64 -w0 %s" % booth.AUTHFILE)
    assert rc == 0
    call = service_call_id()
    assert call is not None
    rc, out = run_playbook("booth_rotate_key.yml", {}, timeout=600)
    assert rc == 0, out[-4000:]
    keys = dict((n, sha256(n, booth.AUTHFILE)) for n in MEMBERS)
    assert len(set(keys.values())) == 1 and before_key not in keys.values(), keys
    assert service_call_id() == call, "geo-service was restarted"
    a, b = site_view("site-a"), site_view("site-b")
    assert b["granted"] is True and len(b["service"]) == 1 and a["granted"] is False and a["service"] == [], (a, b)
    for node in (ARBITRATOR, booth_node("site-a"), booth_node("site-b")):
        assert leader_seen_by(node) == ADDRESS["site-b"], node
    # The old key, from outside the playbook: a client holding it gets no answer from any member.
    rc, _out = sh(ARBITRATOR, "umask 077; echo %s | base64 -d > /root/old.key; "
                  "sed 's|^authfile = .*|authfile = /root/old.key|' %s > /root/old.conf" % (old, booth.CONF_PATH))
    assert rc == 0
    try:
        for address in list(ADDRESS.values()) + ["172.31.244.10"]:
            rc, out = sh(ARBITRATOR, "timeout 15 booth list -c /root/old.conf -s %s 2>&1" % address)
            assert rc != 0 and "failed to authenticate" in out, (address, out)
    finally:
        sh(ARBITRATOR, "rm -f /root/old.key /root/old.conf")


def test_health_names_the_booth_commands_run_with_the_old_key(tmp_path):
    """After the rotation's proof (a booth list with the old key at every member), health.yml's booth-refused check
    at site B (which holds the ticket now) reads booth's journal and reports the refused commands, as a warning: the
    run itself passes. (Site A's booth refused the same commands; one site is enough to prove the check.)"""
    for site, group in (("site-b", "site_b"),):
        rc, out = run_playbook("health.yml", {"cluster_hosts": group, "health_report_dir": str(tmp_path / site),
                                              "health_skip": {"stonith": "no fencing in the geo scenario"}}, timeout=300)
        assert rc == 0, out[-3000:]
        report = json.loads((tmp_path / site / "health.json").read_text())
        check = next(c for c in report["checks"] if c["id"] == "booth-refused")
        assert check["status"] == "fail" and check["severity"] == "warning", check
        assert "booth commands run with another key: " in check["message"], check
        assert "could not authenticate (another key)" in check["message"], check
        assert "sha256sum /etc/booth/authkey" in check["remedy"], check


def test_the_metrics_count_the_booth_commands_run_with_the_old_key(tmp_path):
    """The cluster_metrics module (what the metrics timer runs) on the node that runs site B's booth: one series per
    sender and reason, the client's count being what boothd's own journal holds."""
    node = booth_node("site-b")
    prom = "/tmp/clusterops-geo-metrics.prom"
    play = tmp_path / "metrics.yml"
    play.write_text(json.dumps([{"name": "metrics", "hosts": node, "gather_facts": False,
                                 "tasks": [{"clusterops.ha.cluster_metrics": {"path": prom}}]}]))
    rc, out = run_playbook(str(play), {}, timeout=120)
    assert rc == 0, out[-3000:]
    rc, text = sh(node, "cat " + prom)
    assert rc == 0, text
    series = 'ha_cluster_clusterops_booth_refused_messages{reason="authentication",source="client"} '
    line = next((ln for ln in text.splitlines() if ln.startswith(series)), None)
    assert line, text
    _rc, counted = sh(node, "journalctl -t boothd-site --since -1h -o cat --no-pager | grep -c 'client: failed to authenticate'")
    journal = int(counted.strip() or 0)
    assert journal >= 1 and float(line.split()[-1]) == journal, (line, journal)


def test_a_partitioned_site_loses_the_ticket_and_the_other_takes_it_never_both(tmp_path):
    """Site B (the holder) is cut off the WAN by the failover_drill role's site drill (failover_drill_site_fault:
    partition): its own cluster stays whole, but it cannot renew. At the end of the lease it gives the ticket up
    (loss-policy stop); site A takes it, not before. At no sample - the drill's observers on every member, and this
    test's own crm_mon samples of both sites - do both hold it, and site B does not take it back once the WAN returns.

    The cut drops every packet on the WAN interface inside site B's nodes (nftables), as a WAN outage does; a Docker
    network disconnect would instead remove the interface and its booth address with it."""
    assert site_view("site-b")["granted"] is True
    for node in SITES["site-b"]:
        rc, out = _install_cut(node)
        assert rc == 0, (node, out)
    extra = {"failover_drill_site_fault": "partition",
             "failover_drill_partition_command": "docker exec {node} /usr/local/sbin/geo-cut",
             "failover_drill_heal_command": "docker exec {node} nft delete table inet geo_cut",
             "failover_drill_report_dir": str(tmp_path), "failover_drill_stability_seconds": 10}
    both, stop = [], threading.Event()
    watcher = watch_both(both, stop)
    try:
        rc, out = run_playbook("site_drill.yml", extra, timeout=900)
    finally:
        stop.set()
        watcher.join(30)
        for node in SITES["site-b"]:
            sh(node, "nft delete table inet geo_cut 2>/dev/null; true")  # whatever happened in the run
    assert rc == 0, out[-5000:]
    report = json.loads(next(tmp_path.glob("site-site-b-*.json")).read_text())
    print("site B cut off (drill): %s; site A granted after %s s, service after %s s (bound %d s)" % (
        report["verdict"], report["measured"]["granted_s"], report["measured"]["running_s"],
        booth.failover_bound(TICKET_SETTINGS)))
    assert report["verdict"] == "pass" and report["error"] == "", report
    assert {"ticket-one-site", "booth-one-site", "services-one-site", "taken-over", "not-before-the-lease",
            "within-the-bound"} <= set(i["id"] for i in report["invariants"]), report["invariants"]
    assert report["measured"]["taken_by"] == "site-a", report["measured"]
    # Back on the WAN, site B learns that site A holds the ticket and does not take it again.
    wait("site B's booth to see site A as the holder",
         lambda: leader_seen_by(booth_node("site-b")) == ADDRESS["site-a"], timeout=120, interval=2)
    for __ in range(10):
        sample_both(both)
        time.sleep(1)
    assert both == [], both
    assert site_view("site-a")["granted"] is True and site_view("site-b")["granted"] is False


def _install_cut(node):
    """The WAN cut as a script on the node (/usr/local/sbin/geo-cut), for the drill's partition command."""
    try:
        res = subprocess.run(["docker", "exec", "-i", node, "sh", "-c",
                              "cat > /usr/local/sbin/geo-cut && chmod 0755 /usr/local/sbin/geo-cut"],
                             input="#!/bin/sh\nset -e\n" + CUT + "\n", capture_output=True, text=True, timeout=30,
                             check=False)
    except subprocess.TimeoutExpired:
        return None, ""
    return res.returncode, res.stdout + res.stderr


# ---------------------------------------------------------------------------------------------
# the loss of site A as a whole (both nodes crash), drilled by the collection, and its return


def test_site_loss_drilled_the_other_site_takes_the_ticket_within_the_bound_and_never_both(tmp_path):
    """The failover_drill role's site drill (playbooks/site_drill.yml) crashes both nodes of site A, the holder, at
    once, waits until site B holds the ticket and runs the service, brings site A back and judges its observers'
    samples. Beside it, this test samples both sites itself (crm_mon) through the whole run, and checks the drill's
    figures against booth's own timing formula and the clusters' final state."""
    bound = booth.failover_bound(TICKET_SETTINGS)
    assert site_view("site-a")["granted"] is True
    extra = {"failover_drill_crash_command": "docker kill {node}", "failover_drill_start_command": "docker start {node}",
             "failover_drill_report_dir": str(tmp_path), "failover_drill_stability_seconds": 10}
    # Bad input is refused before anything is struck, every message at once; so is a drill that would move nothing.
    bad = dict(extra, failover_drill_site_fault="reboot", failover_drill_site="site-c", failover_drill_site_ticket="geo-db")
    rc, out = run_playbook("site_drill.yml", bad, timeout=300)
    assert rc != 0, out[-3000:]
    for expected in ("failover_drill_site_fault: 'reboot' is not", "failover_drill_site: unknown site 'site-c'",
                     "failover_drill_site_ticket: unknown booth ticket 'geo-db'"):
        assert expected in out, (expected, out[-3000:])
    rc, out = run_playbook("site_drill.yml", dict(extra, failover_drill_site="site-b"), timeout=300)
    assert rc != 0 and "site-a holds geo-web, not site-b: losing site-b moves nothing" in out, out[-3000:]
    assert "strike every host" not in out and site_view("site-a")["granted"] is True

    rc, out = run_playbook("site_drill.yml", extra, check=True, timeout=300)
    flat = " ".join(out.split())  # the plan's lines, wrapped by the output callback
    assert rc == 0 and "crash every host of site-a (geo-a1, geo-a2)" in flat, out[-3000:]
    assert "between 15 s (expire - renewal) and %d s" % bound in flat, out[-3000:]
    assert site_view("site-a")["granted"] is True and not list(tmp_path.glob("*.json")), "check mode struck"

    both, stop = [], threading.Event()
    watcher = watch_both(both, stop)
    try:
        rc, out = run_playbook("site_drill.yml", extra, timeout=900)
    finally:
        stop.set()
        watcher.join(30)
        docker("start", *SITES["site-a"])  # whatever happened in the run
    assert rc == 0, out[-5000:]
    report = json.loads(next(tmp_path.glob("site-site-a-*.json")).read_text())
    print("site drill: %s; granted at %s after %s s, service after %s s (bound %d s); %s" % (
        report["verdict"], report["measured"]["taken_by"], report["measured"]["granted_s"],
        report["measured"]["running_s"], bound, report["samples"]))
    assert report["verdict"] == "pass" and report["error"] == "", report
    ids = ["ticket-one-site", "booth-one-site", "services-one-site", "taken-over", "not-before-the-lease", "within-the-bound"]
    assert [i["id"] for i in report["invariants"]] == ids, report["invariants"]
    # The figures against booth's formula: not before the lease ran out (at the crash it had at least expire minus
    # the renewal period left), and within the bound with the slack of a busy machine.
    took = report["measured"]["granted_s"]
    assert TICKET_SETTINGS["expire"] - booth.renewal(TICKET_SETTINGS) - 1 <= took <= bound + 30, took
    # Every member was sampled, site A before its crash and after its return.
    assert set(report["samples"]) == set(MEMBERS), report["samples"]
    assert (tmp_path / (next(tmp_path.glob("site-site-a-*.json")).stem + ".md")).read_text().startswith("# Site drill")
    # The clusters' own view now: site B holds the ticket and runs the service, site A is back with booth and
    # without the ticket, and booth everywhere names site B. At no sample of this test did both hold it.
    assert both == [], both
    a, b = site_view("site-a"), site_view("site-b")
    assert a["online"] == SITES["site-a"] and len(a["booth"]) == 1 and a["granted"] is False and a["service"] == [], a
    assert b["granted"] is True and len(b["service"]) == 1, b
    assert leader_seen_by(ARBITRATOR) == ADDRESS["site-b"] and leader_seen_by(booth_node("site-a")) == ADDRESS["site-b"]
