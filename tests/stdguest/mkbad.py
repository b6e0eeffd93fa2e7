#!/usr/bin/env python3
"""Broken multiboot kernels for the loader's refusal test (tests.cfg vmboot-refuse-bochs), made
from the good ones by changing one header field each:
  bad-flags.elf   multiboot v1 header requiring an unknown feature (flags bit 5)
  bad-seg.elf     ELF32 program header loading at 0xf0000000 (outside any guest's RAM)
  bad-entry.elf   ELF64 multiboot2 kernel whose entry point is outside what it loads
Usage: mkbad.py BUILD_DIR"""
import os
import struct
import sys

d = sys.argv[1]


def fix_mb1(img, flags):
	off = img.find(struct.pack("<I", 0x1BADB002))
	img[off + 4:off + 12] = struct.pack("<II", flags, (-(0x1BADB002 + flags)) & 0xffffffff)


mb1k = bytearray(open(os.path.join(d, "stdguest-mb1k.elf"), "rb").read())
fix_mb1(mb1k, 0x00010023)
open(os.path.join(d, "bad-flags.elf"), "wb").write(mb1k)

mb1 = bytearray(open(os.path.join(d, "stdguest-mb1.elf"), "rb").read())
phoff = struct.unpack_from("<I", mb1, 28)[0]
struct.pack_into("<I", mb1, phoff + 12, 0xf0000000)   # p_paddr of the first program header
open(os.path.join(d, "bad-seg.elf"), "wb").write(mb1)

mb2 = bytearray(open(os.path.join(d, "stdguest-mb2.elf"), "rb").read())
struct.pack_into("<Q", mb2, 24, 0x3000000)             # e_entry
open(os.path.join(d, "bad-entry.elf"), "wb").write(mb2)
