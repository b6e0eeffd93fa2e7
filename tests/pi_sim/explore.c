/*
 * Schedule exploration and the command line.
 *
 *   pi_sim [--bound N] [--runs N] [--seed S] [--scenario NAME] [--first-failure]
 *   pi_sim --replay NAME SCHEDULE     (SCHEDULE as printed on failure: thread ids, comma-separated)
 *   pi_sim --list
 *
 * Exhaustive mode is a stateless depth-first search (CHESS-style preemption bounding): every
 * run starts from the initial state, replays a prefix of choices, then follows the default
 * policy "keep running the current thread while it can".  Switching away from a thread that
 * could continue is a preemption; all schedules with at most `bound` preemptions are run.
 * Switching when the current thread blocks or ends is free.  Random mode picks uniformly among
 * the runnable threads at every step, from a seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/pi_sim/sim.h"

void sim_thread_start(int i);
void sim_thread_step(int i);

enum mode { M_EXHAUSTIVE, M_RANDOM, M_REPLAY };

struct choice {
	u8 enabled, tried, chosen;
	s8 prev;
	u8 preempts;		/* preemptions before this step */
};

static struct choice stack[SIM_MAX_STEPS];
static int prefix_len;
static u8 replay[SIM_MAX_STEPS];
static int replay_len;
static u64 rng;
static int bound;
static const char *argv0;
static bool trace_on;

static unsigned long failures, tests;

static u64 rng_next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void world_reset(const struct sim_scenario *sc)
{
	int c, v, i;

	memset(&sim, 0, sizeof(sim));
	sim.sc = sc;
	sim.cur = -1;
	for (c = 0; c < sc->ncpus; c++) {
		sim.cpu[c].online = true;
		sim.cpu[c].irq_on = true;
		sim.cpu[c].vcpu = -1;
		pi_cpu_init(c);
	}
	for (v = 0; v < sc->nvcpus; v++) {
		struct sim_vcpu *sv = &sim.vcpu[v];

		pi_vcpu_init(&sv->pv, sc->vcpu_home[v]);
		sv->pv.posting_enabled = (sc->posting_mask >> v) & 1;
		sv->cpu = -1;
		sv->last_cpu = sc->vcpu_home[v];
		sv->state = VS_RUNNABLE;
	}
	sim.nthreads = sc->ncpus + (sc->script[sc->ncpus] ? 1 : 0);
	for (i = 0; i < sim.nthreads; i++) {
		sim.thr[i].cpu = i < sc->ncpus ? i : -1;
		sim.thr[i].script = sc->script[i];
		sim_thread_start(i);
	}
}

static const char *thread_name(int i)
{
	static char buf[16];

	if (sim.thr[i].cpu < 0)
		return "iommu";
	snprintf(buf, sizeof(buf), "cpu%d", i);
	return buf;
}

/* Replay trace: after each step, print every vCPU and pCPU whose state changed. */
static void trace_state(bool reset)
{
	static const char *const vs[] = { "runnable", "loaded", "blocking", "blocked" };
	static char last_v[SIM_MAX_VCPUS][160], last_c[SIM_MAX_CPUS][96];
	char buf[160];
	int v, c;

	for (v = 0; v < sim.sc->nvcpus; v++) {
		const struct sim_vcpu *sv = &sim.vcpu[v];
		u64 ctl = sv->pv.desc.control;

		snprintf(buf, sizeof(buf), "vCPU%d %-8s ON=%d SN=%d NV=%#x NDST=%#x bound=cpu%u "
			 "listed=%d PIR=%#llx", v, vs[sv->state], pi_ctl_on(ctl), pi_ctl_sn(ctl),
			 pi_ctl_nv(ctl), pi_ctl_ndst(ctl), sv->pv.cpu,
			 sv->pv.wakeup_link.next != &sv->pv.wakeup_link,
			 (unsigned long long)(sv->pv.desc.pir[0] | sv->pv.desc.pir[1] |
					      sv->pv.desc.pir[2] | sv->pv.desc.pir[3]));
		if (reset || strcmp(buf, last_v[v]))
			printf("             %s\n", buf);
		strcpy(last_v[v], buf);
	}
	for (c = 0; c < sim.sc->ncpus; c++) {
		const struct sim_cpu *pc = &sim.cpu[c];

		snprintf(buf, sizeof(buf), "cpu%d %s IF=%d %s irr=%s%s vcpu=%d lock=%s", c,
			 pc->online ? "online" : "OFFLINE", pc->irq_on,
			 pc->in_guest ? "guest" : "root", pc->irr & 1 ? "W" : "-",
			 pc->irr & 2 ? "N" : "-", pc->vcpu, pi_cpus[c].lock.word ? "held" : "free");
		if (reset || strcmp(buf, last_c[c]))
			printf("             %s\n", buf);
		strcpy(last_c[c], buf);
	}
}

