#!/usr/bin/env python3
"""Checks a Linux guest's run from its cleaned log (tests/emu/tests.cfg `check`): what regexes
cannot compare.  The workload (tests/linux/init.sh) prints /proc/interrupts before and after its
pipe ping-pong; the IPI counts must rise, the uptime must advance, and pihv's summary of the VM
must show the interrupts posted and the vCPUs blocked and woken.

usage: check_linux.py LOG [--vcpus N] [--pi on|off]
"""
import re
import sys


def fail(msg):
	print("check_linux: FAIL: " + msg)
	sys.exit(1)


def irq_table(lines, start):
	"""{'CAL': [per-CPU counts], ...} from the 'LINUX:   XXX: n n ...' lines after `start`."""
	out = {}
	for l in lines[start + 1:]:
		m = re.search(r"LINUX:   ([A-Z]{3}):\s+((?:\d+\s+)+)", l)
		if not m:
			break
		out[m.group(1)] = [int(x) for x in m.group(2).split()]
	return out


def main():
	args = sys.argv[1:]
	if not args:
		fail("usage: check_linux.py LOG [--vcpus N] [--pi on|off]")
	log, vcpus, pi = args[0], None, "on"
	if "--vcpus" in args:
		vcpus = int(args[args.index("--vcpus") + 1])
	if "--pi" in args:
		pi = args[args.index("--pi") + 1]
	lines = open(log, errors="replace").read().split("\n")
	idx = {k: next((i for i, l in enumerate(lines) if "LINUX: interrupts " + k in l), None)
	       for k in ("before", "after")}
	if idx["before"] is None or idx["after"] is None:
		fail("no 'interrupts before/after' lines from /init")
	before, after = irq_table(lines, idx["before"]), irq_table(lines, idx["after"])
	for k in ("LOC", "RES", "CAL"):
		if k not in before or k not in after:
			fail("/proc/interrupts has no %s line" % k)
		if vcpus and (len(before[k]) != vcpus or len(after[k]) != vcpus):
			fail("%s: %d CPU columns, want %d" % (k, len(after[k]), vcpus))
	ipis = sum(after["RES"]) + sum(after["CAL"]) - sum(before["RES"]) - sum(before["CAL"])
	if ipis <= 0:
		fail("reschedule + function-call IPIs did not rise (%d)" % ipis)
	timer = [a - b for a, b in zip(after["LOC"], before["LOC"])]
	if min(timer) <= 0:
		fail("a CPU's local timer did not tick during the workload (%s)" % timer)
	up0 = re.search(r"LINUX: init started, uptime ([0-9.]+)", "\n".join(lines))
	up1 = re.search(r"LINUX: uptime1=([0-9.]+)", "\n".join(lines))
	if not up0 or not up1 or float(up1.group(1)) <= float(up0.group(1)):
		fail("uptime did not advance")
	summ = next((l for l in lines if re.match(r"^vm \S+: .* posted=\d+", l)), None)
	if not summ:
		fail("no per-VM summary line from pihv")
	st = dict((k, int(v)) for k, v in re.findall(r"\b(posted|notified|blocked|woken|poll_hits|"
						       r"preempted|migrated|desc_writes)=(\d+)", summ))
	if st.get("posted", 0) <= 0 or st.get("blocked", 0) <= 0 or st.get("woken", 0) <= 0:
		fail("pihv's summary shows no posts, blocks or wakeups: %s" % st)
	if pi == "on" and st.get("desc_writes", 0) <= 0:
		fail("pi=on but no posted-interrupt descriptor writes: %s" % st)
	print("check_linux: ok: IPIs +%d during the workload, timer ticks %s, uptime %s -> %s; %s" % (
		ipis, timer, up0.group(1), up1.group(1),
		" ".join("%s=%d" % kv for kv in sorted(st.items()))))


if __name__ == "__main__":
	main()
