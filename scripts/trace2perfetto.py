#!/usr/bin/env python3
"""trace2perfetto: turns the TRACE dump of a pihv serial log (kernel option trace=on) into a
Chrome/Perfetto trace-event JSON file and an SVG timeline, or checks it.  Python 3 stdlib only.

  scripts/trace2perfetto.py build/logs/pi-blocked.log --json out.json --svg out.svg
  scripts/trace2perfetto.py build/logs/demo-bochs.log --check      # protocol lines, exit 1 on FAIL
  scripts/trace2perfetto.py --selftest                             # the decoder on known lines

The dump format is written down in trace/trace.c and trace/trace_fmt.h; docs/pi.md ("Tracing")
says how to read the timeline.  JSON: one process per pCPU; its "run" track holds the vCPU spans
(named <vm>/<index>; halt-poll and wakeup-interrupt slices nest in them, idle spans between
them), its "events" track the instants (block, wake, exits, NOTIFY, migrations) and one short
slice per post; a flow arrow goes from each post to where the target got it.  Open the file in
https://ui.perfetto.dev or chrome://tracing.
"""

import argparse
import html
import json
import math
import os
import re
import sys

# enum trace_event order does not matter here: the dump prints mnemonics (trace/trace_fmt.c).
NAMES = {
	"si": "switch in", "so": "switch out", "pl": "pi_load", "pp": "pi_put", "po": "post",
	"ni": "NOTIFY irq", "wi": "WAKEUP irq", "wk": "wake", "bl": "block", "hp": "halt-poll",
	"ex": "VM exit", "mg": "migrate", "id": "idle",
}
# TRACE_F_* (trace/trace_rec.h)
F_BLOCKING, F_PREEMPTED, F_DEAD, F_GUEST_IF = 1, 2, 4, 4
F_NOTIFIED, F_COALESCED = 1, 2
F_END, F_HIT = 1, 2
F_WAS_BLOCKED = 1
F_DEFERRED = 1
NOTIFY_VECTOR, WAKEUP_VECTOR = 0xF2, 0xF1
EXIT_NAMES = {
	0: "exception/NMI", 1: "external interrupt", 2: "triple fault", 7: "interrupt window",
	10: "CPUID", 12: "HLT", 18: "VMCALL", 30: "I/O", 31: "RDMSR", 32: "WRMSR",
	33: "invalid guest state", 48: "EPT violation", 52: "preemption timer",
}
# VM colours: SVG fills, and the Chrome viewer's reserved colour names (Perfetto colours a slice
# by its name with the digits taken out, so the vCPUs of one VM share a colour there too).
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948",
	   "#9c755f", "#ff9da7", "#bab0ac"]
CNAMES = ["thread_state_running", "rail_response", "good", "terrible", "rail_animation",
	  "rail_idle", "yellow", "olive", "rail_load", "grey"]

REC_RE = re.compile(r"^TR ([a-z?-]{2})(?:/([0-9a-f]+))? (-?[0-9a-f]+)"
		    r"(?: (-|[0-9a-f]+))?(?: ([0-9a-f]+))?(?: ([0-9a-f]+))?$")
KV_RE = re.compile(r"(\w+)=(\S+)")
NO_VCPU = None


class Rec:
	__slots__ = ("cpu", "tsc", "mn", "flags", "vcpu", "a", "b", "order", "dump")

	def __init__(self, cpu, tsc, mn, flags, vcpu, a, b, order, dump):
		self.cpu, self.tsc, self.mn, self.flags = cpu, tsc, mn, flags
		self.vcpu, self.a, self.b, self.order, self.dump = vcpu, a, b, order, dump

	def __repr__(self):
		return "%s/%x cpu%d @%x v=%s a=%x b=%x" % (self.mn, self.flags, self.cpu, self.tsc,
							   self.vcpu, self.a, self.b)


def decode_line(line, prev_tsc):
	"""One 'TR ...' line -> (mnemonic, flags, tsc, vcpu or None, a, b), or None if malformed."""
	m = REC_RE.match(line)
	if not m:
		return None
	mn, flags, d, vcpu, a, b = m.groups()
	tsc = prev_tsc - int(d[1:], 16) if d.startswith("-") else prev_tsc + int(d, 16)
	vcpu = None if vcpu in (None, "-") else int(vcpu, 16)
	return (mn, int(flags or "0", 16), tsc, vcpu, int(a or "0", 16), int(b or "0", 16))


def ctl_fields(ctl):
	return {"ON": ctl & 1, "SN": ctl >> 1 & 1, "NV": ctl >> 16 & 0xFF, "NDST": ctl >> 32}


def ctl_str(ctl):
	f = ctl_fields(ctl)
	return "ON=%d SN=%d NV=%#x NDST=%#x" % (f["ON"], f["SN"], f["NV"], f["NDST"])


class Trace:
	"""Every dump of one log: records per pCPU, vCPU names, and what was wrong with the text."""

	def __init__(self):
		self.dumps = []	    # [{why, cpus, tsc_khz, blocks: {cpu: {...}}}]
		self.names = {}	    # vcpu id -> "vm/index"
		self.apic = {}	    # APIC ID -> pCPU
		self.recs = []	    # every record, in dump order
		self.problems = []  # well-formedness failures
		self.dropped = 0
		self.torn = 0
		self.tsc_khz = 0

	def vm_of(self, vcpu):
		return self.names.get(vcpu, "?/%s" % vcpu).rsplit("/", 1)[0]

	def name(self, vcpu):
		return self.names.get(vcpu, "vcpu%s" % vcpu)


