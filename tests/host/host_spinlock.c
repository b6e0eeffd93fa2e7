/*
 * Host stand-in for arch/x86/spinlock.c: the unit tests are single-threaded, so a lock is a
 * held flag; taking a held lock (recursion, or a missing unlock) fails the test run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "arch/x86/spinlock.h"

void spin_init(struct spinlock *l, const char *name, u32 flags)
{
	l->next = l->owner = 0;
	l->holder = -1;
	l->flags = flags;
	l->name = name;
}

void spin_lock(struct spinlock *l)
{
	if (l->holder != -1) {
		fprintf(stderr, "host spinlock: %s taken while held\n", l->name ? l->name : "?");
		abort();
	}
	l->holder = 0;
}

void spin_unlock(struct spinlock *l)
{
	if (l->holder != 0) {
		fprintf(stderr, "host spinlock: %s released while free\n", l->name ? l->name : "?");
		abort();
	}
	l->holder = -1;
}

bool spin_is_held(const struct spinlock *l)
{
	return l->holder == 0;
}

unsigned long spin_lock_irqsave(struct spinlock *l)
{
	spin_lock(l);
	return 0;
}

void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	(void)flags;
	spin_unlock(l);
}
