/*
 * spin: a CPU hog.  It arms its own TSC-deadline timer, enables interrupts and spins without a
 * single VM exit until HOSTILE_PARAM_TICKS ticks have passed; only the hypervisor's time slice
 * can take the pCPU from it.  It counts the timer interrupts it took while spinning: a guest's
 * deadline must fire while it runs, whoever else waits for the pCPU.
 */
#include "guests/lib.h"
#include "guests/hostile.h"

#define VEC_TIMER   0x60
#define TIMER_PARAM 1 /* ticks from the start to the deadline */

u64 guest_main(u64 index, u64 count)
{
	u64 ticks = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_TICKS, 0);
	u64 deadline = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, TIMER_PARAM, 0);
	u64 start = g_rdtsc(), spins = 0;

	if (deadline) {
		g_timer_vector(VEC_TIMER);
		g_timer_deadline(start + deadline);
	}
	g_sti();
	while (g_rdtsc() - start < ticks)
		spins++;
	g_cli();
	g_stat(ATTACK_STAT_TRIED, spins);
	g_stat(ATTACK_STAT_A, G_READ(g_irq_counts[0][VEC_TIMER]));
	g_printf("spin: %lu spins, %u timer interrupts\n", spins,
		 G_READ(g_irq_counts[0][VEC_TIMER]));
	return 0;
}
