#!/usr/bin/env bash
# The format check: every tracked .c and .h file is as clang-format (.clang-format, Debian's
# clang-format 14) writes it.  A file opts out by saying so in its first line, as
# arch/x86/trap_stubs.h does ("clang-format off": gas macros, not C).  Fix a finding with
# `clang-format -i FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format missing (scripts/setup.sh installs it)"; exit 1; }

files=()
while IFS= read -r f; do
	head -n 1 "$f" | grep -q 'clang-format off' && continue
	files+=("$f")
done < <(git ls-files '*.c' '*.h')
if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
	echo "$out" | grep 'error:' | cut -d: -f1 | sort -u | sed 's/^/check_format: not formatted: /'
	echo "check_format: run clang-format -i on the files above"
	exit 1
fi
echo "check_format: ok (${#files[@]} files)"
