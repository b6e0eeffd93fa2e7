/*
 * INTERFACE: the per-CPU core, reached through %gs:0 (this_pcpu) or by index (pcpu).
 * Only the core lives here; each module keeps its own [MAX_CPUS] array (STYLE rule 5).
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include "arch/x86/desc.h"
#include "lib/config.h"
#include "lib/types.h"

struct pcpu {
	struct pcpu *self; /* must stay first: this_pcpu() loads %gs:0 */
	u32 id;		   /* dense index 0..nr_cpus-1; the BSP is 0 */
	u32 apic_id;
	u64 kstack_top; /* initial stack; the page below kstack_top - KSTACK_SIZE is a guard */
	u64 entry_tsc;	/* TSC when the CPU entered pcpu_init (the BSP: kernel entry) */
	bool online;	/* written by the CPU itself (release), read by others (acquire) */
	struct cpu_desc desc;
};

extern struct pcpu pcpus[MAX_CPUS];

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;
	asm volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}
static inline u32 pcpu_id(void)
{
	return this_pcpu()->id;
}
static inline struct pcpu *pcpu(u32 id)
{
	return &pcpus[id];
}

/*
 * Sets GS base, loads this CPU's GDT/TSS (with IST stacks) and the IDT.
 * @pre called first thing on the CPU, IRQs off. @post this_pcpu()->id == id.
 */
void pcpu_init(u32 id, u32 apic_id);
u32 pcpu_count(void);
void pcpu_set_count(u32 n);
/* How many CPUs from 0 up are online without a gap (at least 1): where vCPUs may be placed. */
u32 pcpu_online_count(void);

#endif
