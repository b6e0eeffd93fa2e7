"""The differential comparator (docs/guests.md, "Differential tests"): one standard test kernel,
run unchanged in plain QEMU TCG and as a pihv VM (scripts/pihv-qemu), must report the same set of
PASS/FAIL/SKIP test names with the same verdicts, and end with the same exit status.

A documented deviation is a test that QEMU's TCG gets wrong where pihv follows the SDM: the
kernel reports it there as "SKIP: <name>: TCG deviation: ..." and pihv must PASS it.  Everything
else must be identical.  Pure functions of the two outputs, so the rules are easy to test.
"""

import re

VERDICT_RE = re.compile(r"^(PASS|FAIL|SKIP): ([^:\s]+):?(.*)$", re.M)
SUMMARY_RE = re.compile(r"^SUMMARY: (\d+) tests, (\d+) failures, (\d+) skipped$", re.M)


def verdicts(text):
	"""{name: (verdict, detail)} of the protocol lines in a guest's output.  A name reported twice
	keeps its worst verdict (FAIL > SKIP > PASS) and is flagged in the second result."""
	rank = {"PASS": 0, "SKIP": 1, "FAIL": 2}
	out, dups = {}, []
	for m in VERDICT_RE.finditer(text):
		word, name, detail = m.group(1), m.group(2), m.group(3).strip()
		if name in out:
			dups.append(name)
			if rank[word] <= rank[out[name][0]]:
				continue
		out[name] = (word, detail)
	return out, dups


def compare(qemu_text, qemu_rc, pihv_text, pihv_rc, deviations=(), want_rc=None):
	"""(ok, lines): one line per difference, then a summary line."""
	q, qd = verdicts(qemu_text)
	p, pd = verdicts(pihv_text)
	lines, allowed, same = [], [], 0
	for side, d in (("QEMU", qd), ("pihv", pd)):
		for name in d:
			lines.append("diff: %s reported %s more than once" % (side, name))
	for name in sorted(set(q) | set(p)):
		if name not in p:
			lines.append("diff: %s: QEMU %s, pihv never reported it" % (name, q[name][0]))
		elif name not in q:
			lines.append("diff: %s: pihv %s, QEMU never reported it" % (name, p[name][0]))
		elif q[name][0] == p[name][0]:
			same += 1
		elif (name in deviations and q[name][0] == "SKIP" and p[name][0] == "PASS" and
		      q[name][1].startswith("TCG deviation")):
			allowed.append(name)
		else:
			lines.append("diff: %s: QEMU %s (%s), pihv %s (%s)" % (
				name, q[name][0], q[name][1], p[name][0], p[name][1]))
	if qemu_rc != pihv_rc:
		lines.append("diff: exit status: QEMU %d, pihv %d" % (qemu_rc, pihv_rc))
	if want_rc is not None and qemu_rc != want_rc:
		lines.append("diff: exit status: QEMU %d, expected %d" % (qemu_rc, want_rc))
	if not q:
		lines.append("diff: QEMU reported no test")
	ok = not lines
	lines.append("diff: %d tests compared: %d identical, %d documented deviation(s)%s; exit "
		     "status QEMU %d, pihv %d: %s" % (
			     len(set(q) | set(p)), same, len(allowed),
			     " (" + " ".join(allowed) + ")" if allowed else "", qemu_rc, pihv_rc,
			     "same" if ok else "DIFFERENT"))
	return ok, lines
