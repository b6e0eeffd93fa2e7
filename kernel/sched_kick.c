/* The hypervisor's side of kernel/sched.h: kicks are IPIs on VEC_IPI_RESCHED. */
#include "arch/x86/apic.h"
#include "arch/x86/trap.h"
#include "lib/initcall.h"
#include "arch/x86/percpu.h"
#include "kernel/sched.h"

/*
 * Nothing to do in the handler: the interrupt itself is the point.  It ends a host HLT in the
 * pCPU loop, or causes a VM exit (external-interrupt exiting) of the guest running there, and
 * either way the loop calls sched_switch() next.
 */
static void on_resched(struct trap_frame *f)
{
	(void)f;
}

void sched_kick(u32 cpu)
{
	if (cpu != pcpu_id())
		apic_send_ipi(pcpu(cpu)->apic_id, VEC_IPI_RESCHED);
}

static int sched_setup(void)
{
	for (u32 c = 0; c < MAX_CPUS; c++)
		sched_init_cpu(c);
	trap_register(VEC_IPI_RESCHED, on_resched);
	return 0;
}
INITCALL(INIT_EARLY, sched_setup);
