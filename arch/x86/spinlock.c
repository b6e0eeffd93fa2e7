#include "arch/x86/spinlock.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "lib/assert.h"
#include "arch/x86/percpu.h"

void spin_init(struct spinlock *l, const char *name, u32 flags)
{
	l->next = 0;
	l->owner = 0;
	l->holder = -1;
	l->flags = flags;
	l->name = name;
}

void spin_lock(struct spinlock *l)
{
	s32 me = (s32)pcpu_id();

	/* An IRQ-safe lock taken with IRQs on can deadlock against its own IRQ handler. */
	ASSERT(!(l->flags & SPIN_IRQSAFE) || !irq_enabled());
	ASSERT(load_relaxed(&l->holder) != me);
	u32 ticket = fetch_add(&l->next, 1);
	while (load_acquire(&l->owner) != ticket)
		cpu_relax();
	store_relaxed(&l->holder, me);
}

bool spin_trylock(struct spinlock *l)
{
	s32 me = (s32)pcpu_id();
	u32 owner = load_acquire(&l->owner);
	u32 ticket = owner;

	ASSERT(!(l->flags & SPIN_IRQSAFE) || !irq_enabled());
	ASSERT(load_relaxed(&l->holder) != me);
	/* Free means next == owner: take ticket `owner`, which is being served already. */
	if (!cmpxchg(&l->next, &ticket, owner + 1))
		return false;
	store_relaxed(&l->holder, me);
	return true;
}

void spin_unlock(struct spinlock *l)
{
	ASSERT(load_relaxed(&l->holder) == (s32)pcpu_id());
	store_relaxed(&l->holder, -1);
	store_release(&l->owner, l->owner + 1);
}

bool spin_is_held(const struct spinlock *l)
{
	return load_relaxed(&l->holder) == (s32)pcpu_id();
}

unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long f = irq_save();
	spin_lock(l);
	return f;
}

void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	spin_unlock(l);
	irq_restore(flags);
}
