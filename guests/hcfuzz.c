/*
 * hcfuzz: HOSTILE_PARAM_CALLS random VMCALLs (xorshift64*, fixed seed): random numbers (a small
 * one in 0-15, or any 64-bit value) and random arguments (any 64-bit value, a small one, an
 * address inside guest memory, or an edge: 0, ~0, 2^63, the memory's size).  Two kinds are left
 * out, because their effect is documented and final: HC_EXIT (ends the vCPU) and a buffer
 * outside guest memory for HC_CONSOLE_WRITE / HC_REPORT (stops the VM); HC_TEST is the test
 * image's own (the product answers HC_ENOSYS).  Every result is counted; at the end one
 * deliberate bad buffer must stop this VM, and only it.
 */
#include "guests/lib.h"
#include "guests/hostile.h"

#define BUF_MAX 4096

static u64 rng = HCFUZZ_SEED;
static u64 mem_size;
static u64 counts[HCFUZZ_SLOTS];

static u64 next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static u64 arg(void)
{
	static const u64 edges[] = {0, ~0ull, 1ull << 63, 0x7fffffff, 4096, 4097};
	u64 r = next();

	switch (r & 3) {
	case 0:
		return next();
	case 1:
		return (r >> 2) % (BUF_MAX + 2);
	case 2:
		return (r >> 2) % mem_size;
	default:
		return (r >> 2) % 7 == 6 ? mem_size : edges[(r >> 2) % 6];
	}
}

static bool inside(u64 buf, u64 len)
{
	return buf <= mem_size && len <= mem_size - buf;
}

/* The left-out kinds: see the header. */
static bool final(u64 nr, u64 a, u64 b, u64 c)
{
	if (nr == HC_EXIT || nr == HC_TEST)
		return true;
	if (nr == HC_CONSOLE_WRITE)
		return b <= BUF_MAX && !inside(a, b);
	if (nr == HC_REPORT)
		return a <= HC_REPORT_SKIP && c <= BUF_MAX && !inside(b, c);
	return false;
}

u64 guest_main(u64 index, u64 count)
{
	u64 calls = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_CALLS, 0);
	u64 issued = 0;

	mem_size = (u64)hc3(HC_TEST, HOSTILE_OP_PARAM, HOSTILE_PARAM_MEM, 0);
	hc3(HC_TEST, HOSTILE_OP_MARK, 0, 0);
	for (u64 i = 0; i < calls; i++) {
		u64 r = next(), nr = r & 1 ? (r >> 1) % 16 : next();
		u64 a = arg(), b = arg(), c = arg();
		long res;

		if (final(nr, a, b, c)) {
			counts[HCFUZZ_LEFT_OUT]++;
			continue;
		}
		res = hc3((long)nr, a, b, c);
		issued++;
		if (res == HC_ENOSYS)
			counts[HCFUZZ_ENOSYS]++;
		else if (res == HC_EINVAL)
			counts[HCFUZZ_EINVAL]++;
		else if (res >= 0)
			counts[HCFUZZ_OK]++;
		else
			counts[HCFUZZ_OTHER]++;
	}
	hc3(HC_TEST, HOSTILE_OP_MARK, 1, 0);
	counts[ATTACK_STAT_TRIED] = calls;
	counts[HCFUZZ_ISSUED] = issued;
	for (u32 i = 0; i < HCFUZZ_SLOTS; i++)
		g_stat(i, counts[i]);
	g_printf("hcfuzz: %lu random hypercalls (%lu left out): %lu ok, %lu HC_ENOSYS, %lu "
		 "HC_EINVAL, %lu other\n",
		 issued, counts[HCFUZZ_LEFT_OUT], counts[HCFUZZ_OK], counts[HCFUZZ_ENOSYS],
		 counts[HCFUZZ_EINVAL], counts[HCFUZZ_OTHER]);
	/* the one kind that stops the VM, on purpose */
	hc3(HC_CONSOLE_WRITE, mem_size, 16, 0);
	g_report(false, "a buffer outside guest memory came back");
	return 1;
}
