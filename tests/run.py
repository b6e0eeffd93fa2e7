#!/usr/bin/env python3
"""pihv test runner: runs the entries of tests/emu/tests.cfg (emulator boots and host suites),
classifies each run from the serial protocol plus the emulator's exit code, and prints one line
per test and a final "N passed, N failed, N skipped" line.  Python 3 standard library only.

See docs/testing.md for the protocol, the classification rules and the test list format.
"""

import argparse
import concurrent.futures
import configparser
import fnmatch
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMU_DIR = os.path.join(ROOT, "tests", "emu")
CFG = os.path.join(EMU_DIR, "tests.cfg")
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
	BUILD = os.path.join(ROOT, BUILD)
LOGS = os.path.join(BUILD, "logs")
ISODIR = os.path.join(BUILD, "iso")
# The tests boot the test image (the product's objects plus the in-kernel tests); an entry with
# `file = build/pihv.elf` boots the product.  `make run` and `make iso` boot the product with the
# VMs of a guest list (guests/demo.vms by default), or the test image when CMDLINE names a test.
KERNEL = os.path.abspath(os.environ.get("PIHV_KERNEL", os.path.join(BUILD, "pihv-test.elf")))
PRODUCT = os.path.abspath(os.path.join(BUILD, "pihv.elf"))
DEFAULT_GUESTS = os.path.join(ROOT, "guests", "demo.vms")

