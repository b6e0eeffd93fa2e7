/* INTERFACE: vector -> handler table; one fatal path for everything unexpected. */
#ifndef ARCH_X86_TRAP_H
#define ARCH_X86_TRAP_H

#include "lib/types.h"

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

typedef void (*trap_handler_t)(struct trap_frame *f);

/*
 * @pre vector has no handler yet (or fn is the same); called before the vector can fire.
 * @post external-interrupt vectors (>= 32) are acknowledged with an APIC EOI after fn returns,
 *       except VEC_SPURIOUS, which must not be (SDM Vol. 3A 11.9).
 */
void trap_register(u8 vector, trap_handler_t fn);
/* Count of interrupts that arrived on a vector nobody registered (spurious included). */
u64 trap_unexpected_count(void);
/* Prints the frame and registers, for fatal paths. */
void trap_dump(const struct trap_frame *f);

#endif
