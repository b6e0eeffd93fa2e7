/*
 * Ticket spinlocks: FIFO order, so no CPU starves under the contention the SMP tests create.
 * The holder's CPU id is recorded so that recursion is caught by an assertion instead of a hang.
 */
#ifndef ARCH_X86_SPINLOCK_H
#define ARCH_X86_SPINLOCK_H

#include "lib/types.h"

struct spinlock {
	u32 next;   /* ticket handed to the next arrival */
	u32 owner;  /* ticket being served */
	s32 holder; /* CPU id of the holder, -1 if free; for assertions only */
	u32 flags;  /* SPIN_IRQSAFE: must only be taken with IRQs off (asserted) */
	const char *name;
};
#define SPIN_IRQSAFE 1u
#define SPINLOCK_INIT(n, f)                                                                        \
	{                                                                                          \
		0, 0, -1, (f), (n)                                                                 \
	}

void spin_init(struct spinlock *l, const char *name, u32 flags);
void spin_lock(struct spinlock *l);
/* Takes l only if it is free right now; true on success.  Same rules as spin_lock. */
bool spin_trylock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_is_held(const struct spinlock *l);
/* Disables IRQs, then takes the lock; the returned flags go to spin_unlock_irqrestore(). */
unsigned long spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags);

#endif
