/*
 * Switching the guest state VMX does not switch (vcpu_ctx.h says what and why).
 *
 * Ownership of the registers: ctx_pcpus[cpu].owner is the serial of the vCPU whose state the
 * registers of pCPU cpu hold (0: none, or the boot state).  A save leaves them unchanged, so a vCPU
 * that comes back to the same pCPU with nothing loaded in between (owner still its serial, and its
 * last save was from this pCPU) needs no restore: the common case of a lone vCPU preempted by
 * its slice or woken from HLT.  A vCPU that ran elsewhere since always restores, because its
 * newer state is in its save area, not in these registers.  The scheduler guarantees the order:
 * a vCPU's switch_out completes (on_cpu released) before any pCPU may switch it in.
 *
 * XCR0: the guest's while it is loaded (XGETBV does not exit; XSETBV does), xsave_mask() outside,
 * so that one XSAVE/XRSTOR with RFBM = xsave_mask() covers every component any guest may have
 * enabled (SDM Vol. 1 13.7, 13.8).  A component a guest turned off keeps its values in the
 * registers, and another guest could turn it on and read them: saving and restoring the whole
 * mask for everyone is what prevents that.
 *
 * The six MSRs: every guest RDMSR/WRMSR of them exits (the MSR bitmap opens only x2APIC
 * registers) and is emulated here against the registers, which hold the vCPU's values while it
 * runs; SWAPGS, SYSCALL, RDTSCP and RDPID use them with no exit.  Only an emulated WRMSR can
 * change STAR..TSC_AUX, so their saved copy is always current: a switch-out reads back only
 * KERNEL_GS_BASE (SWAPGS exchanges it unseen), and a switch-in writes the others only where
 * the pCPU holds a different value.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/xsave.h"
#include "arch/x86/percpu.h"
#include "lib/initcall.h"
#include "lib/mm.h"
#include "lib/string.h"
#include "vm/vcpu.h"
#include "vm/vcpu_ctx.h"

#define DR6_INIT 0xffff0ff0ull /* reset value (SDM Vol. 3B 18.2.3) */

#define CPUID_EXT1_EDX_RDTSCP (1u << 27)
#define CPUID_7_ECX_RDPID     (1u << 22)

/* TSC_AUX last: it exists only with RDTSCP or RDPID (SDM Vol. 4 table 2-2). */
static const u32 ctx_msrs[VCPU_CTX_MSRS] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_TSC_AUX,
};
/* How many of them this CPU has; set by the BSP's INIT_VM initcall, read-only after. */
static u32 nr_msrs;

struct vcpu_ctx_stats vcpu_ctx_stats[MAX_CPUS];

/*
 * Per pCPU, written only by that pCPU (switch hooks and the WRMSR exits of the vCPU it runs,
 * IRQs off): whose state its registers hold, and what its STAR..TSC_AUX registers hold, so
 * that a restore writes only the ones that differ (none, between two vCPUs of one guest OS).
 */
struct ctx_pcpu {
	u64 owner; /* serial of the vCPU whose state the registers hold; 0 none */
	bool msrs_known;
	u64 msrs[VCPU_CTX_MSRS]; /* [0] (KERNEL_GS_BASE) unused: SWAPGS changes it unseen */
};
static struct ctx_pcpu ctx_pcpus[MAX_CPUS];
/* vCPU serials; written by the BSP's thread only (vm_create) */
static u64 next_serial = 1;

/* INIT_VM, BSP, before any VM exists. */
static int vcpu_ctx_setup(void)
{
	bool aux = (cpuid(0x80000000u).eax >= 0x80000001u &&
		    (cpuid(0x80000001u).edx & CPUID_EXT1_EDX_RDTSCP)) ||
		   (cpuid_count(7, 0).ecx & CPUID_7_ECX_RDPID);

	nr_msrs = aux ? VCPU_CTX_MSRS : VCPU_CTX_MSRS - 1;
	return 0;
}
INITCALL(INIT_VM, vcpu_ctx_setup);

static int msr_index(u32 msr)
{
	for (u32 i = 0; i < nr_msrs; i++)
		if (ctx_msrs[i] == msr)
			return (int)i;
	return -1;
}

/* What the CPU accepts in 4-level paging (SDM Vol. 3A 3.3.7.1); stricter under LA57. */
static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

bool vcpu_ctx_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	int i = msr_index(msr);

	if (i < 0)
		return false;
	/* the vCPU is loaded: KERNEL_GS_BASE is in the register (SWAPGS moves it unseen) */
	*val = i == 0 ? rdmsr(msr) : v->ctx.msrs[i];
	return true;
}

