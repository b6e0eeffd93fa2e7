/*
 * XSAVE enabling on every CPU (xsave.h).  The BSP's CPUINIT runs before any AP starts, so the
 * mask and size it computes are read-only by the time another CPU reads them; each AP checks
 * that it offers the same components (pihv assumes identical CPUs, as it does for VMX).
 */
#include "arch/x86/xsave.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "lib/initcall.h"
#include "lib/printk.h"

#define CPUID1_ECX_XSAVE (1u << 26)
#define XSAVE_OPT	 (1u << 0) /* CPUID.(EAX=0DH,ECX=1):EAX */

/* Written by the BSP's CPUINIT before any AP runs; read-only afterwards. */
static u64 mask;
static u32 size = FXSAVE_SIZE;
static bool has_opt;

u64 xsave_mask(void)
{
	return mask;
}

u32 xsave_size(void)
{
	return size;
}

bool xsave_has_opt(void)
{
	return has_opt;
}

/* CPUINIT: every CPU as it comes online. */
static int xsave_cpu_init(void)
{
	struct cpuid_regs r;
	u64 m;

	if (!(cpuid(1).ecx & CPUID1_ECX_XSAVE)) {
		if (pcpu_id() == 0)
			printk("xsave: not available (CPUID.1:ECX[26] = 0): guests get x87 and SSE "
			       "through FXSAVE\n");
		return 0;
	}
	write_cr4(read_cr4() | CR4_OSXSAVE);
	r = cpuid_count(0xd, 0);
	m = (((u64)r.edx << 32) | r.eax) & XSTATE_MANAGED;
	xsetbv(0, m);
	if (pcpu_id() != 0) {
		if (m != mask) {
			printk("xsave: cpu %u: components %#lx differ from the boot CPU's %#lx\n",
			       pcpu_id(), m, mask);
			return -1;
		}
		return 0;
	}
	mask = m;
	/* EBX: the size the components enabled in XCR0 need, now that XCR0 = mask (13.2) */
	size = cpuid_count(0xd, 0).ebx;
	has_opt = cpuid_count(0xd, 1).eax & XSAVE_OPT;
	printk("xsave: XCR0 %#lx (of %#lx supported), %u-byte areas, %s\n", m,
	       ((u64)r.edx << 32) | r.eax, size, has_opt ? "XSAVEOPT" : "XSAVE");
	return 0;
}
CPUINIT(INIT_EARLY, xsave_cpu_init);
