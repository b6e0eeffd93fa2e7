#!/bin/sh
# Mutation testing of pi/pi.c: build the simulator against each mutant of tests/pi_sim/mutants.txt
# and require that some scenario kills it.  Never edits pi/pi.c: mutants are copies under $OUT.
# A mutant whose bug column says "harmless" is one docs/pi.md shows the model cannot and need not
# kill: it must still apply and build, and must survive every scenario (killing it would mean
# the docs are wrong).
# usage: mutants.sh OUT_DIR CC "CFLAGS" SIM_OBJECTS...
set -u
out=$1; cc=$2; cflags=$3; shift 3
objs="$*"
list=tests/pi_sim/mutants.txt
mkdir -p "$out"
n=0; killed=0; bad=0; harmless=0
start=$(date +%s)
printf '# %-26s | %-4s | %-30s | %s\n' mutant bug "killing scenario" "schedule length"
while IFS='|' read -r name bug first sedargs; do
	case "$name" in ''|\#*) continue ;; esac
	name=$(echo $name); bug=$(echo $bug); first=$(echo $first)
	n=$((n + 1))
	dir=$out/$name
	mkdir -p "$dir"
	eval "sed $sedargs pi/pi.c" > "$dir/pi.c"
	if cmp -s pi/pi.c "$dir/pi.c"; then
		echo "FAIL: mutants: $name: mutation point not found in pi/pi.c"
		bad=$((bad + 1)); continue
	fi
	if ! $cc $cflags -c "$dir/pi.c" -o "$dir/pi.o" 2> "$dir/build.log" ||
	   ! $cc $cflags "$dir/pi.o" $objs -o "$dir/pi_sim" 2>> "$dir/build.log"; then
		echo "FAIL: mutants: $name: does not build (see $dir/build.log)"
		bad=$((bad + 1)); continue
	fi
	if [ "$bug" = harmless ]; then
		"$dir/pi_sim" --runs 200 > "$dir/run.log" 2>&1
		if grep -q '^Test result: SUCCESS' "$dir/run.log"; then
			printf '# %-26s | %-4s | %-30s | %s\n' "$name" - "(survives, harmless)" -
			echo "PASS: mutants: $name survives every scenario, as docs/pi.md explains"
			harmless=$((harmless + 1))
		else
			why=$(grep -m1 '^FAIL: ' "$dir/run.log")
			echo "FAIL: mutants: $name is documented as harmless but was killed: $why"
			bad=$((bad + 1))
		fi
		continue
	fi
	# The scenario named after the bug first, then all of them, stopping at the first kill.
	"$dir/pi_sim" --scenario "$first" --first-failure --runs 200 > "$dir/run.log" 2>&1
	if ! grep -q '^KILLED ' "$dir/run.log"; then
		"$dir/pi_sim" --first-failure --runs 200 >> "$dir/run.log" 2>&1
	fi
	kill=$(grep -m1 '^KILLED ' "$dir/run.log")
	if [ -n "$kill" ]; then
		set -- $kill
		printf '# %-26s | %-4s | %-30s | %s\n' "$name" "$bug" "$2" "$3"
		why=$(grep -m1 '^FAIL: ' "$dir/run.log" | sed 's/^FAIL: sim: [^:]*: //; s/ \[.*//')
		echo "PASS: mutants: $name (bug $bug) killed by $2 after $3 steps: $why"
		killed=$((killed + 1))
	else
		echo "FAIL: mutants: $name (bug $bug) SURVIVED all scenarios (see $dir/run.log)"
		bad=$((bad + 1))
	fi
done < "$list"
echo "# $killed of $((n - harmless)) mutants killed, $harmless harmless ones survived, in $(( $(date +%s) - start )) s"
echo "SUMMARY: $n tests, $bad failures, 0 skipped"
if [ "$bad" -eq 0 ] && [ "$n" -ge 12 ]; then
	echo "Test result: SUCCESS"; exit 0
fi
echo "Test result: FAILURE"; exit 1
