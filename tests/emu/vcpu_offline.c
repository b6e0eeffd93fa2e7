/*
 * vcpu_pcpu_offline (tests/emu/vcpu_offline.h): a pCPU leaves vCPU scheduling.  The order matters
 * for pi_cpu_offline's precondition "no vCPU loaded on dead, dead runs no pi/ code again": the
 * vCPUs move first (so nothing is queued or woken there any more), the loop of dead parks with
 * nothing loaded, and only then does pi/ move the wakeup list and NDST.  A post in between still
 * reaches dead's wakeup handler, which wakes the vCPU on its new run queue.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/timer.h"
#include "lib/assert.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "pi/pi.h"
#include "vm/vcpu.h"
#include "tests/emu/vcpu_offline.h"
#include "vm/vm.h"

enum { PCPU_ONLINE, PCPU_LEAVING, PCPU_PARKED };

static u32 pcpu_off[MAX_CPUS];

bool vcpu_pcpu_leaving(u32 cpu)
{
	return load_acquire(&pcpu_off[cpu]) != PCPU_ONLINE;
}

void vcpu_pcpu_parked(u32 cpu)
{
	if (load_acquire(&pcpu_off[cpu]) == PCPU_LEAVING)
		store_release(&pcpu_off[cpu], PCPU_PARKED);
}

int vcpu_pcpu_offline(struct vm **vms, u32 nr_vms, u32 dead, u32 target, u64 wait_us)
{
	u64 end;

	ASSERT(dead != target && dead < pcpu_count() && target < pcpu_count());
	store_release(&pcpu_off[dead], PCPU_LEAVING);
	for (u32 i = 0; i < nr_vms; i++)
		for (u32 j = 0; j < vms[i]->nr_vcpus; j++) {
			struct sched_entity *se = &vms[i]->vcpus[j]->se;

			if (load_acquire(&se->cpu) == dead && !sched_migrate(se, target))
				printk("vmx: offline: [%s/%u] pinned to pCPU %u stays there\n",
				       vms[i]->name, j, dead);
		}
	/* a running vCPU moves at its switch-out; an idle loop re-checks and parks */
	sched_kick(dead);
	end = rdtsc() + timer_us_to_tsc(wait_us);
	while (load_acquire(&pcpu_off[dead]) != PCPU_PARKED) {
		if (rdtsc() > end) {
			printk("vmx: offline: pCPU %u did not park within %lu us\n", dead, wait_us);
			return -1;
		}
		cpu_relax();
	}
	pi_cpu_offline(dead, target);
	return 0;
}
