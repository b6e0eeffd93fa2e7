#!/usr/bin/env python3
"""make bench: boots the configurations of tests/bench.cfg, collects their `BENCH:` lines and
prints one table (also written as build/bench.json).  Not a test: it never fails on a number;
it says where a figure misses its target and by how much (docs/bench.md explains the figures).
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = os.path.join(ROOT, "tests", "bench.cfg")
LOGS = os.path.join(ROOT, "build", "logs")
OUT = os.path.join(ROOT, "build", "bench.json")

# Targets (issue 6) and the Linux 6.1 KVM + APICv figures measured in the same Bochs, in ticks.
TARGETS = {
	"cpuid_rtt_p50": (150, 1122),
	"vmcall_rtt_p50": (150, 1158),
	"ipi_running_p50": (315, 315),
	"ipi_sender_exit_p50": (300, 937),
	"ipi_halted_nopoll_p50": (1200, 4832),
	"ipi_halted_poll_p50": (600, 2088),
}
BENCH_RE = re.compile(r"BENCH: (\S+) (-?\d+(?:\.\d+)?) (\S+)")


def sections(path):
	names = []
	for line in open(path):
		m = re.match(r"^\[([^\]]+)\]", line)
		if m:
			names.append(m.group(1))
	return names


def main():
	jobs = os.environ.get("J", "")
	cmd = [sys.executable, os.path.join(ROOT, "tests", "run.py"), "--config", CFG]
	if jobs:
		cmd += ["-j", jobs]
	print("bench: booting %s" % os.path.relpath(CFG, ROOT), flush=True)
	rc = subprocess.call(cmd)
	results = {}
	for name in sections(CFG):
		log = os.path.join(LOGS, name + ".log")
		figs = {}
		if os.path.exists(log):
			for line in open(log, errors="replace"):
				m = BENCH_RE.search(line)
				if m:
					figs[m.group(1)] = (float(m.group(2)), m.group(3))
		results[name] = figs
	names = sorted({f for figs in results.values() for f in figs})
	configs = list(results)
	width = max([len(n) for n in names] + [10])
	print()
	print("%-*s " % (width, "figure") + " ".join("%14s" % c for c in configs) +
	      "   target   KVM ref")
	for n in names:
		row = []
		for c in configs:
			v = results[c].get(n)
			row.append("%14s" % ("-" if v is None else "%g %s" % (v[0], v[1])))
		tgt, ref = TARGETS.get(n, (None, None))
		note = ""
		if tgt is not None:
			vals = [results[c][n][0] for c in configs if n in results[c]]
			worst = max(vals) if vals else None
			if worst is not None and worst > tgt:
				note = "  MISSES target by %g" % (worst - tgt)
		print("%-*s " % (width, n) + " ".join(row) + "   %6s   %7s%s" % (
			"-" if tgt is None else tgt, "-" if ref is None else ref, note))
	os.makedirs(os.path.dirname(OUT), exist_ok=True)
	with open(OUT, "w") as f:
		json.dump({c: {n: {"value": v[0], "unit": v[1]} for n, v in figs.items()}
			   for c, figs in results.items()}, f, indent=1, sort_keys=True)
	print("\nbench: written %s%s" % (os.path.relpath(OUT, ROOT),
					 "" if rc == 0 else " (some runs failed: see above)"))
	return 0


if __name__ == "__main__":
	sys.exit(main())
