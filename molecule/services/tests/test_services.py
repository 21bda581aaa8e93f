"""Verify the lab's services from the cluster's own view and from a client's (this machine)."""

import hashlib
import json
import os
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import wait  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["svc-node1", "svc-node2", "svc-node3"]
SUBNET = "172.31.245"
SITE_VIP = SUBNET + ".100"
LB_VIP = SUBNET + ".101"
testinfra_hosts = ["ansible://svc-node1"]
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")


def record():
    with open(os.path.join(EPHEMERAL, "services-cib.json"), encoding="utf-8") as f:
        return json.load(f)


def on(node, *argv, check=True):
    """Run a command in a node's container, as the test machine sees it."""
    return subprocess.run(["docker", "exec", node] + list(argv), capture_output=True, text=True,
                          check=check, timeout=120)


def crm_mon(host):
    return ET.fromstring(host.check_output("crm_mon --output-as=xml"))


def running_on(root, rid):
    for r in root.iter("resource"):
        if r.get("id") == rid and r.get("role") == "Started":
            return [n.get("name") for n in r.findall("node")]
    return []


def clone_nodes(root, clone_id):
    for c in root.iter("clone"):
        if c.get("id") == clone_id:
            return sorted(n.get("name") for r in c.findall("resource") if r.get("role") == "Started"
                          for n in r.findall("node"))
    return []


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode().strip()


def wait_for(what, predicate, timeout=120, interval=2):
    """The one wait (molecule/_shared/drill.py), every 2 s by default here."""
    return wait(what, predicate, timeout=timeout, interval=interval)


def test_fencing_is_on_with_a_started_fence_device(host):
    root = crm_mon(host)
    assert running_on(root, "fence-docker"), "fence-docker is not started"
    out = host.check_output("crm_attribute --type crm_config --name stonith-enabled --query --quiet")
    assert out.strip() == "true"
    assert host.run("crm_verify -L").rc == 0


def test_vip_and_nginx_run_together_and_the_page_names_the_node(host):
    root = crm_mon(host)
    vip = running_on(root, "site-vip")
    nginx = running_on(root, "site-nginx")
    assert len(vip) == 1 and vip == nginx
    assert get("http://%s/" % SITE_VIP) == "site served by %s" % vip[0]


def test_app_runs_everywhere_and_haproxy_reaches_every_instance(host):
    root = crm_mon(host)
    assert clone_nodes(root, "app-clone") == NODES
    assert len(running_on(root, "lb-vip")) == 1
    # haproxy runs on every node (a clone); only its VIP moves.
    assert clone_nodes(root, "lb-haproxy-clone") == NODES
    seen = set()
    for _attempt in range(12):
        seen.add(get("http://%s/" % LB_VIP))
    assert seen == {"app served by %s" % n for n in NODES}


def test_placement_by_utilization(host):
    out = host.check_output("crm_attribute --type crm_config --name placement-strategy --query --quiet")
    assert out.strip() == "balanced"
    for node in NODES:
        cpu = host.check_output("crm_attribute --utilization --node %s --name cpu --query --quiet" % node)
        assert cpu.strip() == "8"
    cib = ET.fromstring(host.check_output("cibadmin --query --scope resources"))
    util = {p.get("id"): {nv.get("name"): nv.get("value") for nv in p.findall("utilization/nvpair")}
            for p in cib.iter("primitive")}
    assert util["site-nginx"] == {"cpu": "1", "memory": "128"}


def test_failover_policy_defaults(host):
    cib = ET.fromstring(host.check_output("cibadmin --query --scope rsc_defaults"))
    values = {nv.get("name"): nv.get("value") for nv in cib.iter("nvpair")}
    assert values["resource-stickiness"] == "100"
    assert values["migration-threshold"] == "3"
    assert values["failure-timeout"] == "600s"


