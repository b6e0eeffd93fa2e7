/* The software posting device (vdev.h). */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "kernel/percpu.h"
#include "vmx/vcpu.h"
#include "vmx/vdev.h"

/* Timer callback on d->cpu, IRQs off: one post, then the next period. */
static void vdev_fire(struct timer *t, void *arg)
{
	struct vdev *d = arg;
	u32 n = d->sent;

	if (n >= d->count)
		return;
	if (!n)
		d->first_tsc = rdtsc();
	vcpu_post(d->target, d->vector + n % d->nr_vectors);
	store_release(&d->sent, n + 1);
	if (n + 1 < d->count)
		timer_arm(t, rdtsc() + d->period);
}

void vdev_start(struct vdev *d, u64 delay)
{
	d->cpu = pcpu_id();
	d->sent = 0;
	if (!d->nr_vectors)
		d->nr_vectors = 1;
	timer_init(&d->timer, vdev_fire, d);
	timer_arm(&d->timer, rdtsc() + delay);
}
