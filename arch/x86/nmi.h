/*
 * INTERFACE: the host's NMI handler (vector 2, on its own IST stack).
 *
 * An NMI may come from firmware, a watchdog, a PCIe SERR/IOCHK, another CPU's NMI IPI, or a VM
 * exit for an NMI that arrived in guest mode (vm/exit.c hands those over with `int $2`).  None of
 * them is an error the host can act on, so the handler counts the NMI on its CPU and returns:
 * the host survives every NMI.  It takes no lock and prints nothing, because the code it
 * interrupted may hold the console lock (an NMI is not masked by RFLAGS.IF).
 */
#ifndef ARCH_X86_NMI_H
#define ARCH_X86_NMI_H

#include "lib/types.h"

struct trap_frame;

/* Vector 2 (trap.c).  @pre on the IST_NMI stack; NMIs blocked until its IRET (SDM Vol. 3A 6.7.1).
 */
void nmi_handle(struct trap_frame *f);
/* NMIs the CPU handled since boot.  Any CPU, any context. */
u64 nmi_count(u32 cpu);

#endif
