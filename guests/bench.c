/*
 * bench: round-trip cost of a CPUID exit and of a VMCALL exit, in guest TSC ticks (in Bochs
 * with clock: sync=none, ticks follow the emulated instruction count, so runs repeat exactly).
 */
#include "guests/lib.h"

#define N 64

struct stat {
	u64 min, sum;
};

static void add(struct stat *s, u64 t)
{
	if (t < s->min)
		s->min = t;
	s->sum += t;
}

u64 guest_main(u64 index, u64 count)
{
	struct stat base = { ~0ull, 0 }, cp = { ~0ull, 0 }, vc = { ~0ull, 0 };
	u32 a, b, c, d;

	for (int i = 0; i < N; i++) {
		u64 t0 = g_rdtsc();
		u64 t1 = g_rdtsc();
		add(&base, t1 - t0);
		t0 = g_rdtsc();
		g_cpuid(0, &a, &b, &c, &d);
		t1 = g_rdtsc();
		add(&cp, t1 - t0);
		t0 = g_rdtsc();
		hc0(HC_VCPU_ID);
		t1 = g_rdtsc();
		add(&vc, t1 - t0);
	}
	g_printf("bench: rdtsc-rdtsc min %lu avg %lu ticks\n", base.min, base.sum / N);
	g_printf("bench: cpuid exit round trip min %lu avg %lu ticks\n", cp.min, cp.sum / N);
	g_printf("bench: vmcall exit round trip min %lu avg %lu ticks\n", vc.min, vc.sum / N);
	g_report(cp.min > base.min && vc.min > base.min, "bench: %d samples each", N);
	return 0;
}
