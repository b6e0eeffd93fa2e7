/*
 * AP start-up for test guests (guests/apboot.S, linked into the guests that use it): a 16-bit
 * trampoline at a page boundary below 1 MiB, so that a SIPI with vector ga_ap_vector() starts an
 * AP there in real mode (CS = vector << 8, IP = 0); it records what it saw, switches to long mode
 * under the loader's page tables (vm/guest_abi.h) and calls ap_entry(), which loads the shared
 * IDT and runs guest_ap_main(index) on the AP's own stack.
 */
#ifndef GUESTS_APBOOT_H
#define GUESTS_APBOOT_H

#include "lib/types.h"

struct ga_ap_seen {
	u16 cs, ip;  /* CS and IP at the trampoline's first instruction (the last AP's) */
	u16 arrived; /* APs that ran it (a locked increment in real mode) */
	u16 pad;
	u64 stack_top0; /* set by ga_ap_prepare: vCPU 0's stack top */
	u64 tsc[4];	/* RDTSC when each AP reached 64-bit C code */
};
extern struct ga_ap_seen ga_ap_seen;

/* The SIPI vector of the trampoline (its address >> 12). */
u8 ga_ap_vector(void);
/* Before the SIPI: the APs' stacks follow vCPU 0's (vm/guest_abi.h). */
void ga_ap_prepare(void);
/* Each AP's 64-bit C code after the trampoline (the guest writes it); returns its exit code. */
u64 guest_ap_main(u64 index);

#endif