CACHE = os.environ.get("PIHV_CACHE") or os.path.join(
	os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pihv")
BOCHS = os.environ.get("PIHV_BOCHS") or os.path.join(CACHE, "bochs-3.0-pihv2", "bin", "bochs")
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
BOCHS_VGA = "/usr/share/vgabios/vgabios.bin"
QEMU = os.environ.get("PIHV_QEMU", "qemu-system-x86_64")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"

EMUS = ("qemu", "qemu-kernel", "qemu-efi", "qemu-kvm", "bochs", "host", "diff")
EMU_ALIASES = {"kvm": "qemu-kvm", "efi": "qemu-efi", "ovmf": "qemu-efi", "kernel": "qemu-kernel"}
# Outer timeouts (s) when an entry has none; measured boot times: docs/emulators.md §4.
DEFAULT_TIMEOUT = {"qemu": 30, "qemu-kernel": 20, "qemu-efi": 90, "qemu-kvm": 120, "bochs": 60,
		   "host": 900, "diff": 180}
# Rough cost, used only to start the slow runs first.
COST = {"host": 30, "qemu-efi": 6, "qemu-kvm": 5, "diff": 3, "bochs": 2, "qemu": 1,
	"qemu-kernel": 0.5}
PART_MODULES = ("part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_gpt "
		"part_msdos part_plan part_sun part_sunpc")
OUTCOMES = ("pass", "fail", "crash", "timeout", "skip")

# isa-debug-exit: the kernel writes code c to port 0xf4 and QEMU exits with (c << 1) | 1.
QEMU_RC = {"SUCCESS": 0x10 << 1 | 1, "FAILURE": 0x11 << 1 | 1, "SKIP": 0x12 << 1 | 1,
	   "ERROR": 0x13 << 1 | 1}
RESULT_OUTCOME = {"SUCCESS": "pass", "FAILURE": "fail", "SKIP": "skip", "ERROR": "crash"}
RESULT_RANK = {"SUCCESS": 0, "SKIP": 1, "FAILURE": 2, "ERROR": 3}

ANSI_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")
CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Only whole lines count: a guest's console line arrives prefixed with its VM ("[name] ..."),
# so nothing a guest prints can be taken for a host verdict.
RESULT_RE = re.compile(r"^Test result: (SUCCESS|SKIP|FAILURE|ERROR)\b", re.M)
CRASH_RE = re.compile(r"^\s*(PANIC|EXCEPTION):.*$", re.M)

print_lock = threading.Lock()
host_lock = threading.Lock()  # host suites call make; two makes on one tree must not race


def out(msg=""):
	with print_lock:
		print(msg, flush=True)


def rel(path):
	return os.path.relpath(path, ROOT) if path.startswith(ROOT) else path


def clean_log(raw):
	"""Serial text as the kernel meant it: no ANSI escapes (GRUB, OVMF), no \\r, no NULs."""
	text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
	text = ANSI_RE.sub("", text)
	return CTRL_RE.sub("", text.replace("\r", ""))


# ---------------------------------------------------------------- test list

class Test:
	def __init__(self, name, sec):
		self.name = name
		emu = sec.get("emu", "qemu").strip()
		self.emu = EMU_ALIASES.get(emu, emu)
		if self.emu not in EMUS:
			raise ValueError("[%s]: unknown emu '%s' (one of %s)" % (name, emu, ", ".join(EMUS)))
		self.smp = int(sec.get("smp", "1"))
		default_cpu = {"bochs": "sapphire_rapids", "qemu-kvm": "host"}.get(self.emu, "max")
		self.cpu = sec.get("cpu", default_cpu).strip()
		self.cmdline = " ".join(sec.get("cmdline", "").split())
		self.machine = sec.get("machine", "q35").strip()
		self.extra_args = shlex.split(sec.get("extra_args", ""))
		self.mem = int(sec.get("mem", "256" if self.emu == "bochs" else "512"))
		# Bochs SMP: instructions a CPU runs before the next one's turn (tests/emu/bochsrc.in)
		self.quantum = int(sec.get("quantum", "16"))
		self.modules = [l.strip() for l in sec.get("modules", "").splitlines() if l.strip()]
		self.timeout = float(sec.get("timeout", DEFAULT_TIMEOUT[self.emu]))
		self.expect = sec.get("expect", "pass").strip()
		if self.expect not in OUTCOMES:
			raise ValueError("[%s]: expect must be one of %s" % (name, ", ".join(OUTCOMES)))
		self.match = self._regexes(sec, "match")
		self.nomatch = self._regexes(sec, "nomatch")
		self.groups = sec.get("groups", "").replace(",", " ").split()
		self.command = sec.get("command", "").strip()
		if self.emu == "host" and not self.command:
			raise ValueError("[%s]: emu = host needs a command" % name)
		self.file = sec.get("file", "").strip()  # optional kernel override, relative to the root
		# the product's 'pihv: done, exit status N' a pass needs (1: a VM that ended without an
		# exit code of its own, e.g. a Linux guest halted by its power-off)
		self.status = int(sec.get("status", "0"))
		# emulators only: a host command that reads the run's cleaned log ({log}) afterwards;
		# the entry passes only if it exits with 0 (e.g. scripts/trace2perfetto.py --check)
		self.check = sec.get("check", "").strip()
		if self.check and self.emu == "host":
			raise ValueError("[%s]: check is for emulator entries (a host entry has command)"
					 % name)
		if self.emu == "diff":
			self._diff(name, sec)

	def _diff(self, name, sec):
		"""emu = diff: one standard kernel in QEMU TCG and as pihv's VM (docs/guests.md)."""
		if not sec.get("kernel"):
			raise ValueError("[%s]: emu = diff needs kernel =" % name)
		self.file = sec["kernel"].strip()
		self.cmdline = " ".join(sec.get("append", "").split())
		self.modules = [l.strip() for l in sec.get("initrd", "").splitlines() if l.strip()]
		self.mem = int(sec.get("mem", "128"))
		self.qemu_boot = sec.get("qemu_boot", "kernel").strip()
		if self.qemu_boot not in ("kernel", "iso"):
			raise ValueError("[%s]: qemu_boot is kernel or iso" % name)
		self.deviations = sec.get("deviations", "").split()
		self.diff_extra = shlex.split(sec.get("diff_args", ""))
		# diff: pihv's own CPU count (scripts/pihv-qemu --pihv-cpus); default: as many as vCPUs
		self.pihv_cpus = sec.get("pihv_cpus", "").strip()
		st = sec.get("status", "").strip()
		self.want_status = int(st) if st else None
		self.qemu_timeout = float(sec.get("qemu_timeout", "30"))

	@staticmethod
	def _regexes(sec, key):
		vals = []
		for k in sorted(sec.keys()):
			if k == key or re.fullmatch(re.escape(key) + r"\d+", k):
				vals += [l.strip() for l in sec[k].splitlines() if l.strip()]
		for v in vals:
			re.compile(v)
		return vals

	@property
	def kernel(self):
		return os.path.join(ROOT, self.file) if self.file else KERNEL

	@property
	def logdir(self):
		return os.path.join(LOGS, self.name)

	@property
	def log(self):
		return os.path.join(LOGS, self.name + ".log")


def load_tests(path=CFG):
	cp = configparser.ConfigParser(interpolation=None, default_section="__none__",
				       comment_prefixes=("#", ";"), inline_comment_prefixes=None,
				       strict=True, empty_lines_in_values=False)
	cp.optionxform = str.lower
	with open(path) as f:
		cp.read_file(f)
	return [Test(name, cp[name]) for name in cp.sections()]


# ---------------------------------------------------------------- environment checks

def have(cmd):
	return shutil.which(cmd) is not None


def kvm_reason():
	"""Why (or why not) QEMU+KVM can run pihv's VMX code on this host: (usable, reason)."""
	if not os.path.exists("/dev/kvm"):
		return False, "/dev/kvm does not exist"
	if not os.access("/dev/kvm", os.R_OK | os.W_OK):
		return False, "/dev/kvm is not accessible to this user"
	try:
		flags = open("/proc/cpuinfo").read()
	except OSError:
		flags = ""
	if not re.search(r"^flags\s*:.*\bvmx\b", flags, re.M):
		return False, "host CPU has no VMX (not an Intel host, or VMX hidden from this VM)"
	try:
		nested = open("/sys/module/kvm_intel/parameters/nested").read().strip()
	except OSError:
		return False, "kvm_intel is not loaded"
	if nested not in ("Y", "1"):
		return False, "kvm_intel nested=%s (needs nested=1)" % nested
	return True, "Intel host with /dev/kvm and kvm_intel nested=%s" % nested


def unavailable(emu):
	"""None if emulator `emu` can run here, else the reason it cannot."""
	if emu == "host":
		return None
	if not have(QEMU) and emu.startswith("qemu"):
		return "%s not found" % QEMU
	if emu in ("qemu", "qemu-efi", "qemu-kvm", "bochs"):
		for tool in ("grub-mkrescue", "xorriso", "mformat"):
			if not have(tool):
				return "%s not found (needed for the ISO)" % tool
		if not os.path.exists("/usr/lib/grub/i386-pc/cdboot.img"):
			return "grub-pc-bin not installed"
	if emu == "qemu-efi":
		if not os.path.exists(OVMF_CODE) or not os.path.exists(OVMF_VARS):
			return "OVMF not installed (%s)" % OVMF_CODE
		if not os.path.exists("/usr/lib/grub/x86_64-efi/kernel.img"):
			return "grub-efi-amd64-bin not installed"
	if emu == "qemu-kvm":
		ok, why = kvm_reason()
		if not ok:
			return why
	if emu == "diff":
		return unavailable("qemu-kernel") or unavailable("bochs")
	if emu == "bochs":
		if not os.access(BOCHS, os.X_OK):
			return "Bochs 3.0 not found at %s (run scripts/setup.sh)" % BOCHS
		for f in (BOCHS_BIOS, BOCHS_VGA):
			if not os.path.exists(f):
				return "%s missing" % f
	return None


# ---------------------------------------------------------------- ISO cache

def file_hash(path):
	h = hashlib.sha256()
	with open(path, "rb") as f:
		for chunk in iter(lambda: f.read(1 << 20), b""):
			h.update(chunk)
	return h.hexdigest()


def grub_quote(word):
	if re.fullmatch(r"[A-Za-z0-9=,._:/+@%-]+", word):
		return word
	return "'" + word.replace("'", "'\\''") + "'"


def split_module(line):
	parts = line.split(None, 1)
	return os.path.join(ROOT, parts[0]), (parts[1] if len(parts) > 1 else "")


def iso_key(kernel, cmdline, modules):
	h = hashlib.sha256()
	h.update(file_hash(kernel).encode())
	h.update(open(os.path.join(EMU_DIR, "grub.cfg.in"), "rb").read())
	h.update(b"\0" + cmdline.encode())
	for m in modules:
		path, args = split_module(m)
		h.update(b"\0" + file_hash(path).encode() + b"\0" + args.encode())
	return h.hexdigest()[:16]


def build_iso(kernel, cmdline, modules, dest=None):
	"""Builds (or reuses) the ISO for this kernel + cmdline + modules and returns its path.
	Written to a temporary name and renamed, so concurrent runners never see half an ISO."""
	if not os.path.exists(kernel):
		raise RuntimeError("%s missing (run make)" % rel(kernel))
	key = iso_key(kernel, cmdline, modules)
	os.makedirs(ISODIR, exist_ok=True)
	iso = dest or os.path.join(ISODIR, key + ".iso")
	stamp = iso + ".key"
	if os.path.exists(iso) and (dest is None or
				    (os.path.exists(stamp) and open(stamp).read() == key)):
		return iso
	tmp = os.path.join(ISODIR, "%s.%d.tmp" % (key, os.getpid()))
	shutil.rmtree(tmp, ignore_errors=True)
	os.makedirs(os.path.join(tmp, "boot", "grub"))
	os.makedirs(os.path.join(tmp, "boot", "mod"))
	shutil.copy(kernel, os.path.join(tmp, "boot", "pihv.elf"))
	mods = []
	for m in modules:
		path, args = split_module(m)
		shutil.copy(path, os.path.join(tmp, "boot", "mod", os.path.basename(path)))
		mods.append("\tmodule2 /boot/mod/%s %s" % (os.path.basename(path),
			    " ".join(grub_quote(w) for w in args.split())))
	cfg = open(os.path.join(EMU_DIR, "grub.cfg.in")).read()
	cfg = cfg.replace("@CMDLINE@", " ".join(grub_quote(w) for w in cmdline.split()))
	cfg = cfg.replace("@MODULES@\n", "".join(l.rstrip() + "\n" for l in mods))
	with open(os.path.join(tmp, "boot", "grub", "grub.cfg"), "w") as f:
		f.write(cfg)
	# The small form (4 MB instead of 20) still boots on SeaBIOS, OVMF and Bochs's rombios.
	# GRUB-EFI's built-in config loads every part_* module and prints an error for each missing
	# one, so they are included (50 KB).
	cmd = ["grub-mkrescue", "-o", tmp + ".iso",
	       "--install-modules=multiboot2 normal serial terminal echo " + PART_MODULES,
	       "--locales=", "--fonts=", "--themes=", "--compress=xz", tmp]
	r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
	shutil.rmtree(tmp, ignore_errors=True)
	if r.returncode != 0:
		raise RuntimeError("grub-mkrescue failed:\n" + r.stdout.decode(errors="replace"))
	os.replace(tmp + ".iso", iso)
	if dest:
		with open(stamp, "w") as f:
			f.write(key)
	return iso


def prune_isos(keep):
	"""Drops cached ISOs of older kernels (not needed now and untouched for 10 minutes)."""
	now = time.time()
	for f in os.listdir(ISODIR) if os.path.isdir(ISODIR) else []:
		p = os.path.join(ISODIR, f)
		if p not in keep and f.endswith(".iso") and now - os.path.getmtime(p) > 600:
			try:
				os.unlink(p)
			except OSError:
				pass


# ---------------------------------------------------------------- emulator command lines

def qemu_cmd(t, serial, iso, vars_fd, gdb=False):
	emu = t.emu
	cmd = [QEMU, "-display", "none", "-no-reboot", "-m", "%dM" % t.mem, "-smp", str(t.smp),
	       "-machine", t.machine]
	if emu == "qemu-kvm":
		cmd += ["-enable-kvm"]
	cmd += ["-cpu", t.cpu]
	# intel-iommu (if any, in extra_args) must come before the other -device options.
	cmd += t.extra_args
	cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", serial]
	if emu == "qemu-kernel":
		cmd += ["-kernel", t.kernel, "-append", t.cmdline]
		if t.modules:
			# QEMU's multiboot loader: "-initrd 'file args,file args'" (no commas in args).
			cmd += ["-initrd", ",".join(" ".join(filter(None, split_module(m)))
						    for m in t.modules)]
	elif emu == "qemu-efi":
		cmd += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
			"-drive", "if=pflash,format=raw,unit=1,file=" + vars_fd, "-cdrom", iso]
	else:
		cmd += ["-cdrom", iso, "-boot", "d"]
	if gdb:
		cmd += ["-s", "-S"]
	else:
		cmd += ["-d", "guest_errors,cpu_reset", "-D", os.path.join(t.logdir, "qemu.log")]
	return cmd


