/*
 * piattach: the guest of tests/emu/cases/pi_attach.c and pi_ipi.c (roles in guests/piattach.h).
 * The vCPUs of one VM share `sh`.  Every wait is bounded by the TSC: a lost interrupt becomes a
 * FAIL line naming the round and a host-side rescue (PA_OP_WAKE), never a hung run.
 */
#include "guests/lib.h"
#include "guests/piattach.h"

/* Guest TSC ticks (Bochs: 50 per us) without the expected event before we call it lost. */
#define LOST_TICKS 2000000ull
#define MAX_LOST   4

static struct {
	u32 ready;  /* round vCPU 0 announced */
	u32 go;	    /* round the driver released (PA_STEP_GO) */
	u32 done;   /* the driver finished or gave up: everybody leaves */
	u32 ldr[4]; /* pi-broadcast-logical: each halter's LDR as it read it (never 0) */
	u32 left;   /* pi-broadcast-logical: halters that saw done */
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

/* Waits up to LOST_TICKS for vCPU idx's n-th vector vec. */
static bool wait_vec(u32 idx, u32 vec, u32 n)
{
	u64 t0 = g_rdtsc();

	while (got(idx, vec) < n) {
		if (g_rdtsc() - t0 > LOST_TICKS)
			return false;
		g_pause();
	}
	return true;
}

static bool wait_got(u32 n)
{
	return wait_vec(0, PA_VECTOR, n);
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
			g_report(false,
				 "round %u: lost: vCPU 0 did not get the vector %lu ticks "
				 "after the post (%u received)",
				 k, (u64)LOST_TICKS, got(0, PA_VECTOR));
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

/* ---- pi-broadcast-logical: vCPU 0 sends, vCPUs 1-3 halt ---- */

#define IPI_VCPUS 4

struct ipi_kind {
	u8 vec;
	u64 icr;     /* without the vector */
	u32 targets; /* bitmap of the vCPU indexes that must get vec */
};

static void ipi_halt(u32 me)
{
	u32 ldr = (u32)g_rdmsr(X2APIC_MSR_LDR);

	g_stat(3, ldr);
	store(&sh.ldr[me], ldr);
	g_cli();
	/* IF=1 in the HLT: it blocks, and every vector must wake it (polling is off) */
	while (!load(&sh.done)) {
		g_sti_hlt();
		g_cli();
	}
	__atomic_fetch_add(&sh.left, 1, __ATOMIC_RELEASE);
}

/* The LDR is read-only in x2APIC mode (SDM Vol. 3A 11.12.10.1): a write faults. */
static void ipi_ldr_read_only(u32 ldr)
{
	g_expect_fault(13, 2); /* #GP on the 2-byte WRMSR */
	g_wrmsr(X2APIC_MSR_LDR, ldr ^ 0xffff);
	g_report(g_faults_seen() == 1 && (u32)g_rdmsr(X2APIC_MSR_LDR) == ldr,
		 "WRMSR to the LDR: %u #GP, it reads %#x (was %#x)", g_faults_seen(),
		 (u32)g_rdmsr(X2APIC_MSR_LDR), ldr);
}

/* Up to 10 x LOST_TICKS for all halters' LDRs. */
static bool ipi_wait_ldrs(void)
{
	u64 t0 = g_rdtsc();

	for (u32 i = 1; i < IPI_VCPUS; i++)
		while (!load(&sh.ldr[i])) {
			if (g_rdtsc() - t0 > 10 * LOST_TICKS)
				return false;
			g_pause();
		}
	return true;
}

/* done, then PA_IPI_END to wake the halters; a bounded wait and host rescues if one stays. */
static void ipi_end(void)
{
	u32 tries = 0;

	store(&sh.done, 1);
	g_wrmsr(X2APIC_MSR_ICR, ICR_ALL_BUT_SELF | PA_IPI_END);
	for (u64 t0 = g_rdtsc(); load(&sh.left) < IPI_VCPUS - 1; g_pause()) {
		if (g_rdtsc() - t0 < LOST_TICKS)
			continue;
		g_report(false, "only %u of %u halters saw done after PA_IPI_END", load(&sh.left),
			 IPI_VCPUS - 1);
		if (++tries > MAX_LOST)
			return;
		for (u32 i = 1; i < IPI_VCPUS; i++)
			test(PA_OP_WAKE, i, 0);
		t0 = g_rdtsc();
	}
}

/*
 * Per round, one IPI of each kind once the host step saw vCPUs 1-3 blocked; then a bounded
 * wait for each target's vector.  Returns the rounds done; losses in *lost.
 */
static u32 ipi_rounds(u32 rounds, u32 *lost)
{
	/* The logical destination as an OS builds it: OR the LDRs of one cluster (11.12.10.1). */
	const struct ipi_kind kinds[] = {
		{PA_IPI_ALL_BUT_SELF, ICR_ALL_BUT_SELF, 0xe},
		{PA_IPI_PHYS_BCAST, ICR_X2APIC_DEST(0xffffffffu), 0xf},
		{PA_IPI_LOGICAL, ICR_X2APIC_DEST(sh.ldr[1] | sh.ldr[3]) | ICR_LOGICAL, 0xa},
		{PA_IPI_LOGICAL_BCAST, ICR_X2APIC_DEST(0xffffffffu) | ICR_LOGICAL, 0xf},
		{PA_IPI_OTHER_CLUSTER, ICR_X2APIC_DEST((1u << 16) | 0xa) | ICR_LOGICAL, 0},
	};

	for (u32 k = 1; k <= rounds; k++)
		for (u32 j = 0; j < ARRAY_SIZE(kinds); j++) {
			if (test(PA_OP_STEP, k, j) < 0) {
				g_report(false, "round %u: vCPUs 1-3 never all blocked", k);
				return k - 1;
			}
			g_wrmsr(X2APIC_MSR_ICR, kinds[j].icr | kinds[j].vec);
			for (u32 i = 0; i < IPI_VCPUS; i++) {
				if (!(kinds[j].targets & (1u << i)) || wait_vec(i, kinds[j].vec, k))
					continue;
				g_report(false, "round %u: vCPU %u lost vector %#x (%u received)",
					 k, i, kinds[j].vec, got(i, kinds[j].vec));
				test(PA_OP_WAKE, i, 0);
				if (++*lost >= MAX_LOST)
					return k;
			}
		}
	return rounds;
}

static void ipi_send(u32 rounds)
{
	u32 ldr = (u32)g_rdmsr(X2APIC_MSR_LDR), lost = 0, done = 0;

	g_stat(3, ldr);
	ipi_ldr_read_only(ldr);
	g_sti(); /* the broadcasts include the sender */
	if (ipi_wait_ldrs())
		done = ipi_rounds(rounds, &lost);
	else
		g_report(false, "halters never published their LDRs");
	ipi_end();
	g_cli();
	g_stat(0, lost);
	g_report(lost == 0 && done == rounds, "%u of %u rounds of IPIs to halted vCPUs, %u lost",
		 done, rounds, lost);
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
	case PA_ROLE_IPI_SEND:
		ipi_send(param);
		break;
	case PA_ROLE_IPI_HALT:
		ipi_halt((u32)index);
		break;
	default:
		break;
	}
	return 0;
}
