/*
 * pi: the posted-interrupt live tests' guest (tests/emu/cases/pi_live.c).  Each vCPU asks the
 * host for its role (HC_TEST PI_OP_ROLE) and plays it; vCPUs of one VM share the `sh` block.
 * Latencies are guest RDTSC ticks from the sender's timestamp to the receiver's handler.
 * Prints `BENCH: <name> <value> <unit>` lines for make bench.
 */
#include "guests/lib.h"
#include "guests/pi.h"

#define NS 256

static struct {
	u32 ready, done, halted;
	u64 t_send;
	u64 lat[NS];
	u32 nlat;
	u64 icr[NS];
	u32 nicr;
} sh;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

static void bench(const char *name, u64 *v, u32 n)
{
	u64 sum = 0;

	if (!n)
		return;
	g_sort_u64(v, n);
	for (u32 i = 0; i < n; i++)
		sum += v[i];
	g_printf("BENCH: %s_mean %lu ticks\n", name, sum / n);
	g_printf("BENCH: %s_p50 %lu ticks\n", name, v[n / 2]);
	g_printf("BENCH: %s_p99 %lu ticks\n", name, v[(n * 99) / 100]);
}

/* Receiver side latency sample: from the sender's last timestamp to this handler. */
static void lat_hook(u32 index, u32 vector, u64 tsc)
{
	u64 t = G_READ(sh.t_send);

	if (index == 0 && t && sh.nlat < NS && tsc > t)
		sh.lat[sh.nlat++] = tsc - t;
}

static u32 got(u32 vec)
{
	return G_READ(g_irq_counts[0][vec]);
}

static void recv_spin(void)
{
	g_irq_hook = lat_hook;
	long e0 = test(PI_OP_EXITS, 0, 0);
	g_sti();
	__atomic_store_n(&sh.ready, 1, __ATOMIC_RELEASE);
	while (!G_READ(sh.done))
		g_pause();
	g_cli();
	long e1 = test(PI_OP_EXITS, 0, 0);
	g_stat(0, (u64)(e1 - e0 - 1));
	u32 bad = 0, total = 0;
	for (u32 v = 0x40; v < 0x80; v++) {
		total += got(v);
		bad += got(v) != G_READ(sh.done);
	}
	g_stat(1, total);
	g_report(!bad,
		 "running receiver: every vector 0x40-0x7f arrived exactly %u times (%u in all)",
		 G_READ(sh.done), total);
	g_printf("receiver: %ld VM exits while receiving\n", e1 - e0 - 1);
	bench("pi_ipi_running", sh.lat, sh.nlat);
}

static void send_b2b(u32 rounds)
{
	while (!__atomic_load_n(&sh.ready, __ATOMIC_ACQUIRE))
		g_pause();
	for (u32 r = 1; r <= rounds; r++) {
		for (u32 v = 0x40; v < 0x80; v++) {
			u64 t0 = g_rdtsc();
			__atomic_store_n(&sh.t_send, t0, __ATOMIC_RELEASE);
			g_send_ipi(0, (u8)v);
			if (sh.nicr < NS)
				sh.icr[sh.nicr++] = g_rdtsc() - t0;
			/* one at a time for the latency figure: wait for the handler */
			while (got(v) < r)
				g_pause();
		}
	}
	__atomic_store_n(&sh.done, rounds, __ATOMIC_RELEASE);
	bench("pi_icr_exit", sh.icr, sh.nicr);
}

static void recv_halt(u32 times, const char *name)
{
	g_irq_hook = lat_hook;
	for (u32 k = 1; k <= times; k++) {
		g_cli();
		__atomic_store_n(&sh.halted, k, __ATOMIC_RELEASE);
		while (got(0x50) < k) {
			g_sti_hlt();
			g_cli();
		}
	}
	g_stat(1, got(0x50));
	g_report(got(0x50) == times, "halting receiver woke for all %u posts (%u received)", times,
		 got(0x50));
	bench(name, sh.lat, sh.nlat);
}

static void send_delayed(u32 delay)
{
	static volatile u32 sink;

	for (u32 k = 1; k <= 64; k++) {
		while (__atomic_load_n(&sh.halted, __ATOMIC_ACQUIRE) < k)
			if (G_READ(sh.done))
				return;
		for (u32 i = 0; i < delay; i++)
			sink++;
		__atomic_store_n(&sh.t_send, g_rdtsc(), __ATOMIC_RELEASE);
		g_send_ipi(0, 0x50);
		while (got(0x50) < k)
			g_pause();
	}
}

