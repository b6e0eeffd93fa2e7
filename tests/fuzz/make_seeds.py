#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora, tests/fuzz/corpus/<harness>/<seed>: small hand-made inputs,
valid ones (what GRUB, SeaBIOS, OVMF and QEMU hand over) and broken ones (one fault each).

The files are checked in; rerun this after changing a seed here:
    python3 tests/fuzz/make_seeds.py
Inputs that once made a harness fail are kept next to them as regress-*; this script leaves
those alone.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")


def u8(v):
    return struct.pack("<B", v)


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


# ---------------------------------------------------------------- multiboot2 (spec 3.6)
def mb2_tag(typ, body):
    return pad8(u32(typ) + u32(8 + len(body)) + body)


def mb2_mmap(entries, esize=24):
    body = u32(esize) + u32(0)
    for base, length, typ in entries:
        body += (u64(base) + u64(length) + u32(typ)).ljust(esize, b"\0")
    return mb2_tag(6, body)


def mb2(tags, total=None, end=True):
    body = b"".join(tags) + (mb2_tag(0, b"") if end else b"")
    size = 8 + len(body)
    return u32(size if total is None else total) + u32(0) + body


def rsdp(rev, rsdt=0, xsdt=0, oem=b"BOCHS "):
    r = b"RSD PTR " + u8(0) + oem + u8(rev) + u32(rsdt)
    r = r[:8] + u8(-sum(r) & 0xFF) + r[9:]
    if rev < 2:
        return r
    r += u32(36) + u64(xsdt) + u8(0) + b"\0\0\0"
    return r[:32] + u8(-sum(r) & 0xFF) + r[33:]


Q35_MMAP = [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 2),
            (0x100000, 0x1FEE0000, 1), (0x1FFE0000, 0x20000, 2), (0xFFFC0000, 0x40000, 2)]


def mb2_seeds():
    common = [mb2_tag(1, b"test=boot smp=4\0"), mb2_tag(2, b"GRUB 2.06\0"),
              mb2_tag(4, u32(639) + u32(523136))]
    module = mb2_tag(3, u32(0x200000) + u32(0x201000) + b"/boot/hello.bin name=web vcpus=2\0")
    return {
        "valid-bios": mb2(common + [module, mb2_mmap(Q35_MMAP), mb2_tag(14, rsdp(0, 0x1FFE0000))]),
        "valid-efi": mb2(common + [mb2_tag(12, u64(0x7F9E0000)), mb2_mmap(Q35_MMAP, 32),
                                   mb2_tag(15, rsdp(2, 0x1FFE0000, 0x1FFE0100)),
                                   mb2_tag(14, rsdp(0, 0x1FFE0000)), mb2_tag(18, b""),
                                   mb2_tag(21, u32(0x100000))]),
        "bad-tag-size-4": u32(24) + u32(0) + u32(1) + u32(4) + bytes(8),
        "bad-tag-past-end": mb2([mb2_tag(1, b"test=x\0")], total=24),
        "bad-no-end-tag": mb2(common, end=False),
        "bad-mmap-entry-size": mb2([mb2_mmap(Q35_MMAP[:2], 20)]),
        "bad-total-small": u32(4) + u32(0) + mb2_tag(0, b""),
        "bad-rsdp-short": mb2([mb2_tag(15, rsdp(2)[:30]), mb2_tag(14, rsdp(0)[:12])]),
        "many-mmap": mb2([mb2_mmap([(i << 16, 0x8000, 1 + i % 5) for i in range(130)])]),
        "module-backwards": mb2([mb2_tag(3, u32(0x300000) + u32(0x200000) + b"x=1\0"),
                                 mb2_tag(3, u32(1) + u32(2) + b"unterminated")]),
        "cmdline-unterminated": mb2([mb2_tag(1, b"test=" + b"a" * 300)]),
    }


# ---------------------------------------------------------------- multiboot1 (0.6.96 3.3)
MB1_BASE = 0x10000


def mb1_info(flags, cmdline=0, mods=(0, 0), mmap=(0, 0), loader=0):
    b = bytearray(88)
    struct.pack_into("<III", b, 0, flags, 639, 523136)
    struct.pack_into("<I", b, 16, cmdline)
    struct.pack_into("<II", b, 20, *mods)
    struct.pack_into("<II", b, 44, *mmap)
    struct.pack_into("<I", b, 64, loader)
    return b


def place(mem, off, data):
    if len(mem) < off + len(data):
        mem.extend(b"\0" * (off + len(data) - len(mem)))
    mem[off:off + len(data)] = data