def test_hacluster_hash_has_a_random_salt_per_node():
    """Issue 17: not the salt the role once derived from the cluster's and the host's names; converge's pcs host
    auth logged in with the password after it was set, and idempotence kept the hash."""
    salts = {}
    for node in NODES:
        parts = on(node, "getent", "shadow", "hacluster").stdout.split(":")[1].split("$")
        assert parts[1] == "6" and parts[2].startswith("rounds=") and len(parts) == 5, (node, parts[1:3])
        salts[node] = parts[3]
        assert salts[node] != hashlib.sha256(("services" + node).encode()).hexdigest()[:16], node
    assert len(set(salts.values())) == len(NODES)


def as_user(host, user, command):
    """Run command as user through a login shell (su -), as that person would."""
    return host.run("su - %s -c %s" % (user, json.dumps(command)))


def test_viewer_reads_through_the_wrapper_and_is_not_in_haclient(host):
    assert "haclient" not in host.check_output("id -Gn viewer").split()
    wrapper = host.file("/usr/local/sbin/cluster-status")
    assert wrapper.user == "root" and wrapper.mode == 0o755
    sudoers = host.file("/etc/sudoers.d/clusterops-status-readers")
    assert sudoers.user == "root" and sudoers.mode == 0o440
    xml = as_user(host, "viewer", "sudo -n /usr/local/sbin/cluster-status xml")
    assert xml.rc == 0, xml.stderr
    assert "site-vip" in [r.get("id") for r in ET.fromstring(xml.stdout).iter("resource")]
    for word, needle in (("status", "site-vip"), ("quorum", "Quorate"), ("links", "LINK ID 0")):
        out = as_user(host, "viewer", "sudo -n /usr/local/sbin/cluster-status " + word)
        assert out.rc == 0 and needle in out.stdout, (word, out.stdout, out.stderr)


def test_viewer_can_do_nothing_else(host):
    # sudo allows the wrapper with its four words only: no option reaches crm_mon, no other command runs.
    for command in ("sudo -n /usr/local/sbin/cluster-status status --output-to=/tmp/x",
                    "sudo -n /usr/local/sbin/cluster-status --help",
                    "sudo -n /usr/sbin/crm_mon -1",
                    "sudo -n /usr/sbin/stonith_admin --history '*'"):
        out = as_user(host, "viewer", command)
        assert out.rc != 0, command
    assert not host.file("/tmp/x").exists
    # Not in haclient: the fencer, the controller, the attribute manager and the CIB refuse it, and it cannot
    # read Pacemaker's log (which holds every CIB change).
    for command in ("/usr/sbin/stonith_admin --confirm clusterops-no-such-node",
                    "/usr/sbin/crm_resource --cleanup --resource site-vip",
                    "/usr/sbin/attrd_updater --name clusterops-probe --update 1",
                    "/usr/sbin/cibadmin --query",
                    "cat /var/log/pacemaker/pacemaker.log"):
        out = as_user(host, "viewer", command)
        # Refused as an outsider (no IPC connection for a non-haclient user, or no file permission), not for
        # some other reason such as a missing tool.
        said = out.stdout + out.stderr
        assert out.rc != 0 and ("not connected" in said or "Permission denied" in said), (command, said)
    history = ET.fromstring(host.check_output("stonith_admin --history='*' --output-as=xml"))
    assert "clusterops-no-such-node" not in [e.get("target") for e in history.iter("fence_event")]
    assert host.run("attrd_updater --name clusterops-probe --query --all").stdout.strip() == ""


