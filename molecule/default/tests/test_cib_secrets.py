"""Pacemaker's secret store as health.yml sees it (the cib-secrets check), on the default scenario's cluster:
cluster_cib_secrets: all keeps the canary's passwd there (molecule.yml; test_default.py reads the store itself).

A node whose copy no longer matches its .sign (what a half-finished copy or a hand edit leaves) is named by the
check. The node is one that does not run the canary, so that nothing fails meanwhile; its .sign is put back in the
end, whatever happens."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import crm_mon, on, running_on  # noqa: E402  pylint: disable=wrong-import-position
from playbook_run import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["mol-node1", "mol-node2", "mol-node3"]
SIGN = "/var/lib/pacemaker/lrm/secrets/canary/passwd.sign"


def test_health_names_the_node_whose_secret_store_no_longer_matches(tmp_path):
    runs = running_on(crm_mon(NODES), "canary")
    victim = [n for n in NODES if n != runs][-1]
    good = on(victim, "cat", SIGN).stdout
    on(victim, "sh", "-c", "echo 00000000000000000000000000000000 > %s" % SIGN)
    try:
        rc, out = run_playbook("health.yml", {"health_report_dir": str(tmp_path),
                                              "health_skip": {"stonith": "fencing is off in the default scenario"}})
    finally:
        on(victim, "sh", "-c", "cat > %s" % SIGN, stdin=good)
    assert on(victim, "cat", SIGN).stdout == good
    # A warning (the canary is no fence device): the run passes and the report names the node.
    assert rc == 0, out[-3000:]
    with open(os.path.join(str(tmp_path), "health.json"), encoding="utf-8") as f:
        check = next(c for c in json.load(f)["checks"] if c["id"] == "cib-secrets")
    assert (check["status"], check["severity"], check["objects"]) == ("fail", "warning", ["canary"]), check
    assert check["message"] == ("Pacemaker's secret store differs from the CIB: canary's passwd: not matching its .sign "
                                "on %s" % victim), check
    assert "cibsecret check canary passwd  # on %s" % victim in check["remedy"]
    assert "molecule-only-canary-secret" not in json.dumps(check)
