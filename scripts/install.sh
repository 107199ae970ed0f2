#!/usr/bin/env bash
# Install what rtstation needs to run on a fresh Debian machine, then the package itself.
#
#   bash scripts/install.sh          # Qt runtime libraries + .venv with rtstation
#   bash scripts/install.sh --test   # also the test peers and tools (dcmtk, orthanc, xvfb, ...)
#                                    # and the [test] extras in .venv
#
# Safe to run again: apt packages are installed only when dpkg says they are missing, and
# pip runs only when pyproject.toml (or the mode) changed since the last successful run.
# No system service is started: while apt installs, /usr/sbin/policy-rc.d denies service starts.
set -euo pipefail

usage() {
    echo "usage: bash scripts/install.sh [--test]" >&2
}

with_test=0
for arg in "$@"; do
    case "$arg" in
        --test) with_test=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$arg'" >&2; usage; exit 2 ;;
    esac
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

say() { echo "install.sh: $*"; }
die() { echo "install.sh: ERROR: $*" >&2; exit 1; }

# --- apt packages ---------------------------------------------------------------------------

# Offscreen Qt, then the xcb platform plugin (a real window under X or Xvfb).
packages=(
    libglib2.0-0 libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
    libxcb-shape0 libxkbcommon-x11-0
)
if [[ $with_test -eq 1 ]]; then
    # Test peers (storescp/storescu/echoscu, Orthanc), a virtual display, and the tools
    # scripts/netns-run.sh uses for a loopback-only network namespace.
    packages+=(dcmtk orthanc xvfb xauth iproute2 util-linux openssl)
fi

python_bin="${PYTHON:-python3}"
command -v "$python_bin" >/dev/null 2>&1 \
    || die "'$python_bin' not found: install Python 3.10 or newer (apt-get install python3 python3-venv)"
# Debian's own python3 needs python3-venv for 'python -m venv'; a pyenv/python.org build has it.
if ! "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    if [[ "$("$python_bin" -c 'import sys; print(sys.prefix)')" == /usr ]]; then
        packages+=(python3-venv)
    else
        die "'$python_bin' has no working venv/ensurepip module: rebuild or reinstall that Python"
    fi
fi

is_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${packages[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
else
    say "WARNING: dpkg-query not found (not Debian?); skipping the system package check."
    say "         The station needs: ${packages[*]}"
fi

if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        as_root=(none)
    fi
    if [[ "${as_root[*]}" == none ]]; then
        echo "install.sh: WARNING: not root and no sudo: cannot install system packages." >&2
        echo "install.sh: WARNING: as root, run:" >&2
        echo "    apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    else
        say "installing system packages: ${missing[*]}"
        # Deny service starts while apt runs (the orthanc package enables a service).
        created_policy=0
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\n# written by rtstation scripts/install.sh for the duration of apt-get\nexit 101\n' \
                | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
            "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
            created_policy=1
        fi
        cleanup_policy() {
            if [[ $created_policy -eq 1 ]]; then
                "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
                created_policy=0
            fi
        }
        trap cleanup_policy EXIT
        export DEBIAN_FRONTEND=noninteractive
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            || die "'apt-get update' failed: check the network and /etc/apt/sources.list"
        "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null \
            || die "'apt-get install ${missing[*]}' failed: see apt's message above"
        cleanup_policy
        trap - EXIT
        still_missing=()
        for pkg in "${missing[@]}"; do
            is_installed "$pkg" || still_missing+=("$pkg")
        done
        [[ ${#still_missing[@]} -eq 0 ]] \
            || die "apt-get finished but these packages are not installed: ${still_missing[*]}"
    fi
fi

# --- Python virtual environment -------------------------------------------------------------

venv=".venv"
if [[ ! -x "$venv/bin/python" ]]; then
    say "creating $venv with $("$python_bin" --version 2>&1)"
    "$python_bin" -m venv "$venv" || die "'$python_bin -m venv $venv' failed"
fi
"$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$venv uses Python $("$venv/bin/python" --version 2>&1); rtstation needs 3.10 or newer: delete $venv and rerun with PYTHON=python3.11"

if [[ $with_test -eq 1 ]]; then
    target=".[test]"
else
    target="."
fi
# Skip pip when nothing changed since the last successful install of the same target.
stamp="$venv/.rtstation-install-stamp"
want="$target $(sha256sum pyproject.toml | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [[ ( "$have" == "$want" || "$have" == ".[test] ${want#* }" ) ]] \
        && "$venv/bin/python" -I -c 'import rtstation' 2>/dev/null; then
    :
else
    say "pip install -e '$target' into $venv"
    export PIP_DISABLE_PIP_VERSION_CHECK=1
    "$venv/bin/python" -m pip install -q -e "$target" \
        || die "'pip install -e $target' failed: see pip's message above"
    echo "$want" > "$stamp"
fi
say "ok ($venv ready$([[ $with_test -eq 1 ]] && echo ', test tools installed'))"
