#!/usr/bin/env python3
"""make bench: boots the configurations of tests/bench.cfg, collects their `BENCH:` lines and
prints one table (also written as build/bench.json).  Not a test: it never fails on a number;
it says where a figure misses its target and by how much (docs/bench.md explains the figures).

Each configuration names its table column (`column = <cpu> pi=<on|off>`) and how the figures its
test prints are called in the table (`rename = from=to ...`, name prefixes).  Targets apply to
the posted-interrupt columns (pi=on); the fallback columns are shown for comparison.
"""
import configparser
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = os.path.join(ROOT, "tests", "bench.cfg")
LOGS = os.path.join(ROOT, "build", "logs")
OUT = os.path.join(ROOT, "build", "bench.json")

# Targets (docs/bench.md) and the Linux 6.1 KVM + APICv figures measured in the same Bochs, in ticks.
TARGETS = {
	"cpuid_rtt_p50": (150, 1122),
	"vmcall_rtt_p50": (150, 1158),
	"ipi_running_p50": (315, 315),
	"ipi_sender_exit_p50": (300, 937),
	"ipi_halted_nopoll_p50": (1200, 4832),
	"ipi_halted_poll_p50": (600, 2088),
}
# Rows in this order first (the targets, then their companions); anything else after, sorted.
ORDER = ["cpuid_rtt_p50", "vmcall_rtt_p50", "ipi_running_p50", "exits_per_irq_running",
	 "ipi_sender_exit_p50", "ipi_halted_nopoll_p50", "ipi_halted_poll_p50",
	 "ipi_rtt_running_x2apic_p50", "ipi_rtt_running_xapic_p50", "ipi_rtt_halted_x2apic_p50",
	 "ipi_rtt_halted_xapic_p50", "rx_exits_per_ipi_running_x2apic",
	 "rx_exits_per_ipi_running_xapic", "rx_exits_per_ipi_halted_x2apic",
	 "rx_exits_per_ipi_halted_xapic", "ap_bringup_x2apic", "ap_bringup_xapic"]
BENCH_RE = re.compile(r"BENCH: (\S+) (-?\d+(?:\.\d+)?) (\S+)")
RESULT_RE = re.compile(r"^Test result: (\w+)", re.M)


SUMMARY_RE = re.compile(r"^vm \S+: .* after (\d+) us; exits (\d+):.*posted=(\d+) notified=(\d+) "
			r"blocked=(\d+) woken=(\d+) poll_hits=(\d+) preempted=(\d+) migrated=(\d+) "
			r"desc_writes=(\d+)", re.M)


def linux_figures(text):
	"""A Linux guest's run (docs/linux.md): /init's uptimes and ping-pong, pihv's summary of the
	VM.  Times are emulated (the guest's clock is the TSC, which Bochs advances per instruction)."""
	g = lambda r: re.search(r, text)
	up0, up1 = g(r"LINUX: init started, uptime ([0-9.]+)"), g(r"LINUX: uptime1=([0-9.]+)")
	pp, rounds = g(r"LINUX: pingpong start=([0-9.]+) end=([0-9.]+)"), g(r"LINUX: pingpong rounds=(\d+)")
	s = SUMMARY_RE.search(text)
	if not (up0 and up1 and pp and rounds and s):
		return {}
	run_s = int(s.group(1)) / 1e6
	exits, posted, notified, blocked = (int(s.group(i)) for i in (2, 3, 4, 5))
	figs = {
		# the VM's whole run less the time /init ran (it powers off at once)
		"linux_vm_start_to_init": (run_s - (float(up1.group(1)) - float(up0.group(1))), "s"),
		"linux_pingpong_rt_per_s": (int(rounds.group(1)) /
					    max(float(pp.group(2)) - float(pp.group(1)), 1e-3), "rt/s"),
		"linux_exits_per_s": (exits / run_s, "exits/s"),
		"linux_posted": (posted, "count"),
		"linux_notified_per_post": (notified / max(posted, 1), "ratio"),
		"linux_blocks": (blocked, "count"),
		"linux_desc_writes_per_block": (int(s.group(10)) / max(blocked, 1), "writes"),
	}
	return figs


def linux_counts(text):
	"""(exits, IPIs during the workload, round trips) of one Linux run, or None."""
	s = SUMMARY_RE.search(text)
	rounds = re.search(r"LINUX: pingpong rounds=(\d+)", text)
	if not s or not rounds:
		return None
	ipis = 0
	for when, sign in (("before", -1), ("after", 1)):
		part = text.split("LINUX: interrupts " + when, 1)[-1].split("\n")[1:5]
		for l in part:
			m = re.search(r"LINUX:   (RES|CAL):\s+((?:\d+\s+)+)", l)
			if m:
				ipis += sign * sum(int(x) for x in m.group(2).split())
	return int(s.group(2)), ipis, int(rounds.group(1))


def linux_differences(logs):
	"""Figures from pairs of Linux runs that differ in one thing: {suffix: text} of one column."""
	figs = {}
	base, longer, idle = (linux_counts(logs.get(k, "")) for k in ("", "-rounds", "-idle"))
	if base and longer and longer[2] > base[2]:
		figs["linux_exits_per_roundtrip"] = ((longer[0] - base[0]) / (longer[2] - base[2]),
						     "exits")
		if longer[1] > base[1]:
			figs["linux_exits_per_ipi"] = ((longer[0] - base[0]) / (longer[1] - base[1]),
						       "exits")
	if base and idle:
		# IDLE=3 against IDLE=1: two more emulated seconds with every vCPU idle
		figs["linux_idle_exits_per_s"] = ((idle[0] - base[0]) / 2.0, "exits/s")
	return figs


