/* The software posting device (vdev.h). */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "vm/guest_abi.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "tests/emu/vdev.h"

/*
 * Has the target taken the previous interrupt on vector vec (post number n - nr_vectors)?
 * The guest publishes its per-vector receive counters (HC_STAT_IRQ_COUNTS); a guest that
 * did not is posted to blindly.  This is the device's flow control: it never has two
 * interrupts of one vector outstanding, so none can coalesce and delivered == posted holds
 * however long the target is preempted.
 */
static bool vector_free(struct vdev *d, u8 vec, u32 n)
{
	struct vcpu *v = d->target;
	u64 gpa = load_relaxed(&v->gstat[HC_STAT_IRQ_COUNTS]);
	const u32 *counts;

	if (!gpa || !(counts = vm_gpa_to_host(v->vm, gpa, 256 * sizeof(u32))))
		return true;
	return load_relaxed(&counts[vec]) >= n / d->nr_vectors;
}

/* Timer callback on d->cpu, IRQs off: one post (or a deferral), then the next period. */
static void vdev_fire(struct timer *t, void *arg)
{
	struct vdev *d = arg;
	u32 n = d->sent;
	u8 vec = d->vector + n % d->nr_vectors;

	if (n >= d->count)
		return;
	if (!vector_free(d, vec, n)) {
		d->deferred++;
		timer_arm(t, rdtsc() + d->period);
		return;
	}
	if (!n)
		d->first_tsc = rdtsc();
	vcpu_post(d->target, vec);
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