def mb1_seeds():
    def image(mmap_esize=20, cmd=b"pihv.elf test=boot\0", nmods=2):
        mmap = b"".join(u32(mmap_esize) + u64(b) + u64(l) + u32(t) for b, l, t in Q35_MMAP)
        mem = mb1_info(0x24D, MB1_BASE + 0x100, (nmods, MB1_BASE + 0x300),
                       (len(mmap), MB1_BASE + 0x200), MB1_BASE + 0x400)
        place(mem, 0x100, cmd)
        place(mem, 0x200, mmap)
        for i in range(nmods):
            place(mem, 0x300 + 16 * i, u32(0x200000 + i * 0x1000) + u32(0x201000 + i * 0x1000)
                  + u32(MB1_BASE + 0x380 + 0x20 * i) + u32(0))
            place(mem, 0x380 + 0x20 * i, b"/boot/g%d.bin vcpus=1\0" % i)
        place(mem, 0x400, b"QEMU\0")
        return bytes(mem)

    return {
        "valid": image(),
        "bad-mmap-entry-size": image(mmap_esize=3),
        "too-many-modules": image(nmods=9),
        "cmdline-at-end": image(cmd=b"")[:0x100] + b"test=" + b"b" * 20,
        "short": bytes(mb1_info(0x4))[:40],
        "pointers-outside": bytes(mb1_info(0x24D, 0xFFFFFFF0, (3, 0x20), (0x100, 8), 1)),
    }


# ---------------------------------------------------------------- ACPI (6.5 chapter 5.2)
def acpi_table(sig, body, rev=1):
    t = sig + u32(36 + len(body)) + u8(rev) + u8(0) + b"BOCHS " + b"BXPC    " + u32(1) + \
        b"BXPC" + u32(1) + body
    return t[:9] + u8(-sum(t) & 0xFF) + t[10:]


def madt_body(entries, lapic=0xFEE00000, flags=1):
    return u32(lapic) + u32(flags) + b"".join(entries)


def madt_q35():
    return [u8(0) + u8(8) + u8(i) + u8(i) + u32(1) for i in range(4)] + [
        u8(1) + u8(12) + u8(0) + u8(0) + u32(0xFEC00000) + u32(0),
        u8(2) + u8(10) + u8(0) + u8(0) + u32(2) + u16(0),
        u8(2) + u8(10) + u8(0) + u8(9) + u32(9) + u16(0xD),
        u8(4) + u8(6) + u8(0xFF) + u16(5) + u8(1),
        u8(9) + u8(16) + u16(0) + u32(0x100) + u32(1) + u32(4),
        u8(10) + u8(12) + u16(5) + u32(0xFFFFFFFF) + u8(1) + b"\0\0\0",
        u8(5) + u8(12) + u16(0) + u64(0xFEE00000),
        u8(3) + u8(8) + u8(0) + u8(0) + u32(0),
        u8(0x11) + u8(4) + u16(0),  # a type from another architecture: skipped
    ]


def dmar_body(structs, haw=38, flags=1):
    return u8(haw) + u8(flags) + b"\0" * 10 + b"".join(structs)


def drhd(base, scopes, flags=0):
    body = u8(flags) + u8(0) + u16(0) + u64(base) + b"".join(scopes)
    return u16(0) + u16(4 + len(body)) + body


def scope(typ, enum, bus, path):
    body = u8(0) + u8(0) + u8(enum) + u8(bus) + b"".join(u8(d) + u8(f) for d, f in path)
    return u8(typ) + u8(2 + len(body)) + body


def dmar_q35():
    return [drhd(0xFED90000, [scope(3, 0, 0xFF, [(0, 0)]), scope(1, 0, 0, [(3, 0)]),
                              scope(2, 0, 0, [(0x1C, 0), (0, 0)])], flags=1),
            u16(1) + u16(24) + u16(0) + u16(0) + u64(0x7D000000) + u64(0x7D0FFFFF),
            u16(2) + u16(8) + u8(0) + u8(0) + u16(0),
            u16(3) + u16(20) + u32(0) + u64(0xFED90000) + u32(0)]


ACPI_BASE = 0x10000


def fadt(length, rev):
    """A FADT of the given total length: ports, and the flags for the reset register."""
    b = bytearray(max(length - 36, 0))
    for off, val, size in ((46 - 36, 9, 2), (56 - 36, 0x600, 4), (64 - 36, 0x604, 4),
                           (76 - 36, 0x608, 4), (112 - 36, 0x500, 4), (172 - 36, 0x604, 8),
                           (168 - 36, 0x0401, 4)):
        if off + size <= len(b):
            b[off:off + size] = val.to_bytes(size, "little")
    return acpi_table(b"FACP", bytes(b), rev)