def bochs_cmd(t, serial, iso):
	rc = open(os.path.join(EMU_DIR, "bochsrc.in")).read()
	for k, v in (("MEGS", str(t.mem)), ("CPU", t.cpu), ("SMP", str(t.smp)),
		     ("QUANTUM", str(t.quantum)), ("ISO", iso),
		     ("SERIAL", serial), ("LOG", os.path.join(t.logdir, "bochs.log"))):
		rc = rc.replace("@%s@" % k, v)
	path = os.path.join(t.logdir, "bochsrc")
	with open(path, "w") as f:
		f.write(rc)
	return [BOCHS, "-q", "-f", path]


def prepare(t, iso, live=False):
	"""Fresh log directory; returns (command, serial file)."""
	shutil.rmtree(t.logdir, ignore_errors=True)
	os.makedirs(t.logdir)
	serial = os.path.join(t.logdir, "serial.raw")
	open(serial, "wb").close()
	if t.emu == "bochs":
		return bochs_cmd(t, serial, iso), serial
	vars_fd = None
	if t.emu == "qemu-efi":
		# A fresh copy per run: the vars store is stateful (boot entries) and never shared.
		vars_fd = os.path.join(t.logdir, "ovmf-vars.fd")
		shutil.copy(OVMF_VARS, vars_fd)
	return qemu_cmd(t, "file:" + serial, iso, vars_fd), serial