def parse(lines):
	t = Trace()
	dump = block = None
	for n, raw in enumerate(lines, 1):
		line = raw.rstrip("\n")
		if line.startswith("TR "):
			if block is None:
				t.problems.append("line %d: record outside a begin/end block" % n)
				continue
			r = decode_line(line, block["prev"])
			if r is None or r[0] not in NAMES:
				t.problems.append("line %d: malformed record: %r" % (n, line))
				continue
			mn, flags, tsc, vcpu, a, b = r
			block["prev"] = tsc
			rec = Rec(block["cpu"], tsc, mn, flags, vcpu, a, b, len(block["recs"]),
				  len(t.dumps) - 1)
			block["recs"].append(rec)
			t.recs.append(rec)
			continue
		if not line.startswith("TRACE: "):
			continue
		body = line[7:]
		kv = dict(KV_RE.findall(body))
		if body.startswith("dump "):
			if dump is not None:
				t.problems.append("line %d: dump without 'TRACE: done' before it" % n)
			dump = {"why": kv.get("why", "?"), "cpus": int(kv.get("cpus", "0")),
				"tsc_khz": int(kv.get("tsc_khz", "0")), "blocks": {}, "line": n}
			t.tsc_khz = t.tsc_khz or dump["tsc_khz"]
			t.dumps.append(dump)
		elif body.startswith("vcpu "):
			parts = body.split()
			if len(parts) == 3:
				t.names[int(parts[1], 16)] = parts[2]
			else:
				t.problems.append("line %d: malformed vcpu line" % n)
		elif body.startswith("begin "):
			if dump is None:
				t.problems.append("line %d: begin outside a dump" % n)
				continue
			if block is not None:
				t.problems.append("line %d: begin inside cpu %d's block" % (n, block["cpu"]))
			cpu = int(kv.get("cpu", "-1"))
			block = {"cpu": cpu, "events": int(kv.get("events", "0")),
				 "dropped": int(kv.get("dropped", "0")), "prev": int(kv.get("base", "0"), 16),
				 "recs": [], "line": n}
			t.apic[int(kv.get("apic", "0"), 16)] = cpu
			t.dropped += block["dropped"]
			if cpu in dump["blocks"]:
				t.problems.append("line %d: cpu %d twice in one dump" % (n, cpu))
			dump["blocks"][cpu] = block
		elif body.startswith("end "):
			if block is None:
				t.problems.append("line %d: end without begin" % n)
				continue
			torn = int(kv.get("torn", "0"))
			t.torn += torn
			got = len(block["recs"])
			if int(kv.get("cpu", "-1")) != block["cpu"]:
				t.problems.append("line %d: end of cpu %s inside cpu %d's block" % (
					n, kv.get("cpu"), block["cpu"]))
			if got + torn != block["events"]:
				t.problems.append("cpu %d (line %d): begin says events=%d, %d records and "
						  "%d torn follow" % (block["cpu"], block["line"],
								      block["events"], got, torn))
			block = None
		elif body == "done":
			if block is not None:
				t.problems.append("line %d: done inside cpu %d's block" % (n, block["cpu"]))
				block = None
			if dump is None:
				t.problems.append("line %d: done without dump" % n)
			elif len(dump["blocks"]) != dump["cpus"]:
				t.problems.append("dump at line %d: cpus=%d but %d blocks" % (
					dump["line"], dump["cpus"], len(dump["blocks"])))
			dump = None
	if block is not None:
		t.problems.append("log ends inside cpu %d's block (line %d)" % (block["cpu"],
										block["line"]))
	if dump is not None:
		t.problems.append("log ends inside the dump of line %d (no 'TRACE: done')" % dump["line"])
	return t


# ---------------------------------------------------------------- the model: spans and arrows