def test_operator_changes_node_attributes_but_not_the_configuration(host):
    assert host.check_output("crm_attribute --type crm_config --name enable-acl --query --quiet").strip() == "true"
    assert "haclient" in host.check_output("id -Gn operator").split()
    read = as_user(host, "operator", "/usr/sbin/crm_mon -1 --output-as=xml")
    assert read.rc == 0, read.stderr
    assert "site-vip" in read.stdout
    # The node-operator ACL role writes /cib/configuration/nodes (standby, maintenance, other attributes).
    node = as_user(host, "operator", "/usr/sbin/crm_attribute --node svc-node1 --name clusterops-acl-probe --update 1")
    assert node.rc == 0, node.stderr
    assert host.check_output("crm_attribute --node svc-node1 --name clusterops-acl-probe --query --quiet").strip() == "1"
    host.check_output("crm_attribute --node svc-node1 --name clusterops-acl-probe --delete")
    write = as_user(host, "operator", "/usr/sbin/crm_attribute --type crm_config --name acl-probe --update 1")
    assert write.rc != 0
    assert "Permission denied" in write.stdout + write.stderr
    probe = host.run("crm_attribute --type crm_config --name acl-probe --query --quiet")
    assert probe.rc != 0 or probe.stdout.strip() == ""


def test_secrets_in_the_module_data_reach_neither_results_nor_the_journal():
    rec = record()
    assert rec["secret_in_cib"] is True  # the probe was real: the CIB held both
    results = json.dumps(rec["secret_results"])
    assert "ProbeApiToken4711" not in results and "ProbeHookToken4711" not in results
    preview, applied = rec["secret_results"][0], rec["secret_results"][1]
    assert preview["changed"] is True and applied["changed"] is True
    after = json.dumps(preview["diff"]["after"])
    assert "(redacted" in after and "https://hooks.example.com/" in after
    assert rec["secret_journal_lines"] == 0


def test_check_mode_predicts_the_move_and_changes_nothing():
    rec = record()
    before, after, predicted = rec["before"], rec["after"], rec["predicted"]
    assert predicted["changed"] is True
    moves = [a for a in predicted["predicted_actions"] if a["resource"] == "site-vip"]
    assert moves and moves[0]["action"] == "move" and moves[0]["source"] == before["node"]
    assert [a for a in predicted["predicted_actions"] if a["resource"] == "site-nginx"]
    # The cluster's own view: nothing moved, the configuration epoch did not change.
    assert (after["admin_epoch"], after["epoch"]) == (before["admin_epoch"], before["epoch"])
    assert after["node"] == before["node"]


def test_invalid_resources_fail_clearly_and_leave_the_cib_alone():
    rec = record()
    for key in ("bad_agent", "bad_param", "bad_ref"):
        assert rec[key]["changed"] is False
        assert "pushed" in rec[key]["msg"]
    assert "bogus-agent" in rec["bad_agent"]["msg"]
    assert "ocf:heartbeat:NoSuchAgent is not installed" in rec["bad_agent"]["msg"]
    assert "bogus-vip" in rec["bad_param"]["msg"] and "requires parameter ip" in rec["bad_param"]["msg"]
    assert "orders order-site-vip-no-such-resource.then: 'no-such-resource' is not a resource" in rec["bad_ref"]["msg"]
    # The cluster's own view: no epoch moved and nothing of them is in the CIB.
    assert (rec["after"]["admin_epoch"], rec["after"]["epoch"]) == (rec["before"]["admin_epoch"], rec["before"]["epoch"])
    assert rec["after"]["bogus"] is False


def test_export_then_apply_changes_nothing():
    rec = record()
    assert rec["reapplied"]["changed"] is False
    # The cluster's own view: the configuration epoch read after the re-apply is the one before it.
    assert (rec["after"]["admin_epoch"], rec["after"]["epoch"]) == (rec["before"]["admin_epoch"], rec["before"]["epoch"])


