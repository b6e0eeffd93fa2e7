/*
 * vmx-nmi-flood: NMIs at pCPUs in every state, and NMI-mode vIPIs from a guest.
 *
 * Three VMs: two victims working on pCPUs 1 and 2, a sender on pCPU 0; pCPU 3 runs no vCPU
 * (it idles in smp_idle).  The sender asks, round after round, for an NMI to each pCPU in turn,
 * itself included (in its exit handler: root mode, IRQs off), and the host waits until that
 * pCPU's NMI count moved before answering, so no two NMIs to one pCPU can merge and every NMI
 * sent must be counted.  An NMI that finds a victim in guest mode is an exception/NMI exit
 * (pin-based NMI exiting, SDM Vol. 3C 26.2, 27.2.2) that vm/exit.c hands to the host handler;
 * one that finds it in root mode goes straight to the IDT.  Then the sender writes NMI-mode IPIs
 * to its virtual ICR: none may reach a host CPU.  The verdict: no host fault (the runner), every
 * NMI counted once, the victims' work intact and finished, NMI exits seen.
 */
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/nmi.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "guests/isocpu.h"
#include "lib/printk.h"
#include "tests/emu/cases/pi_cases.h"
#include "tests/emu/seam.h"
#include "tests/emu/selftest.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"

#define ROUNDS	16
#define NCPUS	4
#define WAIT_US 20000

static struct {
	u32 flag;   /* (atomic) raised by the sender when it is done */
	u32 sent;   /* (atomic) NMIs the host sent for the sender */
	u32 missed; /* (atomic) of which the target did not count within WAIT_US */
} nf;

static const u32 role_sender = NMI_ROLE_SENDER | ROUNDS << 8, role_victim = NMI_ROLE_VICTIM;

/* In the sender's exit handler (IRQs off): NMI to cpu, wait until its handler counted it. */
static u64 nmi_and_wait(u32 cpu)
{
	u64 before = nmi_count(cpu), end;

	if (cpu >= pcpu_count())
		return 1;
	fetch_add(&nf.sent, 1);
	apic_send_nmi(pcpu(cpu)->apic_id);
	end = rdtsc() + timer_us_to_tsc(WAIT_US);
	while (nmi_count(cpu) == before) {
		if (rdtsc() > end) {
			fetch_add(&nf.missed, 1);
			return 1;
		}
		cpu_relax();
	}
	return 0;
}

static u64 hook(struct vcpu *v, u64 op, u64 a, u64 b)
{
	const u32 *role = tseam_vm_data(v->vm);

	switch (op) {
	case ISO_OP_ROLE:
		return *role;
	case ISO_OP_FLAG:
		if (a)
			store_release(&nf.flag, 1);
		return load_acquire(&nf.flag);
	case ISO_OP_NMI:
		return nmi_and_wait((u32)a);
	}
	return (u64)-1;
}

static struct vm *make(const char *name, u32 pcpu, const u32 *role)
{
	struct vm *vm = pi_case_vm("nmiflood", name, 1, pcpu, hook);

	if (vm)
		tseam_set_hypercall(vm, hook, role);
	return vm;
}

static void vmx_nmi_flood(void)
{
	struct vm *vms[3];
	u64 before[NCPUS], got = 0, nmi_exits = 0;

	if (!pi_case_need(NCPUS, false))
		return;
	vms[0] = make("sender", 0, &role_sender);
	vms[1] = make("victim1", 1, &role_victim);
	vms[2] = make("victim2", 2, &role_victim);
	if (!vms[0] || !vms[1] || !vms[2])
		return;
	for (u32 c = 0; c < NCPUS; c++)
		before[c] = nmi_count(c);
	vm_run(vms, 3);
	for (u32 i = 0; i < 3; i++)
		vm_print_stats(vms[i]);
	for (u32 c = 0; c < NCPUS; c++) {
		u64 d = nmi_count(c) - before[c];
		printk("iso: cpu %u handled %lu NMIs\n", c, d);
		report(d == ROUNDS, "cpu %u (%s) counted %lu of the %u NMIs sent to it", c,
		       c == 0	? "sender, root mode"
		       : c == 3 ? "idle"
				: "victim",
		       d, ROUNDS);
		got += d;
	}
	report(nf.sent == NCPUS * ROUNDS && !nf.missed && got == nf.sent,
	       "every NMI counted once: %u sent, %lu handled, %u missed; the guest's NMI-mode "
	       "IPIs reached no host CPU",
	       nf.sent, got, nf.missed);
	for (u32 i = 1; i < 3; i++) {
		nmi_exits += vms[i]->vcpus[0]->exits[EXIT_EXCEPTION_NMI];
		report(pi_case_finished(vms[i]) && vms[i]->reports[HC_REPORT_PASS] == 1,
		       "%s finished its work beside the flood", vms[i]->name);
	}
	report(nmi_exits >= 1, "NMIs that came in guest mode exited and were handled (%lu)",
	       nmi_exits);
	report(pi_case_finished(vms[0]) && vms[0]->reports[HC_REPORT_PASS] == 1, "sender finished");
}
KTEST("vmx-nmi-flood", vmx_nmi_flood, "NMIs to busy, root-mode and idle pCPUs; guest NMI vIPIs");
