/*
 * Coroutine plumbing of the simulator: one ucontext per simulated thread, one baton.  The
 * explorer (explore.c) runs on the main stack and resumes one thread per step; a thread runs
 * until its next pi_env call (sim_yield) and hands the baton back.
 *
 * ASan: stack switches are announced with the fiber API so that reports and no-return handling
 * stay correct; the symbols are weak so that a build without ASan links too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "tests/pi_sim/sim.h"

void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size)
	__attribute__((weak));
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old) __attribute__((weak));
void __asan_unpoison_memory_region(const volatile void *addr, size_t size) __attribute__((weak));

#define SIM_STACK_SIZE (64 * 1024)

struct sim_world sim;

static ucontext_t main_ctx, thr_ctx[SIM_MAX_THREADS];
static char *stacks[SIM_MAX_THREADS];
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
	swapcontext(&thr_ctx[me], &main_ctx);
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

	switch (t->wait) {
	case W_NONE:
		return true;
	case W_LOCK:
		return ((const pi_lock_t *)t->wait_obj)->word == 0;
	case W_VRUNNABLE:
		sv = &sim.vcpu[t->wait_arg];
		return sv->state == VS_RUNNABLE || (sv->cpu == t->cpu && sv->state == VS_LOADED);
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

static void thread_main(int i)
{
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

void sim_thread_start(int i)
{
	if (!stacks[i]) {
		stacks[i] = malloc(SIM_STACK_SIZE);
		if (!stacks[i])
			abort();
	}
	if (__asan_unpoison_memory_region)
		__asan_unpoison_memory_region(stacks[i], SIM_STACK_SIZE);
	getcontext(&thr_ctx[i]);
	thr_ctx[i].uc_stack.ss_sp = stacks[i];
	thr_ctx[i].uc_stack.ss_size = SIM_STACK_SIZE;
	thr_ctx[i].uc_link = NULL;
	makecontext(&thr_ctx[i], (void (*)(void))thread_main, 1, i);
}

/* Run thread i for one step. */
void sim_thread_step(int i)
{
	void *fake = NULL;

	sim.cur = i;
	fiber_start(&fake, stacks[i], SIM_STACK_SIZE);
	swapcontext(&main_ctx, &thr_ctx[i]);
	fiber_finish(fake, NULL, NULL);
	sim.cur = -1;
}
