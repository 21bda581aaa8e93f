#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: failover_drill
short_description: The steps of a failover drill - plan, observe, kill a process, wait, evaluate, report
version_added: 0.3.0
description:
  - The working half of the C(clusterops.ha.failover_drill) role, which sequences these steps around each fault.
  - V(plan) reads the live cluster (status, CIB with its operation history, corosync's runtime timers) and resolves
    each drill - its victim node or service, the services it affects - and computes the recovery to expect, term by
    term, with a worst-case bound. It changes nothing.
  - V(observe) samples the cluster as this node sees it (C(crm_mon) and the node's own addresses) every O(interval)
    seconds into O(path), one JSON line per sample, until O(path).stop appears or O(duration) passes. Once asked to
    stop, it takes one more sample, marked C(last), so that V(evaluate) sees what the node saw after the settling.
    Run it with C(async). It writes only its own file.
    With O(tickets), each sample also says which tickets the site's CIB grants and where their resources run; with
    O(booth_config), what this member's own booth says (C(booth list)) - a site drill samples both. A host without
    C(crm_mon) (a booth arbitrator) samples booth only.
  - V(kill) sends SIGKILL to the processes whose command line matches O(process) (a regular expression, as
    C(pgrep -f)) and to all their descendants; C(unit:NAME) kills every process of a systemd unit instead.
    This is the fault of a C(kill_process) drill.
  - V(wait) waits until every service the drill affects runs again the way the drill expects (elsewhere, on the
    move's target, or restarted after a recorded failure) and the cluster has settled, then reads the fence history.
  - V(log) reads this node's Pacemaker and corosync journal from 2 s before O(since) to O(until) and keeps the lines
    about the drill - its resources, fencing, quorum and membership, the victim's state. The role asks every node.
  - V(evaluate) runs on the controller. It reads the samples fetched from every node and the client's records,
    measures each service's recovery in the cluster's and the client's view, checks the invariants and judges.
    For a database writer among the client's probes (its lines carry C(write)), it also reads the client's
    summary beside O(probe) (O(probe).summary.json, the rows read back afterwards) and adds per service the writes
    acknowledged, found and lost and the longest time without an acknowledged write, and the invariant that no
    acknowledged write was lost (unknown when the summary or the read-back is missing).
  - V(report) runs on the controller and writes the report into O(report_dir) - JSON (the data), Markdown (the report),
    one SVG timeline per drill (a lane per node, service and client, the fault, when the cluster noticed, fencing,
    recovery, the expected and the limit time), and one self-contained HTML page with the timelines inlined.
  - V(evaluate_site) runs on the controller and judges a site drill (the loss of a whole site of a booth geo
    cluster, the role's entry point C(site)) from every member's samples - when another site held the ticket and ran
    its services against what booth's settings give, and that no two sites held the ticket, claimed it in booth or
    ran its services at once in any sample - and returns the result and its report in Markdown.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: V(plan), V(wait), V(log), V(evaluate) and V(evaluate_site) only read. V(observe), V(kill) and V(report) change nothing in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  action:
    description: The step; see the description.
    type: str
    required: true
    choices: [plan, observe, kill, wait, log, evaluate, evaluate_site, report]
  drills:
    description: For V(plan), the drills to resolve, in order.
    type: list
    elements: dict
    suboptions:
      type:
        description: The drill.
        type: str
        required: true
        choices: [standby, move, kill_process, crash, partition, hang]
      id:
        description: A name for the drill in the report (default its number and type).
        type: str
      node:
        description: For V(standby), V(crash), V(partition) and V(hang), the victim (default the node running the most active-passive services).
        type: str
      service:
        description: For V(move) and V(kill_process), the active-passive service (default the first one).
        type: str
      to:
        description: For V(move), the target node (default the first other online node not in standby).
        type: str
      resource:
        description: For V(kill_process), the member whose process dies (default the service's last member).
        type: str
      process:
        description: For V(kill_process), what to kill (see O(process)); default from the resource's agent.
        type: str
  nodes:
    description: For V(plan), the cluster's nodes (Pacemaker's names).
    type: list
    elements: str
  fence_action_seconds:
    description: For V(plan), how long the fence device takes to fence a node (its reboot); part of the expected recovery. 0 to 3600.
    type: float
    default: 10
  interval:
    description: For V(observe), seconds between samples; for V(plan), the same value (a term of the expected recovery). 0.1 to 60.
    type: float
    default: 0.5
  path:
    description: For V(observe), the file the samples go to.
    type: path
  watch:
    description: For V(observe), the addresses (VIPs) to look for among the node's own.
    type: list
    elements: str
    default: []
  duration:
    description: For V(observe), the longest it samples, in seconds; for V(wait), the longest it waits. 1 to 604800 (a week).
    type: int
    default: 600
  node:
    description: For V(observe), this node's name in the cluster (default C(crm_node -n)).
    type: str
  tickets:
    description: For V(observe), the tickets to sample (ticket name to the resource ids its rsc_ticket constraints guard).
    type: dict
    default: {}
  booth_config:
    description: For V(observe), booth's configuration file; each sample then carries this member's C(booth list).
    type: path
  site_drill:
    description: For V(evaluate_site), the site drill as the C(booth_site_drill_plan) filter planned it.
    type: dict
  process:
    description:
      - For V(kill), a regular expression matched against each process's full command line (as C(pgrep -f)), or
        C(unit:NAME) for every process of the systemd unit NAME. A blank pattern (it would match every process) is refused.
    type: str
  drill:
    description: For V(wait) and V(evaluate), one drill as V(plan) returned it.
    type: dict
  services:
    description: For V(wait) and V(evaluate), the services as V(plan) returned them.
    type: list
    elements: dict
  fail_before:
    description: For V(wait) and V(evaluate), the fail counts before the fault (V(plan)'s C(fail_counts)).
    type: dict
    default: {}
  since:
    description: For V(wait) and V(log), when the fault was injected (Unix seconds); log lines are read from 2 s before.
    type: float
  until:
    description: For V(log), the end of the lines to read (Unix seconds, default now); 2 s after it are read too.
    type: float
  samples:
    description: For V(evaluate) and V(evaluate_site), the sample files fetched from the nodes (paths on the controller).
    type: list
    elements: path
    default: []
  probe:
    description:
      - For V(evaluate), the client's record (the JSON lines of service_probe.py), if there was one.
      - Its summary, O(probe).summary.json, gives a database writer's read-back.
    type: path
  probe_services:
    description: For V(evaluate), which service each probe name measures (probe name to service name).
    type: dict
    default: {}
  fault_at:
    description: For V(evaluate) and V(evaluate_site), when the fault was injected (Unix seconds).
    type: float
  settled_at:
    description: For V(evaluate), when the cluster had settled; for V(evaluate_site), the end of the observation (Unix seconds).
    type: float
  restored_at:
    description:
      - For V(evaluate_site), when the lost hosts were brought back (Unix seconds; default O(settled_at)).
      - Without a majority, a grant before it breaks the rule; after it, the majority is back.
    type: float
  fences:
    description: For V(evaluate), the fence history V(wait) returned.
    type: list
    elements: dict
    default: []
  fencing_enabled:
    description: For V(evaluate), whether the victim has a fence device (V(plan) tells).
    type: bool
    default: true
  threshold:
    description:
      - For V(evaluate) and V(evaluate_site), the factor on the expected recovery (for a site drill, booth's bound) a
        measured one may reach and still pass. 1 to 100.
    type: float
    default: 1.5
  grace:
    description: For V(evaluate), seconds a node without quorum may take to let go of its resources.
    type: float
  report:
    description: For V(report), the report (cluster, started, threshold, drills with their results).
    type: dict
  report_dir:
    description: For V(report), the directory on the controller the files go to (an absolute path).
    type: path
  report_name:
    description: For V(report), the files' name without extension (1-100 letters, digits, '.', '-' or '_', not beginning with '.').
    type: str
    default: failover-drills
notes:
  - Clocks must agree (NTP). The samples carry each node's time, the client's records the controller's.
  - The observation is of the cluster's own view (C(crm_mon) on every node) and of the network's (each node's
    addresses), not of what the collection did.
seealso:
  - name: Failover drills
    description: docs/failover-drills.md in the collection.
    link: https://github.com/clusterops/ha/blob/main/docs/failover-drills.md
"""

EXAMPLES = r"""
- name: Resolve the drills and what to expect
  clusterops.ha.failover_drill:
    action: plan
    nodes: "{{ groups['cluster'] }}"
    drills:
      - {type: standby}
      - {type: kill_process, service: site-vip}
      - {type: crash}
  register: drill_plan
  run_once: true

- name: Observe from every node while the fault happens
  clusterops.ha.failover_drill:
    action: observe
    path: /var/lib/clusterops/drills/01-standby.jsonl
    watch: [192.0.2.100]
    duration: 600
  async: 660
  poll: 0

- name: Kill the site's nginx (master and workers)
  clusterops.ha.failover_drill:
    action: kill
    process: nginx.*clusterops-site\.conf

- name: Observe a booth member for a site drill (its ticket, and booth's own view)
  clusterops.ha.failover_drill:
    action: observe
    path: /var/lib/clusterops/drills/site-a-loss.jsonl
    node: "{{ inventory_hostname }}"
    tickets: {geo-web: [geo-service]}
    booth_config: /etc/booth/booth.conf
    duration: 900
  async: 960
  poll: 0

- name: Until the services run again and the cluster settled
  clusterops.ha.failover_drill:
    action: wait
    drill: "{{ drill_plan.drills[0] }}"
    services: "{{ drill_plan.services }}"
    since: "{{ fault_at }}"
    duration: 300
"""

RETURN = r"""
drills:
  description: For V(plan), each drill resolved, with C(expected) per affected service (expected_s, bound_s, terms).
  returned: action is plan
  type: list
  elements: dict
  sample:
    - id: 01-standby
      type: standby
      node: node2
      affected: [site-vip, app-clone]
      restore: take node2 out of standby
      description: put node2 in standby (planned)
      driver: node1
      fencing_enabled: true
      expected: {site-vip: {expected_s: 3.4, bound_s: 161.0, terms: [{term: stop of site-nginx (recorded), s: 0.1}]}}
services:
  description:
    - For V(plan), the cluster's services (active-passive sets and clones) with members and VIPs.
    - C(follows) names the promotable clone whose promoted role an active-passive service follows (C(clone),
      C(member), C(role), C(notify)), null when it follows none.
  returned: action is plan
  type: list
  elements: dict
  sample: [{name: site-vip, kind: active-passive, resources: [site-vip, site-nginx], addresses: [192.0.2.100]}]
timing:
  description: For V(plan), corosync's effective token and consensus (ms).
  returned: action is plan
  type: dict
fail_counts:
  description: For V(plan), the fail count of each resource now.
  returned: action is plan
  type: dict
lines:
  description: For V(plan), each drill in words with its expected recovery.
  returned: action is plan
  type: list
  elements: str
samples:
  description: For V(observe), how many samples were written.
  returned: action is observe
  type: int
at:
  description: For V(kill), when the signal was sent (Unix seconds).
  returned: action is kill
  type: float
killed:
  description: For V(kill), the process ids killed.
  returned: action is kill
  type: list
  elements: int
recovered_at:
  description: For V(wait), when every affected service ran again (Unix seconds).
  returned: action is wait
  type: float
settled_at:
  description: For V(wait), when the cluster had settled after that (Unix seconds).
  returned: action is wait
  type: float
fences:
  description: For V(wait), the fence history (target, action, status, executioner, completed).
  returned: action is wait
  type: list
  elements: dict
log:
  description: For V(log), this node's Pacemaker and corosync log lines about the drill.
  returned: action is log
  type: list
  elements: str
result:
  description: >-
    For V(evaluate), per service the expected and measured recovery, the writes of a database writer (acknowledged,
    found, lost, lost_ids, without_writes_s; null without one) and the verdict, the invariants, the drill's verdict
    and the timeline the report draws (times relative to the fault).
  returned: action is evaluate
  type: dict
markdown:
  description: For V(evaluate_site) and V(report), the report in Markdown.
  returned: action is evaluate_site or report
  type: str
site_result:
  description: >-
    For V(evaluate_site), the site drill judged - verdict, ticket, lost, survivors, fault, with_arbitrators,
    takeover_expected, expected (lease_left_min_s, bound_s), measured (granted_s, running_s, taken_by, lost_stopped_s
    relative to the fault), invariants (id, title, ok, detail) and the samples per member.
  returned: action is evaluate_site
  type: dict
files:
  description: For V(report), the files written (NAME.html, NAME.json, NAME.md and NAME-DRILL.svg per drill).
  returned: action is report
  type: list
  elements: str
"""

import json
import os
import re
import signal
import tempfile
import time


from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_expected as drill_expected
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_plan as drill_plan
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_report as drill_report
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_services as drill_services
from ansible_collections.clusterops.ha.plugins.module_utils import site_drill
from ansible_collections.clusterops.ha.plugins.module_utils.booth import BoothError, parse_list
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError, parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import check_conditions, wait_for
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, CommandNotFound, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import CmapParseError, parse_cmapctl
from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils import validate as v

POLL_SECONDS = 1.0
REQUIRED = {"plan": ["drills", "nodes"], "observe": ["path"], "kill": ["process"], "wait": ["drill", "services", "since"],
            "log": ["drill", "services", "since"],
            "evaluate": ["drill", "services", "fault_at", "settled_at"],
            "evaluate_site": ["site_drill", "fault_at", "settled_at"], "report": ["report", "report_dir"]}


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def do_plan(module, runner):
    status = collect(runner)
    if not status["stack"]["pacemaker"]:
        module.fail_json(msg="Pacemaker is not running on %s: no drill can be planned" % (status.get("local_node") or "this node"))
    res = runner.run(["cibadmin", "--query"])
    root = parse(res.stdout)
    config = export(root)
    cmap = parse_cmapctl(runner.run(["corosync-cmapctl"]).stdout)
    tm = drill_expected.timing(cmap)
    resources = root.find("configuration/resources")
    services = drill_services.discover_services(config, order=[el.get("id") for el in (resources if resources is not None else [])])
    process_of = {}
    for prim in config.get("primitives") or []:
        process_of[prim["id"]] = prim.get("agent")
    specs = [dict((k, v) for k, v in d.items() if v is not None) for d in module.params["drills"]]
    try:
        drills = drill_plan.plan(specs, services, status, module.params["nodes"], process_of=process_of)
    except drill_plan.DrillError as e:
        module.fail_json(msg=str(e), services=services)
    configfile = dict((p["id"], (p.get("params") or {}).get("configfile")) for p in config.get("primitives") or [])
    durations = drill_expected.op_durations(root)
    dc = status["cluster"].get("dc")
    lines = []
    for d, spec in zip(drills, specs):
        d["process"] = drill_plan.kill_pattern(d, spec.get("process"), process_of.get(d["resource"]), configfile.get(d["resource"]))
        d["driver"] = drill_plan.driver(d, module.params["nodes"], status["nodes_online"], dc)
        if d["driver"] is None:
            module.fail_json(msg="%s: no other node of %s is online to drive the drill from" % (d["id"], ", ".join(module.params["nodes"])))
        fencing = drill_expected.fencing_settings(config, d["node"])
        d["fencing_enabled"] = fencing["enabled"]
        try:
            d["expected"] = drill_expected.expected(d, services, config, tm, durations, module.params["fence_action_seconds"],
                                                    module.params["interval"])
        except drill_plan.DrillError as e:
            module.fail_json(msg=str(e))
        d["grace_s"] = drill_expected.grace_seconds(services, durations, tm)
        lines.append(drill_plan.summary_line(d))
    module.exit_json(changed=False, drills=drills, services=services, timing=tm,
                     fail_counts=drill_services.fail_totals(status.get("fail_counts")),
                     lines=lines,
                     cluster=(config.get("properties") or {}).get("cluster-name"))


def do_observe(module, runner):
    path = module.params["path"]
    if module.check_mode:
        module.exit_json(changed=False, samples=0)
    node = module.params["node"]
    if not node:
        res = runner.run(["crm_node", "-n"], check=False)
        node = res.stdout.strip() or os.uname()[1]
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    if os.path.exists(path + ".stop"):
        os.unlink(path + ".stop")
    deadline = time.time() + module.params["duration"]
    count = 0
    has_crm_mon = runner.which("crm_mon") is not None
    with open(path, "w") as f:
        # When the role asks to stop, one more sample is taken, begun after the request: the request comes
        # once the cluster was seen recovered, so the last sample shows the recovery even when crm_mon is slow.
        while time.time() < deadline:
            stopping = os.path.exists(path + ".stop")
            t = time.time()
            crm = None
            res = runner.run(["crm_mon", "--output-as=xml"], check=False, timeout=5) if has_crm_mon else None
            if res is not None and res.stdout.strip():
                try:
                    crm = parse_crm_mon(res.stdout)
                except StatusParseError:
                    crm = None
            addrs = drill_observe.parse_addresses(runner.run(["ip", "-o", "-4", "addr", "show"], check=False, timeout=5).stdout)
            # The sample's time is when the cluster and the addresses were read (after a freeze, that is after the
            # thaw), before booth is asked: booth list can take its whole timeout (a member cut off the WAN), and the
            # cluster's view must not carry a time seconds later than when it was read.
            seen = time.time()
            booth_view = _booth_view(runner, module.params["booth_config"])
            one = drill_observe.sample(seen, node, crm, addrs, module.params["watch"], last=stopping)
            if module.params["tickets"]:
                one["ticket"] = site_drill.ticket_sample(crm if one["up"] else None, module.params["tickets"])
            if booth_view is not None:
                one["booth"] = booth_view
                one["booth_t"] = round(time.time(), 3)
            f.write(json.dumps(one, sort_keys=True) + "\n")
            f.flush()
            count += 1
            if stopping:
                break
            time.sleep(max(0.0, module.params["interval"] - (time.time() - t)))
    module.exit_json(changed=False, samples=count, path=path)


def _booth_view(runner, config):
    """This member's own booth view (site_drill.booth_sample), or None: no booth asked for, or it did not answer (a
    site node that does not hold the booth address, a member that is down)."""
    if not config:
        return None
    try:
        res = runner.run(["booth", "list", "-c", config], check=False, timeout=5)
    except CommandNotFound:
        return None
    if res.rc != 0:
        return None
    try:
        return site_drill.booth_sample(parse_list(res.stdout))
    except BoothError:
        return None


def _descendants(pids):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(pids)
    while todo:
        p = todo.pop()
        if p not in out:
            out.append(p)
            todo.extend(children.get(p, []))
    return out


def do_kill(module, runner):
    proc = module.params["process"]
    if proc.startswith("unit:"):
        unit = proc[len("unit:"):]
        if module.check_mode:
            module.exit_json(changed=True, killed=[])
        at = time.time()
        runner.run(["systemctl", "kill", "--signal=SIGKILL", unit])
        module.exit_json(changed=True, killed=[], unit=unit, at=at)
    try:
        pattern = re.compile(proc)
    except re.error as e:
        module.fail_json(msg="process: not a regular expression (%s): %s" % (e, proc))
    me = os.getpid()
    matched = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (me, os.getppid()):
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            continue
        if cmdline and pattern.search(cmdline) and "failover_drill" not in cmdline and "AnsiballZ" not in cmdline:
            matched.append(int(entry))
    if not matched:
        module.fail_json(msg="process: no process matches %r on this node: nothing to kill" % proc)
    pids = _descendants(matched)
    at = time.time()
    if not module.check_mode:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    module.exit_json(changed=True, killed=sorted(pids), at=at)


def do_wait(module, runner):
    drill = module.params["drill"]
    seen_at = {}  # wall-clock times: the observers' samples on other nodes are compared with them

    def recovered_and_settled(status):
        conds = check_conditions(status)
        if (conds["pacemaker"][0] and conds["quorate"][0] and "recovered" not in seen_at
                and drill_judge.recovered(drill, module.params["services"], status, module.params["fail_before"])):
            seen_at["recovered"] = time.time()
        return "recovered" in seen_at and conds["settled"][0]

    seen = wait_for(lambda: collect(runner), recovered_and_settled, module.params["duration"], POLL_SECONDS,
                    clock=time.monotonic, sleep=time.sleep)
    status = seen.value
    if not seen.met:
        conds = check_conditions(status)
        why = "the services did not run again" if "recovered" not in seen_at else \
            "the cluster did not settle (%s)" % conds["settled"][1]
        module.fail_json(msg="%s: %s within %ss" % (drill["id"], why, module.params["duration"]),
                         online=status["nodes_online"], conditions=dict((k, v[1]) for k, v in conds.items()))
    settled_at = time.time()
    res = runner.run(["stonith_admin", "--history=*", "--verbose", "--output-as=xml"], check=False, timeout=30)
    fences = drill_observe.parse_fence_history(res.stdout) if res.rc == 0 else []
    module.exit_json(changed=False, recovered_at=seen_at["recovered"], settled_at=settled_at, fences=fences,
                     online=status["nodes_online"])


def do_log(module, runner):
    """This node's Pacemaker and corosync journal lines about the drill, from 2 s before the fault."""
    drill = module.params["drill"]
    until = module.params["until"] if module.params["until"] is not None else time.time()
    res = runner.run(["journalctl", "-u", "pacemaker", "-u", "corosync", "--no-pager", "-o", "short-unix",
                      "--since", "@%d" % (int(module.params["since"]) - 2), "--until", "@%d" % (int(until) + 2)],
                     check=False, timeout=30)
    log = drill_observe.drill_lines(res.stdout.splitlines(), drill, module.params["services"], limit=60)
    module.exit_json(changed=False, log=log)


def _read_jsonl(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue  # a line cut short when the node died
    return out


def _read_json(path):
    """A JSON file's data, or None when it is missing or cut short (a client that did not finish)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _read_samples(paths):
    """Every sample of the files fetched from the nodes; a node whose file is missing (it never ran) adds none."""
    samples = []
    for path in paths:
        if os.path.exists(path):
            samples.extend(_read_jsonl(path))
    return samples


def do_evaluate(module, runner):
    p = module.params
    samples = _read_samples(p["samples"])
    probes = None
    writes = {}
    if p["probe"] and os.path.exists(p["probe"]):
        probes = drill_judge.probe_rows(_read_jsonl(p["probe"]), p["probe_services"])
        writes = drill_judge.probe_writes(_read_json(p["probe"] + ".summary.json"), p["probe_services"])
    drill = p["drill"]
    result = drill_judge.evaluate(drill, p["services"], samples, probes, p["fences"], p["fault_at"], p["settled_at"],
                                  drill.get("expected") or {}, p["threshold"], fail_before=p["fail_before"],
                                  grace_s=p["grace"] if p["grace"] is not None else drill.get("grace_s"),
                                  fencing_enabled=p["fencing_enabled"], writes=writes)
    module.exit_json(changed=False, result=result)


def do_evaluate_site(module, runner):
    p = module.params
    samples = _read_samples(p["samples"])
    result = site_drill.evaluate(p["site_drill"], samples, p["fault_at"], p["settled_at"], p["threshold"], p["restored_at"])
    module.exit_json(changed=False, site_result=result, markdown=site_drill.render_markdown(result))


def do_report(module, runner):
    rep = module.params["report"]
    out_dir = module.params["report_dir"]
    name = module.params["report_name"]
    texts, markdown = drill_report.report_texts(rep, name)
    files = [os.path.join(out_dir, n) for n in sorted(texts)]
    if module.check_mode:
        module.exit_json(changed=True, files=files)
    os.makedirs(out_dir, exist_ok=True)
    for n, text in texts.items():
        fdesc, tmp = tempfile.mkstemp(dir=out_dir, prefix=".%s." % n)
        with os.fdopen(fdesc, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, os.path.join(out_dir, n))
    module.exit_json(changed=True, files=files, markdown=markdown)


ACTIONS = {"plan": do_plan, "observe": do_observe, "kill": do_kill, "wait": do_wait, "log": do_log, "evaluate": do_evaluate,
           "evaluate_site": do_evaluate_site, "report": do_report}


# Bounds of the numbers: the role's preflight uses the same (roles/failover_drill/tasks/preflight.yml).
BOUNDS = (("interval", 0.1, 60), ("duration", 1, 604800), ("threshold", 1.0, 100), ("fence_action_seconds", 0, 3600))


def input_errors(p):
    """Every message about the values of one call, before anything is read or done."""
    errors = []
    for key, low, high in BOUNDS:
        v.collect(errors, v.number, p[key], key, minimum=low, maximum=high)
    for key in ("path", "probe", "report_dir", "booth_config"):
        if p[key] is not None:
            v.collect(errors, v.absolute_path, p[key].rstrip("/") if key == "report_dir" else p[key], key)
    for i, sample in enumerate(p["samples"] or []):
        v.collect(errors, v.absolute_path, sample, "samples[%d]" % i)
    v.collect(errors, v.file_name, p["report_name"], "report_name")
    errors.extend(drill_plan.planned_errors(p["drill"], p["services"]))
    errors.extend(site_drill.plan_errors(p["site_drill"]))
    for ticket, ids in sorted((p["tickets"] or {}).items()):
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            errors.append("tickets: %s: %r is not a list of resource ids" % (ticket, ids))
    if p["report"] is not None:
        errors.extend(drill_report.report_errors(p["report"]))
    if p["process"] is not None and not p["process"].strip():
        errors.append("process: %r would match every process: give a pattern of the process's command line or "
                      "unit:<name>" % p["process"])
    return errors


def main():
    drill_spec = dict(
        type=dict(type="str", required=True, choices=list(drill_plan.DRILLS)),
        id=dict(type="str"), node=dict(type="str"), service=dict(type="str"), to=dict(type="str"),
        resource=dict(type="str"), process=dict(type="str"),
    )
    module = new_module(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=list(ACTIONS)),
            drills=dict(type="list", elements="dict", options=drill_spec),
            nodes=dict(type="list", elements="str"),
            fence_action_seconds=dict(type="float", default=10),
            interval=dict(type="float", default=0.5),
            path=dict(type="path"),
            watch=dict(type="list", elements="str", default=[]),
            duration=dict(type="int", default=600),
            node=dict(type="str"),
            tickets=dict(type="dict", default={}),
            booth_config=dict(type="path"),
            site_drill=dict(type="dict"),
            process=dict(type="str"),
            drill=dict(type="dict"),
            services=dict(type="list", elements="dict"),
            fail_before=dict(type="dict", default={}),
            since=dict(type="float"),
            until=dict(type="float"),
            samples=dict(type="list", elements="path", default=[]),
            probe=dict(type="path"),
            probe_services=dict(type="dict", default={}),
            fault_at=dict(type="float"),
            settled_at=dict(type="float"),
            restored_at=dict(type="float"),
            fences=dict(type="list", elements="dict", default=[]),
            fencing_enabled=dict(type="bool", default=True),
            threshold=dict(type="float", default=1.5),
            grace=dict(type="float"),
            report=dict(type="dict"),
            report_dir=dict(type="path"),
            report_name=dict(type="str", default="failover-drills"),
        ),
        required_if=[("action", a, fields) for a, fields in REQUIRED.items()],
        supports_check_mode=True,
    )
    with guard(module):
        p = module.params
        errors = input_errors(p)
        if errors:
            module.fail_json(msg="; ".join(errors), errors=errors)
        runner = make_runner(module)
        try:
            ACTIONS[p["action"]](module, runner)
        except (CommandError, StatusParseError, CibError, CmapParseError) as e:
            module.fail_json(msg="Could not read the cluster: %s" % e)


if __name__ == "__main__":
    main()
