/*
 * The hostile-guest harness (hostile.c): an attacker VM runs next to two victim VMs (guests/
 * victim.c), one sharing the attacker's pCPU and one on a pCPU of its own.  Each victim's
 * progress (work units per TSC tick) is compared with the same victim's rate in a run without
 * the attacker.
 */
#ifndef TESTS_EMU_CASES_HOSTILE_H
#define TESTS_EMU_CASES_HOSTILE_H

#include "lib/types.h"

struct vm;

#define HOSTILE_PARAMS 4

/* Victims must keep this much of their solo rate (percent). */
#define HOSTILE_KEEP_SHARED 40
#define HOSTILE_KEEP_OWN    90

struct hostile_attack {
	const char *name;	    /* the attacker VM's name */
	const char *image;	    /* its guest image */
	u64 params[HOSTILE_PARAMS]; /* its HOSTILE_OP_PARAM answers (us: see hostile_us) */
	u64 window_us;		    /* the victims' measuring window */
	/* If set: called on the test's thread right before the attack run and right after it. */
	void (*around)(bool before);
};

struct hostile_run {
	struct vm *attacker;
	struct vm *victim[2]; /* [0] shares the attacker's pCPU 0, [1] runs alone on pCPU 1 */
	u32 kept_pct[2];
};

/*
 * Runs the victims alone, then next to the attacker; reports (and checks) what share of their
 * solo rate each victim kept, that the attack lasted as long as their windows, that no VM but
 * the attacker was stopped and that no VMX instruction failed.
 * @return false when nothing could run (VMX off: skipped; or a VM could not be made).
 */
bool hostile_run(const struct hostile_attack *a, struct hostile_run *r);
/* What the host counted for the vCPU that passed HOSTILE_OP_MARK k, when it did. */
struct hostile_mark {
	bool seen;
	u64 rdmsr, wrmsr, gp, vmcall, exits;
};
const struct hostile_mark *hostile_mark(u32 k);

/* HC_TEST HOSTILE_OP_PARAM from vm answers params[index] (which must outlive the run). */
void hostile_set_params(struct vm *vm, const u64 *params);
/* TSC ticks of us microseconds, for the params. */
u64 hostile_us(u64 us);
/* An attacker HC_STAT value. */
u64 hostile_stat(const struct vm *vm, u32 slot);

#endif
