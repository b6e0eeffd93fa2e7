/*
 * trace/ on the host: the ring (wrap, drops, torn records), the text form of each record type
 * (the lines scripts/trace2perfetto.py reads), trace= parsing, and kernel/sched.c's trace points.
 */
#include <stdio.h>

#include "kernel/sched.h"
#include "tests/host/host_trace.h"
#include "tests/host/test.h"
#include "trace/trace_fmt.h"
#include "trace/trace_opts.h"
#include "trace/trace_ring.h"

TEST(trace_ring_wraps_and_counts_drops)
{
	static struct trace_rec recs[8];
	struct trace_ring r;
	struct trace_rec out;
	u64 from, to, dropped;

	trace_ring_init(&r, recs, 8);
	for (u64 i = 0; i < 5; i++)
		trace_ring_write(&r, 100 + i, TRACE_EV_POST, 1, 7, i, 0);
	trace_ring_span(&r, &from, &to, &dropped);
	EXPECT_EQ(from, 0);
	EXPECT_EQ(to, 5);
	EXPECT_EQ(dropped, 0);
	EXPECT_TRUE(trace_ring_get(&r, 4, &out));
	EXPECT_EQ(out.tsc, 104);
	EXPECT_EQ(out.a, 4);
	EXPECT_EQ(out.vcpu, 7);
	/* 8 more: 13 written into 8 slots, the 5 oldest overwritten */
	for (u64 i = 5; i < 13; i++)
		trace_ring_write(&r, 100 + i, TRACE_EV_POST, 1, 7, i, 0);
	trace_ring_span(&r, &from, &to, &dropped);
	EXPECT_EQ(from, 5);
	EXPECT_EQ(to, 13);
	EXPECT_EQ(dropped, 5);
	EXPECT_TRUE(!trace_ring_get(&r, 4, &out)); /* overwritten by 12 */
	EXPECT_TRUE(trace_ring_get(&r, 12, &out));
	EXPECT_EQ(out.a, 12);
	/* a dump takes [5, 13); the next one starts empty, then sees only what came after */
	trace_ring_mark_dumped(&r, to);
	trace_ring_span(&r, &from, &to, &dropped);
	EXPECT_EQ(to - from, 0);
	trace_ring_write(&r, 200, TRACE_EV_BLOCK, 0, 1, 0, 0);
	trace_ring_span(&r, &from, &to, &dropped);
	EXPECT_EQ(from, 13);
	EXPECT_EQ(to, 14);
	EXPECT_EQ(dropped, 0);
}

TEST(trace_ring_torn_record_is_skipped)
{
	static struct trace_rec recs[4];
	struct trace_ring r;
	struct trace_rec out;

	trace_ring_init(&r, recs, 4);
	EXPECT_TRUE(!trace_ring_get(&r, 0, &out)); /* never written */
	trace_ring_write(&r, 1, TRACE_EV_WAKE, 0, 2, 3, 0);
	EXPECT_TRUE(trace_ring_get(&r, 0, &out));
	recs[0].seq = 0; /* a writer has claimed the slot again and not finished */
	EXPECT_TRUE(!trace_ring_get(&r, 0, &out));
}

/* r's line without its '\n' (so that a mismatch prints on one line), or "no newline" */
static const char *line(u8 type, u8 flags, u16 vcpu, u64 a, u64 b, u64 tsc, u64 prev)
{
	static char buf[96];
	struct trace_rec r = {tsc, 0, type, flags, vcpu, a, b};
	int n = trace_fmt_rec(buf, sizeof(buf), &r, prev);

	if (n < 1 || buf[n - 1] != '\n')
		return "no newline";
	buf[n - 1] = 0;
	return buf;
}

/* The lines scripts/trace2perfetto.py --selftest decodes back (keep the two in step). */
TEST(trace_fmt_lines)
{
	EXPECT_STREQ(line(TRACE_EV_SWITCH_IN, 0, 5, 0, 0, 0x1010, 0x1000), "TR si 10 5");
	EXPECT_STREQ(line(TRACE_EV_SWITCH_OUT, TRACE_F_BLOCKING, 5, 0, 0, 0x1020, 0x1010),
		     "TR so/1 10 5");
	EXPECT_STREQ(line(TRACE_EV_PI_LOAD, 0, 5, 0x1000f10000ull, 0x1400f20000ull, 0x1234, 0x1234),
		     "TR pl 0 5 1000f10000 1400f20000");
	EXPECT_STREQ(line(TRACE_EV_PI_PUT, TRACE_F_BLOCKING | TRACE_F_GUEST_IF, 0, 0x1400f20000ull,
			  0x1400f10000ull, 0x2000, 0x1000),
		     "TR pp/5 1000 0 1400f20000 1400f10000");
	EXPECT_STREQ(line(TRACE_EV_POST, TRACE_F_NOTIFIED, 0x1f, 0x41, 0x1400f20001ull, 5, 5),
		     "TR po/1 0 1f 41 1400f20001");
	/* no vCPU, nothing else: the line ends after the delta */
	EXPECT_STREQ(line(TRACE_EV_NOTIFY_IRQ, 0, TRACE_NO_VCPU, 0, 0, 0x30, 0x10), "TR ni 20");
	EXPECT_STREQ(line(TRACE_EV_WAKEUP_IRQ, TRACE_F_END, TRACE_NO_VCPU, 0, 0, 0x30, 0x30),
		     "TR wi/1 0");
	/* no vCPU but a field after it: '-' */
	EXPECT_STREQ(line(TRACE_EV_IDLE, 0, TRACE_NO_VCPU, 3, 0, 0x30, 0x30), "TR id 0 - 3");
	/* a record that got the later slot with the earlier TSC (an interrupt's) */
	EXPECT_STREQ(line(TRACE_EV_WAKE, TRACE_F_WAS_BLOCKED, 2, 3, 0, 0x100, 0x180),
		     "TR wk/1 -80 2 3");
	EXPECT_STREQ(line(TRACE_EV_MIGRATE, TRACE_F_DEFERRED, 2, 0, 3, 0x100, 0x100),
		     "TR mg/1 0 2 0 3");
	EXPECT_STREQ(line(TRACE_EV_EXIT, 0, 2, 0xc, 0, 0xffffffffffffull, 0),
		     "TR ex ffffffffffff 2 c");
	EXPECT_STREQ(line(TRACE_EV_POLL, TRACE_F_END | TRACE_F_HIT, 2, 0x2710, 0, 9, 9),
		     "TR hp/3 0 2 2710");
	EXPECT_STREQ(line(TRACE_EV_BLOCK, 0, 2, 0, 0, 9, 9), "TR bl 0 2");
	EXPECT_STREQ(line(TRACE_EV_COUNT, 0, 2, 0, 0, 9, 9), "TR ?? 0 2");
	/* cut to the buffer, the full length returned */
	{
		char small[8];
		struct trace_rec r = {0x10, 0, TRACE_EV_SWITCH_IN, 0, 5, 0, 0};
		EXPECT_EQ(trace_fmt_rec(small, sizeof(small), &r, 0), 11);
		EXPECT_STREQ(small, "TR si 1");
	}
}

