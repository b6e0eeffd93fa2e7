/*
 * heartbeat: a healthy guest that runs for a while.  For HOSTILE_PARAM_TICKS ticks it computes,
 * with a hypercall (HC_VCPU_ID) every HEARTBEAT_PARAM_EVERY ticks: a sign of life for the run
 * watchdog, which must let it finish however long it runs.
 */
#include "guests/lib.h"
#include "guests/hostile.h"

#define HEARTBEAT_PARAM_EVERY 1

u64 guest_main(u64 index, u64 count)
{
	u64 ticks = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_TICKS, 0);
	u64 every = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HEARTBEAT_PARAM_EVERY, 0);
	u64 start = g_rdtsc(), next = start + every, beats = 0, now;

	while ((now = g_rdtsc()) - start < ticks) {
		if (now >= next) {
			hc0(HC_VCPU_ID);
			beats++;
			next = now + every;
		}
	}
	g_printf("heartbeat: %lu beats in %lu ticks\n", beats, now - start);
	return 0;
}