# ---------------------------------------------------------------- classification

DONE_RE = re.compile(r"^pihv: done, exit status (\d+)$", re.M)


def classify_product(t, text, rc, bochs, bochs_panic):
	"""The product prints no test protocol: its run ends with 'pihv: done, exit status N' (0 when
	every VM completed) and the machine's exit status says the same (isa-debug-exit on QEMU)."""
	done = DONE_RE.findall(text)
	if bochs and bochs_panic:
		return "crash", "bochs: " + bochs_panic.group(0)[:120]
	if not done:
		return "crash", "the product ended without a 'pihv: done' line (rc %d)" % rc
	if len(done) > 1:
		return "fail", "%d 'pihv: done' lines" % len(done)
	status = int(done[0])
	if not bochs and rc != ((status & 0xff) << 1 | 1):
		return "fail", "exit status %d but QEMU rc %d" % (status, rc)
	return ("pass" if status == t.status else "fail"), "pihv: done, exit status %d" % status


def classify(t, text, rc, timed_out, emu_log=""):
	"""(outcome, reason) of one run from the cleaned serial log, the exit code and, for Bochs,
	its log file.  See the table in docs/testing.md."""
	results = RESULT_RE.findall(text)
	crash = CRASH_RE.search(text)
	bochs = t.emu == "bochs"
	host = t.emu == "host"
	# With "panic: action=fatal" the shutdown request itself is logged as a panic; only other
	# panics (triple fault, bad config, emulation errors) count as crashes.
	bochs_panic = re.search(r">>PANIC<< (?!Shutdown port: shutdown requested).*",
				emu_log) if bochs else None
	if timed_out:
		if results:
			return "timeout", "printed 'Test result: %s' but did not exit" % results[-1]
		return "timeout", "no exit within %gs" % t.timeout
	if crash:
		return "crash", crash.group(0).strip()
	if not host and os.path.abspath(t.kernel) == PRODUCT:
		return classify_product(t, text, rc, bochs, bochs_panic)
	if "ERROR" in results:
		return "crash", "Test result: ERROR"
	if not results:
		if bochs and bochs_panic:
			return "crash", "no result line; bochs: " + bochs_panic.group(0)[:120]
		if host:
			return ("crash" if rc else "fail"), "no 'Test result:' line (rc %d)" % rc
		reset = ""
		qlog = os.path.join(t.logdir, "qemu.log")
		# QEMU logs two resets at power-on; "-d cpu_reset" ends a triple fault with this line.
		if os.path.exists(qlog) and "Triple fault" in open(qlog, errors="replace").read():
			reset = ", 'Triple fault' in qemu.log"
		return "crash", "emulator ended without a 'Test result:' line (rc %d%s)" % (rc, reset)
	if host:
		worst = max(results, key=RESULT_RANK.get)
		outcome = RESULT_OUTCOME[worst]
		if (rc == 0) != (worst in ("SUCCESS", "SKIP")):
			return "fail", "Test result: %s but exit code %d" % (worst, rc)
		return outcome, "Test result: %s" % worst
	if len(results) > 1:
		return "fail", "%d 'Test result:' lines (protocol allows exactly one)" % len(results)
	res = results[0]
	if bochs:
		if bochs_panic:
			return "crash", "Test result: %s, but bochs: %s" % (res, bochs_panic.group(0)[:120])
		if not re.search(r"Shutdown port: shutdown requested|ACPI control: soft power off",
				 emu_log):
			return "fail", "Test result: %s, but Bochs did not exit via port 0x8900/ACPI" % res
		return RESULT_OUTCOME[res], "Test result: " + res
	if rc != QEMU_RC[res]:
		return "fail", "Test result: %s but QEMU rc %d (expected %d)" % (res, rc, QEMU_RC[res])
	return RESULT_OUTCOME[res], "Test result: " + res


