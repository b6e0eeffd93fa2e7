#!/usr/bin/env bash
# The product holds no test code: no global symbol that a test object defines may be in
# build/pihv.elf, and its test seam must be the empty one (docs/architecture.md, "Two images").
# Usage: scripts/check_product.sh <product.elf> <test objects...>
set -euo pipefail
elf=$1; shift
test_syms=$(nm --defined-only -g "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u)
prod_syms=$(nm --defined-only "$elf" | awk 'NF == 3 { print $3 }' | sort -u)
leaked=$(comm -12 <(echo "$test_syms") <(echo "$prod_syms") || true)
if [ -n "$leaked" ]; then
	echo "check_product: $elf contains test code:"; echo "$leaked" | sed 's/^/  /'
	exit 1
fi
# The seam: only the product's empty instance between test_seam and __testseam_end.
addr() { nm "$elf" | awk -v n="$1" '$3 == n { print $1 }'; }
s=$(addr test_seam); e=$(addr __testseam_end)
if [ -z "$s" ] || [ -z "$e" ] || [ $((16#$e - 16#$s)) -gt 88 ]; then
	echo "check_product: $elf does not link exactly the empty test seam"; exit 1
fi
echo "check_product: ok ($(echo "$test_syms" | wc -l) test symbols, none in $elf)"
