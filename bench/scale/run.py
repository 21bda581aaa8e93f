"""bench/scale: the collection on 3, 9 and 16 nodes, as a user runs it (issue 20).

For each size N (the arguments; default 3 9 16), on fresh lab nodes (lab/up.sh with LAB_NODES=N, the lab's own
group_vars: the fence device, the web tier and its load balancer, configuration snapshots on):
  1. a fresh deploy with playbooks/site.yml, timed until it returns (it waits for a settled cluster itself);
  2. a no-op rerun of it, timed, which must change nothing on any host (the PLAY RECAP);
  3. playbooks/health.yml, timed, which must report the cluster healthy;
  4. corosync's own view of its timing (corosync-cmapctl runtime.config.totem.token and .consensus on node 1)
     against what the totem profile computes for N nodes (corosync_tuning.profile_table);
  5. the memory of every node container (docker stats), and the slowest tasks of each run
     (ansible.posix.profile_tasks);
  6. the no-op rerun again with the scenarios' Mitogen strategy (what the per-task round trips cost).
Then the lab goes down. Writes bench/results/scale.json, keeping the sizes this run did not measure, with the
ratios of issue 20 and whether each target is met. Forks are the node count (ansible.cfg's 10 would split
16 nodes into two batches of every task).

With "fleet" among the arguments (and by default): three clusters of 3 nodes in one inventory, deployed by one
playbooks/fleet.yml run, then health.yml through fleet.yml for one cluster and for all three at once.

Run: make bench-scale, or with the venv on PATH: python3 bench/scale/run.py [N ...] [fleet]
"""

import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "bench", "results", "scale.json")
WORK = os.path.join(ROOT, ".build", "scale")
PREFIX = "sc-node"
LAB = {"LAB_NETWORK": "clusterops-scale", "LAB_PREFIX": PREFIX, "LAB_SUBNET_PREFIX": "172.31.230",
       "LAB_INVENTORY": os.path.join(WORK, "inventory.yml")}
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
TASK_TIME = re.compile(r"^(.+?) -{3,} (\d+\.\d+)s$", re.M)
TARGETS = {"noop_3_under_s": 10, "fresh_9_over_fresh_3_at_most": 1.5, "noop_9_over_noop_3_at_most": 1.5}


# Every ansible-playbook here, and the ones fleet.yml starts, with the project's configuration and collection.
os.environ.update(ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                  ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"))


def sh(argv, env=None, check=True, timeout=3600):
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=check, timeout=timeout)


def lab_env(n):
    return dict(os.environ, LAB_NODES=str(n), **LAB)


def playbook(n, name, log, mitogen=False):
    """ansible-playbook playbooks/<name> on the bench's inventory: (seconds, rc, recap, slowest tasks). mitogen:
    with the scenarios' strategy (tests/strategy/clusterops_mitogen.py: one Python per node for the whole run
    instead of a docker exec and a new Python per task), to show what the round trips cost."""
    env = dict(os.environ, ANSIBLE_FORKS=str(max(n, 10)), ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
               PROFILE_TASKS_TASK_OUTPUT_LIMIT="12", ANSIBLE_NOCOLOR="1")
    if mitogen:
        env.update(ANSIBLE_STRATEGY_PLUGINS=os.path.join(ROOT, "tests", "strategy"), ANSIBLE_STRATEGY="clusterops_mitogen")
    env.pop("ANSIBLE_FORCE_COLOR", None)
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", LAB["LAB_INVENTORY"], os.path.join(ROOT, "playbooks", name)],
                          env=env, capture_output=True, text=True, check=False, timeout=3600, cwd=ROOT)
    seconds = round(time.monotonic() - start, 1)
    with open(log, "w", encoding="utf-8") as f:
        f.write(proc.stdout + proc.stderr)
    recap = {h: {"ok": int(o), "changed": int(c), "unreachable": int(u), "failed": int(x)}
             for h, o, c, u, x in RECAP.findall(proc.stdout)}
    tail = proc.stdout[proc.stdout.rfind("PLAY RECAP"):]
    slowest = [{"task": t.strip(), "s": float(s)} for t, s in TASK_TIME.findall(tail)][:12]
    return seconds, proc.returncode, recap, slowest


def cmap(node, key):
    return int(sh(["docker", "exec", node, "corosync-cmapctl", "-g", key]).stdout.rsplit("=", 1)[1])


def memory(n):
    """{node: MiB} of the node containers (docker stats, one sample)."""
    out = sh(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"]).stdout
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "B": 1 / 1048576}
    found = {}
    for line in out.splitlines():
        name, used = line.split()[0], line.split()[1]
        if name.startswith(PREFIX) and int(name[len(PREFIX):]) <= n:
            m = re.match(r"([\d.]+)([KMG]?i?B)", used)
            found[name] = round(float(m.group(1)) * units[m.group(2)], 1)
    return found


