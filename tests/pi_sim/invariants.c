/*
 * Invariants, checked by the explorer after every step (docs/pi.md lists them with numbers).
 * They read memory, not what a store buffer still holds (tso.c), except where noted.
 *   I1 lists are well formed; a vCPU is on at most one list, once, and (whenever that list's
 *      lock is free) only on the list of pv->cpu; a self-linked link means "on no list" (no
 *      double add, no stale link).
 *   I2 whenever the lock of pi_cpus[pv->cpu] is free: NV == WAKEUP <=> on that list, and
 *      NDST == APIC id of pv->cpu.  (The lock covers every list+NV change, so this is exact.)
 *   I3 a vCPU in guest mode has SN=0, NV=NOTIFY, NDST = its pCPU, and is bound to it (as its
 *      pCPU sees pv->cpu).
 *   I4 a vCPU that is switched out and not in a pi call has NV == WAKEUP or SN == 1, and one
 *      halted with IF=0 has SN=1, NV=NOTIFY (bugs 6, 11).
 *   I5 pi locks only with IRQs off: checked in sim_env.c pi_env_lock().
 * Final checks (quiescence: no thread can move):
 *   F1 every script ran to its end, except a pCPU waiting for a vCPU that is halted with nothing
 *      pending (its interrupt came before the HLT): waiting for a vCPU that is blocked with
 *      PIR or ON set means a lost wakeup.
 *   F2 every posted vector was delivered exactly once to a vCPU in guest mode, or is still in
 *      the PIR of a vCPU that is not running; never lost, never twice.
 */
#include "tests/pi_sim/sim.h"

static int list_owner[SIM_MAX_VCPUS]; /* cpu whose list holds the vCPU, or -1 */

static void check_lists(void)
{
	const struct sim_scenario *sc = sim.sc;
	int c, v, n;

	for (v = 0; v < sc->nvcpus; v++)
		list_owner[v] = -1;
	for (c = 0; c < sc->ncpus; c++) {
		const struct list_head *h = &pi_cpus[c].wakeup_list, *p;

		n = 0;
		for (p = h->next; p != h; p = p->next) {
			if (p->next->prev != p || p->prev->next != p) {
				sim_fail("I1: wakeup list of cpu%d is corrupted", c);
				return;
			}
			for (v = 0; v < sc->nvcpus; v++)
				if (p == &sim.vcpu[v].pv.wakeup_link)
					break;
			if (v == sc->nvcpus || ++n > sc->nvcpus) {
				sim_fail("I1: list of cpu%d has a foreign or repeated node", c);
				return;
			}
			if (list_owner[v] >= 0) {
				sim_fail("I1: vCPU%d is on the lists of cpu%d and cpu%d", v,
					 list_owner[v], c);
				return;
			}
			list_owner[v] = c;
		}
	}
	for (v = 0; v < sc->nvcpus; v++) {
		const struct pi_vcpu *pv = &sim.vcpu[v].pv;
		bool linked = pv->wakeup_link.next != &pv->wakeup_link;

		if (linked != (list_owner[v] >= 0))
			sim_fail("I1: vCPU%d link is %s but it is %son a list (stale entry)", v,
				 linked ? "linked" : "self-linked", linked ? "not " : "");
		/*
		 * The binding is a buffered store and list changes reach memory at once (tso.c),
		 * so while the list's lock is held its holder may be half-way: check when free.
		 */
		else if (list_owner[v] >= 0 && pi_cpus[list_owner[v]].lock.word == 0 &&
			 (int)pv->cpu != list_owner[v])
			sim_fail("I1: vCPU%d is on cpu%d's list but bound to cpu%u (NDST moved "
				 "without leaving the list, bug 3)",
				 v, list_owner[v], pv->cpu);
	}
}