def test_pacemaker3_forms_are_named_and_replaced_in_one_transaction(host):
    rec = record()
    check = rec["pcmk3_health"]
    assert check["status"] == "fail" and check["severity"] == "warning"
    assert "stonith-action=poweroff" in check["message"] and "legacy-life" in check["message"]
    assert "pacemaker3_fixes=true" in check["remedy"]
    refused = rec["pcmk3_plan"]
    assert refused["failed"] is True and refused["moving"] == ["svc-node1"]
    assert refused["msg"].startswith("The pending updates move Pacemaker to 3.0 (svc-node1), and the CIB holds 2 form(s)")
    assert sorted({f["object"] for f in refused["not_ready"]}) == sorted(check["objects"])
    # the cluster's own view: the refusal touched nothing (same epoch, the VIP where it was)
    before, after = rec["before_plan"], rec["after_plan"]
    assert (after["admin_epoch"], after["epoch"], after["node"]) == (before["admin_epoch"], before["epoch"], before["node"])
    preview = rec["pcmk3_check"]
    assert preview["changed"] and sorted(c["action"] for c in preview["changes"]) == ["constraint-lifetime",
                                                                                      "removed-value"]
    assert preview["diff"]["after"]["pacemaker3"] and preview["epoch_after"] == preview["epoch_before"]
    fixed = rec["pcmk3_fixed"]
    assert fixed["changed"] and fixed["pacemaker3_left"] == [] and len(fixed["pacemaker3_fixed"]) == 2
    assert fixed["epoch_after"] != fixed["epoch_before"]
    assert rec["pcmk3_again"]["changed"] is False
    # The cluster's own view after the module ran: off, and the lifetime became a rule that kept its score.
    cib = ET.fromstring(rec["pcmk3_cib"])
    assert [nv.get("value") for nv in cib.iter("nvpair") if nv.get("name") == "stonith-action"] == ["off"]
    loc = [el for el in cib.iter("rsc_location") if el.get("id") == "legacy-life"][0]
    assert loc.find("lifetime") is None and loc.get("node") is None
    rule = loc.find("rule")
    assert rule.get("score") == "0" and rule.find("expression").get("value") == "svc-node1"
    assert rule.find("rule/date_expression").get("end") == "2099-01-01"
    # and undone: the cluster is as the scenario built it
    live = host.check_output("cibadmin --query --scope configuration")
    assert "legacy-life" not in live and 'name="stonith-action"' not in live


def test_a_failing_resource_moves_after_the_second_failure(host):
    assert record()["flaky"]["changed"] is True
    first = wait_for("flaky to start", lambda: running_on(crm_mon(host), "flaky"))[0]
    state = "/run/flaky.state"  # the Dummy's state parameter: removing it makes its monitor fail

    def failcount(node):
        out = host.run("crm_failcount --query --resource flaky --node %s" % node).stdout
        return out.split("value=")[-1].strip() if "value=" in out else "0"

    on(first, "rm", "-f", state)
    wait_for("the first failure", lambda: failcount(first) == "1")
    # One failure: recovered in place.
    assert wait_for("flaky restarted", lambda: running_on(crm_mon(host), "flaky")) == [first]
    on(first, "rm", "-f", state)
    moved = wait_for("flaky on another node",
                     lambda: [n for n in running_on(crm_mon(host), "flaky") if n != first])
    assert moved and moved[0] != first
    assert failcount(first) == "2"


def test_fencing_really_restarts_the_node(host):
    target = "svc-node3"
    started = subprocess.check_output(["docker", "inspect", "-f", "{{.State.StartedAt}}", target], text=True)
    fenced = on("svc-node1", "stonith_admin", "--reboot", target, "--timeout", "120", check=False)
    assert fenced.returncode == 0, fenced.stderr
    after = subprocess.check_output(["docker", "inspect", "-f", "{{.State.StartedAt}}", target], text=True)
    assert after != started, "the container was not restarted"
    history = on("svc-node1", "stonith_admin", "--history", target).stdout
    assert "successful" in history and "reboot" in history
    # It comes back and rejoins on its own.
    wait_for("%s online again" % target,
             lambda: {n.get("name"): n.get("online") for n in crm_mon(host).findall("nodes/node")}.get(target) == "true",
             timeout=240, interval=5)
