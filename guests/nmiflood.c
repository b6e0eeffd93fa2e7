/*
 * nmiflood: the guest of vmx-nmi-flood (tests/emu/cases/iso_nmi.c).
 *   victim  works in rounds (a checksum the host cannot disturb) until the sender raises the
 *           run's flag; NMIs arrive at its pCPU meanwhile, mostly while it is in guest mode
 *   sender  per round asks the host (ISO_OP_NMI) to send an NMI to each pCPU in turn, itself
 *           included, and to wait until that pCPU counted it; then writes NMI-mode IPIs to its
 *           own x2APIC ICR, which must stay inside the VM (no host NMI), and raises the flag
 */
#include "guests/isocpu.h"
#include "guests/lib.h"

#define NCPUS 4

static long test(u64 op, u64 a)
{
	return hc3(HC_TEST, op, a, 0);
}

static volatile u64 sum;

static u64 victim(void)
{
	u64 rounds = 0, want = 0;

	while (!test(ISO_OP_FLAG, 0)) {
		for (u64 i = 1; i <= 5000; i++)
			sum += i;
		want += 5000 * 5001 / 2;
		rounds++;
	}
	g_report(sum == want && rounds > 0, "victim: %lu rounds of work, checksum %s", rounds,
		 sum == want ? "intact" : "WRONG");
	return 0;
}

static u64 sender(u32 rounds)
{
	u32 lost = 0;

	for (u32 r = 0; r < rounds; r++)
		for (u32 cpu = 0; cpu < NCPUS; cpu++)
			lost += (u32)test(ISO_OP_NMI, cpu);
	g_report(!lost, "sender: %u NMIs asked for, %u not seen by their pCPU", rounds * NCPUS,
		 lost);
	/*
	 * NMI delivery mode (100b) in the virtual ICR: to vCPU 0 (this one), to APIC ID 1 (no
	 * such vCPU: on the real APIC it would be a host CPU), broadcast, all-but-self, all.  The
	 * ones that select this vCPU are virtual NMIs it takes (guests/lib.c counts them); none
	 * may reach the host.
	 */
	g_wrmsr(0x830, 0x400);
	g_wrmsr(0x830, (1ull << 32) | 0x400);
	g_wrmsr(0x830, (0xffffffffull << 32) | 0x400);
	g_wrmsr(0x830, (3u << 18) | 0x400);
	g_wrmsr(0x830, (2u << 18) | 0x400);
	test(ISO_OP_FLAG, 1);
	return lost;
}

u64 guest_main(u64 index, u64 count)
{
	u64 r = (u64)test(ISO_OP_ROLE, 0);

	if ((r & 0xff) == NMI_ROLE_SENDER)
		return sender((u32)(r >> 8));
	return victim();
}
