"""Helpers for bench/failover_detection/run.sh (standard library only).

Subcommands:
  status NODES          crm_mon XML on stdin -> "<settled> <vip node|-> <vip node id|-> <dc node|->"
                        settled is 1 when NODES nodes are online, the DC has quorum and vip is started
  probe IP SECONDS      ICMP echo to IP every 50 ms; prints the host time of the first reply, or exits 1
  events T0 ID          `journalctl -o json` of corosync on a survivor on stdin -> one JSON object with the
                        survivor's own timestamps of the first KNET link down, token loss and new membership
                        without node ID after T0
  spurious FILE...      JSON lines of kills (-k) and journals (the rest) -> membership events not caused by a kill
  report OUT NOTES...   the repeats (JSON lines on stdin) -> the results file, and a table on stdout
"""

import datetime
import json
import os
import re
import select
import socket
import statistics
import struct
import sys
import time
import xml.etree.ElementTree as ET

TARGET_RATIO = 1.3
MEMBERSHIP = re.compile(r"A new membership \(\S+\) was formed\.(?: Members joined: ([\d ]+?))?(?: Members left: ([\d ]+))?$")


def status(nodes):
    """Summarise crm_mon --output-as=xml for the shell."""
    try:
        root = ET.fromstring(sys.stdin.read())
    except ET.ParseError:
        print("0 - - -")
        return
    dc = root.find("summary/current_dc")
    members = root.findall("nodes/node")
    ok = (dc is not None and dc.get("present") == "true" and dc.get("with_quorum") == "true"
          and len(members) == nodes and all(m.get("online") == "true" for m in members))
    vip_node = vip_id = "-"
    for res in root.findall("resources/resource"):
        if res.get("id") == "vip" and res.get("role") == "Started" and res.get("failed") == "false":
            where = res.findall("node")
            if len(where) == 1:
                vip_node, vip_id = where[0].get("name"), where[0].get("id")
    settled = ok and vip_node != "-"
    dc_name = dc.get("name") if dc is not None and dc.get("present") == "true" else "-"
    print("%d %s %s %s" % (settled, vip_node, vip_id, dc_name))


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def probe(address, seconds):
    """Send an ICMP echo every 50 ms until one is answered; print the time of that answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    deadline = time.time() + seconds
    seq = 0
    while time.time() < deadline:
        seq = (seq + 1) & 0xFFFF
        payload = b"clusterops-fd"
        header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        header = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, seq)
        try:
            sock.sendto(header + payload, (address, 0))
        except OSError:
            pass  # no ARP answer yet (EHOSTUNREACH): try again
        until = time.time() + 0.05
        while True:
            left = until - time.time()
            if left <= 0:
                break
            ready = select.select([sock], [], [], left)[0]
            if not ready:
                break
            packet, peer = sock.recvfrom(2048)
            now = time.time()
            ihl = (packet[0] & 0x0F) * 4
            fields = struct.unpack("!BBHHH", packet[ihl:ihl + 8])
            kind, rid, src = fields[0], fields[3], peer[0]
            if src == address and kind == 0 and rid == ident:
                print("%.6f" % now)
                return 0
    return 1


def _records(stream):
    for line in stream:
        line = line.strip()
        if not line.startswith("{"):
            continue
        rec = json.loads(line)
        stamp = rec.get("_SOURCE_REALTIME_TIMESTAMP") or rec.get("__REALTIME_TIMESTAMP")
        yield int(stamp) / 1e6, rec.get("_HOSTNAME", "?"), rec.get("MESSAGE", "")


def events(t0, node_id):
    """First corosync events on one survivor after t0 that concern node_id."""
    out = {"knet_down": None, "token_lost": None, "token_lost_text": None, "membership": None,
           "membership_text": None, "host": None}
    for stamp, host, msg in _records(sys.stdin):
        if stamp < t0:
            continue
        out["host"] = host
        if out["knet_down"] is None and re.search(r"link: host: %d link: \d+ is down" % node_id, msg):
            out["knet_down"] = stamp
        if out["token_lost"] is None and "A processor failed, forming new configuration" in msg:
            out["token_lost"], out["token_lost_text"] = stamp, msg.strip()
        match = MEMBERSHIP.search(msg.strip())
        if out["membership"] is None and match and str(node_id) in (match.group(2) or "").split():
            out["membership"], out["membership_text"] = stamp, msg.strip()
    print(json.dumps(out))


def spurious(paths):
    """Corosync membership events and token warnings that no kill explains.

    Kills come as JSON lines {"t0", "until", "id", "name"} in the file after -k. Between a kill's
    t0 and its "until" (rejoined and settled) these are expected: anything on the killed node (its
    boot and join), a membership that names the killed node as left or joined, and on each survivor
    the first token warning and the first token loss. Everything else is reported.
    """
    kills, journals = [], []
    args = list(paths)
    while args:
        path = args.pop(0)
        if path == "-k":
            with open(args.pop(0), encoding="utf-8") as handle:
                kills = [json.loads(x) for x in handle if x.strip()]
        else:
            journals.append(path)
    found, seen = [], set()
    for path in journals:
        with open(path, encoding="utf-8") as handle:
            for stamp, host, msg in _records(handle):
                msg = msg.strip()
                match = MEMBERSHIP.search(msg)
                if "A processor failed" in msg:
                    kind = "token_lost"
                elif "Token has not been received" in msg:
                    kind = "token_warning"
                elif match:
                    kind = "membership"
                else:
                    continue
                explained = False
                for number, kill in enumerate(kills):
                    if not kill["t0"] <= stamp <= kill["until"]:
                        continue
                    named = match and str(kill["id"]) in ((match.group(1) or "") + " " + (match.group(2) or "")).split()
                    first = kind != "membership" and (number, host, kind) not in seen
                    if host == kill["name"] or named or first:
                        explained = True
                        seen.add((number, host, kind))
                if not explained:
                    found.append({"time": round(stamp, 3), "host": host, "kind": kind, "message": msg})
    print(json.dumps(found))


def _ms(value):
    return None if value is None else round(value * 1000)


def report(out, notes):
    """Collect the repeats and write the results file."""
    cases = {}
    order = []
    for line in sys.stdin:
        if not line.strip():
            continue
        rec = json.loads(line)
        if rec["case"] not in cases:
            order.append(rec["case"])
            cases[rec["case"]] = {"case": rec["case"], "extra_vars": rec["extra_vars"],
                                  "role_report": rec.get("role_report") or None,
                                  "runtime_token_ms": rec["token"], "runtime_consensus_ms": rec["consensus"],
                                  "predicted_detection_ms": rec["token"] + rec["consensus"],
                                  "repeats": [], "spurious_membership_events": []}
        case = cases[rec["case"]]
        if rec.get("spurious") is not None:
            case["spurious_membership_events"] = rec["spurious"]
            continue
        survivors = rec["survivors"]
        firsts = [s for s in survivors if s["membership"] is not None]
        detect = min(s["membership"] for s in firsts) if firsts else None
        lost = [s["token_lost"] for s in survivors if s["token_lost"] is not None]
        knet = [s["knet_down"] for s in survivors if s["knet_down"] is not None]
        t0 = rec["t0"]
        case["repeats"].append({
            "killed": rec["killed"], "killed_was_dc": rec["killed"] == rec["dc"],
            "kill_to_die_ms": _ms(rec["die"] - t0) if rec.get("die") else None,
            "detection_ms": _ms(detect - t0) if detect else None,
            "token_expired_ms": _ms(min(lost) - t0) if lost else None,
            "knet_link_down_ms": _ms(min(knet) - t0) if knet else None,
            "vip_answers_ms": _ms(rec["vip"] - t0) if rec.get("vip") else None,
            "vip_now_on": rec["vip_after"],
            "rejoin_and_settle_s": rec["rejoin_s"],
            "survivor_membership_lines": [s["membership_text"] for s in survivors],
        })
    for case in cases.values():
        found = [r["detection_ms"] for r in case["repeats"] if r["detection_ms"] is not None]
        vips = [r["vip_answers_ms"] for r in case["repeats"] if r["vip_answers_ms"] is not None]
        case["detection_ms_median"] = statistics.median(found) if found else None
        case["vip_answers_ms_median"] = statistics.median(vips) if vips else None
        complete = found and len(found) == len(case["repeats"])
        case["ratio_measured_over_predicted"] = (round(case["detection_ms_median"] / case["predicted_detection_ms"], 3)
                                                 if found else None)
        case["ratio_max"] = round(max(found) / case["predicted_detection_ms"], 3) if found else None
        case["target_met"] = bool(complete and case["ratio_max"] <= TARGET_RATIO)
    result = {
        "bench": "failover_detection",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "load_average_1m_at_end": round(os.getloadavg()[0], 2)},
        "nodes": 3,
        "target": "measured loss-detection time <= %.1f x predicted (token + consensus, runtime values); "
                  "target_met needs every repeat within it" % TARGET_RATIO,
        "cases": [cases[name] for name in order],
        "notes": list(notes),
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
        handle.write("\n")
    print("%-6s %6s %9s %10s %16s %8s %14s %6s %9s" % (
        "case", "token", "consensus", "predicted", "detection(each)", "median", "vip(each)", "ratio", "target"))
    for case in result["cases"]:
        each = ",".join(str(r["detection_ms"]) for r in case["repeats"])
        vips = ",".join(str(r["vip_answers_ms"]) for r in case["repeats"])
        print("%-6s %6d %9d %10d %16s %8s %14s %6s %9s" % (
            case["case"], case["runtime_token_ms"], case["runtime_consensus_ms"], case["predicted_detection_ms"],
            each, case["detection_ms_median"], vips, case["ratio_measured_over_predicted"],
            "met" if case["target_met"] else "NOT met"))
        if case["spurious_membership_events"]:
            print("  %s: %d corosync event(s) not caused by a kill (see the results file)"
                  % (case["case"], len(case["spurious_membership_events"])))
    print("ms from the kill; written %s" % out)


def main(argv):
    """Dispatch the subcommand."""
    cmd, args = argv[0], argv[1:]
    if cmd == "status":
        status(int(args[0]))
    elif cmd == "probe":
        return probe(args[0], float(args[1]))
    elif cmd == "events":
        events(float(args[0]), int(args[1]))
    elif cmd == "spurious":
        spurious(args)
    elif cmd == "report":
        report(args[0], args[1:])
    else:
        print("measure.py: unknown subcommand %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
