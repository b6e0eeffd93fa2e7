/*
 * The guest's LAPIC (docs/vapic.md): modes and registers, self-IPI + HLT, the timer, NMIs and
 * IPIs in both modes, and the ICR fuzzer.  The guests (guests/lapic*.c) check most of it
 * themselves and report each check; the host adds what only it sees: exits by reason, blocks,
 * and the per-vector receive counts in guest memory.  Start-up (INIT/SIPI) is lapic_start.c.
 */
#include "arch/x86/atomic.h"
#include "guests/lapic.h"
#include "guests/lapicipi.h"
#include "lib/printk.h"
#include "tests/emu/cases/lapic_cases.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"

u64 lapic_case_hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	const struct lapic_case *lc = tseam_vm_data(v->vm);
	struct vcpu *t;

	if (op == LA_OP_ROLE)
		return lc->role[v->index] | (u64)lc->param[v->index] << 8;
	if (op != LA_OP_STAT || a >= v->vm->nr_vcpus)
		return (u64)-1;
	t = v->vm->vcpus[a];
	switch (b) {
	case LA_STAT_BLOCKS:
		return load_relaxed(&t->st.blocks);
	case LA_STAT_HLT_PENDING:
		return load_relaxed(&t->st.hlt_pending);
	case LA_STAT_EXITS:
		return load_relaxed(&t->exits_total);
	case LA_STAT_SE_STATE:
		return load_acquire(&t->se.state);
	case LA_STAT_HLT_EXITS:
		return load_relaxed(&t->exits[EXIT_HLT]);
	}
	return (u64)-1;
}

struct vm *lapic_case_vm(const char *image, const char *name, u32 vcpus, u32 first,
			 struct lapic_case *lc)
{
	struct vm *vm = pi_case_vm(image, name, vcpus, first, lapic_case_hook);

	if (vm)
		tseam_set_hypercall(vm, lapic_case_hook, lc);
	return vm;
}

/* Every vCPU exited, no FAIL from the guest, and at least `passes` PASS lines. */
bool lapic_case_done(struct vm *vm, u32 passes)
{
	return report(pi_case_finished(vm) && vm->reports[HC_REPORT_PASS] >= passes,
		      "VM %s finished: %u guest checks passed (want %u), %u failed", vm->name,
		      vm->reports[HC_REPORT_PASS], passes, vm->reports[HC_REPORT_FAIL]);
}

static void one_vcpu(const char *image, const char *name, u32 role, u32 passes)
{
	static struct lapic_case lc;
	struct vm *vm;

	if (!pi_case_need(1, false))
		return;
	lc = (struct lapic_case){{role}, {0}};
	if (!(vm = lapic_case_vm(image, name, 1, 0, &lc)))
		return;
	pi_case_run(vm, false);
	lapic_case_done(vm, passes);
	struct vcpu *v = vm->vcpus[0];
	report_info("exits: APIC access %lu, APIC write %lu, MSR write %lu, HLT %lu, blocks %lu",
		    v->exits[EXIT_APIC_ACCESS], v->exits[EXIT_APIC_WRITE], v->exits[EXIT_MSR_WRITE],
		    v->exits[EXIT_HLT], v->st.blocks);
}

static void lapic_modes(void)
{
	one_vcpu("lapic", "modes", LA_ROLE_MODES, 30);
}
KTEST("lapic-modes", lapic_modes,
      "IA32_APIC_BASE transitions xAPIC/x2APIC/disabled, registers, x2APIC #GP cases, ESR");

static void lapic_selfipi_hlt(void)
{
	one_vcpu("lapic", "selfhlt", LA_ROLE_SELFIPI, 9);
}
KTEST("lapic-selfipi-hlt", lapic_selfipi_hlt,
      "a self-IPI sent with IF=0, then `sti; hlt`: HLT never blocks, both modes");

static void lapic_timer(void)
{
	one_vcpu("lapictmr", "timer", LA_ROLE_TIMER, 16);
}
KTEST("lapic-timer", lapic_timer, "LAPIC timer one-shot, periodic, TSC-deadline, both modes");

static void lapic_nmi(void)
{
	static struct lapic_case lc = {{LA_ROLE_NMI_SENDER, LA_ROLE_NMI_TARGET}, {0, 0}};
	struct vm *vm;

	if (!pi_case_need(4, false) || !(vm = lapic_case_vm("lapicnmi", "nmi", 2, 2, &lc)))
		return;
	vm->poll_max = 0; /* the `hlt` phases block at once */
	pi_case_run(vm, false);
	lapic_case_done(vm, 13);
}
KTEST("lapic-nmi", lapic_nmi, "NMI IPIs to self and to another vCPU, nested, both modes");

