/*
 * INTERFACE: the instructions a guest uses to access memory-mapped registers, decoded far enough
 * to emulate the access (the xAPIC's APIC-access exits, SDM Vol. 3C 28.2.1, table 28-6: the CPU
 * gives the page offset but no instruction length or operand).  Pure: it sees only the bytes.
 *
 * Supported (SDM Vol. 2, one-byte opcode map; what compilers emit for volatile loads/stores):
 *   88 /r MOV r/m8,r8     89 /r MOV r/m,r       8A /r MOV r8,r/m8    8B /r MOV r,r/m
 *   C6 /0 MOV r/m8,imm8   C7 /0 MOV r/m,imm     A0-A3 MOV AL/eAX <-> moffs
 *   0F B6 /r MOVZX r,r/m8   0F B7 /r MOVZX r,r/m16
 * with the operand-size (66), address-size (67) and segment prefixes and REX in 64-bit mode,
 * in 16-, 32- and 64-bit code.  Anything else (another opcode, LOCK/REP, a register operand
 * where memory is needed, more than 15 bytes) is refused.
 */
#ifndef VM_MMIO_DECODE_H
#define VM_MMIO_DECODE_H

#include "lib/types.h"

struct mmio_insn {
	u8 len;	     /* instruction length in bytes */
	u8 size;     /* memory operand size: 1, 2, 4 or 8 bytes */
	bool write;  /* memory is written (else read) */
	bool imm;    /* the source is `value` (MOV m, imm), not a register */
	u8 reg;	     /* register operand, encoding order: 0 rAX, 1 rCX, ... 4 rSP ... 15 r15 */
	bool high8;  /* the register is AH, CH, DH or BH (reg 4-7 without REX) */
	u8 reg_size; /* register width for reads: 1, 2, 4 or 8 (MOVZX: wider than size) */
	u64 value;   /* the immediate (sign-extended to reg_size for MOV m64, imm32) */
};

/*
 * Decodes the instruction at b[0..n) in a code segment of `bits` (16, 32 or 64).
 * @return 0 and *out filled, or -1 (not one of the forms above, or n too short).
 */
int mmio_decode(const u8 *b, u32 n, u32 bits, struct mmio_insn *out);

#endif