TEST(trace_parse_events)
{
	char bad[16];

	EXPECT_EQ(trace_parse_events("on", bad, sizeof(bad)), TRACE_ALL_EVENTS);
	EXPECT_EQ(trace_parse_events("all", bad, sizeof(bad)), TRACE_ALL_EVENTS);
	EXPECT_EQ(trace_parse_events("off", bad, sizeof(bad)), 0);
	EXPECT_EQ(trace_parse_events("post", bad, sizeof(bad)), BIT(TRACE_EV_POST));
	EXPECT_EQ(trace_parse_events("pi,irq", bad, sizeof(bad)),
		  BIT(TRACE_EV_PI_LOAD) | BIT(TRACE_EV_PI_PUT) | BIT(TRACE_EV_NOTIFY_IRQ) |
			  BIT(TRACE_EV_WAKEUP_IRQ));
	EXPECT_EQ(trace_parse_events("sched,bogus", bad, sizeof(bad)), (u64)-1);
	EXPECT_STREQ(bad, "bogus");
	EXPECT_EQ(trace_parse_events("o", bad, sizeof(bad)), (u64)-1);
	EXPECT_EQ(trace_parse_events("sched,", bad, sizeof(bad)), (u64)-1);
	EXPECT_STREQ(bad, "");
	EXPECT_EQ(trace_parse_events("onx", bad, 4), (u64)-1);
	EXPECT_STREQ(bad, "onx");
	{
		char names[64];
		trace_events_name(TRACE_ALL_EVENTS, names, sizeof(names));
		EXPECT_STREQ(names, "sched,pi,post,irq,poll,exit");
		trace_events_name(BIT(TRACE_EV_EXIT) | BIT(TRACE_EV_WAKE), names, sizeof(names));
		EXPECT_STREQ(names, "sched,exit");
		trace_events_name(TRACE_ALL_EVENTS, names, 8);
		EXPECT_STREQ(names, "sched,p");
	}
}

static void in(struct sched_entity *se __unused, u32 cpu __unused)
{
}

static void out(struct sched_entity *se __unused, bool blocking __unused, bool preempted __unused)
{
}

static const struct sched_ops ops = {in, out};

void sched_kick(u32 cpu);

/* kernel/sched.c's trace points: what a block, wake, migration and kill record. */
TEST(trace_sched_points)
{
	struct sched_entity a, b;

	for (u32 c = 0; c < MAX_CPUS; c++)
		sched_init_cpu(c);
	sched_entity_init(&a, "a", &ops);
	sched_entity_init(&b, "b", &ops);
	EXPECT_EQ(a.trace_id, TRACE_NO_VCPU);
	a.trace_id = 1;
	b.trace_id = 2;
	sched_add(&a, 0);
	sched_add(&b, 0);
	host_trace_start();
	EXPECT_TRUE(sched_switch(0) == &a);
	sched_block(&a);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_TRUE(sched_wake(&a));	   /* BLOCKED -> RUNNABLE on rq 0 */
	EXPECT_TRUE(sched_migrate(&a, 2)); /* runnable: moves now */
	EXPECT_TRUE(sched_migrate(&b, 3)); /* running: when switched out */
	sched_set_need_resched(0);
	EXPECT_TRUE(sched_switch(0) == NULL);
	EXPECT_TRUE(sched_switch(3) == &b);
	sched_block(&b);
	EXPECT_TRUE(sched_wake(&b)); /* not switched out yet: the block is cancelled */
	sched_kill(&b);
	EXPECT_TRUE(sched_switch(3) == NULL);
	EXPECT_STREQ(host_trace_text(), "si 1 bl 1 so/1 1 si 2 wk/1 1 mg 1 0 2 so/2 2 mg/1 2 0 3 "
					"si 2 bl 2 wk 2 3 so/4 2 ");
	host_trace_stop();
}
