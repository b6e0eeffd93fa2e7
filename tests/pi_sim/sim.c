/*
 * Coroutine plumbing of the simulator: one stack per simulated thread, one baton.  The explorer
 * (explore.c) runs on the main stack and resumes one thread per step; a thread runs until its
 * next pi_env call (sim_yield) and hands the baton back.
 *
 * The switch is hand-written (sim_switch_stacks below) rather than swapcontext(): swapcontext saves
 * and restores the signal mask with a system call on every switch, which was a third of the run
 * time, and with the callee-saved registers pushed on the thread's own stack a switched-out
 * thread is nothing but the bytes of its stack from the saved pointer up, which hash.c can hash.
 *
 * ASan: stack switches are announced with the fiber API so that reports and no-return handling
 * stay correct; the symbols are weak so that a build without ASan links too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/pi_sim/sim.h"

void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size)
	__attribute__((weak));
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old) __attribute__((weak));
void __asan_unpoison_memory_region(const volatile void *addr, size_t size) __attribute__((weak));

#define SIM_STACK_SIZE (64 * 1024)

struct sim_world sim;

/*
 * sim_switch_stacks(save, to): push the callee-saved registers, store the stack pointer in *save,
 * load *to (a pointer an earlier switch stored), pop that stack's registers and return on it.
 * The caller-saved registers are dead across a call, so nothing else needs saving; the x87 and
 * SSE control words are never changed by simulated code.  `to` is passed by reference so that a
 * thread's caller never holds the explorer's stack pointer in a register that the switch then
 * pushes onto the thread's (hashed) stack.
 */
void sim_switch_stacks(void **save, void **to);
__asm__(".pushsection .text\n"
	".globl sim_switch_stacks\n"
	".type sim_switch_stacks, @function\n"
	"sim_switch_stacks:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, (%rdi)\n"
	"	movq (%rsi), %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size sim_switch_stacks, .-sim_switch_stacks\n"
	".popsection\n");

static void *main_sp;
static char *stacks[SIM_MAX_THREADS];
/* Deepest switch-out seen per thread: how much of the stack a new run must clear. */
static size_t depth_seen[SIM_MAX_THREADS];
static const void *main_stack_bottom;
static size_t main_stack_size;

static void fiber_start(void **fake, const void *bottom, size_t size)
{
	if (__sanitizer_start_switch_fiber)
		__sanitizer_start_switch_fiber(fake, bottom, size);
}

static void fiber_finish(void *fake, const void **bottom_old, size_t *size_old)
{
	if (__sanitizer_finish_switch_fiber)
		__sanitizer_finish_switch_fiber(fake, bottom_old, size_old);
}

static char *stack_top(int i)
{
	return stacks[i] + SIM_STACK_SIZE;
}

struct sim_thread *sim_self(void)
{
	return sim.cur >= 0 ? &sim.thr[sim.cur] : NULL;
}

/* Hand the baton back to the explorer; returns when the explorer picks this thread again. */
static void to_explorer(void)
{
	void *fake = NULL;
	int me = sim.cur;

	fiber_start(&fake, main_stack_bottom, main_stack_size);
	sim_switch_stacks(&sim.thr[me].sp, &main_sp);
	fiber_finish(fake, NULL, NULL);
}

bool sim_deliverable(int c)
{
	const struct sim_cpu *pc;

	if (c < 0)
		return false;
	pc = &sim.cpu[c];
	return pc->online && pc->irr && !pc->in_handler && (pc->in_guest || pc->irq_on);
}

static bool wait_satisfied(const struct sim_thread *t)
{
	const struct sim_vcpu *sv;
	u32 state;

	switch (t->wait) {
	case W_NONE:
		return true;
	case W_LOCK:
		/* Free as this pCPU sees it: its own buffered unlock counts (tso.c). */
		return tso_load(t->cpu, &((const pi_lock_t *)t->wait_obj)->word, 4) == 0;
	case W_VRUNNABLE:
		sv = &sim.vcpu[t->wait_arg];
		state = (u32)tso_load(t->cpu, &sv->state, 4);
		return state == VS_RUNNABLE || (sv->cpu == t->cpu && state == VS_LOADED);
	case W_FLAG:
		return sim.flags[t->wait_arg];
	case W_OFFLINE:
		return !sim.cpu[t->wait_arg].online;
	default:
		return false;
	}
}

bool sim_thread_enabled(int i)
{
	const struct sim_thread *t = &sim.thr[i];

	if (t->wait == W_DONE)
		return false;
	return sim_deliverable(t->cpu) || wait_satisfied(t);
}

/*
 * One preemption point: wait until the explorer picks us with the condition true.  Interrupts
 * that are deliverable when we are picked are taken first, each as its own step.
 */