def verdict(t, outcome, reason, text):
	"""(ok, message): the entry passes if the outcome is the expected one and match/nomatch hold."""
	if outcome != t.expect:
		return False, "expected %s, got %s: %s" % (t.expect, outcome, reason)
	for m in t.match:
		if not re.search(m, text, re.M):
			return False, "%s as expected, but no line matches /%s/" % (outcome, m)
	for m in t.nomatch:
		hit = re.search(m, text, re.M)
		if hit:
			return False, "%s as expected, but /%s/ matched: %s" % (
				outcome, m, text[text.rfind("\n", 0, hit.start()) + 1:].split("\n")[0])
	return True, reason


# ---------------------------------------------------------------- running

def run_proc(cmd, timeout, logfile, cwd=ROOT, shell=False, live_serial=None):
	"""Runs cmd under `timeout -k 5 N` in its own process group; stdout+stderr go to logfile.
	Returns (rc, timed_out).  With live_serial, the serial file is copied to stdout as it grows."""
	wrapped = ["timeout", "-k", "5", "%g" % timeout]
	wrapped += ["bash", "-c", cmd] if shell else cmd
	with open(logfile, "wb") as lf:
		p = subprocess.Popen(wrapped, cwd=cwd, stdin=subprocess.DEVNULL, stdout=lf,
				     stderr=subprocess.STDOUT, start_new_session=True)
		pos = 0
		deadline = time.time() + timeout + 15  # belt and braces over `timeout`
		killed = False
		while True:
			try:
				p.wait(timeout=0.1)
				break
			except subprocess.TimeoutExpired:
				pass
			if live_serial:
				pos = tail(live_serial, pos)
			if time.time() > deadline and not killed:
				os.killpg(p.pid, signal.SIGKILL)
				killed = True
		if live_serial:
			tail(live_serial, pos)
	rc = p.returncode
	return rc, killed or rc in (124, 137, -9)


def tail(path, pos):
	try:
		with open(path, "rb") as f:
			f.seek(pos)
			data = f.read()
	except OSError:
		return pos
	if data:
		try:
			sys.stdout.write(clean_log(data))
			sys.stdout.flush()
		except BrokenPipeError:
			pass
	return pos + len(data)


def diff_argv(t):
	"""The QEMU command line both sides of an emu = diff entry take (docs/guests.md)."""
	kernel = ["-kernel", t.kernel, "-append", t.cmdline]
	if t.modules:
		kernel += ["-initrd", ",".join(" ".join(filter(None, split_module(m)))
					       for m in t.modules)]
	common = ["-smp", str(t.smp), "-m", str(t.mem), "-device",
		  "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio", "-display", "none"]
	return kernel, common + t.diff_extra


def run_diff(t, iso):
	"""QEMU TCG, then pihv-qemu (pihv in Bochs 3.0); compared by tests/guestdiff.py."""
	import guestdiff
	shutil.rmtree(t.logdir, ignore_errors=True)
	os.makedirs(t.logdir)
	kernel, common = diff_argv(t)
	if t.qemu_boot == "iso":  # QEMU -kernel speaks multiboot v1 only: GRUB boots it then
		qcmd = [QEMU] + common + ["-cdrom", iso, "-boot", "d"]
	else:
		qcmd = [QEMU] + kernel + common
	pcmd = [os.path.join(ROOT, "scripts", "pihv-qemu")] + kernel + common + [
		"--pihv-name", t.name + "-pihv", "--pihv-timeout", "%g" % t.timeout] + (
		["--pihv-cpus", t.pihv_cpus] if t.pihv_cpus else [])
	with open(os.path.join(t.logdir, "command"), "w") as f:
		for c in (qcmd, pcmd):
			f.write(" ".join(shlex.quote(x) for x in c) + "\n")
	qrc, _ = run_proc(qcmd, t.qemu_timeout, os.path.join(t.logdir, "qemu.out"))
	prc, _ = run_proc(pcmd, t.timeout + 30, os.path.join(t.logdir, "pihv.out"))
	qtext = clean_log(open(os.path.join(t.logdir, "qemu.out"), "rb").read())
	ptext = clean_log(open(os.path.join(t.logdir, "pihv.out"), "rb").read())
	ok, lines = guestdiff.compare(qtext, qrc, ptext, prc, t.deviations, t.want_status)
	text = "== QEMU TCG (status %d)\n%s\n== pihv in Bochs 3.0 (status %d)\n%s\n%s\n" % (
		qrc, qtext, prc, ptext, "\n".join(lines))
	return ("pass" if ok else "fail"), lines[-1], text


