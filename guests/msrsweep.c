/*
 * msrsweep: RDMSR and WRMSR of every index in 0-0x1fff, 0x40000000-0x400000ff and
 * 0xc0000000-0xc0001fff, the writes with random values (xorshift64*, fixed seed).  Each access
 * either works (emulated by pihv, or virtualized by the CPU in the x2APIC range 0x800-0x8ff) or
 * raises #GP; nothing may reach the hardware.  A value that was written is put back at once
 * when the MSR could be read, so the guest survives its own sweep.  Counts per outcome go to
 * HC_STAT; HOSTILE_OP_MARK brackets the parts, so the host can compare its exit counters:
 *   mark 0 .. mark 1   every index outside the x2APIC range: all of them exit
 *   mark 1 .. mark 2   the x2APIC range: reads (and TPR, EOI, self-IPI writes) may not exit
 */
#include "guests/lib.h"
#include "guests/hostile.h"

#define GP 13

#define STAT(p, what) MSRSWEEP_STAT(p, MSRSWEEP_##what)
#define STAT_TRIED    ATTACK_STAT_TRIED

static u64 rng = MSRSWEEP_SEED;
static volatile bool armed;
static volatile u32 gps;

static u64 next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* #GP on an armed RDMSR/WRMSR (2 bytes): counted and skipped, no hypercall. */
static bool on_fault(struct gframe *f)
{
	if (f->vector != GP || !armed)
		return false;
	armed = false;
	gps++;
	f->rip += 2;
	return true;
}

static bool rd(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0, before = gps;

	armed = true;
	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	armed = false;
	*val = ((u64)hi << 32) | lo;
	return gps == before;
}

static bool wr(u32 msr, u64 val)
{
	u32 before = gps;

	armed = true;
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
	armed = false;
	return gps == before;
}

static u64 counts[MSRSWEEP_SLOTS];

static void sweep(u32 first, u32 last, u32 part)
{
	for (u32 msr = first;; msr++) {
		u64 old;
		bool readable = rd(msr, &old);

		counts[readable ? STAT(part, RD_OK) : STAT(part, RD_GP)]++;
		counts[STAT_TRIED] += 2;
		if (wr(msr, next())) {
			counts[STAT(part, WR_OK)]++;
			if (readable) {
				counts[wr(msr, old) ? STAT(part, BACK_OK) : STAT(part, BACK_GP)]++;
				counts[STAT_TRIED]++;
			}
		} else {
			counts[STAT(part, WR_GP)]++;
		}
		if (msr == last)
			break;
	}
}

static void print(const char *what, u32 p)
{
	g_printf("msrsweep: %s: rdmsr %lu ok %lu #GP, wrmsr %lu ok %lu #GP, written back %lu ok "
		 "%lu #GP\n",
		 what, counts[STAT(p, RD_OK)], counts[STAT(p, RD_GP)], counts[STAT(p, WR_OK)],
		 counts[STAT(p, WR_GP)], counts[STAT(p, BACK_OK)], counts[STAT(p, BACK_GP)]);
}

u64 guest_main(u64 index, u64 count)
{
	g_fault_hook = on_fault;
	hc3(HC_TEST, HOSTILE_OP_MARK, 0, 0);
	sweep(0, MSRSWEEP_X2APIC_FIRST - 1, 0);
	sweep(MSRSWEEP_X2APIC_LAST + 1, 0x1fff, 0);
	sweep(0x40000000, 0x400000ff, 0);
	sweep(0xc0000000, 0xc0001fff, 0);
	hc3(HC_TEST, HOSTILE_OP_MARK, 1, 0);
	sweep(MSRSWEEP_X2APIC_FIRST, MSRSWEEP_X2APIC_LAST, 1);
	hc3(HC_TEST, HOSTILE_OP_MARK, 2, 0);
	for (u32 i = 0; i < MSRSWEEP_SLOTS; i++)
		g_stat(i, counts[i]);
	print("outside the x2APIC range", 0);
	print("x2APIC range", 1);
	return 0;
}
