#!/usr/bin/env python3
"""The boot module the standard test kernel checks (module-content): "PIHVMOD1", its total size
(u32), a checksum of the payload (u32, s = s * 31 + byte), then a payload of SIZE - 16 bytes
that spans several pages.  Usage: mkmodule.py OUT [SIZE]"""
import struct
import sys

out = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 9000
payload = bytes((i * 7 + 3) & 0xff for i in range(size - 16))
s = 0
for b in payload:
	s = (s * 31 + b) & 0xffffffff
with open(out, "wb") as f:
	f.write(b"PIHVMOD1" + struct.pack("<II", size, s) + payload)