class Model:
	"""What happened, derived from the records: spans per pCPU, posts and where they landed,
	wakeup interrupts and whom they woke.  Also collects the inconsistencies --check reports."""

	def __init__(self, t):
		self.t = t
		self.runs = []	   # (cpu, vcpu, tsc_in, tsc_out, in_rec, out_rec, load_rec, put_rec)
		self.idles = []	   # (cpu, t0, t1)
		self.polls = []	   # (cpu, vcpu, t0, t1, hit, window)
		self.wakeups = []  # (cpu, t0, t1, [woken vcpus])
		self.posts = []	   # (rec, arrival cpu, arrival tsc, how)
		self.errors = []
		self.stats = {"loads_after_armed_put": 0}
		self.per_cpu = {}
		for r in t.recs:
			self.per_cpu.setdefault((r.dump, r.cpu), []).append(r)
		for key in sorted(self.per_cpu):
			block = t.dumps[key[0]]["blocks"].get(key[1], {})
			self._walk_cpu(key[1], self.per_cpu[key], block.get("dropped", 0) > 0)
		if any(r.mn == "pp" for r in t.recs):
			for run in self.runs:
				if run[7] is None:
					self.err("cpu %d: %s switched out at %x without its pi_put" % (
						run[0], t.name(run[1]), run[3]))
		self._armed_then_loaded()
		self._overlaps()
		self._posts()

	def err(self, msg):
		self.errors.append(msg)

	def _walk_cpu(self, cpu, recs, truncated):
		"""One pCPU's records in ring order.  truncated: the ring wrapped, so the first
		records may belong to a switch-in that was overwritten."""
		t = self.t
		cur = None	# [vcpu, tsc_in, in_rec, load_rec]
		idle = poll = wake = None
		for r in recs:
			truncated = truncated and r.mn != "si"
			if truncated and r.mn in ("so", "pp", "pl"):
				continue  # the end of a run whose switch-in was overwritten
			if r.mn == "si":
				if cur is not None:
					self.err("cpu %d: %s switched in at %x while %s is still in" % (
						cpu, t.name(r.vcpu), r.tsc, t.name(cur[0])))
				cur = [r.vcpu, r.tsc, r, None, None]
			elif r.mn == "so":
				if cur is None or cur[0] != r.vcpu:
					self.err("cpu %d: %s switched out at %x but %s was in" % (
						cpu, t.name(r.vcpu), r.tsc, "nothing" if cur is None else
						t.name(cur[0])))
				else:
					self.runs.append((cpu, r.vcpu, cur[1], r.tsc, cur[2], r, cur[3], None))
				cur = None
			elif r.mn == "pl":
				if cur is None or cur[0] != r.vcpu:
					self.err("cpu %d: pi_load of %s at %x outside its switch-in" % (
						cpu, t.name(r.vcpu), r.tsc))
				else:
					cur[3] = r
				self._check_load(cpu, r)
			elif r.mn == "pp":
				if self.runs and self.runs[-1][0] == cpu and self.runs[-1][1] == r.vcpu and \
				   self.runs[-1][7] is None:
					run = self.runs[-1]
					self.runs[-1] = run[:7] + (r,)
				else:
					self.err("cpu %d: pi_put of %s at %x not right after its switch-out" % (
						cpu, t.name(r.vcpu), r.tsc))
				self._check_put(cpu, r)
			elif r.mn == "id":
				if not r.flags & F_END:
					idle = r.tsc
				elif idle is not None:
					self.idles.append((cpu, idle, r.tsc))
					idle = None
			elif r.mn == "hp":
				if not r.flags & F_END:
					poll = r
				elif poll is not None:
					self.polls.append((cpu, r.vcpu, poll.tsc, r.tsc, bool(r.flags & F_HIT),
							   r.a))
					poll = None
			elif r.mn == "wi":
				if not r.flags & F_END:
					wake = (r.tsc, [])
				elif wake is not None:
					self.wakeups.append((cpu, wake[0], r.tsc, wake[1]))
					wake = None
			elif r.mn == "wk" and wake is not None:
				wake[1].append(r.vcpu)
		if cur is not None:
			self.err("cpu %d: %s still switched in at the end of the dump" % (cpu,
											    t.name(cur[0])))

	def _check_load(self, cpu, r):
		after, before = ctl_fields(r.b), ctl_fields(r.a)
		want = [k for k, v in (("NV", NOTIFY_VECTOR), ("SN", 0)) if after[k] != v]
		apic = [a for a, c in self.t.apic.items() if c == cpu]
		if apic and after["NDST"] != apic[0]:
			want.append("NDST")
		if want:
			self.err("cpu %d: pi_load of %s at %x left %s (%s)" % (
				cpu, self.t.name(r.vcpu), r.tsc, ctl_str(r.b), "/".join(want) + " wrong"))

	def _check_put(self, cpu, r):
		before, after = ctl_fields(r.a), ctl_fields(r.b)
		name = self.t.name(r.vcpu)
		blocking, preempted = bool(r.flags & F_BLOCKING), bool(r.flags & F_PREEMPTED)
		if before["NV"] != NOTIFY_VECTOR or before["SN"]:
			self.err("cpu %d: pi_put of %s at %x found %s (not loaded)" % (
				cpu, name, r.tsc, ctl_str(r.a)))
		armed = after["NV"] == WAKEUP_VECTOR
		if armed and not (blocking and r.flags & F_GUEST_IF):
			self.err("cpu %d: pi_put of %s at %x armed WAKEUP without a blocking IF=1 HLT" % (
				cpu, name, r.tsc))
		if (preempted or not armed) and not after["SN"]:
			self.err("cpu %d: pi_put of %s at %x left SN=0 (%s)" % (cpu, name, r.tsc,
										   ctl_str(r.b)))
		# armed with SN set and not preempted: only D' with a post already in (ON), which
		# pi_put arms after setting SN so that its self-IPI wakes the vCPU
		if armed and not preempted and after["SN"] and not after["ON"]:
			self.err("cpu %d: armed pi_put of %s at %x set SN" % (cpu, name, r.tsc))

	def _armed_then_loaded(self):
		"""A vCPU put with NV=WAKEUP (blocked armed) is loaded next with NV=NOTIFY again."""
		armed = {}
		for r in sorted(self.t.recs, key=lambda r: (r.tsc, r.cpu, r.order)):
			if r.mn == "pp":
				armed[r.vcpu] = ctl_fields(r.b)["NV"] == WAKEUP_VECTOR
			elif r.mn == "pl" and armed.pop(r.vcpu, False):
				self.stats["loads_after_armed_put"] += 1
				if ctl_fields(r.b)["NV"] != NOTIFY_VECTOR:
					self.err("%s: the pi_load at %x after its armed put left NV=%#x" % (
						self.t.name(r.vcpu), r.tsc, ctl_fields(r.b)["NV"]))

	def _overlaps(self):
		"""A vCPU is switched in on one pCPU at a time."""
		by_vcpu = {}
		for run in self.runs:
			by_vcpu.setdefault(run[1], []).append(run)
		for v, runs in by_vcpu.items():
			runs.sort(key=lambda x: x[2])
			for a, b in zip(runs, runs[1:]):
				if b[2] < a[3]:
					self.err("%s ran on cpu %d (%x-%x) and cpu %d (from %x) at once" % (
						self.t.name(v), a[0], a[2], a[3], b[0], b[2]))

	def running_at(self, vcpu, tsc):
		for run in self._runs_of(vcpu):
			if run[2] <= tsc <= run[3]:
				return run
		return None

	def _runs_of(self, vcpu):
		if not hasattr(self, "_by_vcpu"):
			self._by_vcpu = {}
			for run in sorted(self.runs, key=lambda x: x[2]):
				self._by_vcpu.setdefault(run[1], []).append(run)
		return self._by_vcpu.get(vcpu, [])

	def _posts(self):
		"""Where each post landed: the pCPU running the target (delivered there at once), the
		WAKEUP interrupt it caused, or the target's next switch-in."""
		wakeups = sorted(self.wakeups, key=lambda w: w[1])
		for r in (r for r in self.t.recs if r.mn == "po"):
			ctl = ctl_fields(r.b)
			run = self.running_at(r.vcpu, r.tsc)
			if run is not None:
				self.posts.append((r, run[0], r.tsc, "running"))
				continue
			if r.flags & F_NOTIFIED and ctl["NV"] == WAKEUP_VECTOR:
				cpu = self.t.apic.get(ctl["NDST"])
				w = next((w for w in wakeups if w[0] == cpu and w[2] >= r.tsc and
					  r.vcpu in w[3]), None)
				if w is not None:
					self.posts.append((r, cpu, w[1], "wakeup irq"))
					continue
			nxt = next((x for x in self._runs_of(r.vcpu) if x[2] >= r.tsc), None)
			if nxt is not None:
				self.posts.append((r, nxt[0], nxt[2], "next switch-in"))
			else:
				self.posts.append((r, r.cpu, r.tsc, "never ran again"))


