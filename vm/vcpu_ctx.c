/*
 * Switching the guest state VMX does not switch (vcpu_ctx.h says what and why).
 *
 * Ownership of the registers: owner[cpu] is the serial of the vCPU whose state the registers of
 * pCPU cpu hold (0: none, or the boot state).  A save leaves them unchanged, so a vCPU that
 * comes back to the same pCPU with nothing loaded in between (owner still its serial, and its
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
 */
#include "arch/x86/cpu.h"
#include "arch/x86/xsave.h"
#include "lib/mm.h"
#include "lib/string.h"
#include "vm/msr_bitmap.h"
#include "vm/vcpu.h"
#include "vm/vcpu_ctx.h"

#define MSR_STAR	   0xc0000081
#define MSR_LSTAR	   0xc0000082
#define MSR_CSTAR	   0xc0000083
#define MSR_SFMASK	   0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX	   0xc0000103
#define DR6_INIT	   0xffff0ff0ull /* reset value (SDM Vol. 3B 18.2.3) */

#define CPUID_EXT1_EDX_RDTSCP (1u << 27)
#define CPUID_7_ECX_RDPID     (1u << 22)

/* TSC_AUX last: it exists only with RDTSCP or RDPID (SDM Vol. 4 table 2-2). */
static const u32 ctx_msrs[VCPU_CTX_MSRS] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_TSC_AUX,
};
/* How many of them this CPU has; set by the BSP's INIT_VM initcall, read-only after. */
static u32 nr_msrs;

struct vcpu_ctx_stats vcpu_ctx_stats[MAX_CPUS];

/* (per pCPU) written only by that pCPU in its switch hooks, IRQs off */
static u64 owner[MAX_CPUS];
/* vCPU serials; written by the BSP's thread only (vm_create) */
static u64 next_serial = 1;

void vcpu_ctx_bitmap_init(void)
{
	bool aux = (cpuid(0x80000000u).eax >= 0x80000001u &&
		    (cpuid(0x80000001u).edx & CPUID_EXT1_EDX_RDTSCP)) ||
		   (cpuid_count(7, 0).ecx & CPUID_7_ECX_RDPID);

	nr_msrs = aux ? VCPU_CTX_MSRS : VCPU_CTX_MSRS - 1;
	for (u32 i = 0; i < nr_msrs; i++)
		msr_bitmap_allow(ctx_msrs[i], true, true);
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
	for (u32 i = 0; i < nr_msrs; i++)
		c->msrs[i] = rdmsr(ctx_msrs[i]);
	owner[cpu] = c->serial;
	c->cpu = cpu;
	vcpu_ctx_stats[cpu].saves++;
	vcpu_ctx_stats[cpu].save_ticks += rdtsc() - t0;
}

void vcpu_ctx_load(struct vcpu *v, u32 cpu)
{
	struct vcpu_ctx *c = &v->ctx;
	u64 mask = xsave_mask(), t0 = rdtsc();

	if (owner[cpu] == c->serial && c->cpu == cpu) {
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
		for (u32 i = 0; i < nr_msrs; i++)
			wrmsr(ctx_msrs[i], c->msrs[i]);
		owner[cpu] = c->serial;
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
