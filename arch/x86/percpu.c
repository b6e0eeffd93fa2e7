#include "arch/x86/percpu.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"

struct pcpu pcpus[MAX_CPUS];
static u32 nr_cpus = 1;

/* IST stacks: an NMI, #DF or #MC must not run on the stack that may have caused it. */
static u8 ist_stacks[MAX_CPUS][IST_COUNT][IST_STACK_SIZE] __aligned(16);

void pcpu_init(u32 id, u32 apic_id)
{
	struct pcpu *p = &pcpus[id];
	u64 ist_tops[IST_COUNT];

	p->entry_tsc = rdtsc();
	p->self = p;
	p->id = id;
	p->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (u64)p);
	for (int i = 0; i < IST_COUNT; i++)
		ist_tops[i] = (u64)&ist_stacks[id][i][IST_STACK_SIZE];
	gdt_load_cpu(&p->desc, ist_tops);
	idt_load();
}

u32 pcpu_count(void)
{
	return nr_cpus;
}

u32 pcpu_online_count(void)
{
	u32 n = 0;

	while (n < pcpu_count() && load_acquire(&pcpu(n)->online))
		n++;
	return n ? n : 1;
}

void pcpu_set_count(u32 n)
{
	nr_cpus = n;
}
