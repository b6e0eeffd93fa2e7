/*
 * The trace in the kernel (trace/trace.h): the per-pCPU rings, the command-line options, the
 * trace points' slow path and the dump over the serial console.
 *
 * The dump (docs/pi.md "Tracing" has an example; scripts/trace2perfetto.py reads it):
 *
 *   TRACE: dump why=<run|panic> cpus=<n> tsc_khz=<kHz> vcpus=<n>
 *   TRACE: vcpu <id> <vm>/<index>                      one per vCPU named so far
 *   TRACE: begin cpu=<n> apic=<id> events=<n> dropped=<n> base=<tsc>
 *   TR ...                                             one per record (trace/trace_fmt.h)
 *   TRACE: end cpu=<n> torn=<n>
 *   ...                                                begin/end for each pCPU
 *   TRACE: done
 *
 * events counts the records of the block, torn those of them that were skipped because they
 * were being written (only a panic dump can see one), dropped those overwritten before any dump.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/timer.h"
#include "lib/initcall.h"
#include "lib/mm.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "trace/trace.h"
#include "trace/trace_fmt.h"
#include "trace/trace_opts.h"
#include "trace/trace_ring.h"

#define TRACE_BUF_DEFAULT 16384 /* records per pCPU (512 KiB); trace_buf= is 64..2^20 */
#define TRACE_MAX_VCPUS	  256

struct trace_config trace_config;

/* Each written only by its own pCPU (trace_ring.h), allocated once at boot. */
static struct trace_ring rings[MAX_CPUS];
/* VM exits seen since the last one recorded, per pCPU; written by that pCPU only. */
static u32 exits_seen[MAX_CPUS];

/* vCPU names for the dumps; appended by the BSP at VM creation, read by the dumps. */
static struct {
	const char *vm;
	u32 index;
} vcpu_names[TRACE_MAX_VCPUS];
static u32 nr_vcpu_names; /* (atomic: release after the entry is written) */

/* Set once at boot when tracing was asked for: the dumps print even after a panic cleared
 * trace_config.mask. */
static bool trace_booted;
static u32 panic_dumping; /* (atomic) the first panic dumps, later ones do not */

__trace_preserves_all void trace_emit(u8 type, u8 flags, u16 vcpu, u64 a, u64 b)
{
	u32 cpu = pcpu_id();
	struct trace_ring *r = &rings[cpu];

	/* a panic dump stops the recording; the patched jumps stay */
	if (!(READ_ONCE(trace_config.mask) & BIT(type)))
		return;
	if (type == TRACE_EV_EXIT) {
		if (++exits_seen[cpu] < trace_config.exit_every)
			return;
		exits_seen[cpu] = 0;
	}
	if (r->recs)
		trace_ring_write(r, rdtsc(), type, flags, vcpu, a, b);
}

u16 trace_vcpu_register(const char *vm, u32 index)
{
	u32 id = nr_vcpu_names;

	if (id >= TRACE_MAX_VCPUS || id == TRACE_NO_VCPU)
		return TRACE_NO_VCPU;
	vcpu_names[id].vm = vm;
	vcpu_names[id].index = index;
	store_release(&nr_vcpu_names, id + 1);
	return (u16)id;
}

/* trace_buf= (kernel/cmdline.c checked its range) rounded up to a power of two */
static u64 option_records(void)
{
	u64 want = kernel_option_u64("trace_buf", TRACE_BUF_DEFAULT), size = 1;

	while (size < want)
		size *= 2;
	return size;
}

extern const struct trace_site __trace_sites_start[], __trace_sites_end[];

/*
 * Turns the trace_on() NOPs of the events in mask into jumps to their "yes" side.  The text is
 * read-only (W^X): CR0.WP is cleared around the writes, on this CPU, with IRQs off.  No other
 * pCPU runs a trace point yet (they idle until the first vm_run), and each takes an interrupt,
 * which serializes, before it does (SDM Vol. 3A 9.1.3, cross-modifying code).
 */
