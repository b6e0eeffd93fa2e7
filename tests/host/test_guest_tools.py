#!/usr/bin/env python3
"""Host checks of the standard-guest tools (protocol lines, docs/testing.md): the differential
comparator's rules (tests/guestdiff.py) and scripts/pihv-qemu's command line (it must refuse
what it does not know with one clear line, and map QEMU's options onto a module line)."""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import guestdiff  # noqa: E402

PIHV_QEMU = os.path.join(ROOT, "scripts", "pihv-qemu")
fails = tests = 0


def check(ok, name, what):
	global fails, tests
	tests += 1
	fails += not ok
	print("%s: %s: %s" % ("PASS" if ok else "FAIL", name, what))


def comparator():
	q = "PASS: a: 1\nSKIP: b: TCG deviation: no #GP\nFAIL: c: x\n"
	p = "[noise]\nPASS: a: 2\nPASS: b: vector 13\nFAIL: c: y\n"
	ok, lines = guestdiff.compare(q, 3, p, 3, ["b"], 3)
	check(ok and "2 identical, 1 documented" in lines[-1], "diff-deviation",
	      "a listed TCG deviation (QEMU SKIP, pihv PASS) is allowed: " + lines[-1])
	ok, lines = guestdiff.compare(q, 3, p, 3, [], 3)
	check(not ok and any("b: QEMU SKIP" in l for l in lines), "diff-unlisted",
	      "an unlisted difference fails")
	ok, lines = guestdiff.compare(q, 3, p.replace("PASS: a: 2\n", ""), 3, ["b"], 3)
	check(not ok and any("a: QEMU PASS, pihv never reported it" in l for l in lines),
	      "diff-missing", "a test missing on one side fails")
	ok, lines = guestdiff.compare(q, 3, p, 1, ["b"], 3)
	check(not ok and any("exit status: QEMU 3, pihv 1" in l for l in lines), "diff-status",
	      "different exit statuses fail")
	q2 = "SKIP: b: skipped for another reason\n"
	ok, _ = guestdiff.compare(q2, 1, "PASS: b: ok\n", 1, ["b"], 1)
	check(not ok, "diff-deviation-reason", "a SKIP that does not name a TCG deviation fails")
	ok, lines = guestdiff.compare("PASS: a: 1\nPASS: a: 1\n", 1, "PASS: a: 1\n", 1)
	check(not ok and "reported a more than once" in lines[0], "diff-duplicate",
	      "a name reported twice fails")


def pihv_qemu():
	def run(*args):
		r = subprocess.run([PIHV_QEMU] + list(args), stdout=subprocess.PIPE,
				   stderr=subprocess.PIPE, text=True, timeout=60)
		return r.returncode, r.stderr.strip().splitlines()

	rc, err = run("-kernel", "k.elf", "-foo")
	check(rc == 1 and len(err) == 1 and "unknown option -foo" in err[0], "pihv-qemu-unknown",
	      "an unknown option is refused with one line (rc %d)" % rc)
	rc, err = run("-kernel", "k.elf", "-enable-kvm")
	check(rc == 1 and "unknown option -enable-kvm" in err[0], "pihv-qemu-kvm-flag",
	      "QEMU options outside the accepted set are refused too")
	rc, err = run("-append", "x")
	check(rc == 1 and "-kernel is required" in err[0], "pihv-qemu-no-kernel",
	      "-kernel is required")
	rc, err = run("-kernel", "k.elf", "-serial", "file:x")
	check(rc == 1 and "only -serial stdio" in err[0], "pihv-qemu-serial", err[0])
	rc, err = run("-kernel", "k.elf", "-smp", "9")
	check(rc == 1 and "1-4 vCPUs" in err[0], "pihv-qemu-smp", err[0])
	rc, err = run("-kernel", "k.elf", "-smp", "2", "--pihv-cpus", "0")
	check(rc == 1 and "--pihv-cpus 0" in err[0], "pihv-qemu-cpus", err[0])
	rc, err = run("-kernel", "k.elf", "-m", "1.5G")
	check(rc == 1 and "not a size" in err[0], "pihv-qemu-mem", err[0])
	rc, err = run("-kernel", "k.elf", "-device", "isa-debug-exit,iobase=0x501")
	check(rc == 1 and "iobase=0xf4" in err[0], "pihv-qemu-debug-exit", err[0])
	rc, err = run("-kernel", "/nonexistent/k.elf", "--pihv-emu", "bochs")
	check(rc == 1 and any("no such file" in l for l in err), "pihv-qemu-missing",
	      "a missing kernel is named")
	loader = importlib.machinery.SourceFileLoader("pihv_qemu", PIHV_QEMU)
	spec = importlib.util.spec_from_loader("pihv_qemu", loader)
	m = importlib.util.module_from_spec(spec)
	loader.exec_module(m)
	a = m.parse_args(["-kernel", os.path.join(ROOT, "tests/host/test_guest_tools.py"),
			  "-append", "a=1 b", "-initrd", "%s x=1,%s" % (PIHV_QEMU, PIHV_QEMU),
			  "-smp", "cpus=2,sockets=1", "-m", "256M", "-no-reboot"])
	lines = m.module_lines(a, "k")
	check(a["smp"] == 2 and a["mem"] == 256 and a["no_reboot"], "pihv-qemu-parse",
	      "-smp cpus=2,..., -m 256M, -no-reboot")
	check(lines[0].endswith("name=k vcpus=2 mem=256M -- a=1 b") and
	      lines[1].endswith("vm=k name=pihv-qemu -- x=1") and
	      lines[2].endswith("vm=k name=pihv-qemu -- "), "pihv-qemu-modules",
	      "module lines: %s" % " | ".join(l.split(None, 1)[1] for l in lines))


