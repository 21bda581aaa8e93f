#!/usr/bin/env bash
# Runs `molecule test` for every scenario named on the command line, MOLECULE_JOBS at a time
# (default 2), longest first so the lanes end together. Every scenario has its own containers,
# network and subnet, so scenarios can run side by side.
#
# Each scenario starts clean (fresh_start below), without Molecule's first destroy.
#
# Each scenario's output goes to .build/molecule/NAME.log, every line stamped with the time; its wall
# time goes to .build/molecule-times.tsv and each Molecule step's to .build/molecule-steps.tsv. A
# failed scenario's whole log is printed, a passed one's recap and step times. The run goes on after
# a failure, so one run names every failing scenario; it exits non-zero if any failed.
#
# usage: tests/molecule.sh SCENARIO...        (make molecule [SCENARIOS=...] [MOLECULE_JOBS=1])
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
self=tests/molecule.sh

# "scenario<TAB>step<TAB>seconds" for each Molecule step of a log ("[s > step] Executing" to "Executed").
step_times() {
  awk -v s="$1" '
    function secs(hms,  a) { split(hms, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
    / INFO +\[.* > [a-z_]+\] Executing$/ { match($0, /> [a-z_]+\]/); step = substr($0, RSTART + 2, RLENGTH - 3); t0 = secs($1) }
    / INFO +\[.* > [a-z_]+\] Executed/ && step != "" { d = secs($1) - t0; if (d < 0) d += 86400; n[step]++
      printf "%s\t%s\t%d\n", s, step (n[step] > 1 ? n[step] : ""), d; step = "" }' "$2"
}

# A clean start for scenario $1 without Molecule's first destroy (a playbook run, 15-20 s a scenario; the
# scenarios' test_sequence starts at syntax): the containers its molecule.yml names, left by a run that was
# killed, are removed (docker rm -f, about a second), and so is Molecule's state of them, which lives in
# .build/molecule/state/NAME (MOLECULE_EPHEMERAL_DIRECTORY; it would otherwise say "created" and skip create).
fresh_start() {
  local names
  names=$(python3 -c 'import sys, yaml; print(" ".join(p["name"] for p in yaml.safe_load(open(sys.argv[1]))["platforms"]))' \
    "molecule/$1/molecule.yml") || return 1
  # shellcheck disable=SC2086
  docker rm -f $names >/dev/null 2>&1 || true
  rm -rf ".build/molecule/state/$1" && mkdir -p ".build/molecule/state/$1"
}

run_one() {
  local s=$1 log=.build/molecule/$1.log t0 rc
  t0=$(date +%s)
  echo "== molecule test -s $s: started $(date +%T)"
  fresh_start "$s" || { echo "== molecule test -s $s: cannot read its platforms"; echo "$s" >> "$MOLECULE_FAILED_FILE"; return 1; }
  export MOLECULE_EPHEMERAL_DIRECTORY=$PWD/.build/molecule/state/$s
  # A scenario whose nodes share a disk (CLUSTEROPS_SHARED_DISK in its molecule.yml) gets a blank one of its own.
  local disk=.build/molecule/state/$s-shared-disk.img
  if grep -q CLUSTEROPS_SHARED_DISK "molecule/$s/molecule.yml"; then
    CLUSTEROPS_SHARED_DISK=$(bash lab/shared_disk.sh --fresh "$disk") || { echo "== molecule test -s $s: no shared disk"; echo "$s" >> "$MOLECULE_FAILED_FILE"; return 1; }
    export CLUSTEROPS_SHARED_DISK
  fi
  molecule test -s "$s" 2>&1 | while IFS= read -r line; do printf '%(%T)T %s\n' -1 "$line"; done > "$log"
  rc=${PIPESTATUS[0]}
  bash lab/shared_disk.sh --detach "$disk"
  local t=$(( $(date +%s) - t0 ))
  {
    flock 9
    printf '%s\t%s\n' "$s" "$t" >> .build/molecule-times.tsv
    step_times "$s" "$log" | tee -a .build/molecule-steps.tsv | awk -F'\t' '{printf "   %s %s s;", $2, $3} END {print ""}'
    if [ "$rc" = 0 ]; then
      echo "== molecule test -s $s: passed in $t s"
      grep -A3 'SCENARIO RECAP' "$log" || tail -n 3 "$log"
    else
      echo "$s" >> "$MOLECULE_FAILED_FILE"
      echo "== molecule test -s $s: FAILED (exit $rc) in $t s; its log follows"
      cat "$log"
      echo "== end of $s's log"
    fi
  } 9> .build/molecule/.lock
  return "$rc"
}

# One scenario: how xargs below calls this script.
if [ "${1:-}" = --one ]; then run_one "$2"; exit; fi

jobs=${MOLECULE_JOBS:-2}
out=.build/molecule
mkdir -p "$out"
# Only this run's scenarios are cleared (their logs, their rows of the time tables), and its failures
# go to a file of its own: a run of other scenarios beside it keeps its logs and its list.
failed=$out/failed.$$
export MOLECULE_FAILED_FILE=$failed
: > "$failed"
for s in "$@"; do rm -f "$out/$s.log"; done
for t in .build/molecule-times.tsv .build/molecule-steps.tsv; do
  touch "$t"
  (flock 9; awk -F'\t' -v names=" $* " 'index(names, " " $1 " ") == 0' "$t" > "$t.$$" && mv "$t.$$" "$t") 9> "$out/.lock"
done

# Longest first (wall times measured on this 2-core machine, bench/results/ci_time.json); a scenario
# not listed here runs last. Not strictly by length: the lanes of the CI of 2026-12-07 (measured_2026_12_07_s)
# ended 3033 s and 2931 s in, against 2982 s for a perfect split of the 5964 s; geo (997 s) goes after services
# (1165 s), since either last would run alone at the end.
longest_first=(default rolling_update nodes health failover services geo tuning qdevice)
ordered=()
for s in "${longest_first[@]}"; do
  for r in "$@"; do [ "$r" = "$s" ] && ordered+=("$s"); done
done
for r in "$@"; do
  case " ${longest_first[*]} " in *" $r "*) ;; *) ordered+=("$r") ;; esac
done


t0=$(date +%s)
rc=0
printf '%s\n' "${ordered[@]}" | xargs -P "$jobs" -n 1 bash "$self" --one || rc=$?
echo "== molecule: ${#ordered[@]} scenarios, $jobs at a time, in $(( $(date +%s) - t0 )) s"
awk -F'\t' -v names=" $* " 'index(names, " " $1 " ") > 0' .build/molecule-times.tsv | sort -t$'\t' -k2 -nr | sed 's/^/   /'
# A failed scenario's whole log was printed when it ended, in the middle of the output; repeat the lines
# that say why at the very end, where a reader of the output's tail looks first.
if [ "$rc" != 0 ]; then
  while read -r s; do
    echo "== why $s failed (the last failure lines of .build/molecule/$s.log):"
    grep -E ': fail; |fatal: |FAILED|failed: \[|^[0-9:]+ E  |AssertionError|ERROR|Error: ' ".build/molecule/$s.log" \
      | grep -v 'FAILED - RETRYING' | tail -n 12 | cut -c1-400
  done < "$failed"
  echo "== molecule: failed: $(tr '\n' ' ' < "$failed" 2>/dev/null)"
fi
rm -f "$failed"
exit "$rc"
