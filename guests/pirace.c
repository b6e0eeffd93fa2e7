/*
 * pirace: the guest of the posted-interrupt race tests (tests/emu/cases/pi_races.c).  Each vCPU
 * asks the host for its role (HC_TEST PR_OP_ROLE) and plays it; the vCPUs of one VM share `sh`.
 * Every wait for another vCPU or for an interrupt is bounded by the TSC: a lost wakeup becomes a
 * FAIL line naming the round (and a host-side rescue), never a hung run.
 */
#include "guests/lib.h"
#include "guests/pirace.h"

/* Guest TSC ticks (Bochs: 50 per us) without the expected event before we call it lost. */
#define LOST_TICKS 2000000ull
#define MAX_LOST   8
/*
 * Sender's delay loop before each IPI: long enough for the halter to reach its HLT exit, where
 * the host's test point waits for the post (pi_races.c), so the post lands in the forced window.
 */
#define SEND_DELAY 3000

static struct {
	u32 halted; /* round the halter announced: it is about to `sti; hlt` for it */
	u32 done;   /* the sender gave up or finished: everybody leaves */
} sh;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

static u32 got(u32 idx, u32 vec)
{
	return G_READ(g_irq_counts[idx][vec]);
}

static void delay(u32 n)
{
	for (volatile u32 i = 0; i < n; i++)
		;
}

static void set_done(void)
{
	__atomic_store_n(&sh.done, 1, __ATOMIC_RELEASE);
}

/* Waits up to LOST_TICKS for vCPU 0's n-th PR_VECTOR. */
static bool wait_got(u32 n)
{
	u64 t0 = g_rdtsc();

	while (got(0, PR_VECTOR) < n) {
		if (g_rdtsc() - t0 > LOST_TICKS)
			return false;
		g_pause();
	}
	return true;
}

static void halter(u32 rounds)
{
	for (u32 k = 1; k <= rounds && !G_READ(sh.done); k++) {
		test(PR_OP_ROUND, k, 0);
		g_cli();
		__atomic_store_n(&sh.halted, k, __ATOMIC_RELEASE);
		while (got(0, PR_VECTOR) < k && !G_READ(sh.done)) {
			g_sti_hlt();
			g_cli();
		}
	}
	g_stat(1, got(0, PR_VECTOR));
}

/* The other half of the halter: one vector per round, a bounded wait for its delivery. */
static void sender(u32 param)
{
	u32 rounds = PR_ROUNDS(param), lost = 0, k;

	for (k = 1; k <= rounds; k++) {
		while (__atomic_load_n(&sh.halted, __ATOMIC_ACQUIRE) < k)
			g_pause();
		if (!(param & PR_NO_SEND)) {
			delay(SEND_DELAY);
			g_send_ipi(0, PR_VECTOR);
		}
		while (!wait_got(k)) {
			lost++;
			g_report(false,
				 "round %u: lost wakeup: vCPU 0 not woken %lu ticks "
				 "after the post (%u received)",
				 k, (u64)LOST_TICKS, got(0, PR_VECTOR));
			test(PR_OP_WAKE, 0, 0); /* rescue, so that one loss does not end the run */
			if (lost >= MAX_LOST)
				goto out;
		}
	}
out:
	set_done();
	test(PR_OP_WAKE, 0, 0);
	g_stat(0, lost);
	g_stat(2, k > rounds ? rounds : k);
	g_report(lost == 0, "%u rounds, %u lost wakeups", k > rounds ? rounds : k, lost);
}

static void spinner(u32 me)
{
	u32 total = 0;

	g_sti();
	while (!G_READ(sh.done))
		g_pause();
	g_cli();
	for (u32 v = 32; v < 256; v++)
		total += got(me, v);
	g_stat(2, total);
	g_stat(3, got(me, PR_VECTOR));
}

/* bug11: post to vCPU 0 only while it is preempted (the host checks that under its rq lock). */
static void post_preempted(u32 rounds)
{
	for (u32 k = 1; k <= rounds; k++) {
		u64 t0 = g_rdtsc();
		while (!(test(PR_OP_POST_PREEMPTED, 0, PR_VECTOR) & PR_PP_POSTED)) {
			if (g_rdtsc() - t0 > 20 * LOST_TICKS) {
				g_report(false, "round %u: vCPU 0 never seen preempted", k);
				goto out;
			}
			delay(2000);
		}
		if (!g_report(wait_got(k) || wait_got(k) || wait_got(k),
			      "round %u: the post reached vCPU 0 when it ran again", k))
			goto out;
	}
out:
	set_done();
}

static u64 state_of(u32 idx)
{
	return (u64)test(PR_OP_STATE, idx, 0);
}

#define ST_STATE(s)    ((s)&0xff)
#define ST_BLOCKING(s) (((s) >> 8) & 1)
#define ST_CPU(s)      (((s) >> 16) & 0xff)

/* bug03_blocking_preempted_migrated: C' on pCPU 2 -> migrated to 3 -> blocks there -> post. */
static void cprime(void)
{
	u64 t0 = g_rdtsc(), s;

	for (;;) {
		s = state_of(0);
		if (ST_STATE(s) == PR_SE_RUNNABLE && ST_BLOCKING(s) && ST_CPU(s) == 2)
			break;
		if (ST_STATE(s) == PR_SE_BLOCKED || g_rdtsc() - t0 > 10 * LOST_TICKS) {
			g_report(false,
				 "vCPU 0 never seen preempted while blocking on pCPU 2 "
				 "(state %#lx)",
				 s);
			goto out;
		}
		delay(200);
	}
	g_report(test(PR_OP_MIGRATE, 0, 3) == 1, "vCPU 0 preempted while blocking on pCPU 2 "
						 "(C'), migrated to pCPU 3");
	t0 = g_rdtsc();
	for (;;) {
		s = state_of(0);
		if (ST_STATE(s) == PR_SE_BLOCKED && ST_CPU(s) == 3)
			break;
		if (g_rdtsc() - t0 > 10 * LOST_TICKS) {
			g_report(false, "vCPU 0 never blocked on pCPU 3 (state %#lx)", s);
			goto out;
		}
		delay(200);
	}
	g_send_ipi(0, PR_VECTOR);
	g_report(wait_got(1), "vCPU 0 blocked on pCPU 3 woke for the post");
out:
	set_done();
	test(PR_OP_WAKE, 0, 0);
}

u64 guest_main(u64 index, u64 count)
{
	long r = test(PR_OP_ROLE, 0, 0);
	u32 role = r & 0xff, param = (u32)(r >> 8);

	switch (role) {
	case PR_ROLE_HALT:
		halter(param);
		break;
	case PR_ROLE_SENDER:
		sender(param);
		break;
	case PR_ROLE_SPIN:
		spinner((u32)index);
		break;
	case PR_ROLE_POST_PREEMPTED:
		post_preempted(param);
		break;
	case PR_ROLE_CPRIME:
		cprime();
		break;
	default:
		break;
	}
	return 0;
}
