#!/usr/bin/env bash
# Run a command in a private network namespace that has only loopback.
#
#   bash scripts/netns-run.sh CMD [ARG...]
#
# The test peers (Orthanc 1.10 in particular) listen on 0.0.0.0 whatever their configuration
# says; inside this namespace nothing they open is reachable from beyond this machine.
# As root this is 'unshare -n'; otherwise, or when that is refused, 'unshare -rn' (a user
# namespace in which we are root).
# When neither is permitted (some containers) it warns loudly and runs CMD directly: the tests
# bind 127.0.0.1 only, but Orthanc is then reachable from the network while tests run.
# The exit status is CMD's.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: bash scripts/netns-run.sh CMD [ARG...]" >&2
    exit 2
fi

# Already inside the private namespace (nested call)?
if [[ "${RTSTATION_NETNS:-}" == 1 ]]; then
    exec "$@"
fi

warn() {
    {
        echo "netns-run.sh: ########################################################################"
        echo "netns-run.sh: WARNING: $*"
        echo "netns-run.sh: WARNING: running WITHOUT a private network namespace: peers that bind"
        echo "netns-run.sh: WARNING: 0.0.0.0 (Orthanc) are reachable from the network during the run."
        echo "netns-run.sh: ########################################################################"
    } >&2
}

if ! command -v unshare >/dev/null 2>&1; then
    warn "'unshare' not found (apt-get install util-linux)"
    exec "$@"
fi
ip_bin="$(command -v ip || true)"
if [[ -z "$ip_bin" ]]; then
    warn "'ip' not found (apt-get install iproute2)"
    exec "$@"
fi

# As root a plain network namespace; otherwise (or where root may not make one, as in some
# containers) a user namespace that maps us to root inside it.
if [[ $(id -u) -eq 0 ]]; then
    candidates=("-n" "-r -n")
else
    candidates=("-r -n")
fi

# Probe first, so a command that fails is never mistaken for a namespace that cannot be made.
unshare_args=()
probe_errors=""
for candidate in "${candidates[@]}"; do
    read -r -a args <<< "$candidate"
    if probe_err="$(unshare "${args[@]}" -- "$ip_bin" link set lo up 2>&1)"; then
        unshare_args=("${args[@]}")
        break
    fi
    probe_errors+="'unshare $candidate': ${probe_err//$'\n'/ }; "
done
if [[ ${#unshare_args[@]} -eq 0 ]]; then
    warn "no private network namespace is permitted here (${probe_errors%; })"
    exec "$@"
fi

echo "netns-run.sh: running in a private network namespace (unshare ${unshare_args[*]}), loopback only" >&2
export RTSTATION_NETNS=1
exec unshare "${unshare_args[@]}" -- /usr/bin/env bash -c '
    "$0" link set lo up || { echo "netns-run.sh: cannot bring up lo in the new namespace" >&2; exit 125; }
    exec "$@"
' "$ip_bin" "$@"