def configs(path):
	cp = configparser.ConfigParser(interpolation=None)
	cp.read(path)
	out = []
	for name in cp.sections():
		sec = cp[name]
		ren = []
		for pair in sec.get("rename", "").split():
			src, _, dst = pair.partition("=")
			ren.append((src, dst))
		out.append((name, sec.get("column", name).strip(), ren))
	return out


def rename(fig, ren):
	for src, dst in ren:
		if fig.startswith(src):
			return dst + fig[len(src):]
	return fig


def fmt(v):
	return "%d" % v if v == int(v) else "%.2f" % v


def main():
	jobs = os.environ.get("J", "")
	cmd = [sys.executable, os.path.join(ROOT, "tests", "run.py"), "--config", CFG]
	if jobs:
		cmd += ["-j", jobs]
	# `make bench TESTS='linux-*'`: only these configurations (the table shows what their logs hold)
	if os.environ.get("TESTS"):
		cmd += ["--tests", os.environ["TESTS"]]
	# `make bench APPEND=trace=on`: the same boots with more options (what tracing costs)
	if sys.argv[1:2] == ["--append-cmdline"] and len(sys.argv) > 2:
		cmd += ["--append-cmdline", sys.argv[2]]
		print("bench: every command line gets '%s'" % sys.argv[2], flush=True)
	print("bench: booting %s" % os.path.relpath(CFG, ROOT), flush=True)
	rc = subprocess.call(cmd)
	cols, table, units, bad, linux_logs = [], {}, {}, [], {}
	for name, col, ren in configs(CFG):
		if col not in cols:
			cols.append(col)
		log = os.path.join(LOGS, name + ".log")
		text = open(log, errors="replace").read() if os.path.exists(log) else ""
		if not text and os.environ.get("TESTS"):
			continue  # not among the configurations asked for
		if "LINUX: init started" in text:
			suffix = re.sub(r"^linux-[a-z]+-pi(on|off)", "", name)
			linux_logs.setdefault(col, {})[suffix] = text
			figs = linux_figures(text) if not suffix else {}
			for fig, (v, unit) in figs.items():
				table.setdefault(fig, {})[col] = (float(v), name)
				units[fig] = unit
			if "LINUX: pingpong rounds=" not in text:
				bad.append("%s (the Linux workload did not finish)" % name)
			continue
		res = RESULT_RE.search(text)
		if not res or res.group(1) != "SUCCESS":
			bad.append("%s (%s)" % (name, res.group(1) if res else "no result"))
		for m in BENCH_RE.finditer(text):
			fig = rename(m.group(1), ren)
			table.setdefault(fig, {})[col] = (float(m.group(2)), name)
			units[fig] = m.group(3)
	for col, logs in linux_logs.items():
		for fig, (v, unit) in linux_differences(logs).items():
			table.setdefault(fig, {})[col] = (float(v), "linux-*")
			units[fig] = unit
	rows = [f for f in ORDER if f in table] + sorted(f for f in table if f not in ORDER)
	width = max([len(f) for f in rows] + [10])
	cw = max([len(c) for c in cols] + [9])
	print()
	print("%-*s %-7s" % (width, "figure", "unit") + "".join(" %*s" % (cw, c) for c in cols) +
	      "  target  KVM-ref")
	for f in rows:
		cells = "".join(" %*s" % (cw, fmt(table[f][c][0]) if c in table[f] else "-")
				for c in cols)
		tgt, ref = TARGETS.get(f, (None, None))
		note = ""
		if tgt is not None:
			miss = ["%s by %s" % (c.split()[0], fmt(table[f][c][0] - tgt)) for c in cols
				if c.endswith("pi=on") and c in table[f] and table[f][c][0] > tgt]
			if miss:
				note = "  misses: " + ", ".join(miss)
		print("%-*s %-7s" % (width, f, units[f]) + cells + "  %6s  %7s%s" % (
			"-" if tgt is None else tgt, "-" if ref is None else ref, note))
	os.makedirs(os.path.dirname(OUT), exist_ok=True)
	with open(OUT, "w") as fp:
		json.dump({"columns": cols,
			   "targets": {f: {"target": t, "kvm": r} for f, (t, r) in TARGETS.items()},
			   "figures": {f: {"unit": units[f],
					   "values": {c: {"value": v, "config": n}
						      for c, (v, n) in table[f].items()}}
				       for f in rows}}, fp, indent=1, sort_keys=True)
	print("\nTargets apply to the pi=on columns (ticks, p50).  ipi_running_p50 also needs "
	      "exits_per_irq_running = 0.")
	if bad:
		print("bench: runs without SUCCESS (figures still used): " + ", ".join(bad))
	print("bench: written %s%s" % (os.path.relpath(OUT, ROOT),
				       "" if rc == 0 else " (run.py reported failures: see above)"))
	return 0


if __name__ == "__main__":
	sys.exit(main())
