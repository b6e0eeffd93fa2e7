#!/usr/bin/env python3
"""compile_commands.json from the build's own commands: reads the output of `make -Bn V=1
<targets>` (every command make would run, nothing run) on stdin and writes one entry for each
compiler command that has `-c SOURCE`, in the order make would run them, so that the kernel's
flags come first for a source that is also built for the host (pi/pi.c, lib/fmt.c, ...).
`make compdb` writes build/compile_commands.json, where clangd looks for it.
"""
import json
import os
import shlex
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPILERS = ("gcc", "cc", "clang", "clang-14", "x86_64-linux-gnu-gcc")


def commands(text):
	line = ""
	for part in text.splitlines():
		if part.endswith("\\"):
			line += part[:-1] + " "
			continue
		yield line + part
		line = ""


def main():
	out, seen = [], set()
	for cmd in commands(sys.stdin.read()):
		try:
			args = shlex.split(cmd)
		except ValueError:
			continue
		if not args or os.path.basename(args[0]) not in COMPILERS or "-c" not in args:
			continue
		src = args[args.index("-c") + 1]
		if not src.endswith((".c", ".S")) or (src, tuple(args)) in seen:
			continue
		seen.add((src, tuple(args)))
		entry = {"directory": ROOT, "arguments": args, "file": os.path.join(ROOT, src)}
		if "-o" in args:
			entry["output"] = os.path.join(ROOT, args[args.index("-o") + 1])
		out.append(entry)
	if not out:
		sys.exit("compdb: no compiler command in the input (expected `make -Bn V=1 ...`)")
	json.dump(out, sys.stdout, indent=1)
	sys.stdout.write("\n")


if __name__ == "__main__":
	main()
