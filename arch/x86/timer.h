/*
 * INTERFACE: time.  The TSC is the clock (its frequency from CPUID 0x15 or measured against
 * PIT channel 2); each CPU has one hardware one-shot (TSC-deadline mode when CPUID.1:ECX[24],
 * LAPIC one-shot otherwise) multiplexed over a per-CPU list of struct timer, and an optional
 * periodic tick for the scheduler.  Vector VEC_TIMER.
 *
 * Timers are strictly per CPU: a timer is armed, cancelled and fired on one CPU, the one that
 * armed it, and its callback runs there in interrupt context (IRQs off).  A callback never runs
 * before its deadline: an early LAPIC interrupt (count rounding) re-arms for the rest.
 */
#ifndef ARCH_X86_TIMER_H
#define ARCH_X86_TIMER_H

#include "lib/list.h"
#include "lib/types.h"

struct timer;
typedef void (*timer_fn_t)(struct timer *t, void *arg);

struct timer {
	struct list_head link; /* on the owning CPU's pending list, sorted by deadline */
	u64 deadline;	       /* TSC value */
	timer_fn_t fn;
	void *arg;
	u32 cpu; /* CPU it is armed on; meaningful while armed */
};

/* TSC ticks per second; 0 before the BSP's timer CPUINIT has run. */
u64 timer_tsc_hz(void);
/* Exact conversions (no overflow for any u64 input that fits the result). */
u64 timer_us_to_tsc(u64 us);
u64 timer_tsc_to_us(u64 tsc);
u64 timer_tsc_to_ns(u64 tsc);
/* Busy-waits us microseconds on the TSC. @pre timer_tsc_hz() != 0 */
void timer_udelay(u64 us);
/* "tsc-deadline" or "lapic-oneshot" */
const char *timer_mode_name(void);

/* @post t is not armed. */
void timer_init(struct timer *t, timer_fn_t fn, void *arg);
/*
 * Arms (or moves) t on this CPU to fire at TSC value deadline; a deadline in the past fires as
 * soon as IRQs are enabled.  @pre t is not armed on another CPU.  Any context.
 */
void timer_arm(struct timer *t, u64 deadline);
/* Disarms t; returns true if it was armed.  @pre t is armed on this CPU or not at all. */
bool timer_cancel(struct timer *t);
bool timer_armed(const struct timer *t);
/*
 * Starts (period != 0) or stops (period == 0) this CPU's periodic tick: fn runs every period
 * TSC ticks in interrupt context; missed periods are skipped, not replayed.
 */
void timer_tick_set(u64 period, void (*fn)(void));
/* Number of VEC_TIMER interrupts this CPU has taken (tests). */
u64 timer_irq_count(u32 cpu);

#endif