def acpi_image(rev=2, madt=None, use_xsdt=True, extra=(), fadt_len=244):
    tables = [fadt(fadt_len, 5 if fadt_len >= 244 else 1),
              acpi_table(b"APIC", madt_body(madt if madt is not None else madt_q35()), 4),
              acpi_table(b"HPET", u32(0x8086A201) + u8(0) + u8(64) + u8(0) + u8(0) +
                         u64(0xFED00000) + u8(0) + u16(0) + u8(0)),
              acpi_table(b"DMAR", dmar_body(dmar_q35()))] + list(extra)
    offs, off = [], 0x200
    for t in tables:
        offs.append(off)
        off += (len(t) + 15) & ~15
    rsdt = acpi_table(b"RSDT", b"".join(u32(ACPI_BASE + o) for o in offs))
    xsdt = acpi_table(b"XSDT", b"".join(u64(ACPI_BASE + o) for o in offs))
    mem = bytearray(rsdp(rev, ACPI_BASE + 0x40, ACPI_BASE + 0x100 if use_xsdt else 0))
    place(mem, 0x40, rsdt)
    if use_xsdt:
        place(mem, 0x100, xsdt)
    for o, t in zip(offs, tables):
        place(mem, o, t)
    return bytes(mem)


def acpi_seeds():
    return {
        "valid-q35-xsdt": acpi_image(),
        "valid-rsdt-rev0": acpi_image(rev=0, use_xsdt=False),
        "madt-entry-len0": acpi_image(madt=madt_q35()[:2] + [u8(1) + u8(0)]),
        "table-len-huge": acpi_image(extra=[b"SSDT" + u32(0x7FFFFFF0) + bytes(28)]),
        "fadt-acpi1": acpi_image(rev=0, use_xsdt=False, fadt_len=116),
        "fadt-cut-in-x-fields": acpi_image(fadt_len=180),
        "fadt-cut-in-reset": acpi_image(fadt_len=130),
        "rsdp-only": rsdp(2, 0xDEAD0000, 0xBEEF00000000),
        "no-rsdp": b"RSD PTX " + bytes(28),
    }


def madt_seeds():
    return {
        "valid-q35": acpi_table(b"APIC", madt_body(madt_q35()), 4),
        "len0": acpi_table(b"APIC", madt_body(madt_q35()[:3] + [u8(0) + u8(0)])),
        "entry-short": acpi_table(b"APIC", madt_body([u8(1) + u8(8) + bytes(6)])),
        "entry-past-end": acpi_table(b"APIC", madt_body([u8(9) + u8(40) + bytes(14)])),
        "stray-byte": acpi_table(b"APIC", madt_body(madt_q35()[:1] + [u8(0)])),
        "fixed-part-short": acpi_table(b"APIC", u32(0xFEE00000)),
        "many-cpus": acpi_table(b"APIC", madt_body(
            [u8(9) + u8(16) + u16(0) + u32(i) + u32(1 + (i & 2)) + u32(i) for i in range(40)]
            + [u8(1) + u8(12) + u8(i) + u8(0) + u32(0xFEC00000 + i * 0x1000) + u32(24 * i)
               for i in range(10)])),
        "override-high": acpi_table(b"APIC", madt_body([u8(5) + u8(12) + u16(0) + u64(1 << 40)])),
    }


def dmar_seeds():
    return {
        "valid-q35": acpi_table(b"DMAR", dmar_body(dmar_q35())),
        "scope-odd-len": acpi_table(b"DMAR", dmar_body([drhd(0xFED90000, [
            u8(1) + u8(9) + bytes(7)])])),
        "scope-past-drhd": acpi_table(b"DMAR", dmar_body([u16(0) + u16(24) + bytes(12) +
                                                          u8(1) + u8(20) + bytes(6)])),
        "struct-len-2": acpi_table(b"DMAR", dmar_body([u16(0) + u16(2)])),
        "struct-past-end": acpi_table(b"DMAR", dmar_body([u16(1) + u16(200) + bytes(20)])),
        "many-units": acpi_table(b"DMAR", dmar_body([drhd(0xFED90000 + i * 0x1000, [])
                                                     for i in range(6)])),
        "deep-path": acpi_table(b"DMAR", dmar_body([drhd(0xFED90000, [
            scope(1, 0, 0, [(i, 0) for i in range(7)])])])),
        "many-scopes": acpi_table(b"DMAR", dmar_body([drhd(0xFED90000, [
            scope(1, 0, 0, [(i, 0)]) for i in range(18)])])),
        "header-only": acpi_table(b"DMAR", dmar_body([])),
        "wrong-sig": b"DMAX" + acpi_table(b"DMAR", dmar_body([]))[4:],
    }


