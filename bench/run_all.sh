#!/usr/bin/env bash
# Every benchmark of the README's performance table, one after the other, in one session:
#
#   bash bench/run_all.sh [LOG]          # default LOG: bench/out/run-all-<UTC time>.log
#
# The table's figures must come from one run (ratios measured side by side, one machine load),
# so this is how they are taken. Each script runs inside the loopback-only network namespace
# (scripts/netns-run.sh; Orthanc binds every address), offscreen for the GUI ones. The log has
# the machine, the load average and the UTC time before every script, then the script's own
# output. A script that fails is named at the end and makes the exit status 1; the others
# still run. Takes about 6 minutes on 2 cores; nothing else should run meanwhile.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root" || exit 1
log="${1:-$repo_root/bench/out/run-all-$(date -u +%Y%m%dT%H%M%SZ).log}"
mkdir -p "$(dirname "$log")"
python="$repo_root/.venv/bin/python"
export QT_QPA_PLATFORM=offscreen

# (script and arguments), in the order of the README's table
runs=(
    "bench/bench_receive.py --files 300 --repeat 3 --big-mb 1024"
    "bench/bench_forward.py --files 300 --repeat 3"
    "bench/bench_concurrent.py --files 400 --senders 4 --repeat 3"
    "bench/bench_catalog.py --patients 500"
    "bench/bench_gui_responsiveness.py --patients 1000"
    "bench/bench_indexing.py --files 10000"
)

{
    failed=()
    echo "run_all.sh: $(nproc) CPUs, $(free -g | awk '/^Mem:/ {print $2}') GiB," \
        "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $("$python" --version 2>&1)"
    for run in "${runs[@]}"; do
        echo
        echo "=== $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg): $run"
        # shellcheck disable=SC2086  # the arguments are meant to split
        if ! bash scripts/netns-run.sh "$python" $run; then
            failed+=("$run")
        fi
    done
    echo
    echo "=== $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg): done"
    if ((${#failed[@]})); then
        printf 'run_all.sh: FAILED: %s\n' "${failed[@]}"
        exit 1  # the group runs in a subshell (the pipe): its status carries the verdict
    fi
} 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "run_all.sh: the log is $log"
exit "$status"