static void wait_blocked(u32 idx)
{
	while ((test(PI_OP_STATE, idx, 0) & 0xff) != PI_SE_BLOCKED)
		for (volatile u32 i = 0; i < 2000; i++)
			;
}

u64 guest_main(u64 index, u64 count)
{
	long r = test(PI_OP_ROLE, 0, 0);
	u32 role = r & 0xff, param = (u32)(r >> 8);

	switch (role) {
	case PI_ROLE_RECV_SPIN:
		recv_spin();
		break;
	case PI_ROLE_SEND_B2B:
		send_b2b(param);
		break;
	case PI_ROLE_RECV_HALT:
		recv_halt(param, "pi_ipi_halted");
		__atomic_store_n(&sh.done, 1, __ATOMIC_RELEASE);
		break;
	case PI_ROLE_SEND_DELAYED:
		send_delayed(param);
		break;
	case PI_ROLE_CLI_HLT:
		g_cli();
		g_hlt(); /* IF=0: only the host's explicit wake ends this */
		g_report(got(0x51) == 0, "cli; hlt: not woken by the posted vector (got %u)",
			 got(0x51));
		g_sti();
		for (volatile u32 i = 0; i < 1000 && !got(0x51); i++)
			;
		g_cli();
		g_report(got(0x51) == 1, "after sti the posted vector arrives (%u)", got(0x51));
		break;
	case PI_ROLE_SEND_TO_CLI:
		wait_blocked(0);
		g_send_ipi(0, 0x51);
		for (volatile u32 i = 0; i < 200000; i++)
			;
		g_report((test(PI_OP_STATE, 0, 0) & 0xff) == PI_SE_BLOCKED,
			 "cli-halted vCPU still blocked after the post");
		test(PI_OP_WAKE, 0, 0);
		break;
	case PI_ROLE_TIMER_HALT: {
		g_timer_vector(0x60);
		u64 dl = g_rdtsc() + param;
		g_timer_deadline(dl);
		g_cli();
		while (!got(0x60)) {
			g_sti_hlt();
			g_cli();
		}
		u64 late = G_READ(g_irq_last_tsc[0]) - dl;
		g_report(G_READ(g_irq_last_tsc[0]) >= dl,
			 "guest timer fired while halted, %lu ticks "
			 "after its deadline",
			 late);
		g_printf("BENCH: pi_timer_blocked_late %lu ticks\n", late);
		break;
	}
	case PI_ROLE_TIMER_SPIN: {
		g_timer_vector(0x60);
		u64 dl = g_rdtsc() + param;
		g_timer_deadline(dl);
		g_sti();
		/* bounded: a timer that never fires is a FAIL line, not a hang */
		while (!got(0x60) && g_rdtsc() < dl + 64ull * param)
			;
		g_cli();
		if (!got(0x60)) {
			g_report(0, "guest timer did not fire within %lu ticks of its deadline",
				 (u64)64 * param);
			break;
		}
		u64 late = G_READ(g_irq_last_tsc[0]) - dl;
		g_report(got(0x60) == 1 && G_READ(g_irq_last_tsc[0]) >= dl,
			 "guest timer fired while running, %lu ticks after its deadline", late);
		g_printf("BENCH: pi_timer_running_late %lu ticks\n", late);
		break;
	}
	case PI_ROLE_RECV_DEVICE: {
		u32 total = 0;
		g_cli();
		for (;;) {
			total = 0;
			for (u32 v = 0x70; v < 0x90; v++)
				total += got(v);
			if (total >= param)
				break;
			g_sti_hlt();
			g_cli();
		}
		g_stat(1, total);
		g_report(total == param, "device: %u of %u posted vectors received", total, param);
		break;
	}
	case PI_ROLE_SEND_MIGRATE:
		wait_blocked(0);
		g_report(test(PI_OP_MIGRATE, 0, param) == 1, "blocked vCPU 0 migrated to pCPU %u",
			 param);
		__atomic_store_n(&sh.t_send, g_rdtsc(), __ATOMIC_RELEASE);
		g_send_ipi(0, 0x50);
		break;
	default:
		break;
	}
	return 0;
}
