/*
 * bench: round-trip cost of a CPUID exit and of a VMCALL exit, in guest TSC ticks (in Bochs
 * with clock: sync=none, ticks follow the emulated instruction count, so runs repeat exactly).
 * Prints `BENCH: <name> <value> <unit>` lines for `make bench` (tests/bench.py).
 */
#include "guests/lib.h"

#define N 64

struct samples {
	u64 v[N];
};

static void print(const char *name, struct samples *s, u64 base)
{
	u64 sum = 0;

	g_sort_u64(s->v, N);
	for (int i = 0; i < N; i++)
		sum += s->v[i];
	/* the cost of the RDTSC pair itself is subtracted: it is not the exit's */
	g_printf("BENCH: %s_min %lu ticks\n", name, s->v[0] - base);
	g_printf("BENCH: %s_p50 %lu ticks\n", name, s->v[N / 2] - base);
	g_printf("BENCH: %s_p99 %lu ticks\n", name, s->v[N * 99 / 100] - base);
	g_printf("BENCH: %s_mean %lu ticks\n", name, sum / N - base);
}

u64 guest_main(u64 index, u64 count)
{
	static struct samples base, cp, vc;
	u32 a, b, c, d;

	for (int i = 0; i < N; i++) {
		u64 t0 = g_rdtsc();
		u64 t1 = g_rdtsc();
		base.v[i] = t1 - t0;
		t0 = g_rdtsc();
		g_cpuid(0, &a, &b, &c, &d);
		t1 = g_rdtsc();
		cp.v[i] = t1 - t0;
		t0 = g_rdtsc();
		hc0(HC_VCPU_ID);
		t1 = g_rdtsc();
		vc.v[i] = t1 - t0;
	}
	g_sort_u64(base.v, N);
	g_printf("BENCH: rdtsc_pair %lu ticks\n", base.v[0]);
	print("cpuid_rtt", &cp, base.v[0]);
	print("vmcall_rtt", &vc, base.v[0]);
	g_report(cp.v[0] > base.v[0] && vc.v[0] > base.v[0], "bench: %d samples each", N);
	return 0;
}
