/*
 * hello: exercises every exit the hypervisor handles, from the guest side, and reports each
 * check with HC_REPORT (the host asserts the matching exit counters).  Any vCPU count.
 */
#include "guests/lib.h"

static volatile u64 spin_sink;

u64 guest_main(u64 index, u64 count)
{
	u32 a, b, c, d;

	g_printf("hello from vCPU %lu of %lu\n", index, count);
	g_report(hc0(HC_VCPU_ID) == (long)index, "HC_VCPU_ID = %ld (entry RDI %lu)",
		 hc0(HC_VCPU_ID), index);

	/* Paravirtual console through port I/O; IN from it answers the port number. */
	for (const char *s = "port-io console line\n"; *s; s++)
		outb(PV_CONSOLE_PORT, *s);
	g_report(inb(PV_CONSOLE_PORT) == PV_CONSOLE_PORT, "IN from the console port");
	g_report(inb(0x80) == 0xff, "IN from an absent port reads all-ones");

	/* CPUID: the filtered view. */
	g_cpuid(PIHV_CPUID_BASE, &a, &b, &c, &d);
	g_report(b == 0x76686970 && c == b && d == b, "CPUID %#x signature pihv (max %#x)",
		 PIHV_CPUID_BASE, a);
	g_cpuid(1, &a, &b, &c, &d);
	g_report((c >> 31 & 1) && !(c >> 5 & 1),
		 "CPUID.1: hypervisor bit set, VMX hidden (ecx %#x)", c);
	g_cpuid(PIHV_CPUID_BASE + 1, &a, &b, &c, &d);
	g_report(a == index && b == count, "CPUID %#x: vCPU %u of %u", PIHV_CPUID_BASE + 1, a, b);

	/* MSRs: an emulated one round-trips, an unknown one raises #GP (RDMSR/WRMSR are 2 bytes).
	 */
	u64 val = 0x123456789abcull + index;
	asm volatile("wrmsr" : : "c"(PIHV_MSR_SCRATCH), "a"((u32)val), "d"((u32)(val >> 32)));
	asm volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(PIHV_MSR_SCRATCH));
	g_report((((u64)d << 32) | a) == val, "scratch MSR round trip %#lx", val);
	u32 before = g_faults_seen();
	g_expect_fault(13, 2);
	asm volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(0x12345678u));
	g_expect_fault(13, 2);
	asm volatile("wrmsr" : : "c"(0x12345678u), "a"(0), "d"(0));
	g_report(g_faults_seen() == before + 2, "unknown MSR: #GP injected on RDMSR and WRMSR");

	/* Hypercalls: an unknown number is an error code, not a crash. */
	g_report(hc0(999) == HC_ENOSYS, "unknown hypercall returns HC_ENOSYS");
	g_report(hc3(HC_REPORT, 7, 0, 0) == HC_EINVAL, "HC_REPORT with a bad status: HC_EINVAL");
	g_report(hc0(HC_YIELD) == 0, "HC_YIELD");

	/*
	 * HLT with an interrupt pending: posted to ourselves (HC_POST) with IF=0, then `sti; hlt`:
	 * the STI shadow covers the HLT, which exits; the hypervisor sees the pending vector and
	 * resumes at once, and the vector is delivered after the HLT.
	 */
	g_cli();
	hc3(HC_POST, 0x40, index, 0);
	g_sti_hlt();
	g_cli();
	g_report(G_READ(g_irq_counts[index][0x40]) == 1,
		 "HLT returned with vector 0x40 taken (%lu)",
		 (u64)G_READ(g_irq_counts[index][0x40]));

	/* Spin long enough for the VMX-preemption timer to take the pCPU at least once. */
	for (u32 i = 0; i < 150000; i++)
		spin_sink++;
	g_report(spin_sink >= 150000 || count > 1, "spun %lu iterations", (u64)spin_sink);
	g_printf("bye\n");
	return 0;
}
