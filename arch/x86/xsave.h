/*
 * INTERFACE: the host side of the x87/SSE/AVX state (SDM Vol. 1 ch. 13, "Managing State Using
 * the XSAVE Feature Set").  pihv itself never uses these registers (it is built with
 * -mgeneral-regs-only and `make lint` checks the image), so they only ever hold some guest's
 * values; vm/vcpu_ctx.c saves and restores them per vCPU with the instructions below.
 *
 * Every CPU, as it comes online, sets CR4.OSXSAVE and XCR0 = xsave_mask(): the components pihv
 * manages for guests (x87, SSE, AVX, AVX-512) that this CPU supports.  That is the XCR0 a save
 * or restore runs with, so one XSAVE covers whatever any guest may have enabled.  Without XSAVE
 * (CPUID.1:ECX[26] = 0) FXSAVE/FXRSTOR cover x87 and SSE.
 */
#ifndef ARCH_X86_XSAVE_H
#define ARCH_X86_XSAVE_H

#include "lib/types.h"

/* XCR0 / XSTATE_BV components (SDM Vol. 1 13.1). */
#define XSTATE_X87	 (1ull << 0)
#define XSTATE_SSE	 (1ull << 1)
#define XSTATE_AVX	 (1ull << 2)
#define XSTATE_BNDREGS	 (1ull << 3)
#define XSTATE_BNDCSR	 (1ull << 4)
#define XSTATE_OPMASK	 (1ull << 5)
#define XSTATE_ZMM_HI256 (1ull << 6)
#define XSTATE_HI16_ZMM	 (1ull << 7)
#define XSTATE_PKRU	 (1ull << 9)
#define XSTATE_TILECFG	 (1ull << 17)
#define XSTATE_TILEDATA	 (1ull << 18)
#define XSTATE_AVX512	 (XSTATE_OPMASK | XSTATE_ZMM_HI256 | XSTATE_HI16_ZMM)
/* What pihv manages for guests; MPX, PKRU and AMX are not offered (docs/isolation.md). */
#define XSTATE_MANAGED (XSTATE_X87 | XSTATE_SSE | XSTATE_AVX | XSTATE_AVX512)

/* The legacy region (SDM Vol. 1 10.5.1): FCW at byte 0, MXCSR at 24; the header at 512. */
#define XSAVE_FCW_OFF	 0
#define XSAVE_MXCSR_OFF	 24
#define XSAVE_HEADER_OFF 512
#define FXSAVE_SIZE	 512
#define XSAVE_FCW_INIT	 0x37f	/* FNINIT's control word */
#define XSAVE_MXCSR_INIT 0x1f80 /* every exception masked, round to nearest (10.2.3.1) */

/* XCR0 of every online CPU outside a vCPU's run (0 without XSAVE). */
u64 xsave_mask(void);
/* Bytes a save area needs for xsave_mask() (512 without XSAVE); 64-byte alignment. */
u32 xsave_size(void);
/* XSAVEOPT is there (CPUID.(EAX=0DH,ECX=1):EAX[0]). */
bool xsave_has_opt(void);

static inline u64 xgetbv(u32 xcr)
{
	u32 lo, hi;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
	return ((u64)hi << 32) | lo;
}
static inline void xsetbv(u32 xcr, u64 v)
{
	asm volatile("xsetbv" : : "c"(xcr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}
/* Save / restore the components of rfbm & XCR0 (13.7, 13.8) in the standard format. */
static inline void xsave(void *area, u64 rfbm)
{
	asm volatile("xsave64 (%0)"
		     :
		     : "r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
		     : "memory");
}
static inline void xsaveopt(void *area, u64 rfbm)
{
	asm volatile("xsaveopt64 (%0)"
		     :
		     : "r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
		     : "memory");
}
static inline void xrstor(const void *area, u64 rfbm)
{
	asm volatile("xrstor64 (%0)"
		     :
		     : "r"(area), "a"((u32)rfbm), "d"((u32)(rfbm >> 32))
		     : "memory");
}
static inline void fxsave(void *area)
{
	asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}
static inline void fxrstor(const void *area)
{
	asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

#endif
