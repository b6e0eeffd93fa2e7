/*
 * lapicrtt: IPI round trips for make bench (tests/emu/cases/lapic_cases.c, lapic-ipi-rtt).
 * vCPU 0 pings vCPU 1 (fixed IPI, physical destination), vCPU 1's interrupt handler pongs
 * back; vCPU 0 measures RDTSC before its ICR write to its own pong handler.  vCPU 1 either spins
 * with IF=1 (running) or halts between pings (`sti; hlt`, blocked by the time the ping comes).
 * Both vCPUs use the LAPIC mode the role's param says.  Prints
 *   BENCH: ipi_rtt_<running|halted>_<x2apic|xapic>_{p50,mean,p99} ticks
 *   BENCH: rx_exits_per_ipi_<running|halted>_<x2apic|xapic> exits  (vCPU 1's exits per ping)
 */
#include "guests/apic.h"
#include "guests/lapic.h"
#include "guests/lib.h"

#define N	 64
#define WARM	 8
#define VEC_PING 0x90
#define VEC_PONG 0x91
#define LIMIT	 20000000ull

static struct {
	u32 mode_set, ready, done;
	u64 pong_tsc;
	u64 rtt[N];
} sh;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

static void hook(u32 me, u32 vec, u64 tsc)
{
	if (me == 1 && vec == VEC_PING)
		ga_icr(0, VEC_PONG);
	else if (me == 0 && vec == VEC_PONG)
		__atomic_store_n(&sh.pong_tsc, tsc, __ATOMIC_RELEASE);
}

static void set_mode(bool xapic)
{
	if (xapic) {
		ga_to_disabled();
		ga_to_xapic();
	}
	ga_sw_enable();
}

static void pinger(u32 param)
{
	bool xapic = param & LA_IPI_XAPIC, halt = param & LA_IPI_HALT;
	const char *m = xapic ? "xapic" : "x2apic", *s = halt ? "halted" : "running";
	u64 e0 = 0, sum = 0;
	u32 lost = 0;

	if (xapic)
		ga_map_xapic();
	set_mode(xapic);
	__atomic_store_n(&sh.mode_set, 1, __ATOMIC_RELEASE);
	while (!G_READ(sh.ready))
		g_pause();
	g_sti();
	for (u32 i = 0; i < WARM + N; i++) {
		if (i == WARM)
			e0 = (u64)test(LA_OP_STAT, 1, LA_STAT_EXITS);
		if (halt)
			for (u64 e = g_rdtsc() + LIMIT;
			     g_rdtsc() < e &&
			     test(LA_OP_STAT, 1, LA_STAT_SE_STATE) != LA_SE_BLOCKED;)
				g_pause();
		u32 n = G_READ(g_irq_counts[0][VEC_PONG]);
		u64 t0 = g_rdtsc();
		ga_icr(1, VEC_PING);
		for (u64 e = t0 + LIMIT; G_READ(g_irq_counts[0][VEC_PONG]) == n && g_rdtsc() < e;)
			g_pause();
		lost += G_READ(g_irq_counts[0][VEC_PONG]) == n;
		if (i >= WARM)
			sh.rtt[i - WARM] = G_READ(sh.pong_tsc) - t0;
	}
	u64 e1 = (u64)test(LA_OP_STAT, 1, LA_STAT_EXITS);
	g_cli();
	__atomic_store_n(&sh.done, 1, __ATOMIC_RELEASE);
	ga_icr(1, VEC_PING); /* wakes a halted vCPU 1 for the last time */
	g_sort_u64(sh.rtt, N);
	for (u32 i = 0; i < N; i++)
		sum += sh.rtt[i];
	g_report(!lost, "%s %s: %u pings answered (%u lost)", m, s, N + WARM - lost, lost);
	g_printf("BENCH: ipi_rtt_%s_%s_p50 %lu ticks\n", s, m, sh.rtt[N / 2]);
	g_printf("BENCH: ipi_rtt_%s_%s_mean %lu ticks\n", s, m, sum / N);
	g_printf("BENCH: ipi_rtt_%s_%s_p99 %lu ticks\n", s, m, sh.rtt[N * 99 / 100]);
	/* two decimals without floating point */
	u64 x = (e1 - e0) * 100 / N;
	g_printf("BENCH: rx_exits_per_ipi_%s_%s %lu.%lu%lu exits\n", s, m, x / 100, x / 10 % 10,
		 x % 10);
}

static void ponger(u32 param)
{
	while (!G_READ(sh.mode_set))
		g_pause();
	set_mode(param & LA_IPI_XAPIC);
	__atomic_store_n(&sh.ready, 1, __ATOMIC_RELEASE);
	if (!(param & LA_IPI_HALT)) {
		g_sti();
		while (!G_READ(sh.done))
			g_pause();
	}
	g_cli();
	while (!G_READ(sh.done)) {
		g_sti_hlt();
		g_cli();
	}
}

u64 guest_main(u64 index, u64 count)
{
	long r = test(LA_OP_ROLE, 0, 0);

	g_irq_hook = hook;
	if ((r & 0xff) == LA_ROLE_PING)
		pinger((u32)(r >> 8));
	else if ((r & 0xff) == LA_ROLE_PONG)
		ponger((u32)(r >> 8));
	return 0;
}