def rss(n):
    """{node: MiB}: the resident memory of every process in each node (ps inside it), what the stack itself holds;
    docker stats counts the container's cgroup, which the lab's systemd nodes share with the host's cgroup
    namespace, and it came out lower on 9 nodes than on 3."""
    found = {}
    for i in range(1, n + 1):
        node = "%s%d" % (PREFIX, i)
        kib = sum(int(x) for x in sh(["docker", "exec", node, "ps", "-eo", "rss="]).stdout.split())
        found[node] = round(kib / 1024, 1)
    return found


def expected_timing(n):
    sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
    from ansible_collections.clusterops.ha.plugins.module_utils.corosync_tuning import profile_table  # noqa: E402
    row = profile_table((n,))["lan"]["nodes"][n]
    return {"token": row["effective_token"], "consensus": row["consensus"]}


def measure(n):
    os.makedirs(WORK, exist_ok=True)
    link = os.path.join(WORK, "group_vars")
    if not os.path.islink(link):
        os.symlink(os.path.join(ROOT, "lab", "group_vars"), link)
    sh(["bash", os.path.join(ROOT, "lab", "up.sh")], env=lab_env(n))
    try:
        runs = {}
        for label, name in (("site_fresh_deploy", "site.yml"), ("site_noop_rerun", "site.yml"), ("health", "health.yml"),
                            ("site_noop_rerun_mitogen", "site.yml")):
            log = os.path.join(WORK, "%d-%s.log" % (n, label))
            seconds, rc, recap, slowest = playbook(n, name, log, mitogen=label.endswith("_mitogen"))
            changed = sorted(h for h, r in recap.items() if r["changed"])
            runs[label] = {"s": seconds, "rc": rc, "hosts": len(recap), "changed_hosts": changed, "slowest_tasks": slowest}
            print("scale: %d nodes, %s: %.1f s (rc %d, changed on %d hosts)" % (n, label, seconds, rc, len(changed)),
                  flush=True)
            if rc != 0 or len(recap) < n:
                raise SystemExit("scale: %s on %d nodes failed (rc %d); see %s" % (name, n, rc, log))
        for label in ("site_noop_rerun", "site_noop_rerun_mitogen"):
            if runs[label]["changed_hosts"]:
                raise SystemExit("scale: the no-op rerun on %d nodes changed %s" % (n, runs[label]["changed_hosts"]))
        node1 = PREFIX + "1"
        runtime = {"token": cmap(node1, "runtime.config.totem.token"),
                   "consensus": cmap(node1, "runtime.config.totem.consensus")}
        members = sh(["docker", "exec", node1, "corosync-quorumtool", "-s"]).stdout
        mem, resident = memory(n), rss(n)
        return {
            "seconds": {k: v["s"] for k, v in runs.items()},
            "runs": runs,
            "totem": {"runtime": runtime, "profile_lan": expected_timing(n),
                      "match": runtime == expected_timing(n)},
            "quorum": {"total_votes": int(re.search(r"Total votes:\s+(\d+)", members).group(1)),
                       "quorate": "Quorate:          Yes" in members},
            "memory_mib": {"per_node_mean": round(sum(mem.values()) / len(mem), 1), "total": round(sum(mem.values()), 1),
                           "nodes": mem, "method": "docker stats"},
            "resident_mib": {"per_node_mean": round(sum(resident.values()) / n, 1), "total": round(sum(resident.values()), 1),
                             "nodes": resident, "method": "the sum of ps -eo rss in each node"},
        }
    finally:
        sh(["bash", os.path.join(ROOT, "lab", "down.sh")], env=lab_env(n), check=False)


FLEET = [("clusterops-fleet%d" % i, "fl%d-node" % i, subnet) for i, subnet in
         enumerate(("172.31.238", "172.31.240", "172.31.246"), 1)]


def fleet_run(inventory, playbook_name, clusters, report_dir):
    """playbooks/fleet.yml for the named clusters, all at once: (seconds, rc, the fleet's table as data)."""
    extra = {"fleet_playbook": playbook_name, "fleet_clusters": clusters, "fleet_parallel": len(clusters),
             "fleet_report_dir": report_dir}
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_FORCE_COLOR", None)
    start = time.monotonic()
    proc = subprocess.run(["ansible-playbook", "-i", inventory, os.path.join(ROOT, "playbooks", "fleet.yml"),
                           "-e", json.dumps(extra)], env=env, capture_output=True, text=True, check=False,
                          timeout=7200, cwd=ROOT)
    seconds = round(time.monotonic() - start, 1)
    try:
        with open(os.path.join(report_dir, "fleet.json"), encoding="utf-8") as f:
            table = json.load(f)
    except (OSError, ValueError):
        table = None
    return seconds, proc.returncode, table, proc.stdout[-3000:]


