#!/usr/bin/env python3
"""The docs-reference check: what the documentation and the comments name must exist.

- Every file path they mention (`dir/name.ext`, or a bare `name.c` / `name.h` / `name.md` ...)
  must be a tracked file, from the repository root or from the mentioning file's folder.
  Paths under build/, absolute paths and patterns (`*`, `{a,b}`, `<name>`) are not checked.
- Every identifier that docs/*.md and README.md write in backticks (`pi_load`, `vm_run()`) and
  every `name()` in a code comment must exist in the code: as a word of a source file outside
  its comments, of a script, Makefile or test list, or as a file's name.  Only names with an
  underscore are checked (the others are mostly English).  A backticked name may also be the
  start of such a word followed by `_` (`ipi_running` for the figures `ipi_running_p50`, ...).
- Names that belong to other projects go in EXTERNAL below, each with where it comes from.

Fenced code blocks in Markdown are examples and are not checked.  Prints one line per dangling
reference and exits 1 if there is any.
"""
import bisect
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Names the docs and comments use on purpose that are not pihv's.
EXTERNAL = {
	"halt_poll_ns", "kvm_vcpu_check_block", "vcpu_load", "vcpu_put", "enable_apicv",
	"sync_pir_to_irr", "nohz_full",  # Linux / KVM
	"set_current_state",  # Linux's scheduler
	"seq_cst",  # C11 memory order
	"arrow_lake", "corei7_icelake_u", "broadwell_ult", "corei3_cnl",  # Bochs CPU models
	"TLB_flush",  # Bochs's cpu/paging.cc
	"cpu_loop", "prev_rip",  # Bochs's cpu/cpu.cc, main.cc (docs/emulators.md §13.1)
	"path/file.c",  # the placeholder in tests/host/rules.mk's usage line
	"entry_addr", "mods_count", "mods_addr", "mmap_length", "mmap_addr",
	"boot_loader_name",  # Multiboot 0.6.96 information and header fields
	"p_memsz", "p_vaddr",  # ELF program header fields (System V gABI)
	"cmdline_size", "initrd_addr_max", "type_of_loader", "code32_start",  # Linux boot protocol
	"update_load_avg", "scheduler_tick",  # Linux's scheduler (docs/emulators.md §9.8)
	"asm_exc_page_fault", "its_return_thunk",  # Linux's x86 entry code (docs/linux.md)
	"HandleExtInterrupt",  # Bochs's cpu/event.cc
}
EXTS = "c|h|S|md|py|sh|mk|cfg|in|ld|txt"
PATH = re.compile(r"(?<![\w/.$@~<*{-])((?:[\w.-]+/)*[\w-]+\.(?:%s))(?![\w/*{-]|\.\w)" % EXTS)
BARE_EXTS = (".c", ".h", ".md", ".py", ".sh", ".mk")  # `IRTA.S` is a register field
CALL = re.compile(r"\b([A-Za-z]\w*_\w*)\(\)")
TICKED = re.compile(r"`([A-Za-z]\w*_\w*|__\w+)(?:\([^`]*\))?`")
C_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
HASH_COMMENT = re.compile(r"(?:^|(?<=\s))#[^\n]*")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
# Pointers out of the repository: notes and issue numbers that only the developers' tracker
# knows, and the emulator notes' section numbers written the tracker's way (ours read "§N").
OUTSIDE = re.compile(r"SEED-NOTES|\bissues? #?\d+\b|emulators\.md \d")


def tracked():
	out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
			     check=True).stdout
	return [f for f in out.split("\n") if f and os.path.isfile(os.path.join(ROOT, f))]


def read(f):
	return open(os.path.join(ROOT, f), errors="replace").read()


def code_words(files):
	words = set()
	for f in files:
		if f.endswith((".c", ".h", ".S")):
			words.update(re.findall(r"\w+", C_COMMENT.sub(" ", read(f))))
		elif f.endswith((".py", ".sh", ".mk", ".cfg", ".in", ".txt", ".ld")) or f == "Makefile":
			words.update(re.findall(r"\w+", read(f)))
		stem = os.path.basename(f).split(".")[0]
		words.add(stem)
	return words


def chunks(f, text):
	"""(offset, text) pieces of f that are prose: Markdown outside fences, or comments."""
	if f.endswith(".md"):
		yield 0, FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
	elif f.endswith((".c", ".h", ".S", ".ld")):
		for m in C_COMMENT.finditer(text):
			yield m.start(), m.group(0)
	elif f.endswith((".py", ".sh", ".mk", ".cfg", ".in", ".txt")) or f == "Makefile":
		for m in HASH_COMMENT.finditer(text):
			yield m.start(), m.group(0)


def main():
	files = tracked()
	fileset = set(files)
	basenames = {os.path.basename(f) for f in files}
	words = code_words(files)
	wordlist = sorted(words)
	bad = []

	def path_ok(p, base):
		if p in EXTERNAL or p.startswith("build/") or p in fileset:
			return True
		if os.path.normpath(os.path.join(base, p)) in fileset:
			return True
		return "/" not in p and (not p.endswith(BARE_EXTS) or p in basenames)

	def name_ok(n):
		if n in words or n in EXTERNAL:
			return True
		# the start of a longer name: `ipi_running` for ipi_running_p50
		i = bisect.bisect_left(wordlist, n + "_")
		return i < len(wordlist) and wordlist[i].startswith(n + "_")

	for f in files:
		text = read(f)
		if f != "scripts/check_refs.py":
			for m in OUTSIDE.finditer(text):
				bad.append("%s:%d: '%s' points outside the repository (docs/ says it)" %
					   (f, text.count("\n", 0, m.start()) + 1, m.group(0)))
		for off, c in chunks(f, text):
			def where(pos):
				return "%s:%d" % (f, text.count("\n", 0, off + pos) + 1)
			for m in PATH.finditer(c):
				if not path_ok(m.group(1), os.path.dirname(f)):
					bad.append("%s: %s does not exist" % (where(m.start()), m.group(1)))
			for m in CALL.finditer(c):
				if not name_ok(m.group(1)):
					bad.append("%s: %s() is not in the code" % (where(m.start()), m.group(1)))
			if f.endswith(".md"):
				for m in TICKED.finditer(c):
					if not name_ok(m.group(1)):
						bad.append("%s: `%s` is not in the code" %
							   (where(m.start()), m.group(1)))
	for b in bad:
		print("check_refs: " + b)
	if bad:
		print("check_refs: %d dangling reference(s); a name from another project goes in "
		      "EXTERNAL (scripts/check_refs.py)" % len(bad))
		return 1
	print("check_refs: ok (%d files)" % len(files))
	return 0


if __name__ == "__main__":
	sys.exit(main())
