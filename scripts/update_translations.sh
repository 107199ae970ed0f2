#!/usr/bin/env bash
# Refresh the translations of the GUI:
#
#   bash scripts/update_translations.sh
#
# 1. pyside6-lupdate collects every tr()/translate() string of rtstation/gui/**/*.py into
#    resources/translations/rtstation_<lang>.ts (existing translations are kept; strings
#    that no longer occur are dropped). Translate new entries with pyside6-linguist or by
#    editing the .ts file (remove type="unfinished" when done).
# 2. pyside6-lrelease compiles the .ts into rtstation/resources/translations/, where the
#    package (and rtstation.gui.i18n) finds it at run time.
#
# The tools come from the repository's .venv, else from PATH (PySide6-Essentials ships them);
# set PYSIDE6_BIN to a folder to use other ones.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

languages=(de)

find_tool() {
    local name="$1"
    for dir in "${PYSIDE6_BIN:-}" "$repo_root/.venv/bin"; do
        if [[ -n "$dir" && -x "$dir/$name" ]]; then
            echo "$dir/$name"
            return
        fi
    done
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    echo "update_translations.sh: ERROR: '$name' not found: install PySide6-Essentials" \
        "(bash scripts/install.sh) or set PYSIDE6_BIN" >&2
    exit 1
}

lupdate="$(find_tool pyside6-lupdate)"
lrelease="$(find_tool pyside6-lrelease)"

mapfile -t sources < <(find rtstation/gui -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort)
mkdir -p resources/translations rtstation/resources/translations

for lang in "${languages[@]}"; do
    ts="resources/translations/rtstation_${lang}.ts"
    qm="rtstation/resources/translations/rtstation_${lang}.qm"
    "$lupdate" -no-obsolete -locations relative -target-language "$lang" "${sources[@]}" -ts "$ts"
    "$lrelease" "$ts" -qm "$qm"
done
