/*
 * wbinvd: WBINVD in a loop until HOSTILE_PARAM_TICKS ticks have passed.  Natively each one would
 * write back and drop the pCPU's caches, a cost its neighbours pay; pihv makes it exit and skips
 * it (vm/exit_insn.c), so the loop costs this guest its own exits.  It counts what it executed.
 */
#include "guests/lib.h"
#include "guests/hostile.h"

u64 guest_main(u64 index, u64 count)
{
	u64 ticks = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_TICKS, 0);
	u64 start = g_rdtsc(), n = 0;

	while (g_rdtsc() - start < ticks) {
		asm volatile("wbinvd" ::: "memory");
		n++;
	}
	g_stat(ATTACK_STAT_TRIED, n);
	g_printf("wbinvd: %lu executed\n", n);
	return 0;
}
