#!/usr/bin/env bash
# Capture the unit tests' lab fixtures from a running lab (make lab [LAB_SUITE=trixie]) into DIR:
# the healthy cluster's status tools and CIB, each node's facts, then a ban and a failed action, undone
# at the end. The tests read the same file names for every release (tests/unit/fixtures/health/<suite>).
#   bash lab/capture_fixtures.sh tests/unit/fixtures/health/trixie
set -euo pipefail
out=${1:?usage: capture_fixtures.sh DIR}
node=${LAB_PREFIX:-lab-node}1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
x() { docker exec "$node" "$@"; }

x crm_resource --wait --timeout 120 >/dev/null
dc=$(x crmadmin -D -t 5000 --output-as=xml | sed -n 's/.*<dc node_name="\([^"]*\)".*/\1/p')
x crm_mon --output-as=xml >"$out/crm_mon.lab.xml"
x cibadmin --query >"$out/cib.lab.xml"
x corosync-quorumtool -s >"$out/quorumtool.lab.txt"
x corosync-cfgtool -s >"$out/cfgtool-s.lab.txt"
x crmadmin -D -t 5000 --output-as=xml >"$out/crmadmin-D.lab.xml"
x crmadmin -S "$dc" -t 5000 --output-as=xml >"$out/crmadmin-S.lab.xml"
x corosync-cmapctl >"$out/cmapctl.lab.txt"
x corosync -v >"$out/corosync-v.txt"
x pacemakerd --version >"$out/pacemakerd-version.txt"
x sh -c 'cibadmin --query >/tmp/cib.xml && crm_simulate --xml-file /tmp/cib.xml --run --output-as=xml' \
  >"$out/simulate.lab-live.xml"

# Each node's facts as the cluster_node_facts module reads them.
ansible -i "${LAB_INVENTORY:-$here/inventory.yml}" cluster -o -m clusterops.ha.cluster_node_facts 2>/dev/null |
  python3 -c '
import json, sys
facts = {}
for line in sys.stdin:
    host, _, rest = line.partition(" | ")
    body = json.loads(rest.split(" => ", 1)[1])
    facts[host.strip()] = body["facts"]
json.dump(facts, sys.stdout, indent=2, sort_keys=True)
print()' >"$out/node_facts.lab.json"

# A ban of site-vip from a node it does not run on, then a failed action of site-nginx where it runs.
vip_on=$(x crm_resource --locate --resource site-vip | sed -n 's/.*running on: \(\S*\).*/\1/p')
other=$(x crm_node -l | awk '{print $2}' | grep -vx "$vip_on" | head -1)
x crm_resource --ban --resource site-vip --node "$other" >/dev/null
x cibadmin --query >"$out/cib.lab-ban.xml"
x crm_resource --fail --resource site-nginx --node "$vip_on" >/dev/null
sleep 5
x crm_mon --output-as=xml >"$out/crm_mon.lab-failcount.xml"
x crm_resource --cleanup --resource site-nginx >/dev/null
x crm_resource --clear --resource site-vip >/dev/null
x crm_resource --wait --timeout 120 >/dev/null
echo "capture_fixtures.sh: $(find "$out" -maxdepth 1 -type f | wc -l) files in $out (DC $dc, ban of site-vip from $other)"