def run_test(t, iso, live=False):
	"""Runs one entry; returns (ok, message, seconds)."""
	start = time.time()
	os.makedirs(LOGS, exist_ok=True)
	if t.emu == "diff":
		outcome, reason, text = run_diff(t, iso)
		with open(t.log, "w") as f:
			f.write(text)
		ok, msg = verdict(t, outcome, reason, text)
		return ok, msg, outcome, time.time() - start, reason
	if t.emu == "host":
		shutil.rmtree(t.logdir, ignore_errors=True)
		os.makedirs(t.logdir)
		raw = os.path.join(t.logdir, "output.raw")
		with host_lock:  # also against a host_chain in another runner thread
			rc, timed_out = run_proc(t.command, t.timeout, raw, shell=True)
		text = clean_log(open(raw, "rb").read())
		emu_log = ""
	else:
		cmd, serial = prepare(t, iso)
		with open(os.path.join(t.logdir, "command"), "w") as f:
			f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
		rc, timed_out = run_proc(cmd, t.timeout, os.path.join(t.logdir, "emulator.out"),
					 cwd=t.logdir, live_serial=serial if live else None)
		text = clean_log(open(serial, "rb").read())
		blog = os.path.join(t.logdir, "bochs.log")
		emu_log = open(blog, errors="replace").read() if os.path.exists(blog) else ""
		try:
			os.unlink(os.path.join(t.logdir, "ovmf-vars.fd"))
		except OSError:
			pass
	with open(t.log, "w") as f:
		f.write(text)
	outcome, reason = classify(t, text, rc, timed_out, emu_log)
	ok, msg = verdict(t, outcome, reason, text)
	if ok and t.check:
		ok, msg = run_check(t, msg)
	if live and not text.endswith("\n"):
		print()
	return ok, msg, outcome, time.time() - start, reason


def run_check(t, msg):
	"""The entry's `check` command on its cleaned log: (ok, message).  Its output goes to
	build/logs/NAME/check.out; a failure names the first FAIL: line of it."""
	cmd = t.check.replace("{log}", shlex.quote(t.log))
	out_path = os.path.join(t.logdir, "check.out")
	rc, timed_out = run_proc(cmd, 120, out_path, shell=True)
	text = clean_log(open(out_path, "rb").read())
	if rc == 0 and not timed_out:
		return True, msg + "; check passed"
	first = re.search(r"^FAIL:.*$", text, re.M)
	return False, "check failed (rc %d): %s (%s)" % (
		rc, first.group(0) if first else (text.strip().split("\n") or [""])[-1], rel(out_path))


def failure_tail(t, n=15):
	lines = open(t.log, errors="replace").read().rstrip("\n").split("\n") if os.path.exists(
		t.log) else []
	lines = [l for l in lines if l.strip()]
	src = rel(t.log)
	if not lines and t.emu != "host":
		# Nothing on the serial port: the emulator's own output says why.
		for name in ("emulator.out", "bochs.log"):
			p = os.path.join(t.logdir, name)
			if os.path.exists(p) and os.path.getsize(p):
				lines = open(p, errors="replace").read().rstrip("\n").split("\n")
				src = rel(p)
				break
	return src, lines[-n:]


# Entries of these groups run only when asked for by group or name: the Linux guest boots take
# minutes each in Bochs, so they are `make test-linux`, not part of `make test` (docs/testing.md).
OWN_TARGET_GROUPS = {"linux"}


def select(tests, args):
	sel = tests
	asked = set(re.split(r"[,\s]+", args.group or "")) if args.group else set()
	if not args.tests:
		sel = [t for t in sel if not (OWN_TARGET_GROUPS & set(t.groups)) or
		       (OWN_TARGET_GROUPS & set(t.groups) & asked)]
	if args.emu:
		emus = [EMU_ALIASES.get(e, e) for e in re.split(r"[,\s]+", args.emu) if e]
		for e in emus:
			if e not in EMUS:
				sys.exit("run.py: unknown emulator '%s' (one of %s)" % (e, ", ".join(EMUS)))
		sel = [t for t in sel if t.emu in emus]
	if args.tests:
		pats = [p for p in re.split(r"[,\s]+", args.tests) if p]
		sel = [t for t in sel if any(fnmatch.fnmatchcase(t.name, p) for p in pats)]
		if not sel:
			sys.exit("run.py: no test matches '%s' (see --list)" % args.tests)
	if args.group:
		groups = [g for g in re.split(r"[,\s]+", args.group) if g]
		sel = [t for t in sel if set(groups) & set(t.groups)]
	return sel


