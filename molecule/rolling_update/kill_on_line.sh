#!/usr/bin/env bash
# The fault of the rolling_update scenario: as soon as LOG (the output of a running ansible-playbook)
# has a line containing LINE (the start of a task), `docker kill` VICTIM and write what was done and
# when to OUT (JSON). The scenario waits for the gate after the run's first node, so the node dies
# between two nodes, not yet serviced. Usage: kill_on_line.sh LOG LINE VICTIM OUT [TIMEOUT_SECONDS]
set -u
log=$1 line=$2 victim=$3 out=$4 timeout=${5:-900}
deadline=$(($(date +%s) + timeout))
while [ "$(date +%s)" -lt "$deadline" ]; do
  if [ -f "$log" ] && grep -qF -- "$line" "$log"; then
    t=$(date +%s.%N)
    docker kill "$victim" >/dev/null
    printf '{"killed": "%s", "t": %s, "on": "%s"}\n' "$victim" "$t" "$line" >"$out"
    exit 0
  fi
  sleep 0.2
done
printf '{"killed": null, "on": "%s"}\n' "$line" >"$out"
exit 1
