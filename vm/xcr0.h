/*
 * Which XCR0 values a guest's XSETBV may set: the #GP(0) conditions of XSETBV (SDM Vol. 2C
 * "XSETBV", Vol. 1 13.3 "Enabling the XSAVE Feature Set"), against what pihv offers (allowed,
 * a subset of what the CPU supports).  Pure, host-tested (tests/host/test_xcr0.c).
 */
#ifndef VM_XCR0_H
#define VM_XCR0_H

#include "arch/x86/xsave.h"
#include "lib/types.h"

static inline bool xcr0_valid(u64 v, u64 allowed)
{
	if (v & ~allowed)
		return false; /* reserved, or a component not offered */
	if (!(v & XSTATE_X87))
		return false; /* bit 0 must be 1 */
	if ((v & XSTATE_AVX) && !(v & XSTATE_SSE))
		return false; /* AVX needs SSE */
	if (!(v & XSTATE_BNDREGS) != !(v & XSTATE_BNDCSR))
		return false; /* MPX: both or neither */
	if ((v & XSTATE_AVX512) && ((v & XSTATE_AVX512) != XSTATE_AVX512 || !(v & XSTATE_AVX)))
		return false; /* AVX-512: all three, and AVX (hence SSE) with them */
	if (!(v & XSTATE_TILECFG) != !(v & XSTATE_TILEDATA))
		return false; /* AMX: both or neither */
	return true;
}

#endif