def main_tests(args, tests):
	sel = select(tests, args)
	runnable, skipped = [], []
	reasons = {}
	for t in sel:
		why = reasons.setdefault(t.emu, unavailable(t.emu))
		(skipped if why else runnable).append(t)
	for t in skipped:
		out("SKIP  %-24s %-11s not run: %s" % (t.name, t.emu, reasons[t.emu]))
	# ISOs first, in this thread: runs that share a cmdline share an ISO.
	isos, iso_errors = {}, {}
	need_iso = [t for t in runnable if t.emu in ("qemu", "qemu-efi", "qemu-kvm", "bochs") or
		    (t.emu == "diff" and t.qemu_boot == "iso")]
	for t in need_iso:
		key = (t.kernel, t.cmdline, tuple(t.modules))
		if key in isos or key in iso_errors:
			continue
		try:
			isos[key] = build_iso(*key[:2], list(key[2]))
		except (RuntimeError, OSError) as e:
			iso_errors[key] = str(e)
	prune_isos(set(isos.values()))

	counts = {"passed": 0, "failed": 0}
	jobs = args.jobs or os.cpu_count() or 1

	def one(t):
		key = (t.kernel, t.cmdline, tuple(t.modules))
		ok, secs, outcome = False, 0.0, "error"
		if key in iso_errors:
			msg = "ISO: " + iso_errors[key]
		elif t.emu == "qemu-kernel" and not os.path.exists(t.kernel):
			msg = "%s missing (run make)" % rel(t.kernel)
		else:
			try:
				ok, msg, outcome, secs, _ = run_test(t, isos.get(key))
			except (OSError, RuntimeError) as e:
				msg = "runner error: %s" % e
		with print_lock:
			counts["passed" if ok else "failed"] += 1
		if ok:
			note = "" if outcome == "pass" else "  (%s, as expected)" % outcome
			out("PASS  %-24s %-11s %5.1fs%s" % (t.name, t.emu, secs, note))
		else:
			src, lines = failure_tail(t)
			text = "FAIL  %-24s %-11s %5.1fs  %s (%s)" % (t.name, t.emu, secs, msg, src)
			if lines:
				text += "\n" + "\n".join("      | " + l for l in lines)
			out(text)

	def host_chain(hosts):
		# Host suites all call make on the same tree: one after the other, in one worker,
		# while the other workers run emulators.
		for t in hosts:
			one(t)

	hosts = [t for t in runnable if t.emu == "host"]
	# Slowest first; an expected timeout costs its whole timeout.
	emus = sorted((t for t in runnable if t.emu != "host"),
		      key=lambda t: -(t.timeout if t.expect == "timeout" else COST[t.emu]))
	with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
		futs = [pool.submit(host_chain, hosts)] if hosts else []
		futs += [pool.submit(one, t) for t in emus]
		for fut in concurrent.futures.as_completed(futs):
			fut.result()
	out("%d passed, %d failed, %d skipped" % (counts["passed"], counts["failed"], len(skipped)))
	return 0 if counts["failed"] == 0 else 1


def main_list(tests, args):
	sel = select(tests, args)
	reasons = {}
	for t in sel:
		why = reasons.setdefault(t.emu, unavailable(t.emu))
		print("%-24s %-11s expect=%-7s groups=%-18s %s%s" % (
			t.name, t.emu, t.expect, ",".join(t.groups) or "-",
			t.command if t.emu == "host" else "cmdline='%s'" % t.cmdline,
			"   [unavailable: %s]" % why if why else ""))
	return 0


def main_show(tests, name):
	t = next((x for x in tests if x.name == name), None)
	if not t:
		sys.exit("run.py: no test named '%s'" % name)
	print("[%s]" % t.name)
	for k in ("emu", "smp", "cpu", "quantum", "machine", "mem", "cmdline", "timeout", "expect", "status",
		  "groups",
		  "match", "nomatch", "modules", "command", "check"):
		print("  %-9s = %s" % (k, getattr(t, k)))
	if t.emu != "host":
		iso = os.path.join(ISODIR, "<hash>.iso")
		if t.emu == "bochs":
			print("  command   = %s -q -f %s/bochsrc   (generated from tests/emu/bochsrc.in)"
			      % (BOCHS, rel(t.logdir)))
		else:
			cmd = qemu_cmd(t, "file:" + os.path.join(t.logdir, "serial.raw"), iso,
				       os.path.join(t.logdir, "ovmf-vars.fd"))
			print("  command   = timeout -k 5 %g %s" % (t.timeout,
				" ".join(shlex.quote(rel(c)) for c in cmd)))
		print("  logs      = %s (cleaned serial), %s/ (raw)" % (rel(t.log), rel(t.logdir)))
	why = unavailable(t.emu)
	print("  available = %s" % ("yes" if not why else "no: " + why))
	return 0


def pick_run_emu(emu):
	"""`make run` picks the best environment: KVM with nested VMX, else Bochs 3.0 (VMX)."""
	if emu and emu != "auto":
		emu = EMU_ALIASES.get(emu, emu)
		if emu not in EMUS or emu == "host":
			sys.exit("run.py: unknown emulator '%s'" % emu)
		return emu, "requested with EMU=%s" % emu
	ok, why = kvm_reason()
	if ok:
		return "qemu-kvm", why
	if not unavailable("bochs"):
		return "bochs", "no nested KVM here (%s); Bochs 3.0 is the emulator with VMX" % why
	return "qemu", "no nested KVM (%s) and no Bochs 3.0 (%s); QEMU TCG has no VMX" % (
		why, unavailable("bochs"))


def read_guests(path):
	"""A guest list: one VM per line, `<image file> <arguments>` as on a GRUB module2 line
	(paths relative to the repository root); '#' starts a comment."""
	mods = []
	for n, line in enumerate(open(path), 1):
		line = line.split("#", 1)[0].strip()
		if not line:
			continue
		f = line.split(None, 1)[0]
		if not os.path.exists(os.path.join(ROOT, f)):
			sys.exit("run.py: %s:%d: guest image %s not found" % (rel(path), n, f))
		mods.append(line)
	return mods


def wants_test_image(cmdline):
	return any(w.startswith("test=") for w in (cmdline or "").split())


def run_config(args, emu):
	sec = {"emu": emu, "cmdline": args.cmdline or "", "timeout": str(args.timeout)}
	if not wants_test_image(args.cmdline):
		sec["file"] = PRODUCT
		sec["modules"] = "\n".join(read_guests(args.guests or DEFAULT_GUESTS))
	if args.smp:
		sec["smp"] = str(args.smp)
	elif emu != "qemu-kvm":
		sec["smp"] = "4"
	if args.cpu:
		sec["cpu"] = args.cpu
	if args.extra_args:
		sec["extra_args"] = args.extra_args
	t = Test("run-" + emu, sec)
	return t


