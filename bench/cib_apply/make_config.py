"""Write the bench's desired configuration: N Dummy primitives with operations and meta, a
colocation and an order per pair, and a location for every fifth one (JSON, as cib module options)."""
import json
import sys

n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
nodes = sys.argv[3].split(",") if len(sys.argv) > 3 else ["bench-node1"]
prims, colos, orders, locs = [], [], [], []
for i in range(1, n + 1):
    rid = "bench-%02d" % i
    prims.append({
        "id": rid,
        "agent": "ocf:pacemaker:Dummy",
        "meta": {"migration-threshold": 3, "resource-stickiness": 50},
        "utilization": {"cpu": 1},
        "operations": [
            {"name": "monitor", "interval": "30s", "timeout": "20s", "on_fail": "restart"},
            {"name": "start", "timeout": "20s"},
            {"name": "stop", "timeout": "20s"},
        ],
    })
    if i % 2 == 0:
        prev = "bench-%02d" % (i - 1)
        colos.append({"resource": rid, "with": prev, "score": "INFINITY"})
        orders.append({"first": prev, "then": rid, "kind": "Mandatory"})
    if i % 5 == 0:
        locs.append({"resource": rid, "node": nodes[i % len(nodes)], "score": "50"})
with open(sys.argv[1], "w") as f:
    json.dump({"bench_primitives": prims, "bench_colocations": colos, "bench_orders": orders,
               "bench_locations": locs}, f, indent=1)
