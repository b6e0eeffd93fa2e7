#!/bin/sh
# Runs the libFuzzer harnesses (tests/fuzz/rules.mk calls this; docs/testing.md "Fuzzing").
#   run.sh toolchain CC                  is clang with its libFuzzer runtime there?
#   run.sh smoke CC OUT NAME...          fixed seed and run count per harness, protocol output
#   run.sh long CC OUT NAME...           FUZZ_SECONDS each, corpus kept in OUT/NAME/corpus
# Crashes (and broken invariants, which abort) are saved as OUT/NAME/crash-* (smoke) or
# OUT/NAME/crashes/crash-* (long); `OUT/bin/fuzz_NAME FILE` replays one.
set -u

mode=$1
cc=$2

# Executions per harness in the smoke run: about 2 s each on one core of the reference
# machine, so all of them (and the build) stay well inside make test's budget.
smoke_runs() {
	case $1 in
	mb2) echo 100000 ;;
	mb1) echo 30000 ;;
	acpi) echo 25000 ;;
	madt) echo 120000 ;;
	dmar) echo 100000 ;;
	cmdline) echo 100000 ;;
	vm_args) echo 150000 ;;
	memmap) echo 4000 ;;
	image) echo 30000 ;;
	*) echo 10000 ;;
	esac
}

finish() {
	echo "SUMMARY: $1 tests, $2 failures, 0 skipped"
	if [ "$2" = 0 ] && [ "$1" != 0 ]; then
		echo "Test result: SUCCESS"
		exit 0
	fi
	echo "Test result: FAILURE"
	exit 1
}

toolchain() {
	why=""
	if ! command -v "$cc" >/dev/null 2>&1; then
		why="$cc not found (scripts/setup.sh installs clang-14 and libclang-rt-14-dev)"
	else
		rt=$("$cc" --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a
		[ -e "$rt" ] || why="libFuzzer runtime $rt missing (Debian package libclang-rt-14-dev)"
	fi
	[ -z "$why" ] && return 0
	echo "FAIL: fuzz: toolchain: $why; run scripts/setup.sh"
	finish 1 1
}

# "key: value" from libFuzzer's final stats, or "?"
stat() {
	v=$(sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -1)
	echo "${v:-?}"
}

# The coverage and corpus size from libFuzzer's last status line.
status() {
	grep -E '^#[0-9]+' "$1" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*corp: \([0-9]*\).*/cov \1, corpus \2/p'
}

run_one() { # name mode -> 0 ok, 1 crash
	name=$1
	bin=$out/bin/fuzz_$name
	seeds=tests/fuzz/corpus/$name
	dir=$out/$name
	mkdir -p "$dir"
	if [ "$2" = smoke ]; then
		# A fresh scratch corpus each time: the same seed, runs and seeds give the same run.
		work=$dir/smoke-corpus
		rm -rf "$work" "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
		mkdir -p "$work"
		log=$dir/smoke.log
		set -- -seed=1 -runs="$(smoke_runs "$name")" -artifact_prefix="$dir/"
	else
		work=$dir/corpus
		mkdir -p "$work" "$dir/crashes"
		log=$dir/long.log
		# shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
		set -- -max_total_time="${FUZZ_SECONDS:-600}" -artifact_prefix="$dir/crashes/" \
			${FUZZ_ARGS:-}
	fi
	start=$(date +%s.%N)
	"$bin" "$@" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" "$seeds" \
		>"$log" 2>&1
	rc=$?
	secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	execs=$(stat number_of_executed_units "$log")
	crash=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* \
		"$dir"/crashes/* 2>/dev/null | head -1)
	if [ $rc = 0 ] && [ -z "$crash" ]; then
		echo "PASS: fuzz: $name: $execs runs in ${secs}s, $(status "$log"), no crash"
		return 0
	fi
	echo "FAIL: fuzz: $name: rc $rc after $execs runs in ${secs}s; input ${crash:-?}; log $log"
	grep -E 'ERROR|broken promise|SUMMARY|#[0-9] 0x' "$log" | head -12 | sed 's/^/      | /'
	[ -n "$crash" ] && echo "      | replay: $bin $crash"
	return 1
}

case $mode in
toolchain)
	toolchain
	;;
smoke | long)
	out=$3
	shift 3
	toolchain
	n=0
	f=0
	for name in "$@"; do
		n=$((n + 1))
		run_one "$name" "$mode" || f=$((f + 1))
	done
	finish $n $f
	;;
*)
	echo "usage: $0 toolchain|smoke|long CC [OUT NAME...]" >&2
	exit 2
	;;
esac