def fleet():
    """Three clusters of 3 nodes in one inventory (docs/fleet.md): deployed by one fleet.yml run, then health.yml
    for one of them and for all three (each cluster its own run, all at once), timed."""
    import yaml  # the venv's PyYAML
    base = os.path.join(WORK, "fleet")
    os.makedirs(base, exist_ok=True)
    link = os.path.join(base, "group_vars")
    if not os.path.islink(link):
        os.symlink(os.path.join(ROOT, "lab", "group_vars"), link)
    envs = [dict(os.environ, LAB_NODES="3", LAB_NETWORK=net, LAB_PREFIX=prefix, LAB_SUBNET_PREFIX=subnet,
                 LAB_INVENTORY=os.path.join(base, "lab%d.yml" % i))
            for i, (net, prefix, subnet) in enumerate(FLEET, 1)]
    try:
        groups = {}
        for i, env in enumerate(envs, 1):
            sh(["bash", os.path.join(ROOT, "lab", "up.sh")], env=env)
            with open(env["LAB_INVENTORY"], encoding="utf-8") as f:
                lab = yaml.safe_load(f)["all"]["children"]["cluster"]
            groups["fleet_%d" % i] = {"hosts": lab["hosts"], "vars": dict(lab["vars"], cluster_name="fleet-%d" % i)}
        inventory = os.path.join(base, "inventory.yml")
        with open(inventory, "w", encoding="utf-8") as f:
            yaml.safe_dump({"all": {"children": {"cluster": {"children": groups},
                                                 "web": {"children": {"cluster": {}}}}}}, f)
        os.chmod(inventory, 0o600)
        names = ["fleet-%d" % i for i in range(1, len(FLEET) + 1)]
        runs = {}
        for label, playbook_name, clusters in (("deploy_3_clusters", "site.yml", names),
                                               ("health_1_cluster", "health.yml", names[:1]),
                                               ("health_3_clusters", "health.yml", names)):
            seconds, rc, table, tail = fleet_run(inventory, playbook_name, clusters, os.path.join(base, label))
            print("scale: fleet, %s: %.1f s (rc %d)" % (label, seconds, rc), flush=True)
            if rc != 0:
                raise SystemExit("scale: fleet %s failed (rc %d):\n%s" % (label, rc, tail))
            runs[label] = {"s": seconds, "rc": rc, "clusters": table}
        one, three = runs["health_1_cluster"]["s"], runs["health_3_clusters"]["s"]
        return {"seconds": {k: v["s"] for k, v in runs.items()}, "runs": runs,
                "health_3_over_1": round(three / one, 2), "clusters": len(FLEET), "nodes_each": 3,
                "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    finally:
        for env in envs:
            sh(["bash", os.path.join(ROOT, "lab", "down.sh")], env=env, check=False)


def ratios(sizes):
    def s(n, what):
        return (sizes.get(str(n)) or {}).get("seconds", {}).get(what)
    out, met = {}, {}
    if s(3, "site_noop_rerun") is not None:
        met["noop_3_under_10_s"] = s(3, "site_noop_rerun") < TARGETS["noop_3_under_s"]
    for what, key in (("site_fresh_deploy", "fresh"), ("site_noop_rerun", "noop")):
        if s(3, what) and s(9, what):
            out["%s_9_over_3" % key] = round(s(9, what) / s(3, what), 2)
            met["%s_9_at_most_1.5x_3" % key] = out["%s_9_over_3" % key] <= TARGETS["%s_9_over_%s_3_at_most" % (key, key)]
        if s(3, what) and s(16, what):
            out["%s_16_over_3" % key] = round(s(16, what) / s(3, what), 2)
    for n, r in sizes.items():
        met["totem_matches_profile_%s" % n] = r["totem"]["match"]
    return out, met


def main(argv):
    args = argv or ["3", "9", "16", "fleet"]
    wanted = [int(a) for a in args if a != "fleet"]
    for n in wanted:
        if not 1 <= n <= 16:
            raise SystemExit("scale: sizes are 1..16 nodes (lab/up.sh), got %d" % n)
    try:
        with open(OUT, encoding="utf-8") as f:
            result = json.load(f)
    except (OSError, ValueError):
        result = {"bench": "scale", "sizes": {}}
    for n in wanted:
        r = measure(n)
        r["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        result["sizes"][str(n)] = r
        result["ratios"], met = ratios(result["sizes"])
        result["met"] = dict(result.get("met") or {}, **met)
        write(result, args)
    if "fleet" in args:
        result["fleet"] = fleet()
        result.setdefault("met", {})["fleet_health_3_at_most_1.5x_1"] = result["fleet"]["health_3_over_1"] <= 1.5
        write(result, args)
    return 0


def write(result, args):
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "memory_mib": int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1048576)}
    result["targets"] = dict(TARGETS, fleet_health_3_over_1_at_most=1.5)
    result["rerun"] = "python3 bench/scale/run.py %s  (the venv on PATH; or make bench-scale)" % " ".join(args)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(json.dumps(result, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
