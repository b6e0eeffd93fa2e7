/*
 * INTERFACE: the scheduling and posted-interrupt trace (docs/pi.md "Tracing").
 *
 * Off unless the command line asks (trace=on, or trace=<categories>; trace_buf=<records per
 * pCPU>; trace_exits=<N>: one VM exit in N).  Every trace point is
 *
 *     TRACE(TRACE_EV_..., flags, vcpu, a, b);
 *
 * which costs, while tracing is off, one load of a read-mostly word and one branch that is
 * never taken: the arguments are only evaluated inside it.  A point that needs more than its
 * arguments (a descriptor read before and after a call) tests trace_on() itself and calls an
 * out-of-line helper.  Records go to the calling pCPU's ring (trace/trace_ring.h); the rings
 * are printed over the serial console at the end of each vm_run and, best effort, on panic.
 */
#ifndef TRACE_TRACE_H
#define TRACE_TRACE_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "trace/trace_rec.h"

/*
 * Written once at boot (and cleared by a panic dump), read by every trace point: alone in its
 * cache line, so that no write to a neighbour ever takes the line away from the readers.
 */
struct trace_config {
	u32 mask;	/* BIT(enum trace_event) for each event recorded; 0: tracing off */
	u32 exit_every; /* record one VM exit in this many, per pCPU (trace_exits=) */
} __aligned(64);

extern struct trace_config trace_config;

/*
 * Is ev being recorded?  In the kernel each use is a 5-byte NOP that trace_setup() turns into
 * a jump to the "yes" side when it enables ev at boot (a static key: tracing off costs the NOP,
 * no load, no branch); the sites are listed in section .trace_sites (struct trace_site).  The
 * host unit tests test the mask instead.
 */
#if __STDC_HOSTED__
static inline bool __trace_on(enum trace_event ev)
{
	return READ_ONCE(trace_config.mask) & BIT(ev);
}
#else
struct trace_site {
	u64 at;	    /* the NOP */
	u64 target; /* where the jump goes */
	u64 ev;	    /* enum trace_event */
};

static inline __attribute__((always_inline)) bool __trace_on(enum trace_event ev)
{
	asm goto("1: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t" /* nopl 0(%%rax,%%rax,1) */
		 ".pushsection .trace_sites, \"a\"\n\t"
		 ".balign 8\n\t"
		 ".quad 1b, %l[on], %c0\n\t"
		 ".popsection"
		 :
		 : "i"(ev)
		 :
		 : on);
	return false;
on:
	return true;
}
#endif
#define trace_on(ev) unlikely(__trace_on(ev))

#define TRACE(ev, flags, vcpu, a, b)                                                               \
	do {                                                                                       \
		if (trace_on(ev))                                                                  \
			trace_call((ev), (flags), (vcpu), (a), (b));                               \
	} while (0)

/*
 * In the kernel trace_emit() preserves every register it touches, caller-saved ones included
 * (the kernel is built with -mgeneral-regs-only, which that needs), and trace points call it
 * from inline asm that clobbers nothing.  So a trace point does not make the function around
 * it keep values in callee-saved registers, with pushes and pops paid while tracing is off (a
 * plain call cost 13 Bochs ticks on the CPUID exit round trip, docs/bench.md).  The host unit
 * tests' stand-in is a plain function.
 */
#if __STDC_HOSTED__
#define __trace_preserves_all
#else
#define __trace_preserves_all __attribute__((no_caller_saved_registers))
#endif

/*
 * Appends a record to this pCPU's ring (a VM exit only if it is the trace_exits-th on this
 * pCPU since the last one recorded).  Any context; IRQs may be on.
 */
__trace_preserves_all void trace_emit(u8 type, u8 flags, u16 vcpu, u64 a, u64 b);

static inline void trace_call(u8 type, u8 flags, u16 vcpu, u64 a, u64 b)
{
#if __STDC_HOSTED__
	trace_emit(type, flags, vcpu, a, b);
#else
	register u64 r8 asm("r8") = b;

	/*
	 * No red zone in the kernel (-mno-red-zone), so a call below the stack pointer is safe;
	 * the stack may be 8 bytes off 16-byte alignment here, which general-register code does
	 * not mind.
	 */
	asm volatile("call trace_emit"
		     :
		     : "D"((u64)type), "S"((u64)flags), "d"((u64)vcpu), "c"(a), "r"(r8)
		     : "memory");
#endif
}

/*
 * Names a new vCPU for the dumps ("<vm>/<index>"; vm must outlive the run).  @return its trace
 * id, or TRACE_NO_VCPU when the table is full.  BSP thread context (VM creation).
 */
u16 trace_vcpu_register(const char *vm, u32 index);

/* Prints every record since the last dump (end of a run).  Nothing when tracing is off. */
void trace_dump(const char *why);

/* A panic: stops recording, then dumps, once.  Any pCPU, IRQs off. */
void trace_dump_panic(void);

#endif
