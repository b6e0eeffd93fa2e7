/* kernel/sched.c on the host: every transition and the hook calls it makes. */
#include <stdio.h>

#include "tests/host/host_seam.h"
#include "kernel/sched.h"
#include "tests/host/test.h"

static char log_buf[512];
static u32 kicks[MAX_CPUS];

static void logf_(const char *s)
{
	strncat(log_buf, s, sizeof(log_buf) - strlen(log_buf) - 1);
}

static void hook_in(struct sched_entity *se, u32 cpu)
{
	char b[32];
	snprintf(b, sizeof(b), "in:%s@%u ", se->name, cpu);
	logf_(b);
}

static void hook_out(struct sched_entity *se, bool blocking, bool preempted)
{
	char b[32];
	snprintf(b, sizeof(b), "out:%s:%c%c ", se->name, blocking ? 'B' : '-',
		 preempted ? 'P' : '-');
	logf_(b);
}

static const struct sched_ops ops = {hook_in, hook_out};

void sched_kick(u32 cpu)
{
	kicks[cpu]++;
}

static void reset(void)
{
	for (u32 c = 0; c < MAX_CPUS; c++) {
		sched_init_cpu(c);
		kicks[c] = 0;
	}
	log_buf[0] = 0;
}

/* a alone on pCPU 0, switched in, the log cleared */
static void one_running(struct sched_entity *a)
{
	reset();
	sched_entity_init(a, "a", &ops);
	sched_add(a, 0);
	EXPECT_TRUE(sched_switch(0) == a);
	EXPECT_STREQ(log_buf, "in:a@0 ");
	log_buf[0] = 0;
}

/* a and b queued on pCPU 0 in that order, a switched in, the log cleared */
static void two_running_a(struct sched_entity *a, struct sched_entity *b)
{
	reset();
	sched_entity_init(a, "a", &ops);
	sched_entity_init(b, "b", &ops);
	sched_add(a, 0);
	sched_add(b, 0);
	EXPECT_TRUE(kicks[0] == 2);
	EXPECT_TRUE(sched_switch(0) == a);
	EXPECT_STREQ(log_buf, "in:a@0 ");
	log_buf[0] = 0;
}

#define EXPECT_LOG(want)                                                                           \
	do {                                                                                       \
		EXPECT_STREQ(log_buf, want);                                                       \
		log_buf[0] = 0;                                                                    \
	} while (0)

TEST(sched_round_robin_and_preempt)
{
	struct sched_entity a, b;
	reset();
	sched_entity_init(&a, "a", &ops);
	sched_entity_init(&b, "b", &ops);
	sched_add(&a, 0);
	sched_add(&b, 0);
	EXPECT_EQ(kicks[0], 2);
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("in:a@0 ");
	/* no reason to switch: same entity, no hook calls (the PI fast path is not even taken) */
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("");
	sched_set_need_resched(0);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:-P in:b@0 ");
	EXPECT_EQ(a.state, SE_RUNNABLE);
	sched_set_need_resched(0);
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("out:b:-P in:a@0 ");
}

TEST(sched_resched_alone_keeps_runner)
{
	struct sched_entity a;
	one_running(&a);
	/* need_resched with nobody waiting keeps the runner, without hook calls */
	sched_set_need_resched(0);
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("");
}

TEST(sched_block_wake)
{
	struct sched_entity a, b;
	two_running_a(&a, &b);
	log_buf[0] = 0;
	sched_block(&a);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:B- in:b@0 ");
	EXPECT_EQ(a.state, SE_BLOCKED);
	kicks[0] = 0;
	EXPECT_TRUE(sched_wake(&a));
	EXPECT_EQ(a.state, SE_RUNNABLE);
	EXPECT_EQ(kicks[0], 1);
	EXPECT_TRUE(!sched_wake(&a)); /* already runnable: nothing to do */
	sched_block(&b);
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("out:b:B- in:a@0 ");
	/* everyone blocked: idle */
	sched_block(&a);
	EXPECT_TRUE(sched_switch(0) == NULL);
	EXPECT_LOG("out:a:B- ");
	EXPECT_TRUE(sched_switch(0) == NULL);
	EXPECT_LOG("");
}

TEST(sched_wake_in_block_window_cancels_block)
{
	struct sched_entity a;
	one_running(&a);
	sched_block(&a);
	EXPECT_TRUE(sched_wake(&a)); /* the post arrived after the last check: lost if ignored */
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("");
	EXPECT_EQ(a.state, SE_RUNNING);
}

TEST(sched_preempted_while_blocking)
{
	struct sched_entity a, b;
	two_running_a(&a, &b);
	log_buf[0] = 0;
	sched_block(&a);
	host_inject_preempt_blocking(0);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:BP in:b@0 ");
	EXPECT_TRUE(a.blocking);
	sched_set_need_resched(0);
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_LOG("out:b:-P in:a@0 ");
	/* the block completes now */
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:B- in:b@0 ");
	EXPECT_EQ(a.state, SE_BLOCKED);
}

