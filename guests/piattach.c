/*
 * piattach: the guest of tests/emu/cases/pi_attach.c (roles in guests/piattach.h).  The vCPUs of
 * one VM share `sh`.  Every wait is bounded by the TSC: a lost interrupt becomes a FAIL line
 * naming the round and a host-side rescue (PA_OP_WAKE), never a hung run.
 */
#include "guests/lib.h"
#include "guests/piattach.h"

/* Guest TSC ticks (Bochs: 50 per us) without the expected event before we call it lost. */
#define LOST_TICKS 2000000ull
#define MAX_LOST 4

static struct {
	u32 ready; /* round vCPU 0 announced */
	u32 go;    /* round the driver released (PA_STEP_GO) */
	u32 done;  /* the driver finished or gave up: everybody leaves */
} sh;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

static u32 got(u32 idx, u32 vec)
{
	return G_READ(g_irq_counts[idx][vec]);
}

static void store(u32 *p, u32 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static u32 load(u32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Waits up to LOST_TICKS for vCPU 0's n-th PA_VECTOR. */
static bool wait_got(u32 n)
{
	u64 t0 = g_rdtsc();

	while (got(0, PA_VECTOR) < n) {
		if (g_rdtsc() - t0 > LOST_TICKS)
			return false;
		g_pause();
	}
	return true;
}

static void halter(u32 rounds, bool wait_go)
{
	for (u32 k = 1; k <= rounds && !load(&sh.done); k++) {
		test(PA_OP_ROUND, k, 0);
		g_cli();
		store(&sh.ready, k);
		/* IF=0: a vector that arrives now waits in the PIR / vIRR for the sti */
		while (wait_go && load(&sh.go) < k && !load(&sh.done))
			g_pause();
		while (got(0, PA_VECTOR) < k && !load(&sh.done)) {
			g_sti_hlt();
			g_cli();
		}
	}
	g_stat(1, got(0, PA_VECTOR));
}

static void spinner(u32 me)
{
	u32 total = 0;

	g_sti();
	while (!load(&sh.done))
		g_pause();
	g_cli();
	for (u32 v = 32; v < 256; v++)
		total += got(me, v);
	g_stat(1, got(me, PA_VECTOR));
	g_stat(2, total);
}

static void exit_wait(u32 rounds)
{
	u32 lost = 0;

	g_sti();
	for (u32 k = 1; k <= rounds; k++) {
		test(PA_OP_ROUND, k, 0);
		if (!wait_got(k)) {
			lost++;
			g_report(false, "round %u: the vector posted at VM entry never came", k);
			if (lost >= MAX_LOST)
				break;
		}
	}
	g_cli();
	g_stat(0, lost);
	g_stat(1, got(0, PA_VECTOR));
	g_report(lost == 0, "%u rounds, %u vectors lost", rounds, lost);
}

static void driver(u32 param)
{
	u32 rounds = PA_ROUNDS(param), lost = 0, k;
	u64 t0;
	long r;

	for (k = 1; k <= rounds; k++) {
		t0 = g_rdtsc();
		while ((param & PA_WAIT_READY) && load(&sh.ready) < k) {
			if (g_rdtsc() - t0 > 10 * LOST_TICKS) {
				g_report(false, "round %u: vCPU 0 never announced it", k);
				goto out;
			}
			g_pause();
		}
		r = test(PA_OP_STEP, k, 0);
		if (r < 0) {
			g_report(false, "round %u: host step failed (%ld)", k, r);
			goto out;
		}
		if (r & PA_STEP_SEND)
			g_send_ipi(0, PA_VECTOR);
		if (r & PA_STEP_GO)
			store(&sh.go, k);
		while (!wait_got(k)) {
			lost++;
			g_report(false, "round %u: lost: vCPU 0 did not get the vector %lu ticks "
				 "after the post (%u received)", k, (u64)LOST_TICKS,
				 got(0, PA_VECTOR));
			test(PA_OP_WAKE, 0, 0);
			if (lost >= MAX_LOST)
				goto out;
		}
	}
out:
	store(&sh.done, 1);
	test(PA_OP_WAKE, 0, 0);
	g_stat(0, lost);
	g_stat(2, k > rounds ? rounds : k);
	g_report(lost == 0, "%u rounds, %u lost", k > rounds ? rounds : k, lost);
}

u64 guest_main(u64 index, u64 count)
{
	long r = test(PA_OP_ROLE, 0, 0);
	u32 role = r & 0xff, param = (u32)(r >> 8);

	switch (role) {
	case PA_ROLE_HALT:
		halter(param, false);
		break;
	case PA_ROLE_CLI_WAIT_HLT:
		halter(param, true);
		break;
	case PA_ROLE_SPIN:
		spinner((u32)index);
		break;
	case PA_ROLE_EXIT_WAIT:
		exit_wait(param);
		break;
	case PA_ROLE_DRIVER:
		driver(param);
		break;
	default:
		break;
	}
	return 0;
}
