#!/usr/bin/env bash
# cppcheck (Debian's) over the product's sources, with the flags they are built with
# (build/compile_commands.json, `make compdb`), warnings, style, performance and portability.
# Test code is not checked.  Suppressions, each with its reason: scripts/cppcheck.supp.
# Usage: scripts/check_cppcheck.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
command -v cppcheck >/dev/null || { echo "check_cppcheck: cppcheck missing (scripts/setup.sh installs it)"; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "check_cppcheck: no $build/compile_commands.json (make compdb)"; exit 1; }

filters=()
for d in lib boot arch kernel vmx vm vmboot pi; do filters+=("--file-filter=$d/*"); done
out=$(cppcheck --project="$build/compile_commands.json" "${filters[@]}" -q -j 2 \
	--enable=warning,style,performance,portability --inline-suppr \
	--suppressions-list=scripts/cppcheck.supp --error-exitcode=0 \
	--template='{file}:{line}: {severity} [{id}] {message}' 2>&1 | grep -v '^$' || true)
if [ -n "$out" ]; then
	echo "$out" | sed 's/^/check_cppcheck: /'
	echo "check_cppcheck: $(echo "$out" | wc -l) finding(s): fix them, or suppress one in scripts/cppcheck.supp with the reason"
	exit 1
fi
echo "check_cppcheck: ok"
