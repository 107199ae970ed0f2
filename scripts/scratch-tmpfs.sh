#!/usr/bin/env bash
# Run a command with its scratch folder (TMPDIR) on a private RAM disk.
#
#   bash scripts/scratch-tmpfs.sh CMD [ARG...]
#
# The test suite writes about a gigabyte of short-lived files (stations' storage, spools and
# catalogs, Orthanc's storage, generated studies), and every received instance is fsynced.
# On a disk that costs about a fifth of the suite's time in journal work and fsync waits,
# none of which any test is about: a SIGKILL leaves the page cache intact, so the kill tests
# prove the same on a RAM disk, and no test can pull the power. The benches (bench/) measure
# on the disk.
#
# The RAM disk is a tmpfs mounted in a private mount namespace ('unshare -m'): nothing else on
# the machine sees it, and it is gone, with everything on it, when CMD's last process exits.
# Keep a failed run's files by running on the disk instead:
#
#   RTSTATION_TEST_TMPFS=0 bash scripts/test.sh
#
# CMD runs on the disk, with a notice, when RTSTATION_TEST_TMPFS=0, when the machine has
# less than 4 GiB of memory available, or when a mount namespace is not permitted here.
# The exit status is CMD's.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: bash scripts/scratch-tmpfs.sh CMD [ARG...]" >&2
    exit 2
fi

# on_disk WHY CMD...: run CMD with TMPDIR as it is, saying why.
on_disk() {
    echo "scratch-tmpfs.sh: scratch files on the disk ($1)" >&2
    shift
    exec "$@"
}

[[ "${RTSTATION_TEST_TMPFS:-1}" == 0 ]] && on_disk "RTSTATION_TEST_TMPFS=0" "$@"
available_kib="$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)"
(( ${available_kib:-0} < 4 * 1024 * 1024 )) && on_disk "less than 4 GiB of memory available" "$@"
command -v unshare >/dev/null 2>&1 || on_disk "'unshare' not found" "$@"

# The mount point: a fresh, empty folder, so nothing already there is hidden by the mount.
mount_point="$(mktemp -d "${TMPDIR:-/tmp}/rtstation-scratch.XXXXXX")"
# As root (also root inside a user namespace) a plain mount namespace; otherwise a user
# namespace that maps us to root inside it. Probe first, so a command that fails is never
# mistaken for a namespace that cannot be made.
for candidate in "-m" "-r -m"; do
    read -r -a args <<< "$candidate"
    if unshare "${args[@]}" -- mount -t tmpfs -o mode=0700 tmpfs "$mount_point" 2>/dev/null; then
        echo "scratch-tmpfs.sh: scratch files on a private RAM disk (unshare ${args[*]})" >&2
        # The RAM disk goes with the namespace when CMD ends; the empty folder it was
        # mounted on is removed here.
        set +e
        unshare "${args[@]}" -- /usr/bin/env bash -c '
            mount -t tmpfs -o mode=0700 tmpfs "$0" || exit 125
            TMPDIR="$0" "$@"
        ' "$mount_point" "$@"
        status=$?
        rmdir "$mount_point" 2>/dev/null || true
        exit "$status"
    fi
done
rmdir "$mount_point" 2>/dev/null || true
on_disk "a private mount namespace is not permitted here" "$@"