# ---------------------------------------------------------------- JSON (Chrome trace events)

class Clock:
	def __init__(self, t, window=None):
		self.khz = t.tsc_khz or 1000
		self.t0 = min((r.tsc for r in t.recs), default=0)
		self.window = window

	def us(self, tsc):
		return (tsc - self.t0) * 1000.0 / self.khz

	def inside(self, t0, t1=None):
		if self.window is None:
			return True
		t1 = t0 if t1 is None else t1
		return self.us(t1) >= self.window[0] and self.us(t0) <= self.window[1]


def vm_colours(t):
	vms = []
	for v in sorted(t.names):
		vm = t.vm_of(v)
		if vm not in vms:
			vms.append(vm)
	return {vm: i % len(PALETTE) for i, vm in enumerate(vms)}


def to_json(t, m, clock):
	ev = []
	colour = vm_colours(t)
	cpus = sorted({r.cpu for r in t.recs})
	for c in cpus:
		ev.append({"ph": "M", "name": "process_name", "pid": c, "args": {"name": "pCPU %d" % c}})
		ev.append({"ph": "M", "name": "process_sort_index", "pid": c, "args": {"sort_index": c}})
		ev.append({"ph": "M", "name": "thread_name", "pid": c, "tid": 0, "args": {"name": "run"}})
		ev.append({"ph": "M", "name": "thread_name", "pid": c, "tid": 1,
			   "args": {"name": "events"}})

	def span(cpu, tid, name, t0, t1, cat, args, cname=None):
		if not clock.inside(t0, t1):
			return
		e = {"ph": "X", "pid": cpu, "tid": tid, "name": name, "cat": cat,
		     "ts": round(clock.us(t0), 3), "dur": max(round(clock.us(t1) - clock.us(t0), 3), 0.001),
		     "args": args}
		if cname:
			e["cname"] = cname
		ev.append(e)

	def instant(cpu, name, tsc, cat, args):
		if clock.inside(tsc):
			ev.append({"ph": "i", "s": "t", "pid": cpu, "tid": 1, "name": name, "cat": cat,
				   "ts": round(clock.us(tsc), 3), "args": args})

	for cpu, v, t0, t1, rin, rout, load, put in m.runs:
		args = {"vcpu": t.name(v), "vm": t.vm_of(v),
			"out": ",".join(n for f, n in ((F_BLOCKING, "blocking"), (F_PREEMPTED, "preempted"),
						      (F_DEAD, "dead")) if rout.flags & f) or "-"}
		if load is not None:
			args["pi_load before"], args["pi_load after"] = ctl_str(load.a), ctl_str(load.b)
		if put is not None:
			args["pi_put before"], args["pi_put after"] = ctl_str(put.a), ctl_str(put.b)
		span(cpu, 0, t.name(v), t0, t1, "vcpu", args, CNAMES[colour.get(t.vm_of(v), 0)])
	for cpu, t0, t1 in m.idles:
		span(cpu, 0, "idle", t0, t1, "idle", {}, "grey")
	for cpu, v, t0, t1, hit, window in m.polls:
		span(cpu, 0, "halt-poll " + ("hit" if hit else "miss"), t0, t1, "poll",
		     {"vcpu": t.name(v), "window_tsc": window}, "good" if hit else "bad")
	for cpu, t0, t1, woken in m.wakeups:
		span(cpu, 0, "WAKEUP irq", t0, t1, "irq", {"woke": [t.name(v) for v in woken]},
		     "terrible")
	for r in t.recs:
		if r.mn == "bl":
			instant(r.cpu, "block " + t.name(r.vcpu), r.tsc, "sched", {"vcpu": t.name(r.vcpu)})
		elif r.mn == "wk":
			instant(r.cpu, "wake " + t.name(r.vcpu), r.tsc, "sched",
				{"vcpu": t.name(r.vcpu), "run queue": r.a,
				 "was": "blocked" if r.flags & F_WAS_BLOCKED else "blocking (cancelled)"})
		elif r.mn == "ni":
			instant(r.cpu, "NOTIFY irq (root mode)", r.tsc, "irq", {})
		elif r.mn == "mg":
			instant(r.cpu, "migrate %s %d->%d" % (t.name(r.vcpu), r.a, r.b), r.tsc, "sched",
				{"vcpu": t.name(r.vcpu), "from": r.a, "to": r.b,
				 "when": "at switch-out" if r.flags & F_DEFERRED else "now"})
		elif r.mn == "ex":
			reason = r.a & 0xFFFF
			instant(r.cpu, "exit " + EXIT_NAMES.get(reason, str(reason)), r.tsc, "exit",
				{"vcpu": t.name(r.vcpu), "reason": reason, "raw": "%#x" % r.a})
	for i, (r, cpu, tsc, how) in enumerate(m.posts):
		if not clock.inside(r.tsc, tsc):
			continue
		args = {"target": t.name(r.vcpu), "vector": "%#x" % r.a,
			"notified": bool(r.flags & F_NOTIFIED), "coalesced": bool(r.flags & F_COALESCED),
			"descriptor after": ctl_str(r.b), "landed": how}
		name = "post %#x -> %s" % (r.a, t.name(r.vcpu))
		span(r.cpu, 1, name, r.tsc, r.tsc + 1, "post", args, CNAMES[colour.get(t.vm_of(r.vcpu), 0)])
		span(cpu, 1, "got %#x (%s)" % (r.a, t.name(r.vcpu)), tsc, tsc + 1, "post", args)
		ev.append({"ph": "s", "id": i, "pid": r.cpu, "tid": 1, "name": "post", "cat": "post",
			   "ts": round(clock.us(r.tsc), 3)})
		ev.append({"ph": "f", "bp": "e", "id": i, "pid": cpu, "tid": 1, "name": "post",
			   "cat": "post", "ts": round(clock.us(tsc), 3)})
	return {"traceEvents": ev, "displayTimeUnit": "ns",
		"otherData": {"source": "pihv trace", "tsc_khz": t.tsc_khz, "dumps": len(t.dumps),
			      "dropped": t.dropped, "torn": t.torn}}


