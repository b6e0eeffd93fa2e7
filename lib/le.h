/*
 * Little-endian loads and stores at any alignment, for the byte layouts of boot formats and
 * firmware tables (multiboot, the Linux zero page, the MP table): byte by byte, so neither the
 * alignment nor the host's byte order matters.  Pure, header-only.
 */
#ifndef LIB_LE_H
#define LIB_LE_H

#include "lib/types.h"

static inline u32 le_ld16(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8;
}

static inline u32 le_ld32(const u8 *p)
{
	return le_ld16(p) | le_ld16(p + 2) << 16;
}

static inline u64 le_ld64(const u8 *p)
{
	return (u64)le_ld32(p) | (u64)le_ld32(p + 4) << 32;
}

static inline void le_st16(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void le_st32(u8 *p, u32 v)
{
	le_st16(p, v & 0xffff);
	le_st16(p + 2, v >> 16);
}

static inline void le_st64(u8 *p, u64 v)
{
	le_st32(p, (u32)v);
	le_st32(p + 4, (u32)(v >> 32));
}

#endif