void sim_wait(enum sim_wait w, const void *obj, int arg, const char *op)
{
	struct sim_thread *t = sim_self();

	if (!t)
		return; /* called by the explorer itself (invariant code): not a step */
	t->wait = w;
	t->wait_obj = obj;
	t->wait_arg = arg;
	t->op = op;
	for (;;) {
		to_explorer();
		if (sim_deliverable(t->cpu)) {
			hw_deliver_pending(t->cpu);
			continue;
		}
		if (wait_satisfied(t))
			break;
	}
	t->wait = W_NONE;
}

void sim_yield(const char *op)
{
	sim_wait(W_NONE, NULL, 0, op);
}

void sim_fail(const char *fmt, ...)
{
	va_list ap;

	if (!sim.failed) {
		sim.failed = true;
		va_start(ap, fmt);
		vsnprintf(sim.msg, sizeof(sim.msg), fmt, ap);
		va_end(ap);
	}
	if (sim_self()) {
		/* A failed thread is never resumed: the run is over. */
		sim_self()->wait = W_DONE;
		for (;;)
			to_explorer();
	}
}

static void thread_main(void)
{
	int i = sim.cur;
	struct sim_thread *t = &sim.thr[i];

	fiber_finish(NULL, &main_stack_bottom, &main_stack_size);
	for (; t->script && t->script[t->pc].op != A_END; t->pc++)
		sim_run_action(t, &t->script[t->pc]);
	/* An online pCPU keeps taking interrupts; everything else is done. */
	if (t->cpu >= 0 && sim.cpu[t->cpu].online)
		for (;;)
			sim_wait(W_IDLE, NULL, 0, "idle");
	t->wait = W_DONE;
	for (;;)
		to_explorer();
}

/*
 * How much of a stack below its live part is kept zero: the deepest switch-out seen plus room for
 * the calls a step makes below it.  A state's hash covers the live stack only, but a frame pushed
 * later may leave a slot unwritten and so carry old bytes from below into the live part.  Those
 * bytes never change what the code does (it does not read uninitialized memory), so they cannot
 * make two different states equal; they can only make equal states hash differently and be
 * explored twice.  Every run starts with the area zeroed; with sim_canonical it is zeroed again
 * after every step, which makes the hash exact (about 2% fewer states, but slower): that mode
 * checks the cutting of runs at known states (docs/pi.md, "The simulator").
 */
bool sim_canonical;

static size_t clean_depth(int i)
{
	size_t d = depth_seen[i] + 1536;

	return d < SIM_STACK_SIZE ? d : SIM_STACK_SIZE;
}

/*
 * memset() of part of a stack, without ASan's check of the range on every step (the stack
 * holds poisoned redzones of frames that are gone, which is fine to overwrite).
 */
__attribute__((no_sanitize_address)) static void clear_stack(char *from, char *to)
{
	u64 *p = (u64 *)from;

	while ((char *)p < to)
		*p++ = 0;
}

/* A fresh stack for thread i whose first switch-in "returns" into thread_main. */
void sim_thread_start(int i)
{
	u64 *sp;
	size_t clear;

	if (!stacks[i]) {
		stacks[i] = aligned_alloc(64, SIM_STACK_SIZE);
		if (!stacks[i])
			abort();
		memset(stacks[i], 0, SIM_STACK_SIZE);
	}
	if (__asan_unpoison_memory_region)
		__asan_unpoison_memory_region(stacks[i], SIM_STACK_SIZE);
	clear = clean_depth(i);
	memset(stack_top(i) - clear, 0, clear);
	/*
	 * r15, r14, r13, r12, rbx, rbp (all zero), the return address, and a zero return address
	 * for thread_main itself, which leaves the stack pointer 8 mod 16 as at any function entry.
	 */
	sp = (u64 *)stack_top(i) - 8;
	sp[6] = (u64)(unsigned long)thread_main;
	sim.thr[i].sp = sp;
	sim.thr[i].stack_hash = 0;
}

/* Run thread i for one step. */
void sim_thread_step(int i)
{
	void *fake = NULL;
	size_t depth;

	sim.cur = i;
	fiber_start(&fake, stacks[i], SIM_STACK_SIZE);
	sim_switch_stacks(&main_sp, &sim.thr[i].sp);
	fiber_finish(fake, NULL, NULL);
	sim.cur = -1;
	depth = stack_top(i) - (char *)sim.thr[i].sp;
	if (depth > depth_seen[i])
		depth_seen[i] = depth;
	/* The dead part of the stack, back to zero (clean_depth). */
	if (sim_canonical)
		clear_stack(stack_top(i) - clean_depth(i), (char *)sim.thr[i].sp);
}

/* Hash of thread i's live stack as it was switched out (the whole continuation of the thread). */
u64 sim_thread_stack_hash(int i)
{
	return hash_stack(sim.thr[i].sp, stack_top(i));
}