# ---------------------------------------------------------------- SVG timeline

def to_svg(t, m, clock, width=1400):
	colour = vm_colours(t)
	cpus = sorted({r.cpu for r in t.recs})
	left, right, top, lane, gap = 70, 20, 40, 34, 16
	if clock.window:
		u0, u1 = clock.window
	else:
		u0, u1 = 0.0, max((clock.us(r.tsc) for r in t.recs), default=1.0)
	u1 = max(u1, u0 + 1e-3)
	scale = (width - left - right) / (u1 - u0)
	legend_h = 44
	height = top + len(cpus) * (lane + gap) + legend_h

	def x(tsc):
		return left + (clock.us(tsc) - u0) * scale

	def y(cpu):
		return top + cpus.index(cpu) * (lane + gap)

	def clip(x0, x1):
		return max(x0, left), min(x1, width - right)

	out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
	       'font-size="11">' % (width, height),
	       '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
	       'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
	       'fill="#333"/></marker></defs>',
	       '<clipPath id="plot"><rect x="%d" y="0" width="%d" height="%d"/></clipPath>' % (
		       left, width - left - right, height),
	       '<rect width="100%" height="100%" fill="white"/>']
	# time axis
	step = nice_step((u1 - u0) / 8)
	tick = (int(u0 / step) + 1) * step if u0 % step else u0
	while tick <= u1:
		xx = left + (tick - u0) * scale
		out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (
			xx, top - 6, xx, height - legend_h))
		out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (
			xx, top - 10, fmt_us(tick)))
		tick += step
	for c in cpus:
		out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="#f4f4f4"/>' % (
			left, y(c), width - left - right, lane))
		out.append('<text x="6" y="%d" fill="#222">pCPU %d</text>' % (y(c) + lane / 2 + 4, c))
	out.append('<g clip-path="url(#plot)">')
	for cpu, v, t0, t1, rin, rout, load, put in m.runs:
		if not clock.inside(t0, t1):
			continue
		x0, x1 = clip(x(t0), x(t1))
		fill = PALETTE[colour.get(t.vm_of(v), 0)]
		how = ",".join(n for f, n in ((F_BLOCKING, "blocked"), (F_PREEMPTED, "preempted"),
					       (F_DEAD, "done")) if rout.flags & f) or "switched out"
		tip = "%s on pCPU %d, %s - %s, then %s" % (t.name(v), cpu, fmt_us(clock.us(t0)),
							   fmt_us(clock.us(t1)), how)
		if put is not None:
			tip += "; pi_put %s -> %s" % (ctl_str(put.a), ctl_str(put.b))
		out.append('<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="%s"><title>%s</title>'
			   '</rect>' % (x0, y(cpu) + 3, max(x1 - x0, 0.6), lane - 6, fill,
					html.escape(tip)))
		if x1 - x0 > 7 * len(t.name(v)):
			out.append('<text x="%.1f" y="%d" fill="white">%s</text>' % (
				x0 + 3, y(cpu) + lane / 2 + 4, html.escape(t.name(v))))
	for cpu, v, t0, t1, hit, window in m.polls:
		if clock.inside(t0, t1):
			x0, x1 = clip(x(t0), x(t1))
			out.append('<rect x="%.2f" y="%d" width="%.2f" height="4" fill="%s"><title>halt-poll '
				   '%s (%s)</title></rect>' % (x0, y(cpu) + lane - 5, max(x1 - x0, 0.6),
							  "#2a2" if hit else "#a22", "hit" if hit else
							  "miss", html.escape(t.name(v))))
	for cpu, t0, t1, woken in m.wakeups:
		if clock.inside(t0, t1):
			xx = x(t0)
			out.append('<path d="M%.1f,%d l-4,-7 l8,0 z" fill="#c00"><title>WAKEUP irq on pCPU '
				   '%d woke %s</title></path>' % (xx, y(cpu) + 1, cpu,
							    html.escape(", ".join(t.name(v) for v in woken) or
									"nobody")))
	for r in t.recs:
		if r.mn == "bl" and clock.inside(r.tsc):
			out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000" stroke-width="1.5">'
				   '<title>%s blocks</title></line>' % (x(r.tsc), y(r.cpu), x(r.tsc),
									y(r.cpu) + lane,
									html.escape(t.name(r.vcpu))))
	for r, cpu, tsc, how in m.posts:
		if not clock.inside(r.tsc):  # an arrow cut at its start would name the wrong poster
			continue
		x0, y0, x1, y1 = x(r.tsc), y(r.cpu) + lane / 2, x(tsc), y(cpu) + lane / 2
		tip = "post %#x from pCPU %d to %s: %s, %s" % (
			r.a, r.cpu, t.name(r.vcpu), "notified" if r.flags & F_NOTIFIED else "no notification",
			how)
		stroke = PALETTE[colour.get(t.vm_of(r.vcpu), 0)]
		if abs(x1 - x0) < 1 and r.cpu == cpu:
			out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="none" stroke="#333"><title>%s'
				   '</title></circle>' % (x0, y0, html.escape(tip)))
		else:
			out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333" '
				   'stroke-opacity="0.7" marker-end="url(#arrow)"><title>%s</title></line>' % (
					   x0, y0, x1, y1, html.escape(tip)))
			out.append('<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>' % (x0, y0, stroke))
	out.append('</g>')
	# legend
	ly = height - legend_h + 18
	lx = left
	for vm, i in sorted(colour.items(), key=lambda kv: kv[1]):
		out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (lx, ly - 10,
										      PALETTE[i]))
		out.append('<text x="%d" y="%d">%s</text>' % (lx + 16, ly, html.escape(vm)))
		lx += 24 + 7 * len(vm)
	out.append('<text x="%d" y="%d" fill="#333">arrow: post, poster to where it landed; '
		   'triangle: WAKEUP irq; bar: block; strip: halt-poll hit/miss</text>' % (lx + 6, ly))
	out.append('</svg>')
	return "\n".join(out) + "\n"


