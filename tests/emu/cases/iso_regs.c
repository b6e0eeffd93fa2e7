/*
 * vmx-reg-leak: two VMs of guests/regleak.c pinned to one pCPU, forced to interleave with
 * HC_YIELD, each with its own seed: everything the VMCS does not hold (x87, SSE, AVX, XCR0,
 * DR0-3, DR6, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK, TSC_AUX; and DR7, which the VMCS
 * switches with the save/load debug controls) must start as a fresh
 * vCPU's and survive the other VM's turns (vm/vcpu_ctx.c).  The guests' FAIL lines name the
 * register; the host checks that the turns really interleaved on one pCPU and prints what a
 * switch of the guest context cost there.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/xsave.h"
#include "lib/compiler.h"
#include "lib/printk.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "guests/isocpu.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"

/* Both on the last pCPU: with smp = 1 (the tick figures, docs/bench.md) that is the BSP. */
#define PCPU (pcpu_count() - 1)

static const u32 role_a = LEAK_ROLE | 0xa1 << 8, role_b = LEAK_ROLE | 0xb2 << 8;

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	const u32 *role = tseam_vm_data(v->vm);

	return op == ISO_OP_ROLE ? *role : (u64)-1;
}

/*
 * What the pieces of a switch cost here, on the BSP before any VM ran: each leaves the
 * registers as it found them (it saves and restores the same values), so no guest's state, nor
 * vm/vcpu_ctx.c's record of whose state the registers hold, is disturbed.
 */
static u8 area[8192] __aligned(4096);

static void microbench(void)
{
	const u32 n = 64, msrs[5] = {0xc0000102, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084};
	u64 mask = xsave_mask(), t, xs = 0, xr = 0, mr = 0, mw = 0, v[5];
	unsigned long f = irq_save();

	if (!mask || xsave_size() > sizeof(area)) {
		irq_restore(f);
		return;
	}
	for (u32 i = 0; i < n; i++) {
		t = rdtsc();
		xsaveopt(area, mask);
		xs += rdtsc() - t;
		t = rdtsc();
		xrstor(area, mask);
		xr += rdtsc() - t;
		t = rdtsc();
		for (u32 j = 0; j < 5; j++)
			v[j] = rdmsr(msrs[j]);
		mr += rdtsc() - t;
		t = rdtsc();
		for (u32 j = 0; j < 5; j++)
			wrmsr(msrs[j], v[j]);
		mw += rdtsc() - t;
	}
	irq_restore(f);
	printk("BENCH: xsaveopt_%#lx %lu ticks\nBENCH: xrstor_%#lx %lu ticks\n", mask, xs / n, mask,
	       xr / n);
	printk("BENCH: rdmsr_x5 %lu ticks\nBENCH: wrmsr_x5 %lu ticks\n", mr / n, mw / n);
}

static struct vm *make(const char *name, const u32 *role)
{
	struct vm *vm = pi_case_vm("regleak", name, 1, PCPU, hook);

	if (vm)
		tseam_set_hypercall(vm, hook, role);
	return vm;
}

static void vmx_reg_leak(void)
{
	struct vm *vms[2];
	struct vcpu_ctx_stats s0;

	if (!pi_case_need(1, false))
		return;
	microbench();
	vms[0] = make("leakA", &role_a);
	vms[1] = make("leakB", &role_b);
	if (!vms[0] || !vms[1])
		return;
	s0 = vcpu_ctx_stats[PCPU];
	vm_run(vms, 2);
	for (u32 i = 0; i < 2; i++) {
		struct vcpu *v = vms[i]->vcpus[0];

		vm_print_stats(vms[i]);
		report(pi_case_finished(vms[i]) && vms[i]->reports[HC_REPORT_PASS] >= 2,
		       "%s: every register its own (%u PASS, %u FAIL)", vms[i]->name,
		       vms[i]->reports[HC_REPORT_PASS], vms[i]->reports[HC_REPORT_FAIL]);
		report(v->ran_on == PCPU && v->se.nr_switch_in >= 6,
		       "%s ran on cpu %u, switched in %lu times", vms[i]->name, v->ran_on,
		       v->se.nr_switch_in);
	}
	const struct vcpu_ctx_stats *s = &vcpu_ctx_stats[PCPU];
	u64 saves = s->saves - s0.saves, loads = s->loads - s0.loads;
	u64 st = s->save_ticks - s0.save_ticks, lt = s->load_ticks - s0.load_ticks;
	report(loads >= 12 && saves >= loads, "cpu %u restored a guest context %lu times", PCPU,
	       loads);
	if (saves && loads)
		printk("BENCH: guest_ctx_save %lu ticks\nBENCH: guest_ctx_restore %lu ticks\n",
		       st / saves, lt / loads);
	printk("iso: XCR0 for saves %#lx, %u-byte XSAVE areas\n", xsave_mask(), xsave_size());
}
KTEST("vmx-reg-leak", vmx_reg_leak, "two VMs on one pCPU: no register state crosses");
