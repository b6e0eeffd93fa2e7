/*
 * victim: measures its own progress next to a hostile guest.  It does fixed work units (64 steps
 * of a 64-bit LCG, no memory traffic, no exits) until HOSTILE_PARAM_TICKS TSC ticks have passed,
 * and leaves units and ticks in HC_STAT slots: the host compares units per tick with a run of
 * the same victim alone.  While it measures it causes no VM exit of its own, so every tick it
 * loses went to someone else (a neighbour on its pCPU, or the hypervisor).  It measures with
 * interrupts enabled, as an operating system would: Bochs takes no external-interrupt exit
 * from a guest entered with IF=0 (docs/vmx.md), which only the VMX-preemption timer overcomes.
 */
#include "guests/lib.h"
#include "guests/hostile.h"

static volatile u64 sink;

/*
 * Straight-line code, no branch for 128 instructions: Bochs runs the CPUs of an SMP machine one
 * trace (at most 32 instructions, up to a branch) each in turn and advances time by their mean
 * length, so a victim with shorter traces than its neighbours would see its rate per tick fall
 * while nobody took anything from it.  With the longest traces there are, it cannot.
 */
static void unit(void)
{
	u64 x = sink;

#pragma GCC unroll 64
	for (int i = 0; i < 64; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	sink = x;
}

u64 guest_main(u64 index, u64 count)
{
	u64 window = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_TICKS, 0);
	u64 units = 0, start, now;

	if (!window)
		window = 1;
	g_sti();
	start = g_rdtsc();
	do {
		unit();
		units++;
		now = g_rdtsc();
	} while (now - start < window);
	g_cli();
	g_stat(VICTIM_STAT_UNITS, units);
	g_stat(VICTIM_STAT_TICKS, now - start);
	g_stat(VICTIM_STAT_START, start);
	g_stat(VICTIM_STAT_END, now);
	g_printf("victim: %lu units in %lu ticks\n", units, now - start);
	return 0;
}