# ---------------------------------------------------------------- command lines
def cmdline_seeds():
    return {
        "boot": b"test=boot",
        "kernel-path-first": b"build/pihv.elf test=pi-running apic=xapic smp=4 watchdog_ms=300",
        "numbers": b"sched_slice_us=0x10 halt_poll_us=0 loglevel=7 pi=off watchdog_ms=0",
        "bad-numbers": b"watchdog_ms=abc halt_poll_us=99999999999999999999 smp=0 loglevel=8",
        "malformed": b"=5 x= Test=1 foo=bar lone \t\n",
        "two-strings": b"test=a smp=2\0smp=3 bogus=1",
        "too-many": b" ".join(b"test=%d" % i for i in range(20)) + b" smp=1 apic=x2apic",
        "long-value": b"test=" + b"v" * 70 + b" smp=" + b"9" * 30,
    }


def vm_args_seeds():
    lim = u8(4) + u8(4) + u64(64 << 20)
    return {
        "valid": lim + b"/boot/hello.bin name=web vcpus=2 mem=2M pin=1",
        "path-only": lim + b"/boot/mod/pirace.x.bin",
        "hex-size": lim + b"mem=0x2b000 vcpus=0x2",
        "bad-values": lim + b"vcpus=0 mem=3 pin=9 name=far_too_long_a_name",
        "twice": lim + b"name=a name=b mem=1G mem=16G",
        "junk": lim + b"=x k= novalue mem=1T vcpus=-1 pin=1x",
        "size-only": lim + b"64K",
    }


# ---------------------------------------------------------------- memory maps
def mm_compact(base, length, typ, extra=0):
    types = {1: 0, 2: 3, 3: 4, 4: 5, 5: 6, 20: 7}
    b = base >> 8
    return u8(types[typ] << 1) + bytes([b & 0xFF, (b >> 8) & 0xFF, (b >> 16) & 0xFF]) + \
        u16(length >> 8) + u8(0x80 | extra if extra else 0)


def mm_raw(base, length, typ):
    return u8(1) + u64(base) + u64(length) + u32(typ)


def memmap_seeds():
    return {
        "q35": b"".join(mm_compact(b, min(l, 0xFFFF00), t) for b, l, t in Q35_MMAP),
        "overlap-and-contain": mm_compact(0x100000, 0x200000, 1) + mm_compact(0x200000, 0x200000, 1)
        + mm_compact(0x180000, 0x1000, 2) + mm_compact(0x150000, 0x800, 1, 5),
        "ram-over-reserved": mm_compact(0, 0xFFFF00, 1) + mm_compact(0x10000, 0x100, 20)
        + mm_compact(0x20000, 0x100, 3, 1),
        "wrap": mm_raw(0xFFFFFFFFFFFFF000, 0x2000, 1) + mm_raw(0xC0000800, 2**64 - 1, 2)
        + mm_raw(0, 1 << 32, 1) + mm_raw(1 << 40, 0, 1),
        "top-of-space": mm_raw(0xFFFFFFF000000000, 0xFFFFFFFFF, 1)
        + mm_raw(0xFFFFFFFFFFFFE800, 0x10, 4),
        "max-entries": b"".join(mm_compact(i << 16, 0x8000, 1) + mm_compact((i << 16) + 0x4000, 0x1000, 2)
                                for i in range(66)),
        "half-pages": mm_compact(0x1000, 0x800, 1) + mm_compact(0x1800, 0x1800, 1)
        + mm_compact(0x3100, 0x100, 2),
    }


# ---------------------------------------------------------------- guest images (vmboot/image.h)
MB1_MAGIC, MB2_MAGIC = 0x1BADB002, 0xE85250D6


def img_hdr(fmt, mem_64k, mods):
    """The harness's 4 leading bytes: format (0 auto, 1 flat, 2 mb1, 3 mb2), RAM, modules."""
    return u8(fmt) + u16(mem_64k) + u8(mods)