/* Receive counts the kinds table asks for, from guest memory. */
static void check_counts(struct vm *vm, bool xapic)
{
	u32 lowest = 0;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		u64 gpa = load_relaxed(&v->gstat[HC_STAT_IRQ_COUNTS]);
		const u32 *n = gpa ? vm_gpa_to_host(vm, gpa, 256 * sizeof(u32)) : NULL;
		u32 bad = !n;

		for (u32 k = 0; n && k < LIPI_KINDS; k++) {
			const struct lipi_kind *kd = &lipi_kinds[k];
			u32 want = (kd->xapic_only && !xapic) || kd->nmi || kd->lowest
					   ? 0
					   : ((kd->targets >> i) & 1) * LIPI_ROUNDS;
			if (kd->lowest)
				lowest += n[kd->vec];
			else
				bad += n[kd->vec] != want;
		}
		report(!bad, "vCPU %u: every kind's vector counted exactly as targeted", i);
	}
	report(lowest == LIPI_ROUNDS, "lowest priority: %u deliveries for %u IPIs", lowest,
	       LIPI_ROUNDS);
}

static void ipi(u32 param, u32 min_cpus)
{
	static struct lapic_case lc;
	struct vm *vm;

	if (!pi_case_need(min_cpus, false))
		return;
	lc = (struct lapic_case){
		{LA_ROLE_IPI_SENDER, LA_ROLE_IPI_RECV, LA_ROLE_IPI_RECV, LA_ROLE_IPI_RECV},
		{param, param, param, param}};
	if (!(vm = lapic_case_vm("lapicipi", "ipi", 4, 0, &lc)))
		return;
	vm->poll_max = 0;
	pi_case_run(vm, false);
	lapic_case_done(vm, 1);
	check_counts(vm, param & LA_IPI_XAPIC);
	if (param & LA_IPI_HALT)
		for (u32 i = 1; i < 4; i++)
			report(vm->vcpus[i]->st.blocks >= LIPI_ROUNDS * 5,
			       "vCPU %u blocked %lu times between IPIs (woken %lu)", i,
			       vm->vcpus[i]->st.blocks, vm->vcpus[i]->se.nr_woken);
}

static void lapic_ipi_x2apic(void)
{
	ipi(0, 4);
}
KTEST("lapic-ipi-x2apic", lapic_ipi_x2apic, "every kind of IPI in x2APIC mode, running targets");

static void lapic_ipi_xapic(void)
{
	ipi(LA_IPI_XAPIC, 4);
}
KTEST("lapic-ipi-xapic", lapic_ipi_xapic, "every kind of IPI in xAPIC mode, running targets");

static void lapic_ipi_x2apic_halt(void)
{
	ipi(LA_IPI_HALT, 2);
}
KTEST("lapic-ipi-x2apic-halt", lapic_ipi_x2apic_halt,
      "every kind of IPI in x2APIC mode to halted targets, 4 vCPUs on 2 pCPUs");

static void lapic_ipi_xapic_halt(void)
{
	ipi(LA_IPI_XAPIC | LA_IPI_HALT, 2);
}
KTEST("lapic-ipi-xapic-halt", lapic_ipi_xapic_halt,
      "every kind of IPI in xAPIC mode to halted targets, 4 vCPUs on 2 pCPUs");

/* make bench: IPI round trips, running and halted receiver, both modes (guests/lapicrtt.c). */
static void lapic_ipi_rtt(void)
{
	static const u32 params[] = {0, LA_IPI_XAPIC, LA_IPI_HALT, LA_IPI_HALT | LA_IPI_XAPIC};
	static struct lapic_case lc[4];
	static const char *const names[] = {"rttr", "rttrx", "rtth", "rtthx"};

	if (!pi_case_need(2, false))
		return;
	for (u32 i = 0; i < 4; i++) {
		struct vm *vm;
		lc[i] = (struct lapic_case){{LA_ROLE_PING, LA_ROLE_PONG}, {params[i], params[i]}};
		if (!(vm = lapic_case_vm("lapicrtt", names[i], 2, 0, &lc[i])))
			return;
		vm->poll_max = 0;    /* halted means blocked */
		vm->tickless = true; /* no time-slice exits on the receiver */
		pi_case_run(vm, false);
		lapic_case_done(vm, 1);
	}
}
KTEST("lapic-ipi-rtt", lapic_ipi_rtt, "IPI round trips, running and halted, x2APIC and xAPIC");

#define FUZZ_N 100000

static void lapic_ipi_fuzz(void)
{
	static struct lapic_case lc = {
		{LA_ROLE_FUZZ, LA_ROLE_FUZZ_RECV, LA_ROLE_FUZZ_RECV, LA_ROLE_FUZZ_RECV},
		{FUZZ_N, 0, 0, 0}};
	struct vm *vm;

	if (!pi_case_need(4, false) || !(vm = lapic_case_vm("lapicipi", "fuzz", 4, 0, &lc)))
		return;
	pi_case_run(vm, false);
	lapic_case_done(vm, 3);
	const u64 *g = vm->vcpus[0]->gstat;
	report(g[0] == FUZZ_N + FUZZ_N / 5 && g[1] && g[2] && g[3] && !g[4],
	       "%lu ICR values: %lu #GP, %lu illegal vectors, %lu deliveries, %lu wrong or lost",
	       g[0], g[1], g[2], g[3], g[4]);
}
KTEST("lapic-ipi-fuzz", lapic_ipi_fuzz,
      "random ICR values from a guest: #GP, ESR, deliveries as the SDM says");
