"""Pacemaker's secret store as health.yml sees it (the cib-secrets check), on the default scenario's cluster:
cluster_cib_secrets: all keeps the canary's passwd there (molecule.yml; test_default.py reads the store itself).

A node whose copy no longer matches its .sign (what a half-finished copy or a hand edit leaves) is named by the
check. The node is one that does not run the canary, so that nothing fails meanwhile; its .sign is put back in the
end, whatever happens. In the same run, the value of a resource the CIB no longer has (gone-fence's password, as a
deleted fence device leaves it) is named as left behind on the node that holds it, then removed."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import crm_mon, on, running_on  # noqa: E402  pylint: disable=wrong-import-position
from playbook_run import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["mol-node1", "mol-node2", "mol-node3"]
SIGN = "/var/lib/pacemaker/lrm/secrets/canary/passwd.sign"
LEFT = "/var/lib/pacemaker/lrm/secrets/gone-fence"


def test_health_names_the_node_whose_secret_store_no_longer_matches(tmp_path):
    runs = running_on(crm_mon(NODES), "canary")
    victim = [n for n in NODES if n != runs][-1]
    holder = runs  # the left-behind value: on the node that runs the canary
    good = on(victim, "cat", SIGN).stdout
    on(victim, "sh", "-c", "echo 00000000000000000000000000000000 > %s" % SIGN)
    try:
        on(holder, "sh", "-c", "mkdir -m 0700 -p %s && echo gone-secret-value > %s/password && "
                               "echo 1b6c0d5e8f1a8a3e6d5c4b3a29180716 > %s/password.sign" % (LEFT, LEFT, LEFT))
        rc, out = run_playbook("health.yml", {"health_report_dir": str(tmp_path),
                                              "health_skip": {"stonith": "fencing is off in the default scenario"}})
    finally:
        on(victim, "sh", "-c", "cat > %s" % SIGN, stdin=good)
        on(holder, "rm", "-rf", LEFT)
    assert on(victim, "cat", SIGN).stdout == good
    # A warning (the canary is no fence device): the run passes and the report names the node.
    assert rc == 0, out[-3000:]
    with open(os.path.join(str(tmp_path), "health.json"), encoding="utf-8") as f:
        check = next(c for c in json.load(f)["checks"] if c["id"] == "cib-secrets")
    assert (check["status"], check["severity"], check["objects"]) == ("fail", "warning", ["canary", "gone-fence"]), check
    assert check["message"] == ("Pacemaker's secret store differs from the CIB: canary's passwd: not matching its .sign "
                                "on %s; left in the store, though the CIB no longer keeps them there (nothing reads "
                                "them; delete them): gone-fence's password on %s" % (victim, holder)), check
    assert "cibsecret check canary passwd  # on %s" % victim in check["remedy"]
    assert "rm -f %s/password %s/password.sign  # on %s" % (LEFT, LEFT, holder) in check["remedy"]
    assert "molecule-only-canary-secret" not in json.dumps(check) and "gone-secret-value" not in json.dumps(check)
