/*
 * pingpong: the demo guest that `make run` boots on the product image.  It uses only the guest
 * ABI every VM has (vm/guest_abi.h): vCPU 0 halts and is woken 64 times by vCPU 1's IPIs (the
 * block/wake path: pi_put puts it on its pCPU's wakeup list, the post wakes it), then takes its
 * own TSC-deadline timer while halted, and every other vCPU sends to it in turn.  It prints what
 * it received and exits with code 0 when everything arrived, 1 otherwise.
 */
#include "guests/lib.h"

#define ROUNDS	  64
#define VEC_PING  0x50
#define VEC_TIMER 0x60

static struct {
	u32 halted; /* round vCPU 0 is waiting for */
	u32 done;
} sh;

static u32 got(u32 vec)
{
	return G_READ(g_irq_counts[0][vec]);
}

static u32 receive(u32 senders)
{
	u32 want = ROUNDS * senders;

	for (u32 k = 1; k <= want; k++) {
		g_cli();
		__atomic_store_n(&sh.halted, k, __ATOMIC_RELEASE);
		while (got(VEC_PING) < k) {
			g_sti_hlt();
			g_cli();
		}
	}
	/* The guest's own timer, while halted: woken by its deadline. */
	g_timer_vector(VEC_TIMER);
	g_timer_deadline(g_rdtsc() + 100000);
	while (!got(VEC_TIMER)) {
		g_sti_hlt();
		g_cli();
	}
	__atomic_store_n(&sh.done, 1, __ATOMIC_RELEASE);
	return got(VEC_PING);
}

static void send(u32 index, u32 senders)
{
	/* Senders take turns: sender i sends rounds i*ROUNDS+1 .. (i+1)*ROUNDS. */
	for (u32 k = (index - 1) * ROUNDS + 1; k <= index * ROUNDS; k++) {
		while (__atomic_load_n(&sh.halted, __ATOMIC_ACQUIRE) < k)
			g_pause();
		g_send_ipi(0, VEC_PING);
		while (got(VEC_PING) < k)
			g_pause();
	}
}

u64 guest_main(u64 index, u64 count)
{
	u32 senders = (u32)count - 1;

	if (count < 2) {
		g_printf("pingpong needs 2 or more vCPUs (vcpus=2)\n");
		return 1;
	}
	if (index) {
		send((u32)index, senders);
		return 0;
	}
	u32 n = receive(senders);
	g_printf("vCPU 0 woke for %u IPIs from %u vCPU(s) and for its timer\n", n, senders);
	return g_report(n == ROUNDS * senders && got(VEC_TIMER) == 1,
			"pingpong: %u of %u IPIs, %u timer interrupt(s)", n, ROUNDS * senders,
			got(VEC_TIMER))
		       ? 0
		       : 1;
}