def nice_step(x):
	"""The smallest 1, 2 or 5 times a power of ten that is >= x (axis ticks)."""
	p = 10.0 ** math.floor(math.log10(max(x, 1e-9)))
	for m in (1, 2, 5, 10):
		if p * m >= x:
			return p * m
	return p * 10


def fmt_us(us):
	if us >= 1000:
		return "%g ms" % round(us / 1000.0, 3)
	return "%g us" % round(us, 3)


# ---------------------------------------------------------------- --check

COUNTER_RES = [
	# test image: vm/vcpu.c vcpu_print_stats
	(re.compile(r"^vmx: \[(\S+)\] pi: posted=(\d+) notified=(\d+)"), ("posted", "notified")),
	(re.compile(r"^vmx: \[(\S+)\] hlt: .*\bblocks=(\d+)"), ("blocks",)),
	(re.compile(r"^vmx: \[(\S+)\] sched: .*\bswitch_in=(\d+)"), ("switch_in",)),
]
PCPU_RE = re.compile(r"^vmx: cpu (\d+): .*\bwakeup_irqs=(\d+) notify_irqs=(\d+)")
LABELS = {"posted": "post", "notified": "notifying post", "blocks": "block",
	  "switch_in": "switch-in"}
# the product: vm/summary.c, one line per VM
SUMMARY_RE = re.compile(r"^vm (\S+): .*; posted=(\d+) notified=(\d+) blocked=(\d+)")


