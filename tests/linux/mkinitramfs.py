#!/usr/bin/env python3
"""Writes a gzip'ed newc cpio initramfs for the Linux guest without needing root or cpio(1):
/bin/busybox (with /bin/sh a link to it), /init, and /dev/console as a character device, which
the kernel opens for /init's output before anything else can create it.

usage: mkinitramfs.py BUSYBOX INIT OUT.cpio.gz
"""
import gzip
import os
import sys

S_IFDIR, S_IFREG, S_IFLNK, S_IFCHR = 0o040000, 0o100000, 0o120000, 0o020000


def entry(out, ino, name, mode, data=b"", rdev=(0, 0)):
	name_b = name.encode() + b"\0"
	fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
	hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
	out.write(hdr + name_b)
	out.write(b"\0" * (-(len(hdr) + len(name_b)) % 4))
	out.write(data)
	out.write(b"\0" * (-len(data) % 4))


def main():
	busybox, init, dest = sys.argv[1:4]
	tmp = dest + ".tmp"
	with gzip.open(tmp, "wb", compresslevel=9) as out:
		ino = 1
		for d in ("bin", "dev", "proc", "sys", "tmp"):
			entry(out, ino, d, S_IFDIR | 0o755)
			ino += 1
		entry(out, ino, "dev/console", S_IFCHR | 0o600, rdev=(5, 1))
		ino += 1
		entry(out, ino, "bin/busybox", S_IFREG | 0o755, open(busybox, "rb").read())
		ino += 1
		entry(out, ino, "bin/sh", S_IFLNK | 0o777, b"busybox")
		ino += 1
		entry(out, ino, "init", S_IFREG | 0o755, open(init, "rb").read())
		ino += 1
		entry(out, ino, "TRAILER!!!", 0)
	os.replace(tmp, dest)


if __name__ == "__main__":
	main()