LINUX_LOG = """[linux] [   45.1] LINUX: init started, uptime 41.00
[linux] [   45.2] LINUX: interrupts before
[linux] [   45.3] LINUX:   LOC:       5531       6117   Local timer interrupts
[linux] [   45.3] LINUX:   RES:         46         15   Rescheduling interrupts
[linux] [   45.3] LINUX:   CAL:        398       3344   Function call interrupts
[linux] [   47.2] LINUX: interrupts after
[linux] [   47.3] LINUX:   LOC:       LOC1       6319   Local timer interrupts
[linux] [   47.3] LINUX:   RES:         RES1   Rescheduling interrupts
[linux] [   47.3] LINUX:   CAL:        CAL1   Function call interrupts
[linux] [   47.4] LINUX: uptime1=43.18
vm linux: halted for good (every vCPU in HLT with IF=0) after 181691449 us; exits 166632: HLT=5242; \
posted=POSTED notified=5479 blocked=5195 woken=5195 poll_hits=32 preempted=0 migrated=0 \
desc_writes=21131; guest reports pass=0 fail=0 skip=0
"""


def check_linux():
	"""tests/linux/check_linux.py: a good run passes; each thing it guards, broken, fails."""
	import subprocess
	import tempfile

	def run(loc1="5740", ipis=True, posted="16580", *args):
		text = LINUX_LOG.replace("\\\n", "").replace("LOC1", loc1)
		# after the workload: the counts rose, or are the same as before
		text = text.replace("RES1", "53  17" if ipis else "46  15")
		text = text.replace("CAL1", "722  3660" if ipis else "398  3344")
		with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
			f.write(text.replace("POSTED", posted))
		r = subprocess.run([sys.executable, os.path.join(ROOT, "tests/linux/check_linux.py"),
				    f.name] + list(args), capture_output=True, text=True)
		os.unlink(f.name)
		return r.returncode, r.stdout
	rc, out = run("5740", True, "16580", "--vcpus", "2")
	check(rc == 0, "check-linux-ok", out.strip())
	rc, out = run("5740", False, "16580")
	check(rc == 1 and "did not rise" in out, "check-linux-ipis", out.strip())
	rc, out = run("5531", True, "16580")
	check(rc == 1 and "did not tick" in out, "check-linux-timer", out.strip())
	rc, out = run("5740", True, "0")
	check(rc == 1 and "no posts" in out, "check-linux-posts", out.strip())
	rc, out = run("5740", True, "16580", "--vcpus", "3")
	check(rc == 1 and "want 3" in out, "check-linux-cpus", out.strip())


comparator()
pihv_qemu()
check_linux()
print("SUMMARY: %d tests, %d failures, 0 skipped" % (tests, fails))
print("Test result: %s" % ("FAILURE" if fails else "SUCCESS"))
sys.exit(1 if fails else 0)
