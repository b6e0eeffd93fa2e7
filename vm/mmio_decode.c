/* Decoder for the MMIO-access instructions listed in mmio_decode.h (SDM Vol. 2, ch. 2). */
#include "vm/mmio_decode.h"

#define MAX_INSN 15

/* Bytes after the ModRM byte for its addressing form (SDM Vol. 2 tables 2-1, 2-2, 2-3). */
static int modrm_extra(const u8 *b, u32 n, u32 i, u32 addr_bits)
{
	u8 modrm = b[i], mod = modrm >> 6, rm = modrm & 7;

	if (mod == 3)
		return -1; /* a register, not memory */
	if (addr_bits == 16) {
		if (mod == 0)
			return rm == 6 ? 2 : 0;
		return mod == 1 ? 1 : 2;
	}
	u32 extra = 0;
	if (rm == 4) {
		if (i + 1 >= n)
			return -1;
		extra = 1; /* SIB */
		if (mod == 0 && (b[i + 1] & 7) == 5)
			return 1 + 4; /* no base: disp32 */
	}
	if (mod == 0)
		return extra + (rm == 5 ? 4 : 0); /* disp32, RIP-relative in 64-bit mode */
	return extra + (mod == 1 ? 1 : 4);
}

static u64 le(const u8 *b, u32 len)
{
	u64 x = 0;

	for (u32 i = 0; i < len; i++)
		x |= (u64)b[i] << (8 * i);
	return x;
}

int mmio_decode(const u8 *b, u32 n, u32 bits, struct mmio_insn *out)
{
	u32 i = 0, op_bits = bits == 64 ? 32 : bits, addr_bits = bits, rex = 0;
	bool two = false;

	if (n > MAX_INSN)
		n = MAX_INSN;
	for (; i < n; i++) {
		u8 p = b[i];
		if (p == 0x66)
			op_bits = bits == 16 ? 32 : 16;
		else if (p == 0x67)
			addr_bits = bits == 32 ? 16 : 32;
		else if (p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e || p == 0x64 || p == 0x65)
			continue;
		else
			break;
	}
	if (bits == 64 && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (rex & 8)
		op_bits = 64;
	if (i + 1 >= n)
		return -1;
	u8 op = b[i++];
	if (op == 0x0f) {
		two = true;
		op = b[i++];
	}
	*out = (struct mmio_insn){0};
	out->reg_size = (u8)(op_bits / 8);
	if (!two && op >= 0xa0 && op <= 0xa3) { /* MOV AL/eAX <-> moffs */
		u32 moffs = bits == 64 && addr_bits == 64 ? 8 : addr_bits / 8;
		out->size = op & 1 ? out->reg_size : 1;
		out->reg_size = out->size;
		out->write = op >= 0xa2;
		out->len = (u8)(i + moffs);
		return out->len <= n ? 0 : -1;
	}
	bool ok = two ? (op == 0xb6 || op == 0xb7)
		      : (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 ||
			 op == 0xc7);
	if (!ok || i >= n)
		return -1;
	u8 modrm = b[i];
	int extra = modrm_extra(b, n, i, addr_bits);
	if (extra < 0)
		return -1;
	out->reg = (u8)(((modrm >> 3) & 7) | (rex & 4 ? 8 : 0));
	i += 1 + (u32)extra;
	if (two) {
		out->size = op == 0xb6 ? 1 : 2;
	} else {
		out->size = op & 1 ? out->reg_size : 1;
		out->write = op == 0x88 || op == 0x89 || op >= 0xc6;
		if (!(op & 1))
			out->reg_size = 1;
	}
	if (out->size == 1 && !two && !rex && (out->reg & 4) && op < 0xc6) {
		out->high8 = true; /* AH, CH, DH, BH */
		out->reg &= 3;
	}
	if (op == 0xc6 || op == 0xc7) {
		u32 isz = out->size == 8 ? 4 : out->size;
		if ((modrm >> 3) & 7)
			return -1; /* /0 only */
		if (i + isz > n)
			return -1;
		out->imm = true;
		out->value = le(b + i, isz);
		if (out->size == 8 && (out->value & 0x80000000u))
			out->value |= 0xffffffff00000000ull; /* imm32 sign-extended */
		i += isz;
	}
	out->len = (u8)i;
	return i <= n ? 0 : -1;
}
