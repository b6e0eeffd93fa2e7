/*
 * INTERFACE: the other CPUs.  Bring-up (INITCALL at INIT_SMP) starts every enabled MADT CPU
 * (up to smp=N) with INIT-SIPI-SIPI, gives each a dense id (pcpu(id)), and parks it in
 * smp_idle().  smp_call() runs a function on another CPU and waits for it.
 */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include "lib/compiler.h"
#include "lib/types.h"

typedef void (*smp_fn_t)(void *arg);

/*
 * Runs fn(arg) on CPU cpu and returns when it has returned.  On the target fn runs in thread
 * context with IRQs on, when that CPU is idle (smp_idle) or itself waiting in smp_call*; on
 * the calling CPU (cpu == pcpu_id()) it runs directly.  Concurrent callers to one target are
 * served one at a time.
 * @pre cpu < pcpu_count(); not in interrupt context; IRQs on (a caller that waits with IRQs
 *      off can still serve calls, but not interrupts the callee may need).
 */
void smp_call(u32 cpu, smp_fn_t fn, void *arg);
/* The two halves of smp_call: start on cpu, then wait; the caller may run other work between. */
void smp_call_start(u32 cpu, smp_fn_t fn, void *arg);
void smp_call_wait(u32 cpu);
/* Runs fn(arg) on every online CPU at once (the caller's too) and waits for all of them. */
void smp_call_all(smp_fn_t fn, void *arg);
/* Runs a pending call for this CPU, if any; returns true if one ran.  Thread context. */
bool smp_call_poll(void);

/* An AP's last stop: halts with IRQs on, runs smp_call requests. */
__noreturn void smp_idle(void);

/* TSC ticks from kernel entry (BSP pcpu_init) to the last AP online; 0 if no AP started. */
u64 smp_bringup_tsc(void);

#endif
