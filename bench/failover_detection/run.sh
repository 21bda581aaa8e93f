#!/usr/bin/env bash
# bench/failover_detection: how long the survivors of a 3-node lab cluster take to declare a crashed
# node lost, and how long until a VIP it ran answers again from another node, against the prediction
# token + consensus (the runtime values corosync reports). Cases:
#   lan    the role's lan profile (corosync's defaults: token 3000, token_coefficient 650)
#   short  the lan profile with cluster_totem: {token: 1000}
# Per case: fresh nodes (lab/up.sh), playbooks/site.yml, a VIP made by hand, then BENCH_REPEAT
# (default 3) times: `docker kill` the node running the VIP, measure, `docker start` it again and
# wait until it has rejoined and the cluster has settled. Writes bench/results/failover_detection.json.
# Run: bash bench/failover_detection/run.sh   (with the venv on PATH and ANSIBLE_COLLECTIONS_PATH set)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=$root/bench/failover_detection
export LAB_NETWORK=clusterops-fd LAB_PREFIX=fd-node LAB_SUBNET_PREFIX=172.31.254 LAB_NODES=3
# No Docker socket in the nodes: no fence path, so stonith is off (as this bench measures detection only).
export LAB_INVENTORY=$root/.build/fd-inventory.yml LAB_DOCKER_SOCKET=
out=$root/bench/results/failover_detection.json
repeat=${BENCH_REPEAT:-3}
vip=$LAB_SUBNET_PREFIX.100
nodes=("${LAB_PREFIX}1" "${LAB_PREFIX}2" "${LAB_PREFIX}3")
case "$repeat" in ''|*[!0-9]*|0) echo "bench: BENCH_REPEAT must be a positive whole number" >&2; exit 2;; esac
mkdir -p "$root/.build" "$root/bench/results"
work=$(mktemp -d)
cleanup() { bash lab/down.sh >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

helper() { python3 "$here/measure.py" "$@"; }
now() { date +%s.%N; }
log() { echo "bench: $*" >&2; }

# "<settled 0|1> <vip node> <vip node id> <dc>" as NODE sees it (settled: 3 online, quorate DC, vip started).
status() { { docker exec "$1" crm_mon --output-as=xml 2>/dev/null || true; } | helper status 3; }

# Until NODE sees a settled cluster and Pacemaker has no pending actions, at most $2 seconds.
wait_settled() {
  local node=$1 deadline=$(($(date +%s) + $2)) settled _
  while [ "$(date +%s)" -lt "$deadline" ]; do
    read -r settled _ <<<"$(status "$node")"
    if [ "$settled" = 1 ] && timeout 60 docker exec "$node" crm_resource --wait --timeout=50s >/dev/null 2>&1 \
        && read -r settled _ <<<"$(status "$node")" && [ "$settled" = 1 ]; then
      return 0
    fi
    sleep 0.5
  done
  log "the cluster did not settle within $2 s"; return 1
}

cmap() { docker exec "${nodes[0]}" corosync-cmapctl -g "$1" | awk '{print $NF}'; }

run_case() {
  local name=$1 extra=$2 token consensus case_start r says
  log "case $name: fresh nodes and site.yml -e '$extra'"
  bash lab/up.sh >/dev/null
  ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml -e "$extra" >"$root/.build/fd-deploy-$name.log"
  # The role's own forecast ("lan profile, 3 nodes: a lost node is declared after about ..."), if it prints one.
  says=$(grep -A4 'Plan | report' "$root/.build/fd-deploy-$name.log" | tr -s ' \n' ' ' \
         | sed -n "s/.*msg: '\([^']*\)'.*/\1/p" | tr -d "\"\\\\" || true)
  token=$(cmap runtime.config.totem.token)
  consensus=$(cmap runtime.config.totem.consensus)
  log "case $name: runtime token $token ms, consensus $consensus ms, predicted $((token + consensus)) ms"
  # The VIP, through the collection's cib module. Stonith is off here (LAB_DOCKER_SOCKET= above).
  ansible -i "$LAB_INVENTORY" "${nodes[0]}" -m clusterops.ha.cib -a "{\"primitives\": [{\"id\": \"vip\",
    \"agent\": \"ocf:heartbeat:IPaddr2\", \"params\": {\"ip\": \"$vip\", \"cidr_netmask\": 24},
    \"operations\": [{\"name\": \"monitor\", \"interval\": \"2s\"}]}]}" >/dev/null
  wait_settled "${nodes[0]}" 120
  case_start=$(now)
  : >"$work/kills-$name.jsonl"

  for r in $(seq 1 "$repeat"); do
    local settled victim vid dc survivors=() s t0 die die_s=null vip_t vip_after t_start t_done ev evs="" ok
    read -r settled victim vid dc <<<"$(status "${nodes[0]}")"
    [ "$settled" = 1 ] || { log "not settled before repeat $r"; return 1; }
    for s in "${nodes[@]}"; do [ "$s" = "$victim" ] || survivors+=("$s"); done

    t0=$(now)
    docker kill "$victim" >/dev/null
    timeout 30 docker wait "$victim" >/dev/null
    # The engine keeps only its last 256 events (other users' execs count too): ask for the death now.
    die=$(docker events --since "$((${t0%.*} - 1))" --until "$(now)" --filter "container=$victim" \
          --filter event=die --format '{{.TimeNano}}' | tail -n 1)
    [ -z "$die" ] || die_s=$(awk -v n="$die" 'BEGIN{printf "%.6f", n / 1e9}')
    # From here the old holder is gone: the first echo reply comes from the new one.
    vip_t=$(helper probe "$vip" 120) || { vip_t=null; log "the VIP did not answer within 120 s"; }

    # Each survivor's own corosync journal: when it saw the link go, the token expire, the node leave.
    for s in "${survivors[@]}"; do
      ok=0
      for _ in $(seq 1 120); do
        ev=$({ docker exec "$s" journalctl -u corosync -o json --no-pager --since "@$((${t0%.*} - 1))" || true; } \
             | helper events "$t0" "$vid")
        if ! grep -q '"membership": null' <<<"$ev"; then ok=1; break; fi
        sleep 0.5
      done
      [ "$ok" = 1 ] || log "$s did not log $victim as lost within 60 s"
      evs="${evs:+$evs,}$ev"
    done
    read -r _ vip_after _ _ <<<"$(status "${survivors[0]}")"

    t_start=$(now)
    docker start "$victim" >/dev/null
    wait_settled "${survivors[0]}" 240
    t_done=$(now)
    printf '{"t0": %s, "until": %s, "id": %s, "name": "%s"}\n' "$t0" "$t_done" "$vid" "$victim" \
      >>"$work/kills-$name.jsonl"
    printf '{"case": "%s", "extra_vars": %s, "role_report": "%s", "token": %s, "consensus": %s, "t0": %s, "die": %s, "killed": "%s", "dc": "%s", "vip": %s, "vip_after": "%s", "rejoin_s": %s, "survivors": [%s]}\n' \
      "$name" "$extra" "$says" "$token" "$consensus" "$t0" "$die_s" \
      "$victim" "$dc" "$vip_t" "$vip_after" "$(awk -v a="$t_start" -v b="$t_done" 'BEGIN{printf "%.1f", b - a}')" "$evs" \
      >>"$work/repeats.jsonl"
    log "case $name repeat $r: killed $victim (DC: $dc); VIP now on $vip_after"
  done

  # Corosync events on any node during the case that no kill explains (spurious membership changes).
  for s in "${nodes[@]}"; do
    docker exec "$s" journalctl -u corosync -o json --no-pager --since "@${case_start%.*}" >"$work/journal-$name-$s.json"
  done
  printf '{"case": "%s", "extra_vars": %s, "role_report": "%s", "token": %s, "consensus": %s, "spurious": %s}\n' \
    "$name" "$extra" "$says" "$token" "$consensus" \
    "$(helper spurious -k "$work/kills-$name.jsonl" "$work"/journal-"$name"-*.json)" >>"$work/repeats.jsonl"
  bash lab/down.sh >/dev/null
}

others=$(docker ps -q | wc -l)
load=$(cut -d' ' -f1 /proc/loadavg)
run_case lan '{"cluster_totem_profile": "lan"}'
run_case short '{"cluster_totem_profile": "lan", "cluster_totem": {"token": 1000}}'

helper report "$out" \
  "detection_ms: t0 is the host clock right before 'docker kill' of the node running the VIP; the end is the first survivor's corosync journal entry 'A new membership (...) was formed. Members left: <id>'. Its timestamp is journald's _SOURCE_REALTIME_TIMESTAMP (the kernel's time when corosync's logging thread sent the line; microseconds, and the same clock as the host's because containers share the kernel). That is more exact than polling membership with docker exec (100 ms or more per round on this machine) and than corosync.log, whose 'timestamp: on' has whole seconds. token_expired_ms and knet_link_down_ms are the 'A processor failed, forming new configuration' and 'KNET link ... is down' entries of the same journal." \
  "predicted_detection_ms = runtime.config.totem.token + runtime.config.totem.consensus read from corosync-cmapctl on the running cluster. With 3 nodes the runtime token includes token_coefficient (650 ms per node over two), so token 3000 runs as 3650 and token 1000 as 1650; consensus is 1.2 x the runtime token." \
  "Two small offsets pull in opposite directions: detection_ms includes docker's own kill latency (kill_to_die_ms, up to the engine's 'die' event), and a survivor's token timer runs from the last time it received the token, which on an idle ring (each node may hold the token up to 'hold' ms) can be a few hundred ms before the kill, so token_expired_ms can be below the runtime token." \
  "vip_answers_ms: first ICMP echo reply from the VIP to the host (raw socket, one probe every 50 ms, started once the killed container had died), so it adds Pacemaker's reaction after the membership change: the controller and scheduler on the DC (a new DC election first when the killed node was the DC) and IPaddr2's start with its gratuitous ARP. Stonith is disabled in the lab, so no fencing delay is included; with fencing the VIP comes back only after the fence succeeds. The VIP (IPaddr2, monitor 2 s) is created with the collection's cib module." \
  "spurious_membership_events lists corosync token warnings, token losses and membership changes on any node that no kill explains, from the VIP's creation to the end of the case; an empty list means none were seen." \
  "Load: $(nproc) CPUs, 1-minute load average $load at the start, $others other containers of other users running on the same engine at the start." \
  <"$work/repeats.jsonl"