def check(t, m, text, allow_drops=False):
	"""Protocol lines (docs/testing.md) and the number of failures."""
	lines, fails = [], [0]

	def report(ok, msg):
		lines.append("%s: trace: %s" % ("PASS" if ok else "FAIL", msg))
		fails[0] += not ok

	report(bool(t.dumps), "%d dump(s), %d records, %d pCPU blocks" % (
		len(t.dumps), len(t.recs), sum(len(d["blocks"]) for d in t.dumps)))
	if not t.dumps:
		return lines, fails[0]
	report(not t.problems, "dump well formed" + ("" if not t.problems else ": " +
							 "; ".join(t.problems[:5])))
	exact = t.dropped == 0 and t.torn == 0
	report(exact or allow_drops, "%d records dropped (overwritten), %d torn" % (t.dropped, t.torn))
	report(not m.errors, "%d switch-ins matched by switch-outs, pi_load/pi_put left the "
	       "descriptor as the state table says%s" % (
		       len(m.runs), "" if not m.errors else ": %d problem(s), first: %s" % (
			       len(m.errors), "; ".join(m.errors[:3]))))
	armed = sum(1 for r in t.recs if r.mn == "pp" and ctl_fields(r.b)["NV"] == WAKEUP_VECTOR)
	report(armed == 0 or m.stats["loads_after_armed_put"] > 0,
	       "%d blocking puts armed NV=WAKEUP; the %d pi_loads that followed them restored "
	       "NV=NOTIFY" % (armed, m.stats["loads_after_armed_put"]))
	if not exact:
		lines.append("SKIP: trace: counts against the log's counters (records were lost)")
		return lines, fails[0]
	counted = {}
	for r in t.recs:
		c = counted.setdefault(t.name(r.vcpu), {"posted": 0, "notified": 0, "blocks": 0,
							 "switch_in": 0})
		if r.mn == "po":
			c["posted"] += 1
			c["notified"] += bool(r.flags & F_NOTIFIED)
		elif r.mn == "bl":
			c["blocks"] += 1
		elif r.mn == "si":
			c["switch_in"] += 1
	compared = 0
	names = set(t.names.values())
	for l in text.splitlines():
		for rx, keys in COUNTER_RES:
			mm = rx.match(l)
			if mm and mm.group(1) in names:
				for k, v in zip(keys, mm.groups()[1:]):
					got = counted.get(mm.group(1), {}).get(k, 0)
					report(got == int(v), "%s: %d %s records, the log says %s=%s" % (
						mm.group(1), got, LABELS[k], k, v))
					compared += 1
		mm = SUMMARY_RE.match(l)
		if mm:
			vm = mm.group(1)
			for k, v in zip(("posted", "notified", "blocks"), mm.groups()[1:]):
				got = sum(c.get(k, 0) for n, c in counted.items() if n.rsplit("/", 1)[0] == vm)
				report(got == int(v), "VM %s: %d %s records, its summary says %s=%s" % (
					vm, got, LABELS[k], "blocked" if k == "blocks" else k, v))
				compared += 1
		mm = PCPU_RE.match(l)
		if mm:
			cpu = int(mm.group(1))
			wi = sum(1 for r in t.recs if r.cpu == cpu and r.mn == "wi" and not r.flags & F_END)
			ni = sum(1 for r in t.recs if r.cpu == cpu and r.mn == "ni")
			report(wi == int(mm.group(2)) and ni == int(mm.group(3)),
			       "pCPU %d: %d WAKEUP and %d NOTIFY irq records, the log says wakeup_irqs=%s "
			       "notify_irqs=%s" % (cpu, wi, ni, mm.group(2), mm.group(3)))
			compared += 1
	report(compared > 0, "%d counters of the log compared with the records" % compared)
	return lines, fails[0]


# ---------------------------------------------------------------- --selftest

# The lines of tests/host/test_trace.c (trace_fmt_lines), decoded: keep the two in step.
SELFTEST = [
	("TR si 10 5", 0x1000, ("si", 0, 0x1010, 5, 0, 0)),
	("TR so/1 10 5", 0x1010, ("so", 1, 0x1020, 5, 0, 0)),
	("TR pl 0 5 1000f10000 1400f20000", 0x1234, ("pl", 0, 0x1234, 5, 0x1000F10000, 0x1400F20000)),
	("TR pp/5 1000 0 1400f20000 1400f10000", 0x1000,
	 ("pp", 5, 0x2000, 0, 0x1400F20000, 0x1400F10000)),
	("TR po/1 0 1f 41 1400f20001", 5, ("po", 1, 5, 0x1F, 0x41, 0x1400F20001)),
	("TR ni 20", 0x10, ("ni", 0, 0x30, None, 0, 0)),
	("TR wi/1 0", 0x30, ("wi", 1, 0x30, None, 0, 0)),
	("TR id 0 - 3", 0x30, ("id", 0, 0x30, None, 3, 0)),
	("TR wk/1 -80 2 3", 0x180, ("wk", 1, 0x100, 2, 3, 0)),
	("TR mg/1 0 2 0 3", 0x100, ("mg", 1, 0x100, 2, 0, 3)),
	("TR ex ffffffffffff 2 c", 0, ("ex", 0, 0xFFFFFFFFFFFF, 2, 0xC, 0)),
	("TR hp/3 0 2 2710", 9, ("hp", 3, 9, 2, 0x2710, 0)),
	("TR bl 0 2", 9, ("bl", 0, 9, 2, 0, 0)),
]

# a/0 on pCPU 0 posts to b/0, blocked armed on pCPU 1, then blocks itself; b/0 is woken by the
# WAKEUP interrupt, runs, polls (hit) and finishes.
SELFTEST_LOG = """\
TRACE: dump why=run cpus=2 tsc_khz=50000 vcpus=2
TRACE: vcpu 0 a/0
TRACE: vcpu 1 b/0
TRACE: begin cpu=0 apic=10 events=6 dropped=0 base=1000
TR si 0 0
TR pl 10 0 1000f20002 1000f20000
TR po/1 100 1 41 1400f10001
TR bl 10 0
TR so/1 10 0
TR pp/5 10 0 1000f20000 1000f10000
TRACE: end cpu=0 torn=0
TRACE: begin cpu=1 apic=14 events=9 dropped=0 base=1200
TR wi 0
TR wk/1 8 1 1
TR wi/1 8
TR si 40 1
TR pl 10 1 1400f10001 1400f20001
TR hp 100 1 2710
TR hp/3 80 1 2710
TR so/4 100 1
TR pp/4 10 1 1400f20000 1400f20002
TRACE: end cpu=1 torn=0
TRACE: done
"""