def elf(is64, entry, segs):
    """ELF executable with PT_LOAD (offset, paddr, filesz, memsz) segments, headers at 0."""
    phoff, phsz = (64, 56) if is64 else (52, 32)
    h = b"\x7fELF" + u8(2 if is64 else 1) + u8(1) + u8(1) + b"\0" * 9
    h += u16(2) + u16(62 if is64 else 3) + u32(1)
    if is64:
        h += u64(entry) + u64(phoff) + u64(0) + u32(0) + u16(64) + u16(phsz) + u16(len(segs))
        h += u16(0) * 3
    else:
        h += u32(entry) + u32(phoff) + u32(0) + u32(0) + u16(52) + u16(phsz) + u16(len(segs))
        h += u16(0) * 3
    for off, pa, fsz, msz in segs:
        if is64:
            h += u32(1) + u32(7) + u64(off) + u64(pa) + u64(pa) + u64(fsz) + u64(msz) + u64(8)
        else:
            h += u32(1) + u32(off) + u32(pa) + u32(pa) + u32(fsz) + u32(msz) + u32(7) + u32(8)
    return h


def with_at(base, off, data):
    base = bytearray(base.ljust(off + len(data), b"\0"))
    base[off:off + len(data)] = data
    return bytes(base)


def mb1_hdr(flags, aout=()):
    return u32(MB1_MAGIC) + u32(flags) + u32(-(MB1_MAGIC + flags) & 0xFFFFFFFF) + b"".join(
        u32(v) for v in aout)


def mb2_hdr(tags):
    body = b"".join(tags) + u16(0) + u16(0) + u32(8)
    n = 16 + len(body)
    return u32(MB2_MAGIC) + u32(0) + u32(n) + u32(-(MB2_MAGIC + n) & 0xFFFFFFFF) + body


def image_seeds():
    code = b"\xf4" * 64
    e32 = with_at(elf(False, 0x100000, [(0x200, 0x100000, 0x40, 0x2000)]), 0x80, mb1_hdr(3))
    e64 = elf(True, 0x200010, [(0x400, 0x200000, 0x40, 0x40), (0x440, 0x201000, 0x10, 0x1000)])
    req = u16(1) + u16(0) + u32(8 + 16) + u32(1) + u32(3) + u32(4) + u32(6)
    opt = u16(5) + u16(1) + u32(20) + b"\0" * 12 + b"\0" * 4
    aout = mb1_hdr(0x10003, (0x100020, 0x100000, 0x100200, 0x104000, 0x100040))
    addr2 = (u16(2) + u16(0) + u32(24) + u32(0x100008) + u32(0xFFFFFFFF) + u32(0) + u32(0)
             + u16(3) + u16(0) + u32(12) + u32(0x100100) + u32(0))
    return {
        "flat": img_hdr(1, 16, 0) + code,
        "mb1-elf32": img_hdr(0, 64, 2) + with_at(e32, 0x200, code),
        "mb1-aout": img_hdr(0, 64, 1) + with_at(b"\0" * 0x20 + aout, 0x200, code),
        "mb2-elf64": img_hdr(3, 128, 2) + with_at(with_at(e64, 0x100, mb2_hdr([req, opt])),
                                                   0x400, code * 2),
        "mb2-address": img_hdr(0, 32, 0) + with_at(b"\0" * 8 + mb2_hdr([addr2]), 0x100, code),
        "both-headers": img_hdr(2, 64, 1) + with_at(with_at(e64, 0x100, mb2_hdr([req])), 0x200,
                                                     mb1_hdr(0)),
        "overlap": img_hdr(0, 64, 0) + with_at(
            elf(False, 0x100000, [(0x200, 0x100000, 0x40, 0x2000), (0x200, 0x101000, 0, 0x10)]),
            0x80, mb1_hdr(0)),
        "bad-entry": img_hdr(0, 64, 0) + with_at(elf(True, 0x900000, [(0x200, 0x100000, 8, 8)]),
                                                 0x100, mb2_hdr([])),
    }


HARNESSES = {"mb2": mb2_seeds, "mb1": mb1_seeds, "acpi": acpi_seeds, "madt": madt_seeds,
             "dmar": dmar_seeds, "cmdline": cmdline_seeds, "vm_args": vm_args_seeds,
             "memmap": memmap_seeds, "image": image_seeds}


def main():
    for name, make in HARNESSES.items():
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if not f.startswith("regress-"):
                os.remove(os.path.join(d, f))
        for seed, data in make().items():
            with open(os.path.join(d, seed), "wb") as f:
                f.write(data)
        print(f"{name}: {len(os.listdir(d))} files", file=sys.stderr)


if __name__ == "__main__":
    main()