TEST(sched_preempted_while_blocking_then_woken)
{
	struct sched_entity a, b;
	two_running_a(&a, &b);
	sched_block(&a);
	host_inject_preempt_blocking(0);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_TRUE(sched_wake(&a)); /* cancels the pending block */
	EXPECT_TRUE(!a.blocking);
	sched_set_need_resched(0);
	EXPECT_TRUE(sched_switch(0) == &a);
	log_buf[0] = 0;
	EXPECT_TRUE(sched_switch(0) == &a); /* keeps running: not blocked */
	EXPECT_LOG("");
}

TEST(sched_migrate_runnable_blocked_running)
{
	struct sched_entity a, b, c;
	reset();
	sched_entity_init(&a, "a", &ops);
	sched_entity_init(&b, "b", &ops);
	sched_entity_init(&c, "c", &ops);
	sched_add(&a, 0);
	sched_add(&b, 0);
	sched_add(&c, 0);
	EXPECT_TRUE(sched_switch(0) == &a);
	log_buf[0] = 0;
	/* runnable: moves now */
	EXPECT_TRUE(sched_migrate(&c, 1));
	EXPECT_EQ(c.cpu, 1);
	EXPECT_EQ(sched_nr_queued(0), 1);
	EXPECT_EQ(sched_nr_queued(1), 1);
	EXPECT_TRUE(sched_switch(1) == &c);
	EXPECT_LOG("in:c@1 ");
	/* running: moves when switched out, as a preemption */
	EXPECT_TRUE(sched_migrate(&a, 2));
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:-P in:b@0 ");
	EXPECT_EQ(a.cpu, 2);
	EXPECT_TRUE(sched_switch(2) == &a);
	EXPECT_LOG("in:a@2 ");
	/* blocked: the wake lands on the new pCPU */
	sched_block(&a);
	EXPECT_TRUE(sched_switch(2) == NULL);
	EXPECT_TRUE(sched_migrate(&a, 3));
	kicks[3] = 0;
	EXPECT_TRUE(sched_wake(&a));
	EXPECT_EQ(kicks[3], 1);
	log_buf[0] = 0;
	EXPECT_TRUE(sched_switch(3) == &a);
	EXPECT_LOG("in:a@3 ");
	/* pinned elsewhere: refused */
	b.pin = 0;
	EXPECT_TRUE(!sched_migrate(&b, 1));
}

TEST(sched_kill)
{
	struct sched_entity a, b;
	two_running_a(&a, &b);
	log_buf[0] = 0;
	sched_kill(&a);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:-- in:b@0 ");
	EXPECT_TRUE(!sched_wake(&a));
	sched_kill(&b);
	EXPECT_TRUE(sched_switch(0) == NULL);
}

/* Preempted while blocking with a migration pending: queued once, on the new pCPU only. */
TEST(sched_preempted_while_blocking_and_migrating)
{
	struct sched_entity a, b;
	two_running_a(&a, &b);
	sched_block(&a);
	EXPECT_TRUE(sched_migrate(&a, 1));
	host_inject_preempt_blocking(0);
	EXPECT_TRUE(sched_switch(0) == &b);
	EXPECT_LOG("out:a:BP in:b@0 ");
	EXPECT_EQ(a.cpu, 1);
	EXPECT_EQ(sched_nr_queued(0), 0);
	EXPECT_EQ(sched_nr_queued(1), 1);
	EXPECT_TRUE(sched_switch(1) == &a);
	EXPECT_LOG("in:a@1 ");
	/* the block completes on the new pCPU */
	EXPECT_TRUE(sched_switch(1) == NULL);
	EXPECT_LOG("out:a:B- ");
	EXPECT_EQ(a.state, SE_BLOCKED);
}

/*
 * The balancer of the target pCPU asks for the same migration again while the entity is being
 * switched out for it (its switch_out hook running, on_cpu set): once it runs there, that
 * request names the pCPU it is on.  Its next switch-out there must queue it there, not
 * "migrate" it to itself (which took that run queue's lock twice).
 */
static struct sched_entity *again_se;
static u32 again_to;

static void hook_out_again(struct sched_entity *se, bool blocking, bool preempted)
{
	hook_out(se, blocking, preempted);
	if (se == again_se) {
		again_se = NULL;
		EXPECT_TRUE(sched_migrate(se, again_to));
	}
}

TEST(sched_migration_asked_again_during_switch_out)
{
	static const struct sched_ops again_ops = {hook_in, hook_out_again};
	struct sched_entity a, b;

	reset();
	sched_entity_init(&a, "a", &again_ops);
	sched_entity_init(&b, "b", &ops);
	sched_add(&a, 0);
	EXPECT_TRUE(sched_switch(0) == &a);
	EXPECT_TRUE(sched_migrate(&a, 1)); /* running: applied when switched out */
	again_se = &a;
	again_to = 1;
	EXPECT_TRUE(sched_switch(0) == NULL);
	EXPECT_EQ(a.cpu, 1);
	sched_add(&b, 1);
	EXPECT_TRUE(sched_switch(1) == &a);
	sched_set_need_resched(1);
	EXPECT_TRUE(sched_switch(1) == &b);
	EXPECT_EQ(a.cpu, 1);
	EXPECT_EQ(a.state, SE_RUNNABLE);
	EXPECT_EQ(sched_nr_queued(1), 1);
	EXPECT_EQ(a.nr_migrations, 1);
}
