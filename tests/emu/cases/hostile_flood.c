/*
 * hostile-flood: a guest writing 4096-byte console bursts for as long as the victims measure
 * (guests/flood.c), while the host prints lines of its own from a timer.  The flood must cost
 * its own pCPU time only: the victims keep their share, and every line in the log is whole (no
 * host line broken by guest output, no guest line by the host's), prefixed with its VM's name;
 * what the console could not take is dropped and said so (tests.cfg matches the lines).
 */
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/timer.h"
#include "guests/hostile.h"
#include "lib/printk.h"
#include "tests/emu/cases/hostile.h"
#include "tests/emu/selftest.h"
#include "vm/vm.h"

#define HOST_LINES     12
#define HOST_PERIOD_US 20000
#define HOST_CPU       2 /* no vCPU runs there: the host's lines cost no victim anything */

static struct timer host_timer;
static u32 host_lines;

/* IRQ context on HOST_CPU: one whole host line per period. */
static void host_line(struct timer *t, void *arg)
{
	host_lines++;
	printk("hostile-flood: host line %u of %u while the flood runs\n", host_lines, HOST_LINES);
	if (host_lines < HOST_LINES)
		timer_arm(t, rdtsc() + hostile_us(HOST_PERIOD_US));
}

/* smp_call on HOST_CPU: its timers are its own (arch/x86/timer.h). */
static void host_lines_start(void *arg)
{
	timer_arm(&host_timer, rdtsc() + hostile_us(HOST_PERIOD_US));
}

static void host_lines_stop(void *arg)
{
	timer_cancel(&host_timer);
}

static void around(bool before)
{
	smp_call(HOST_CPU, before ? host_lines_start : host_lines_stop, NULL);
}

static void hostile_flood(void)
{
	struct hostile_attack a = {"flood", "flood", {0, 0, 0, 0}, 200000, around};
	struct hostile_run r;

	report_prefix_push("hostile-flood");
	a.params[HOSTILE_PARAM_TICKS] = hostile_us(a.window_us * 3 / 2);
	timer_init(&host_timer, host_line, NULL);
	if (pcpu_count() <= HOST_CPU) {
		report(false, "run with smp >= %u (tests.cfg)", HOST_CPU + 1);
		goto out;
	}
	if (hostile_run(&a, &r)) {
		u64 writes = hostile_stat(r.attacker, ATTACK_STAT_TRIED);

		report_info("flood: tried %lu writes of 4096 bytes (%lu lines), the host accepted "
			    "%lu bytes",
			    writes, hostile_stat(r.attacker, ATTACK_STAT_B),
			    hostile_stat(r.attacker, ATTACK_STAT_A));
		report(!r.attacker->dead && r.attacker->vcpus[0]->state == VCPU_DONE,
		       "the flooder finished on its own");
		const struct con_queue *q = &r.attacker->con;

		report(writes >= 10, "it flooded %lu times", writes);
		report(q->lines + q->dropped_lines == hostile_stat(r.attacker, ATTACK_STAT_B) &&
			       q->dropped_lines,
		       "every line it wrote was printed or dropped: %lu + %lu == %lu (%lu bytes "
		       "dropped)",
		       q->lines, q->dropped_lines, hostile_stat(r.attacker, ATTACK_STAT_B),
		       q->dropped_bytes);
		report(host_lines == HOST_LINES, "the host printed its %u lines meanwhile",
		       host_lines);
	}
out:
	report_prefix_pop();
}
KTEST("hostile-flood", hostile_flood, "a console flood next to victims and host output");