def main_run(args):
	emu, why = pick_run_emu(args.emu)
	t = run_config(args, emu)
	print("run.py: environment %s: %s" % (emu, why), flush=True)
	bad = unavailable(emu)
	if bad:
		sys.exit("run.py: %s is not available: %s" % (emu, bad))
	iso = None
	if emu != "qemu-kernel":
		iso = build_iso(t.kernel, t.cmdline, t.modules)
	print("run.py: cmdline '%s', %d CPUs, timeout %gs; serial console follows "
	      "(logs in %s/)" % (t.cmdline, t.smp, t.timeout, rel(t.logdir)), flush=True)
	print("-" * 72, flush=True)
	ok, msg, outcome, secs, reason = run_test(t, iso, live=True)
	print("-" * 72)
	print("run.py: %s after %.1fs: %s (serial log: %s)" % (outcome, secs, reason, rel(t.log)))
	return 0 if outcome in ("pass", "skip") else 1


def main_debug(args):
	emu = EMU_ALIASES.get(args.emu or "qemu-kernel", args.emu or "qemu-kernel")
	if emu not in ("qemu", "qemu-kernel", "qemu-efi"):
		sys.exit("run.py: make debug works with EMU=qemu, qemu-kernel or qemu-efi")
	t = run_config(args, emu)
	os.makedirs(t.logdir, exist_ok=True)
	iso = None if emu == "qemu-kernel" else build_iso(t.kernel, t.cmdline, t.modules)
	vars_fd = None
	if emu == "qemu-efi":
		vars_fd = os.path.join(t.logdir, "ovmf-vars.fd")
		shutil.copy(OVMF_VARS, vars_fd)
	cmd = qemu_cmd(t, "stdio", iso, vars_fd, gdb=True)
	print("run.py: QEMU waits for gdb on :1234 (serial console below; Ctrl-C ends it)")
	print("run.py: attach with:  gdb %s -ex 'target remote :1234'" % rel(t.kernel))
	print("run.py: (hardware breakpoints, e.g. 'hbreak kernel_main', work before paging is on)")
	sys.stdout.flush()
	return subprocess.call(cmd, cwd=ROOT)


def main():
	ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
				     formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--emu", help="comma-separated emulators (%s; kvm=qemu-kvm)" % ", ".join(EMUS))
	ap.add_argument("--tests", help="comma-separated test names or globs")
	ap.add_argument("--group", help="only entries in this group (comma-separated: any of)")
	ap.add_argument("-j", "--jobs", type=int, default=0, help="parallel runs (default: nproc)")
	ap.add_argument("--list", action="store_true", help="list the selected entries")
	ap.add_argument("--show", metavar="NAME", help="show one entry and its command line")
	ap.add_argument("--run", action="store_true",
			help="boot one configuration with the serial console live (make run)")
	ap.add_argument("--debug", action="store_true", help="start QEMU with the gdb stub (make debug)")
	ap.add_argument("--iso", metavar="PATH", help="build the ISO for --cmdline at PATH (make iso)")
	ap.add_argument("--cmdline", help="kernel command line for --run/--debug/--iso")
	ap.add_argument("--timeout", type=float, default=120, help="--run timeout in s (default 120)")
	ap.add_argument("--smp", type=int, help="--run/--debug CPU count (default 4)")
	ap.add_argument("--cpu", help="--run/--debug CPU model")
	ap.add_argument("--extra-args", help="--run/--debug extra QEMU arguments")
	ap.add_argument("--guests", help="--run/--iso: guest list file (default guests/demo.vms)")
	ap.add_argument("--append-cmdline", metavar="OPTS", default="",
			help="add these options to the command line of every selected emulator entry "
			     "(e.g. trace=on; make trace, make bench APPEND=...)")
	ap.add_argument("--config", default=CFG, help=argparse.SUPPRESS)
	args = ap.parse_args()

	if args.iso:
		cmdline = " ".join((args.cmdline or "").split())
		if wants_test_image(cmdline):
			kernel, mods = KERNEL, []
		else:
			kernel, mods = PRODUCT, read_guests(args.guests or DEFAULT_GUESTS)
		iso = build_iso(kernel, cmdline, mods, dest=os.path.abspath(args.iso))
		print("run.py: %s: %s, cmdline '%s', %d VM(s)" % (rel(iso), rel(kernel), cmdline,
								  len(mods)))
		return 0
	if args.run:
		return main_run(args)
	if args.debug:
		return main_debug(args)
	try:
		tests = load_tests(args.config)
	except (ValueError, configparser.Error, re.error) as e:
		sys.exit("run.py: %s: %s" % (rel(args.config), e))
	extra = " ".join(args.append_cmdline.split())
	if extra:
		for t in tests:
			# an emu = diff entry's cmdline is its guest's (-append), not pihv's
			if t.emu not in ("host", "diff"):
				t.cmdline = (t.cmdline + " " + extra).strip()
	if args.list:
		return main_list(tests, args)
	if args.show:
		return main_show(tests, args.show)
	return main_tests(args, tests)


if __name__ == "__main__":
	try:
		sys.exit(main())
	except KeyboardInterrupt:
		sys.exit(130)
