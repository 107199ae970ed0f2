#!/usr/bin/env bash
# The test command:
#
#   bash scripts/test.sh [PYTEST-ARGS...]
#
# 1. scripts/install.sh --test   (apt packages if missing, .venv with rtstation[test])
# 2. ruff check .
# 3. lint-imports                (the layer contracts in pyproject.toml)
# 4. on a fresh clone: compile rtstation and the tests, and collect them once
# 5. pytest over tests/ with two workers per core (or over PYTEST-ARGS), Qt offscreen, in a
#    private network namespace with only loopback (scripts/netns-run.sh), its scratch files
#    on a private RAM disk (scripts/scratch-tmpfs.sh; RTSTATION_TEST_TMPFS=0: on the disk).
#
# Every step runs even when an earlier check fails, so one run shows everything. The exit
# status is pytest's when pytest fails, else 1 when ruff or lint-imports failed, else 0.
# pytest's "no tests collected" (exit 5) is a failure.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root" || exit 1

bash scripts/install.sh --test || {
    echo "test.sh: ERROR: scripts/install.sh --test failed; nothing was tested" >&2
    exit 1
}

venv_bin="$repo_root/.venv/bin"

echo "test.sh: ruff check ."
"$venv_bin/ruff" check .
ruff_rc=$?

echo "test.sh: lint-imports"
"$venv_bin/lint-imports" --no-cache --no-logo
lint_rc=$?

export QT_QPA_PLATFORM=offscreen
export PYTHONUNBUFFERED=1
# Bytecode is cached (in __pycache__, ignored by git), even where the environment says not
# to: the tests start about a hundred `python -m rtstation` processes, and each would
# otherwise compile every module again (and every worker rewrite every test's asserts).
unset PYTHONDONTWRITEBYTECODE

# On a fresh clone nothing is compiled yet, and every pytest worker would rewrite the asserts
# of all 27,000 lines of tests itself (about 3 s of CPU each) and compile rtstation itself,
# all at once at the start. Compiling once first, and collecting once (which writes pytest's
# rewritten test modules to __pycache__), costs about 6 s on one core and saves about 15 s
# of CPU in the workers. Skipped once the rewritten modules are there.
if ! compgen -G "tests/core/__pycache__/*-pytest-*.pyc" >/dev/null; then
    echo "test.sh: compiling rtstation and tests once before the workers start"
    "$venv_bin/python" -m compileall -q -j 0 rtstation tests >/dev/null
    "$venv_bin/python" -m pytest --collect-only -q -p no:cacheprovider \
        -p no:xdist tests >/dev/null 2>&1 || true
fi

pytest_log="$(mktemp "${TMPDIR:-/tmp}/rtstation-pytest.XXXXXX")"
trap 'rm -f "$pytest_log"' EXIT

if [[ $# -eq 0 ]]; then
    # The whole suite runs in parallel (pytest-xdist): each test starts its own peers on free
    # loopback ports and works in its own temporary folders, so tests never share state.
    # Two workers per core: a peer test spends much of its time waiting for a peer process
    # (storescp, Orthanc, a station), and the other worker on that core runs meanwhile.
    # --durations=5: every run names its five slowest tests, so a slow one is seen at once.
    set -- tests -n "$(( $(nproc) * 2 ))" --durations=5
fi
echo "test.sh: pytest $*"
bash scripts/netns-run.sh bash scripts/scratch-tmpfs.sh "$venv_bin/python" -m pytest "$@" 2>&1 \
    | tee "$pytest_log"
pytest_rc=${PIPESTATUS[0]}

summary="$(grep -v '^[[:space:]]*$' "$pytest_log" | tail -n 1)"

echo
echo "==================================== test.sh summary ===================================="
[[ $ruff_rc -eq 0 ]] && echo "ruff check .  : ok" || echo "ruff check .  : FAILED (exit $ruff_rc, see above)"
[[ $lint_rc -eq 0 ]] && echo "lint-imports  : ok" || echo "lint-imports  : FAILED (exit $lint_rc, see above)"
case $pytest_rc in
    0) echo "pytest        : ok" ;;
    5) echo "pytest        : FAILED: no tests were collected (exit 5); check the paths and -k/-m arguments" ;;
    *) echo "pytest        : FAILED (exit $pytest_rc)" ;;
esac
echo "$summary"

if [[ $pytest_rc -ne 0 ]]; then
    exit "$pytest_rc"
fi
if [[ $ruff_rc -ne 0 || $lint_rc -ne 0 ]]; then
    exit 1
fi
exit 0