/* One run of the scenario under the given mode.  Returns false on failure. */
static bool run_once(const struct sim_scenario *sc, enum mode mode)
{
	int step, prev = -1, preempts = 0;

	world_reset(sc);
	sim.trace = trace_on;
	for (step = 0;; step++) {
		u8 enabled = 0;
		int i, pick = -1, n = 0;

		sim_check_step();
		if (sim.failed)
			break;
		for (i = 0; i < sim.nthreads; i++)
			if (sim_thread_enabled(i))
				enabled |= 1u << i;
		if (!enabled)
			break;
		if (step >= SIM_MAX_STEPS) {
			sim_fail("livelock: more than %d steps", SIM_MAX_STEPS);
			break;
		}
		if (mode == M_REPLAY) {
			if (step >= replay_len) {
				pick = prev >= 0 && (enabled & (1u << prev)) ? prev :
				       __builtin_ctz(enabled);
			} else {
				pick = replay[step];
				if (pick >= sim.nthreads || !(enabled & (1u << pick))) {
					sim_fail("replay: thread %d not runnable at step %d", pick,
						 step);
					break;
				}
			}
		} else if (mode == M_RANDOM) {
			for (i = 0; i < sim.nthreads; i++)
				n += !!(enabled & (1u << i));
			n = rng_next() % n;
			for (i = 0; i < sim.nthreads; i++)
				if ((enabled & (1u << i)) && n-- == 0)
					pick = i;
		} else if (step < prefix_len) {
			pick = stack[step].chosen;
			if (!(enabled & (1u << pick))) {
				sim_fail("explorer: nondeterministic replay at step %d", step);
				break;
			}
		} else {
			pick = prev >= 0 && (enabled & (1u << prev)) ? prev :
			       __builtin_ctz(enabled);
			stack[step].enabled = enabled;
			stack[step].tried = 1u << pick;
			stack[step].chosen = pick;
			stack[step].prev = prev;
			stack[step].preempts = preempts;
		}
		if (mode != M_EXHAUSTIVE) {
			stack[step].chosen = pick;
			stack[step].enabled = enabled;
		}
		if (prev >= 0 && pick != prev && (enabled & (1u << prev)))
			preempts++;
		if (sim.trace)
			printf("  step %3d: %-5s %s%s\n", step, thread_name(pick),
			       sim.thr[pick].op ? sim.thr[pick].op : "start",
			       sim_deliverable(sim.thr[pick].cpu) ? " (+irq)" : "");
		sim_thread_step(pick);
		if (sim.trace)
			trace_state(step == 0);
		prev = pick;
	}
	sim.steps = step;
	if (!sim.failed)
		sim_check_final();
	return !sim.failed;
}

/* Next schedule of the depth-first search; false when the space is exhausted. */
static bool backtrack(void)
{
	int i, a;

	for (i = sim.steps - 1; i >= 0; i--) {
		struct choice *ch = &stack[i];

		for (a = 0; a < sim.nthreads; a++) {
			int cost;

			if (!(ch->enabled & (1u << a)) || (ch->tried & (1u << a)))
				continue;
			cost = ch->prev >= 0 && a != ch->prev && (ch->enabled & (1u << ch->prev));
			if (ch->preempts + cost > bound)
				continue;
			ch->tried |= 1u << a;
			ch->chosen = a;
			prefix_len = i + 1;
			return true;
		}
	}
	return false;
}

static void print_schedule(FILE *f, int len)
{
	int i;

	for (i = 0; i < len; i++)
		fprintf(f, "%s%d", i ? "," : "", stack[i].chosen);
}

static void report_failure(const struct sim_scenario *sc, const char *how, unsigned long seed)
{
	failures++;
	printf("FAIL: sim: %s: %s [%s", sc->name, sim.msg, how);
	if (seed)
		printf(" seed=%lu", seed);
	printf(" steps=%d]\n", sim.steps);
	printf("# schedule=");
	print_schedule(stdout, sim.steps);
	printf("\n# replay: %s --replay %s ", argv0, sc->name);
	print_schedule(stdout, sim.steps);
	printf("\n");
}

