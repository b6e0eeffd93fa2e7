#!/usr/bin/env python3
"""The include check: every #include "..." of every source file against the folder graph that
docs/architecture.md writes down once (the block between the `layers:` markers).

A line of the graph is `folder -> allowed folders` (its own folder is always allowed), or
`folder -> folder/file.h` to allow one header only.  A folder not in the graph may include
anything only if it is under tests/ (test code sits on top of everything); any other file is an
error, so a new folder must be placed in the graph before it can build.  Prints one line per
violation and exits 1 if there is any.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "architecture.md")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_graph():
	text = open(DOC).read()
	m = re.search(r"<!-- layers: begin -->(.*?)<!-- layers: end -->", text, re.S)
	if not m:
		sys.exit("check_includes: no '<!-- layers: begin/end -->' block in docs/architecture.md")
	graph = {}
	for line in m.group(1).splitlines():
		line = line.strip().strip("`")
		if "->" not in line:
			continue
		src, dst = (s.strip() for s in line.split("->", 1))
		graph[src] = dst.split()
	return graph


def folder_of(path):
	return os.path.dirname(path)


def owner(graph, path):
	"""The graph entry that governs a file: the longest folder prefix in the graph."""
	best = None
	for f in graph:
		if path.startswith(f + "/") and (best is None or len(f) > len(best)):
			best = f
	return best


def allowed(graph, src_folder, inc):
	if folder_of(inc) == src_folder:
		return True
	for a in graph[src_folder]:
		if a.endswith(".h") and inc == a:
			return True
		if not a.endswith(".h") and folder_of(inc) == a:
			return True
	return False


def sources():
	for top, dirs, files in os.walk(ROOT):
		rel = os.path.relpath(top, ROOT)
		dirs[:] = [d for d in dirs if not d.startswith(".") and d != "build"]
		for f in files:
			if f.endswith((".c", ".h", ".S")):
				yield os.path.normpath(os.path.join(rel, f))


def main():
	graph = read_graph()
	bad = 0
	for path in sorted(sources()):
		src = owner(graph, path)
		if src is None:
			if path.startswith("tests/"):
				continue
			print("check_includes: %s: folder %s is not in the layer graph "
			      "(docs/architecture.md)" % (path, folder_of(path)))
			bad += 1
			continue
		for inc in INCLUDE.findall(open(os.path.join(ROOT, path), errors="replace").read()):
			if not os.path.exists(os.path.join(ROOT, inc)):
				print("check_includes: %s: includes %s, which does not exist (includes are "
				      "written from the repository root)" % (path, inc))
				bad += 1
			elif not allowed(graph, src, inc):
				print("check_includes: %s: %s may not include %s (allowed: %s)" %
				      (path, src, inc, " ".join(graph[src]) or "only itself"))
				bad += 1
	if bad:
		print("check_includes: %d violation(s)" % bad)
		return 1
	print("check_includes: ok (%d folders in the graph)" % len(graph))
	return 0


if __name__ == "__main__":
	sys.exit(main())