static void check_vcpu(int v)
{
	const struct sim_vcpu *sv = &sim.vcpu[v];
	u64 ctl = sv->pv.desc.control;
	unsigned int bound = sv->pv.cpu;
	bool wakeup = pi_ctl_nv(ctl) == PI_WAKEUP_VECTOR;

	if (bound >= (unsigned int)sim.sc->ncpus) {
		sim_fail("vCPU%d bound to bad cpu %u", v, bound);
		return;
	}
	if ((ctl & ~PI_CTL_VALID_MASK) ||
	    (pi_ctl_nv(ctl) != PI_WAKEUP_VECTOR && pi_ctl_nv(ctl) != PI_NOTIFY_VECTOR)) {
		sim_fail("vCPU%d control word %#llx is malformed", v, (unsigned long long)ctl);
		return;
	}
	if (pi_cpus[bound].lock.word == 0) {
		if (wakeup != (list_owner[v] == (int)bound))
			sim_fail("I2: vCPU%d NV=%#x but %son cpu%u's wakeup list (lock free)", v,
				 pi_ctl_nv(ctl), list_owner[v] == (int)bound ? "" : "not ", bound);
		else if (pi_ctl_ndst(ctl) != sim_apic_id(bound))
			sim_fail("I2: vCPU%d NDST=%#x but bound to cpu%u (APIC %#x)", v,
				 pi_ctl_ndst(ctl), bound, sim_apic_id(bound));
		if (sim.failed)
			return;
	}
	if (sv->cpu >= 0 && sim.cpu[sv->cpu].in_guest && sim.cpu[sv->cpu].vcpu == v) {
		/* Bound as its pCPU sees it: pi_load's pv->cpu store may not be in memory yet. */
		bound = (u32)tso_load(sv->cpu, &sv->pv.cpu, 4);
		if (pi_ctl_sn(ctl) || wakeup || pi_ctl_ndst(ctl) != sim_apic_id(sv->cpu) ||
		    (int)bound != sv->cpu || list_owner[v] >= 0)
			sim_fail("I3: vCPU%d in guest mode on cpu%d with SN=%d NV=%#x NDST=%#x "
				 "bound=cpu%u listed=%d",
				 v, sv->cpu, pi_ctl_sn(ctl), pi_ctl_nv(ctl), pi_ctl_ndst(ctl),
				 bound, list_owner[v]);
		return;
	}
	if ((sv->state == VS_RUNNABLE || sv->state == VS_BLOCKED) && sv->in_op == OP_NONE) {
		if (!wakeup && !pi_ctl_sn(ctl))
			sim_fail("I4: vCPU%d is switched out with SN=0 and NV=NOTIFY (bug 11)", v);
		else if (sv->state == VS_BLOCKED && !sv->halt_if && (wakeup || !pi_ctl_sn(ctl)))
			sim_fail("I4: vCPU%d halted with IF=0 has NV=%#x SN=%d (bug 6)", v,
				 pi_ctl_nv(ctl), pi_ctl_sn(ctl));
	}
}

void sim_check_step(void)
{
	int v;

	check_lists();
	for (v = 0; v < sim.sc->nvcpus && !sim.failed; v++)
		check_vcpu(v);
}

static bool pir_has(const struct sim_vcpu *sv, unsigned int vec)
{
	return sv->pv.desc.pir[vec / 64] & (1ull << (vec % 64));
}

void sim_check_final(void)
{
	int i, v;
	unsigned int vec;

	for (i = 0; i < sim.nthreads; i++) {
		const struct sim_thread *t = &sim.thr[i];
		const struct sim_vcpu *sv;

		if (t->wait == W_DONE || t->wait == W_IDLE)
			continue;
		if (t->wait == W_VRUNNABLE) {
			sv = &sim.vcpu[t->wait_arg];
			/* Halted, nothing pending (the post came first): that is right. */
			if (sv->state == VS_BLOCKED && !pi_ctl_on(sv->pv.desc.control) &&
			    !(sv->pv.desc.pir[0] | sv->pv.desc.pir[1] | sv->pv.desc.pir[2] |
			      sv->pv.desc.pir[3]))
				continue;
			sim_fail("F1: lost wakeup: cpu%d waits for vCPU%d, which is %s with PIR "
				 "%#llx ctl %#llx and was never woken",
				 t->cpu, t->wait_arg,
				 sv->state == VS_BLOCKED ? "blocked" : "not runnable",
				 (unsigned long long)(sv->pv.desc.pir[0] | sv->pv.desc.pir[1] |
						      sv->pv.desc.pir[2] | sv->pv.desc.pir[3]),
				 (unsigned long long)sv->pv.desc.control);
		} else {
			sim_fail("F1: deadlock: thread %d stuck in '%s'", i, t->op ? t->op : "?");
		}
		return;
	}
	for (v = 0; v < sim.sc->nvcpus; v++) {
		const struct sim_vcpu *sv = &sim.vcpu[v];
		bool in_guest = sv->cpu >= 0 && sim.cpu[sv->cpu].in_guest;

		for (vec = 0; vec < 256; vec++) {
			if (!sv->posted[vec])
				continue;
			if (sv->delivered[vec] == sv->posted[vec])
				continue;
			if (in_guest) {
				sim_fail("F2: vector %#x posted to vCPU%d (running in guest) was "
					 "never delivered; PIR %s, ctl %#llx",
					 vec, v, pir_has(sv, vec) ? "still has it" : "lost it",
					 (unsigned long long)sv->pv.desc.control);
				return;
			}
			if (!pir_has(sv, vec)) {
				sim_fail("F2: vector %#x posted to vCPU%d is neither delivered "
					 "nor in PIR",
					 vec, v);
				return;
			}
		}
	}
}