static u32 trace_patch_sites(u32 mask)
{
	unsigned long flags = irq_save();
	u64 cr0 = read_cr0();
	u32 n = 0;

	write_cr0(cr0 & ~CR0_WP);
	for (const struct trace_site *s = __trace_sites_start; s < __trace_sites_end; s++) {
		u8 *at = (u8 *)s->at;
		s32 rel = (s32)(s->target - (s->at + 5));

		if (!(mask & BIT(s->ev)))
			continue;
		/* the displacement first, then the opcode: the NOP is whole until the last byte */
		for (u32 i = 0; i < 4; i++)
			at[1 + i] = (u8)((u32)rel >> (8 * i));
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		at[0] = 0xe9; /* jmp rel32 */
		n++;
	}
	write_cr0(cr0);
	irq_restore(flags);
	return n;
}

/* INIT_LATE: every pCPU that will run vCPUs is online, and pages can be allocated. */
static int trace_setup(void)
{
	const char *opt = kernel_option("trace");
	u64 records, pages;
	char bad[24], names[64];
	s64 mask;
	u32 n = pcpu_count(), sites;

	if (!opt)
		return 0;
	mask = trace_parse_events(opt, bad, sizeof(bad));
	if (mask < 0) {
		printk("trace: trace=%s: '%s' is not on, off, all or a list of sched, pi, post, "
		       "irq, poll, exit; tracing off\n",
		       opt, bad);
		return -1;
	}
	if (!mask)
		return 0;
	records = option_records();
	pages = ALIGN_UP(records * sizeof(struct trace_rec), PAGE_SIZE) / PAGE_SIZE;
	for (u32 c = 0; c < n; c++) {
		struct trace_rec *recs = pages_alloc((u32)pages);

		if (!recs) {
			printk("trace: no memory for %lu records on cpu %u; tracing off\n", records,
			       c);
			return -1;
		}
		trace_ring_init(&rings[c], recs, records);
	}
	trace_config.exit_every = (u32)kernel_option_u64("trace_exits", 1);
	trace_booted = true;
	store_release(&trace_config.mask, (u32)mask);
	sites = trace_patch_sites((u32)mask);
	trace_events_name((u32)mask, names, sizeof(names));
	printk("trace: on: %s; %lu records (%lu KiB) per pCPU on %u pCPUs; VM exits 1 in %u; "
	       "%u trace points\n",
	       names, records, pages * PAGE_SIZE / 1024, n, trace_config.exit_every, sites);
	return 0;
}
INITCALL(INIT_LATE, trace_setup);

static void dump_ring(u32 cpu, struct trace_ring *r)
{
	struct trace_rec rec;
	u64 from, to, dropped, torn = 0, prev = 0;
	char line[96];

	trace_ring_span(r, &from, &to, &dropped);
	/* base: the first record's TSC, so the first line's delta is small */
	for (u64 s = from; s < to && !prev; s++)
		if (trace_ring_get(r, s, &rec))
			prev = rec.tsc;
	printk("TRACE: begin cpu=%u apic=%x events=%lu dropped=%lu base=%lx\n", cpu,
	       pcpu(cpu)->apic_id, to - from, dropped, prev);
	for (u64 s = from; s < to; s++) {
		if (!trace_ring_get(r, s, &rec)) {
			torn++;
			continue;
		}
		printk_write(line, (unsigned long)MIN(trace_fmt_rec(line, sizeof(line), &rec, prev),
						      (int)sizeof(line) - 1));
		prev = rec.tsc;
	}
	printk("TRACE: end cpu=%u torn=%lu\n", cpu, torn);
	trace_ring_mark_dumped(r, to);
}

void trace_dump(const char *why)
{
	u32 n = pcpu_count(), names = load_acquire(&nr_vcpu_names);

	if (!trace_booted)
		return;
	printk("TRACE: dump why=%s cpus=%u tsc_khz=%lu vcpus=%u\n", why, n, timer_tsc_hz() / 1000,
	       names);
	for (u32 i = 0; i < names; i++)
		printk("TRACE: vcpu %x %s/%u\n", i, vcpu_names[i].vm, vcpu_names[i].index);
	for (u32 c = 0; c < n; c++)
		if (rings[c].recs)
			dump_ring(c, &rings[c]);
	printk("TRACE: done\n");
}

void trace_dump_panic(void)
{
	if (!trace_booted || xchg(&panic_dumping, 1))
		return;
	/* The other pCPUs stop adding records once they see this: what is printed stays put. */
	store_release(&trace_config.mask, 0);
	trace_dump("panic");
}