int vcpu_ctx_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	int i = msr_index(msr);

	if (i < 0)
		return 0;
	/*
	 * The CPU's own #GP(0) conditions (SDM Vol. 4 table 2-2), checked before the host's WRMSR
	 * could take them itself: addresses must be canonical, SFMASK and TSC_AUX are 32 bits.
	 */
	if (msr == MSR_STAR)
		;
	else if (msr == MSR_SFMASK || msr == MSR_TSC_AUX) {
		if (val >> 32)
			return -1;
	} else if (!canonical(val)) {
		return -1;
	}
	wrmsr(msr, val);
	v->ctx.msrs[i] = val;
	ctx_pcpus[pcpu_id()].msrs[i] = val;
	return 1;
}

int vcpu_ctx_init(struct vcpu *v)
{
	struct vcpu_ctx *c = &v->ctx;
	u8 *a = pages_alloc((xsave_size() + 4095) / 4096);

	if (!a)
		return -1;
	/*
	 * Zeroed: an XSAVE header with XSTATE_BV = 0, so the first XRSTOR puts every component in
	 * its initial state (SDM Vol. 1 13.8.1); MXCSR is loaded from the legacy region all the
	 * same, and FXRSTOR takes the whole region, so both get their reset values.
	 */
	*(u16 *)(a + XSAVE_FCW_OFF) = XSAVE_FCW_INIT;
	*(u32 *)(a + XSAVE_MXCSR_OFF) = XSAVE_MXCSR_INIT;
	c->xarea = a;
	c->xcr0 = xsave_mask() ? XSTATE_X87 : 0; /* XCR0's reset value */
	c->dr6 = DR6_INIT;
	c->serial = next_serial++;
	c->cpu = ~0u;
	return 0;
}

static u64 read_dr(int n)
{
	u64 v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%dr0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%dr1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%dr2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%dr3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%dr6, %0" : "=r"(v));
		break;
	}
	return v;
}

static void write_dr(int n, u64 v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%dr0" : : "r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%dr1" : : "r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%dr2" : : "r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%dr3" : : "r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%dr6" : : "r"(v));
		break;
	}
}

void vcpu_ctx_save(struct vcpu *v, u32 cpu)
{
	struct vcpu_ctx *c = &v->ctx;
	u64 mask = xsave_mask(), t0 = rdtsc();

	if (mask) {
		if (c->xcr0 != mask)
			xsetbv(0, mask);
		if (xsave_has_opt())
			xsaveopt(c->xarea, mask);
		else
			xsave(c->xarea, mask);
	} else {
		fxsave(c->xarea);
	}
	for (int i = 0; i < 4; i++)
		c->dr[i] = read_dr(i);
	c->dr6 = read_dr(6);
	/* only KERNEL_GS_BASE can have changed without an exit (SWAPGS): the others are current */
	c->msrs[0] = rdmsr(MSR_KERNEL_GS_BASE);
	ctx_pcpus[cpu].owner = c->serial;
	c->cpu = cpu;
	vcpu_ctx_stats[cpu].saves++;
	vcpu_ctx_stats[cpu].save_ticks += rdtsc() - t0;
}

void vcpu_ctx_load(struct vcpu *v, u32 cpu)
{
	struct vcpu_ctx *c = &v->ctx;
	u64 mask = xsave_mask(), t0 = rdtsc();

	struct ctx_pcpu *pc = &ctx_pcpus[cpu];

	if (pc->owner == c->serial && c->cpu == cpu) {
		vcpu_ctx_stats[cpu].load_skips++;
	} else {
		if (mask) {
			/* XCR0 is the mask between vCPUs; a restore with less would drop state */
			if (xgetbv(0) != mask)
				xsetbv(0, mask);
			xrstor(c->xarea, mask);
		} else {
			fxrstor(c->xarea);
		}
		for (int i = 0; i < 4; i++)
			write_dr(i, c->dr[i]);
		write_dr(6, c->dr6);
		wrmsr(MSR_KERNEL_GS_BASE, c->msrs[0]);
		for (u32 i = 1; i < nr_msrs; i++) {
			if (pc->msrs_known && pc->msrs[i] == c->msrs[i])
				continue;
			wrmsr(ctx_msrs[i], c->msrs[i]);
			pc->msrs[i] = c->msrs[i];
		}
		pc->msrs_known = true;
		pc->owner = c->serial;
		vcpu_ctx_stats[cpu].loads++;
		vcpu_ctx_stats[cpu].load_ticks += rdtsc() - t0;
	}
	if (mask && c->xcr0 != mask)
		xsetbv(0, c->xcr0);
}

void vcpu_ctx_set_xcr0(struct vcpu *v, u64 xcr0)
{
	v->ctx.xcr0 = xcr0;
	xsetbv(0, xcr0);
}
