/* worker: proves progress while other guests misbehave: rounds of work, a line each. */
#include "guests/lib.h"

static volatile u64 work;

u64 guest_main(u64 index, u64 count)
{
	for (u32 round = 1; round <= 5; round++) {
		for (u32 i = 0; i < 20000; i++)
			work++;
		g_printf("round %u done\n", round);
		hc0(HC_YIELD);
	}
	g_report(work == 100000 * count || count > 1, "worker finished 5 rounds");
	return 0;
}
