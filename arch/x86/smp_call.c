/*
 * smp_call(): one mailbox per target CPU.  A caller owns the target's mailbox (its lock) from
 * smp_call_start to smp_call_wait, posts {fn, arg}, bumps req (release) and sends VEC_IPI_CALL,
 * which only wakes the target from HLT; the target runs the call in thread context (smp_idle or
 * its own wait loop) and publishes done = req (release).
 *
 * No deadlock between CPUs calling each other: every loop that waits here, for a mailbox or
 * for completion, also serves this CPU's own mailbox.
 */
#include "arch/x86/smp.h"
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/spinlock.h"
#include "lib/assert.h"
#include "lib/config.h"
#include "arch/x86/percpu.h"

struct call_box {
	/* Serializes callers to this CPU; held from smp_call_start to smp_call_wait, IRQs on. */
	struct spinlock lock;
	smp_fn_t fn; /* written by the lock holder before req (release) */
	void *arg;
	u32 req;    /* bumped by the caller */
	u32 done;   /* set to req by the target after fn returned */
	u32 caller; /* APIC id to wake with VEC_IPI_CALL once done */
};

static struct call_box boxes[MAX_CPUS] = {
	[0 ... MAX_CPUS - 1] = {.lock = SPINLOCK_INIT("smp_call", 0)},
};

bool smp_call_poll(void)
{
	struct call_box *b = &boxes[pcpu_id()];
	u32 req = load_acquire(&b->req);

	if (req == b->done)
		return false;
	b->fn(b->arg);
	store_release(&b->done, req);
	/* The caller may be halted in smp_call_wait; an extra wake-up is harmless. */
	apic_send_ipi(b->caller, VEC_IPI_CALL);
	return true;
}

void smp_call_start(u32 cpu, smp_fn_t fn, void *arg)
{
	struct call_box *b = &boxes[cpu];

	ASSERT(cpu < pcpu_count() && load_acquire(&pcpu(cpu)->online));
	if (cpu == pcpu_id()) {
		fn(arg); /* our own mailbox may be in another caller's hands: do not touch it */
		return;
	}
	while (!spin_trylock(&b->lock))
		smp_call_poll();
	b->fn = fn;
	b->arg = arg;
	b->caller = this_pcpu()->apic_id;
	store_release(&b->req, b->req + 1);
	apic_send_ipi(pcpu(cpu)->apic_id, VEC_IPI_CALL);
}

/*
 * True if this CPU has a call waiting.  With IRQs off the answer stays valid until the next
 * STI: a new request is always followed by a VEC_IPI_CALL, which then ends the HLT.
 */
static bool call_pending(void)
{
	struct call_box *b = &boxes[pcpu_id()];

	return load_acquire(&b->req) != b->done;
}

void smp_call_wait(u32 cpu)
{
	struct call_box *b = &boxes[cpu];
	bool irqs = irq_enabled();

	if (cpu == pcpu_id())
		return;
	ASSERT(spin_is_held(&b->lock));
	for (;;) {
		irq_disable();
		if (load_acquire(&b->done) == b->req)
			break;
		if (call_pending()) {
			irq_restore(irqs ? RFLAGS_IF : 0);
			smp_call_poll();
		} else if (irqs) {
			/* Halt rather than spin: emulated CPUs that spin steal host time. */
			cpu_safe_halt();
		} else {
			cpu_relax();
		}
	}
	irq_restore(irqs ? RFLAGS_IF : 0);
	spin_unlock(&b->lock);
}

void smp_call(u32 cpu, smp_fn_t fn, void *arg)
{
	smp_call_start(cpu, fn, arg);
	smp_call_wait(cpu);
}

void smp_call_all(smp_fn_t fn, void *arg)
{
	u32 me = pcpu_id(), n = pcpu_count();

	for (u32 c = 0; c < n; c++)
		if (c != me)
			smp_call_start(c, fn, arg);
	fn(arg);
	for (u32 c = 0; c < n; c++)
		if (c != me)
			smp_call_wait(c);
}

__noreturn void smp_idle(void)
{
	for (;;) {
		irq_disable();
		if (call_pending()) {
			irq_enable();
			smp_call_poll();
			continue;
		}
		/* STI's shadow covers HLT: an IPI after the check above still ends the HLT. */
		cpu_safe_halt();
	}
}
