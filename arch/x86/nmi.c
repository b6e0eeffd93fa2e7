/*
 * The host NMI handler: count, return.  See nmi.h for why it does nothing else.
 *
 * The IDT gate runs it on the IST_NMI stack (idt.c), so an NMI that arrives on a broken or
 * nearly full stack still has one.  The CPU blocks further NMIs until the handler's IRET (SDM
 * Vol. 3A 6.7.1); a second NMI arriving meanwhile is held pending (one at most) and taken after
 * the IRET, so the count is that of NMIs delivered, and NMIs sent faster than they are handled
 * may merge, as on any x86 CPU.
 */
#include "arch/x86/nmi.h"
#include "arch/x86/atomic.h"
#include "arch/x86/percpu.h"
#include "arch/x86/trap.h"
#include "lib/config.h"

/* (atomic) written by each CPU's own NMI handler, read by anyone. */
static u64 nmi_counts[MAX_CPUS];

void nmi_handle(struct trap_frame *f)
{
	u32 cpu = pcpu_id();

	if (cpu < MAX_CPUS)
		fetch_add(&nmi_counts[cpu], 1);
}

u64 nmi_count(u32 cpu)
{
	return cpu < MAX_CPUS ? load_acquire(&nmi_counts[cpu]) : 0;
}