static void print_trans(void)
{
	int tr;

	printf("#   ctl writes per transition:");
	for (tr = 1; tr < T_COUNT; tr++)
		if (sim_trans_n[tr])
			printf(" %s %.2f (max %lu, n=%lu);", sim_trans_name[tr],
			       (double)sim_trans_writes[tr] / sim_trans_n[tr], sim_trans_max[tr],
			       sim_trans_n[tr]);
	printf("\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long g_trans_n[T_COUNT], g_trans_w[T_COUNT], g_trans_max[T_COUNT];

/* Exhaustive to the bound, then random runs.  Returns false on the first failure. */
static bool run_scenario(const struct sim_scenario *sc, int bound_override, unsigned long runs,
			 unsigned long seed0)
{
	unsigned long n = 0, r, max_steps = 0;
	double t0 = now();
	int tr;

	memset(sim_trans_n, 0, sizeof(sim_trans_n));
	memset(sim_trans_writes, 0, sizeof(sim_trans_writes));
	memset(sim_trans_max, 0, sizeof(sim_trans_max));
	bound = bound_override >= 0 ? bound_override : sc->bound;
	tests++;
	prefix_len = 0;
	do {
		n++;
		if (!run_once(sc, M_EXHAUSTIVE)) {
			char how[64];

			snprintf(how, sizeof(how), "exhaustive bound=%d run=%lu", bound, n);
			report_failure(sc, how, 0);
			return false;
		}
		if ((unsigned long)sim.steps > max_steps)
			max_steps = sim.steps;
	} while (backtrack());
	for (r = 0; r < runs; r++) {
		rng = (seed0 + r) * 0x9e3779b97f4a7c15ull + 1;
		if (!run_once(sc, M_RANDOM)) {
			report_failure(sc, "random", seed0 + r);
			return false;
		}
	}
	printf("PASS: sim: %s: bound %d: %lu schedules (max %lu steps) + %lu random, %.2f s\n",
	       sc->name, bound, n, max_steps, runs, now() - t0);
	print_trans();
	for (tr = 0; tr < T_COUNT; tr++) {
		g_trans_n[tr] += sim_trans_n[tr];
		g_trans_w[tr] += sim_trans_writes[tr];
		if (sim_trans_max[tr] > g_trans_max[tr])
			g_trans_max[tr] = sim_trans_max[tr];
	}
	return true;
}

static const struct sim_scenario *find_scenario(const char *name)
{
	int i;

	for (i = 0; i < sim_nscenarios; i++)
		if (!strcmp(sim_scenarios[i].name, name))
			return &sim_scenarios[i];
	fprintf(stderr, "unknown scenario %s\n", name);
	exit(2);
}

static int do_replay(const char *name, const char *sched)
{
	const struct sim_scenario *sc = find_scenario(name);
	const char *p = sched;
	bool ok;

	replay_len = 0;
	while (*p && replay_len < SIM_MAX_STEPS) {
		replay[replay_len++] = strtoul(p, (char **)&p, 10);
		if (*p == ',')
			p++;
	}
	printf("# replay %s (%s): %s\n", sc->name, sc->bug, sc->what);
	ok = run_once(sc, M_REPLAY);
	/* run_once traces only with sim.trace; turn it on for the replay itself. */
	printf("%s: sim: %s: replay of %d steps%s%s\n", ok ? "PASS" : "FAIL", sc->name, sim.steps,
	       ok ? "" : ": ", ok ? "" : sim.msg);
	printf("SUMMARY: 1 tests, %d failures, 0 skipped\nTest result: %s\n", !ok,
	       ok ? "SUCCESS" : "FAILURE");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	unsigned long runs = 500, seed = 1;
	bool first_failure = false;
	int bound_override = -1, i, tr;
	double t0 = now();

	argv0 = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bound") && i + 1 < argc)
			bound_override = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--first-failure"))
			first_failure = true;
		else if (!strcmp(argv[i], "--replay") && i + 2 < argc) {
			trace_on = true;
			return do_replay(argv[i + 1], argv[i + 2]);
		} else if (!strcmp(argv[i], "--list")) {
			for (i = 0; i < sim_nscenarios; i++)
				printf("%-34s %-6s %s\n", sim_scenarios[i].name,
				       sim_scenarios[i].bug, sim_scenarios[i].what);
			return 0;
		} else {
			fprintf(stderr, "usage: %s [--bound N] [--runs N] [--seed S] "
				"[--scenario NAME] [--first-failure] | --replay NAME SCHEDULE | "
				"--list\n", argv[0]);
			return 2;
		}
	}
	for (i = 0; i < sim_nscenarios; i++) {
		const struct sim_scenario *sc = &sim_scenarios[i];

		if (only && strcmp(only, sc->name))
			continue;
		if (!run_scenario(sc, bound_override, runs, seed) && first_failure) {
			printf("KILLED %s %d\n", sc->name, sim.steps);
			break;
		}
	}
	printf("# all scenarios: ctl writes per transition (avg / max / count):\n");
	for (tr = 1; tr < T_COUNT; tr++)
		if (g_trans_n[tr])
			printf("#   %-28s %5.2f %3lu %9lu\n", sim_trans_name[tr],
			       (double)g_trans_w[tr] / g_trans_n[tr], g_trans_max[tr],
			       g_trans_n[tr]);
	printf("# total time %.2f s\n", now() - t0);
	printf("SUMMARY: %lu tests, %lu failures, 0 skipped\n", tests, failures);
	printf("Test result: %s\n", failures ? "FAILURE" : "SUCCESS");
	return failures ? 1 : 0;
}
