/*
 * lapicipi: IPIs between the vCPUs of one VM in either LAPIC mode (tests/emu/cases/lapic_cases.c).
 *
 * LA_ROLE_IPI_SENDER (vCPU 0) sends ROUNDS rounds of every kind below to vCPUs 1-3, each kind
 * with its own vector, and after each IPI waits (bounded) until every target counted it; the
 * receivers (LA_ROLE_IPI_RECV) spin with IF=1 or halt between IPIs (LA_IPI_HALT), so the posts
 * find them running, preempted or blocked.  Losses are gstat 0; per-vector counts are checked by
 * the host in guest memory (HC_STAT_IRQ_COUNTS).
 * LA_ROLE_FUZZ is in lapicfuzz.c.
 */
#include "guests/apic.h"
#include "guests/lapic.h"
#include "guests/lapicipi.h"
#include "guests/lib.h"

#define LIMIT 4000000ull

struct ipi_shared lipi;

static long test(u64 op, u64 a, u64 b)
{
	return hc3(HC_TEST, op, a, b);
}

/* Every vCPU switches its own LAPIC (IA32_APIC_BASE is per processor) and sets its LDR. */
static void setup_mode(u32 me, bool xapic)
{
	if (xapic) {
		ga_to_disabled();
		ga_to_xapic();
		ga_write(APIC_REG_LDR, (1u << me) << 24); /* flat: one bit per vCPU */
	}
	ga_sw_enable();
}

static u32 count(u32 who, u32 vec)
{
	return G_READ(g_irq_counts[who][vec]);
}

/* Sends one kind and waits until each target has one more of its vector. */
static void send_kind(const struct lipi_kind *k, bool xapic)
{
	u32 before[4], lowest0 = 0;
	u64 end;

	for (u32 i = 0; i < 4; i++) {
		before[i] = count(i, k->vec);
		lowest0 += before[i];
	}
	if (k->cluster) { /* xAPIC cluster model on the receivers, then back to flat */
		__atomic_store_n(&lipi.cluster, 1, __ATOMIC_RELEASE);
		ga_icr(0, ICR_ALL_BUT_SELF | LIPI_POKE);
		while (G_READ(lipi.cluster_ack) != 3)
			g_pause();
	}
	u32 nmi0 = G_READ(g_nmi_counts[2]);
	ga_icr(xapic ? k->dest_x : k->dest_x2, k->icr | (k->nmi ? 0 : k->vec));
	end = g_rdtsc() + LIMIT;
	for (;;) {
		bool ok = true;
		if (k->lowest) {
			u32 s = 0;
			for (u32 i = 0; i < 4; i++)
				s += count(i, k->vec);
			ok = s == lowest0 + 1;
		} else if (k->nmi) {
			ok = G_READ(g_nmi_counts[2]) == nmi0 + 1;
		} else {
			for (u32 i = 0; i < 4; i++)
				if (k->targets >> i & 1)
					ok &= count(i, k->vec) == before[i] + 1;
		}
		if (ok)
			break;
		if (g_rdtsc() > end) {
			lipi.lost++;
			break;
		}
		g_pause();
	}
	if (k->cluster) {
		__atomic_store_n(&lipi.cluster, 0, __ATOMIC_RELEASE);
		ga_icr(0, ICR_ALL_BUT_SELF | LIPI_POKE);
		while (G_READ(lipi.cluster_ack) != 0)
			g_pause();
	}
}

static void sender(u32 param)
{
	bool xapic = param & LA_IPI_XAPIC;

	if (xapic)
		ga_map_xapic();
	setup_mode(0, xapic);
	__atomic_store_n(&lipi.mode_set, 1, __ATOMIC_RELEASE);
	while (G_READ(lipi.ready) != 3)
		g_pause();
	g_sti();
	for (u32 r = 0; r < LIPI_ROUNDS; r++)
		for (u32 k = 0; k < LIPI_KINDS; k++) {
			if (lipi_kinds[k].xapic_only && !xapic)
				continue;
			if (param & LA_IPI_HALT)
				for (u32 t = 1; t < 4; t++) /* let the receivers block again */
					for (u64 e = g_rdtsc() + 20000;
					     test(LA_OP_STAT, t, LA_STAT_SE_STATE) !=
						     LA_SE_BLOCKED &&
					     g_rdtsc() < e;)
						g_pause();
			send_kind(&lipi_kinds[k], xapic);
		}
	g_cli();
	g_stat(0, lipi.lost);
	g_report(!lipi.lost, "%s: %u rounds of %u kinds, each IPI counted by its targets (%u lost)",
		 xapic ? "xAPIC" : "x2APIC", LIPI_ROUNDS, (u32)LIPI_KINDS, lipi.lost);
	__atomic_store_n(&lipi.done, 1, __ATOMIC_RELEASE);
	ga_icr(0, ICR_ALL_BUT_SELF | LIPI_END);
}

static void receiver(u32 me, u32 param)
{
	bool xapic = param & LA_IPI_XAPIC, cl = false;

	while (!G_READ(lipi.mode_set))
		g_pause();
	setup_mode(me, xapic);
	__atomic_fetch_add(&lipi.ready, 1, __ATOMIC_ACQ_REL);
	g_sti();
	while (!G_READ(lipi.done) || !count(me, LIPI_END)) {
		if (G_READ(lipi.cluster) != cl) {
			cl = !cl;
			/* cluster model: cluster 0, member bit me-1 (vCPU 2 is bit 1) */
			ga_write(APIC_REG_DFR, cl ? 0x0fffffff : 0xffffffff);
			ga_write(APIC_REG_LDR, cl ? (1u << (me - 1)) << 24 : (1u << me) << 24);
			__atomic_fetch_add(&lipi.cluster_ack, cl ? 1 : -1, __ATOMIC_ACQ_REL);
		}
		if (param & LA_IPI_HALT) {
			g_cli();
			if (G_READ(lipi.cluster) == cl && !G_READ(lipi.done))
				g_sti_hlt();
			g_sti();
		} else {
			g_pause();
		}
	}
	g_cli();
}

void fuzz(u32 me, u32 param);

u64 guest_main(u64 index, u64 count)
{
	long r = test(LA_OP_ROLE, 0, 0);
	u32 role = r & 0xff, param = (u32)(r >> 8);

	switch (role) {
	case LA_ROLE_IPI_SENDER:
		sender(param);
		break;
	case LA_ROLE_IPI_RECV:
		receiver((u32)index, param);
		break;
	case LA_ROLE_FUZZ:
	case LA_ROLE_FUZZ_RECV:
		fuzz((u32)index, role == LA_ROLE_FUZZ ? param : 0);
		break;
	}
	return 0;
}