def selftest():
	fails = 0
	for line, prev, want in SELFTEST:
		got = decode_line(line, prev)
		ok = got == want
		fails += not ok
		print("%s: trace2perfetto: decode %r%s" % ("PASS" if ok else "FAIL", line,
							 "" if ok else ": got %r, want %r" % (got, want)))
	t = parse(SELFTEST_LOG.splitlines())
	m = Model(t)
	cases = [
		(not t.problems, "the sample dump parses (%s)" % "; ".join(t.problems)),
		(len(m.runs) == 2 and not m.errors,
		 "the sample has two runs and is consistent (%s)" % "; ".join(m.errors)),
		(len(m.posts) == 1 and m.posts[0][1:] == (1, 0x1200, "wakeup irq"),
		 "the post lands at pCPU 1's WAKEUP irq (%r)" % (m.posts[0][1:],)),
		(m.wakeups == [(1, 0x1200, 0x1210, [1])], "the WAKEUP irq woke b/0"),
		(m.stats["loads_after_armed_put"] == 0,
		 "no load after an armed put (a/0's is the last record; b/0's is before the dump)"),
	]
	# what the check must notice: a load that leaves NV=WAKEUP, a switch-out without its put,
	# a record count that does not match, a vCPU in on two pCPUs at once
	for old, new, want in (
		("1400f10001 1400f20001", "1400f10001 1400f10001", "left ON=1 SN=0 NV=0xf1"),
		("events=9 dropped=0 base=1200", "events=8 dropped=0 base=1200", "without its pi_put"),
		("TR hp 100 1 2710\n", "", "begin says events=9"),
		("events=6 dropped=0 base=1000", "events=8 dropped=0 base=1000", "at once"),
	):
		text = SELFTEST_LOG.replace(old, new)
		if "without" in want:
			text = text.replace("TR pp/4 10 1 1400f20000 1400f20002\n", "")
		if "at once" in want:
			text = text.replace("1000f10000\nTRACE: end", "1000f10000\nTR si 200 1\n"
					    "TR so 10 1\nTRACE: end")
		tb = parse(text.splitlines())
		mb = Model(tb)
		found = [p for p in tb.problems + mb.errors if want in p]
		cases.append((bool(found), "a broken sample is noticed: %s" % (found or want)))
	# a ring that wrapped: the run's switch-in and pi_load were overwritten, its end is not
	# an error
	text = SELFTEST_LOG.replace("events=6 dropped=0", "events=4 dropped=2").replace(
		"TR si 0 0\nTR pl 10 0 1000f20002 1000f20000\n", "")
	tb = parse(text.splitlines())
	mb = Model(tb)
	cases.append((not tb.problems and not mb.errors and tb.dropped == 2,
		      "a wrapped ring's first records are not errors (%s)" % "; ".join(
			      tb.problems + mb.errors)))
	j = to_json(t, m, Clock(t))
	flows = [e for e in j["traceEvents"] if e["ph"] in "sf"]
	cases.append((len(flows) == 2 and flows[0]["pid"] == 0 and flows[1]["pid"] == 1,
		      "one flow arrow from pCPU 0 to pCPU 1"))
	svg = to_svg(t, m, Clock(t))
	cases.append((svg.count("marker-end") == 1 and "a/0" in svg, "the SVG has the arrow"))
	for ok, msg in cases:
		fails += not ok
		print("%s: trace2perfetto: %s" % ("PASS" if ok else "FAIL", msg))
	print("Test result: %s" % ("FAILURE" if fails else "SUCCESS"))
	return 1 if fails else 0


def to_us(s):
	"""'1500', '1500us', '1.5ms' or '0.0015s' -> 1500.0"""
	for suffix, mult in (("ms", 1000.0), ("us", 1.0), ("s", 1e6)):
		if s.endswith(suffix):
			return float(s[:-len(suffix)]) * mult
	return float(s)


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	ap.add_argument("log", nargs="?", help="a serial log with a TRACE dump (build/logs/NAME.log)")
	ap.add_argument("--json", metavar="OUT", help="write the Chrome/Perfetto trace-event JSON")
	ap.add_argument("--svg", metavar="OUT", help="write the SVG timeline")
	ap.add_argument("--window", metavar="FROM:TO",
			help="only this part of the run, from the first record: 70ms:76ms, 1500:2000 "
			     "(us), 2ms: (to the end)")
	ap.add_argument("--width", type=int, default=1400, help="SVG width in pixels")
	ap.add_argument("--check", action="store_true",
			help="check the dump and compare it with the log's counters (protocol lines)")
	ap.add_argument("--allow-drops", action="store_true",
			help="--check: records overwritten in the ring are not a failure")
	ap.add_argument("--selftest", action="store_true", help="test the decoder on known lines")
	args = ap.parse_args()
	if args.selftest:
		return selftest()
	if not args.log:
		ap.error("a log file is needed")
	text = open(args.log, errors="replace").read()
	t = parse(text.splitlines())
	m = Model(t)
	window = None
	if args.window:
		a, _, b = args.window.partition(":")
		window = (to_us(a or "0"), to_us(b) if b else 1e18)
	clock = Clock(t, window)
	rc = 0
	if args.check:
		lines, fails = check(t, m, text, args.allow_drops)
		print("\n".join(lines))
		print("Test result: %s" % ("FAILURE" if fails else "SUCCESS"))
		rc = 1 if fails else 0
	elif not t.dumps:
		print("trace2perfetto: %s has no TRACE dump (boot with trace=on)" % args.log,
		      file=sys.stderr)
		return 1
	for path, data in ((args.json, lambda: json.dumps(to_json(t, m, clock))),
			   (args.svg, lambda: to_svg(t, m, clock, args.width))):
		if path:
			os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
			with open(path, "w") as f:
				f.write(data())
			print("trace2perfetto: wrote %s" % path)
	if not args.check:
		for p in t.problems[:5] + m.errors[:5]:
			print("trace2perfetto: warning: %s" % p, file=sys.stderr)
		print("trace2perfetto: %d records on %d pCPU(s), %d vCPU spans, %d posts, %.0f us" % (
			len(t.recs), len({r.cpu for r in t.recs}), len(m.runs), len(m.posts),
			max((clock.us(r.tsc) for r in t.recs), default=0)))
	return rc


if __name__ == "__main__":
	sys.exit(main())
