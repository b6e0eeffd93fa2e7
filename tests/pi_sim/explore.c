/*
 * Schedule exploration and the command line.
 *
 *   pi_sim [--sc] [--bound N|none] [--runs N] [--seed S] [--scenario NAME] [--first-failure]
 *          [--no-hash] [--canonical]
 *   pi_sim [--sc] --replay NAME SCHEDULE   (SCHEDULE as printed on failure, comma-separated:
 *                                           thread ids, and fC for "flush cpu C's oldest store")
 *   pi_sim --list
 *
 * A step is one pick: a thread runs to its next preemption point, or (x86-TSO, the default;
 * --sc turns the store buffers off) the oldest buffered store of one pCPU reaches memory.
 *
 * Exhaustive mode is a depth-first search: every run starts from the initial state, replays a
 * prefix of picks, then follows the default policy "keep running the current thread while it
 * can, never flush".  At every step every other pick is tried later by backtracking.  Picking
 * anything else while the current thread could continue is a preemption, a flush included, so
 * that a bound (--bound N, CHESS-style) counts the points at which a store becomes visible early
 * as well as thread switches.  By default there is no bound: the search covers every reachable
 * state.
 *
 * What makes that affordable is state hashing (hash.c): after each new step the state and the
 * current thread are looked up, and a run that reaches a state an earlier run reached (with no
 * more preemptions spent, when bounded) stops there, since every continuation of it was or will
 * be explored from the earlier visit.  A run that comes back to a state it was already in is a
 * livelock.  --no-hash runs every schedule without cutting (only sensible with a small bound)
 * and still counts the states; with --canonical (sim.c) both count exactly the same states,
 * which is the check that cutting loses none.
 *
 * Random mode picks uniformly among the possible picks at every step, from a seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/pi_sim/sim.h"

enum mode { M_EXHAUSTIVE, M_RANDOM, M_REPLAY };

struct choice {
	u8 enabled, tried, chosen;
	s8 prev;
	u8 preempts; /* preemptions before this step */
};

/* In replay schedules a flush of cpu C is stored as REPLAY_FLUSH + C until nthreads is known. */
#define REPLAY_FLUSH 64

static struct choice stack[SIM_MAX_STEPS];
static u64 run_keys[SIM_MAX_STEPS]; /* state after each step of the current run */
static int prefix_len;
static u8 replay[SIM_MAX_STEPS];
static int replay_len;
static u64 rng;
static int bound; /* preemption bound of the exhaustive search; -1: none */
static const char *argv0;
static bool trace_on, use_tso = true, use_hash = true;

static unsigned long failures, tests;

/* ---- visited states: open addressing, key = state hash (0 means empty), value = preemptions */

static u64 *ht_key;
static u8 *ht_val;
static size_t ht_cap, ht_n;
static unsigned long pruned;

static void ht_clear(void)
{
	if (ht_key)
		memset(ht_key, 0, ht_cap * sizeof(*ht_key));
	ht_n = 0;
}

static void ht_insert_raw(u64 key, u8 val)
{
	size_t i = key & (ht_cap - 1);

	while (ht_key[i] && ht_key[i] != key)
		i = (i + 1) & (ht_cap - 1);
	if (!ht_key[i])
		ht_n++;
	ht_key[i] = key;
	ht_val[i] = val;
}

static void ht_grow(void)
{
	u64 *old_key = ht_key;
	u8 *old_val = ht_val;
	size_t old_cap = ht_cap, i;

	ht_cap = ht_cap ? ht_cap * 2 : 1u << 16;
	ht_key = calloc(ht_cap, sizeof(*ht_key));
	ht_val = calloc(ht_cap, sizeof(*ht_val));
	if (!ht_key || !ht_val) {
		fprintf(stderr, "pi_sim: out of memory for %zu states\n", ht_cap);
		exit(2);
	}
	ht_n = 0;
	for (i = 0; i < old_cap; i++)
		if (old_key[i])
			ht_insert_raw(old_key[i], old_val[i]);
	free(old_key);
	free(old_val);
}

/*
 * Has this state been reached before with at most `preempts` preemptions spent?  If not, record
 * it (or the smaller count) and say no.
 */
static bool ht_seen(u64 key, int preempts)
{
	size_t i;

	key |= key ? 0 : 1;
	if (2 * (ht_n + 1) > ht_cap)
		ht_grow();
	for (i = key & (ht_cap - 1); ht_key[i]; i = (i + 1) & (ht_cap - 1))
		if (ht_key[i] == key) {
			if (ht_val[i] <= preempts)
				return true;
			ht_val[i] = (u8)preempts;
			return false;
		}
	ht_key[i] = key;
	ht_val[i] = (u8)preempts;
	ht_n++;
	return false;
}

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
	sim.tso = use_tso;
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
		sv->irte = sv->pv.posting_enabled;
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
	static const char *const vs[] = {"runnable", "loaded", "blocking", "blocked"};
	static char last_v[SIM_MAX_VCPUS][160], last_c[SIM_MAX_CPUS][96], last_b[SIM_MAX_CPUS][160];
	char buf[160];
	int v, c;

	for (v = 0; v < sim.sc->nvcpus; v++) {
		const struct sim_vcpu *sv = &sim.vcpu[v];
		u64 ctl = sv->pv.desc.control;

		snprintf(buf, sizeof(buf),
			 "vCPU%d %-8s ON=%d SN=%d NV=%#x NDST=%#x bound=cpu%u "
			 "listed=%d PIR=%#llx",
			 v, vs[sv->state & 3], pi_ctl_on(ctl), pi_ctl_sn(ctl), pi_ctl_nv(ctl),
			 pi_ctl_ndst(ctl), sv->pv.cpu,
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
	for (c = 0; c < sim.sc->ncpus; c++) {
		const struct sim_sb *sb = &sim.sb[c];
		int i, len;

		len = snprintf(buf, sizeof(buf), "cpu%d store buffer:", c);
		for (i = 0; i < sb->n && len < (int)sizeof(buf); i++)
			len += snprintf(buf + len, sizeof(buf) - len, " %s",
					tso_describe(&sb->e[i]));
		if (!sb->n)
			snprintf(buf + len, sizeof(buf) - len, " empty");
		if ((reset && sb->n) || (!reset && strcmp(buf, last_b[c])))
			printf("             %s\n", buf);
		strcpy(last_b[c], buf);
	}
}

static void print_schedule(FILE *f, int len);

/* The picks possible now: runnable threads, and a flush for every non-empty store buffer. */
static u8 enabled_choices(void)
{
	u8 enabled = 0;
	int i;

	for (i = 0; i < sim.nthreads; i++)
		if (sim_thread_enabled(i))
			enabled |= 1u << i;
	for (i = 0; i < sim.sc->ncpus; i++)
		if (sim.sb[i].n)
			enabled |= 1u << (sim.nthreads + i);
	return enabled;
}

static void pick_name(char *buf, size_t len, int pick)
{
	if (pick < sim.nthreads)
		snprintf(buf, len, "%d", pick);
	else
		snprintf(buf, len, "f%d", pick - sim.nthreads);
}

static void do_pick(int pick, bool hash)
{
	int c;

	if (pick < sim.nthreads) {
		if (sim.trace)
			printf("  step %3d: %-5s %s%s\n", sim.steps, thread_name(pick),
			       sim.thr[pick].op ? sim.thr[pick].op : "start",
			       sim_deliverable(sim.thr[pick].cpu) ? " (+irq)" : "");
		sim_thread_step(pick);
		if (hash)
			sim.thr[pick].stack_hash = sim_thread_stack_hash(pick);
		return;
	}
	c = pick - sim.nthreads;
	if (sim.trace)
		printf("  step %3d: flush cpu%d: %s reaches memory\n", sim.steps, c,
		       tso_describe(&sim.sb[c].e[0]));
	tso_flush_one(c);
}

/*
 * One run of the scenario under the given mode.  Returns false on failure.  In exhaustive mode
 * with hashing, *cut is set when the run stopped at a state reached before.
 */
static bool run_once(const struct sim_scenario *sc, enum mode mode, bool *cut)
{
	/* Without pruning (--no-hash) states are still counted, to check the pruning against. */
	bool hash = mode == M_EXHAUSTIVE;
	int step, prev = -1, preempts = 0;

	world_reset(sc);
	sim.trace = trace_on;
	*cut = false;
	for (step = 0;; step++) {
		u8 enabled;
		int i, pick = -1, n = 0;

		sim.steps = step;
		sim_check_step();
		if (sim.failed)
			break;
		enabled = enabled_choices();
		if (!enabled)
			break;
		if (step >= SIM_MAX_STEPS) {
			sim_fail("livelock: more than %d steps", SIM_MAX_STEPS);
			break;
		}
		if (mode == M_REPLAY) {
			if (step >= replay_len) {
				pick = prev >= 0 && (enabled & (1u << prev))
					       ? prev
					       : __builtin_ctz(enabled);
			} else {
				pick = replay[step] >= REPLAY_FLUSH
					       ? sim.nthreads + replay[step] - REPLAY_FLUSH
					       : replay[step];
				if (pick >= SIM_MAX_CHOICES || !(enabled & (1u << pick))) {
					sim_fail("replay: pick %d not possible at step %d",
						 replay[step], step);
					break;
				}
			}
		} else if (mode == M_RANDOM) {
			n = __builtin_popcount(enabled);
			n = rng_next() % n;
			for (i = 0; i < SIM_MAX_CHOICES; i++)
				if ((enabled & (1u << i)) && n-- == 0)
					pick = i;
		} else if (step < prefix_len) {
			pick = stack[step].chosen;
			if (!(enabled & (1u << pick))) {
				sim_fail("explorer: nondeterministic replay at step %d", step);
				break;
			}
		} else {
			pick = prev >= 0 && (enabled & (1u << prev)) ? prev
								     : __builtin_ctz(enabled);
			stack[step].enabled = enabled;
			stack[step].tried = 1u << pick;
			stack[step].chosen = pick;
			stack[step].prev = prev;
			stack[step].preempts = bound < 0 ? 0 : preempts;
		}
		if (mode != M_EXHAUSTIVE) {
			stack[step].chosen = pick;
			stack[step].enabled = enabled;
		}
		if (prev >= 0 && pick != prev && (enabled & (1u << prev)))
			preempts++;
		do_pick(pick, hash);
		if (sim.trace)
			trace_state(step == 0);
		/* A flush is not a thread: the thread it interrupted is still the current one. */
		if (pick < sim.nthreads)
			prev = pick;
		if (hash && !sim.failed) {
			u64 key = hash_world(prev);
			int i;

			run_keys[step] = key;
			if (step + 1 < prefix_len || !ht_seen(key, bound < 0 ? 0 : preempts))
				continue;
			/*
			 * Every script is finite, so a run can only come back to a state it was in
			 * by a livelock (the step limit finds that without hashing).
			 */
			for (i = 0; i < step; i++)
				if (run_keys[i] == key) {
					sim_fail("livelock: the run came back to the state after "
						 "step %d",
						 i);
					break;
				}
			if (sim.failed || use_hash) {
				*cut = !sim.failed;
				pruned += *cut;
				step++;
				break;
			}
		}
	}
	sim.steps = step;
	if (!sim.failed && !*cut)
		sim_check_final();
	return !sim.failed;
}

/* Next schedule of the depth-first search; false when the space is exhausted. */
static bool backtrack(void)
{
	int i, a;

	for (i = sim.steps - 1; i >= 0; i--) {
		struct choice *ch = &stack[i];

		for (a = 0; a < SIM_MAX_CHOICES; a++) {
			int cost;

			if (!(ch->enabled & (1u << a)) || (ch->tried & (1u << a)))
				continue;
			cost = ch->prev >= 0 && a != ch->prev && (ch->enabled & (1u << ch->prev));
			if (bound >= 0 && ch->preempts + cost > bound)
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
	char buf[8];
	int i;

	for (i = 0; i < len; i++) {
		pick_name(buf, sizeof(buf), stack[i].chosen);
		fprintf(f, "%s%s", i ? "," : "", buf);
	}
}

static void report_failure(const struct sim_scenario *sc, const char *how, unsigned long seed)
{
	failures++;
	printf("FAIL: sim: %s: %s [%s %s", sc->name, sim.msg, use_tso ? "tso" : "sc", how);
	if (seed)
		printf(" seed=%lu", seed);
	printf(" steps=%d]\n", sim.steps);
	printf("# schedule=");
	print_schedule(stdout, sim.steps);
	printf("\n# replay: %s%s --replay %s ", argv0, use_tso ? "" : " --sc", sc->name);
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
static unsigned long g_runs, g_states;

/* Exhaustive to the bound, then random runs.  Returns false on the first failure. */
static bool run_scenario(const struct sim_scenario *sc, int bound_arg, unsigned long runs,
			 unsigned long seed0)
{
	unsigned long n = 0, r, max_steps = 0;
	double t0 = now();
	char bound_s[24];
	bool cut;
	int tr;

	memset(sim_trans_n, 0, sizeof(sim_trans_n));
	memset(sim_trans_writes, 0, sizeof(sim_trans_writes));
	memset(sim_trans_max, 0, sizeof(sim_trans_max));
	bound = bound_arg;
	if (bound < 0)
		snprintf(bound_s, sizeof(bound_s), "all states");
	else
		snprintf(bound_s, sizeof(bound_s), "bound %d", bound);
	tests++;
	prefix_len = 0;
	pruned = 0;
	ht_clear();
	sim.sc = sc;
	hash_scenario_init();
	do {
		n++;
		if (!run_once(sc, M_EXHAUSTIVE, &cut)) {
			char how[64];

			snprintf(how, sizeof(how), "exhaustive %s run=%lu", bound_s, n);
			report_failure(sc, how, 0);
			return false;
		}
		if ((unsigned long)sim.steps > max_steps)
			max_steps = sim.steps;
	} while (backtrack());
	for (r = 0; r < runs; r++) {
		rng = (seed0 + r) * 0x9e3779b97f4a7c15ull + 1;
		if (!run_once(sc, M_RANDOM, &cut)) {
			report_failure(sc, "random", seed0 + r);
			return false;
		}
	}
	printf("PASS: sim: %s: %s %s: %zu states, %lu runs (%lu cut at a known state, max %lu "
	       "steps) + %lu random, %.2f s\n",
	       sc->name, use_tso ? "tso" : "sc", bound_s, ht_n, n, pruned, max_steps, runs,
	       now() - t0);
	print_trans();
	for (tr = 0; tr < T_COUNT; tr++) {
		g_trans_n[tr] += sim_trans_n[tr];
		g_trans_w[tr] += sim_trans_writes[tr];
		if (sim_trans_max[tr] > g_trans_max[tr])
			g_trans_max[tr] = sim_trans_max[tr];
	}
	g_runs += n;
	g_states += ht_n;
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
	bool ok, cut;

	replay_len = 0;
	while (*p && replay_len < SIM_MAX_STEPS) {
		if (*p == 'f') {
			p++;
			replay[replay_len++] = REPLAY_FLUSH + strtoul(p, (char **)&p, 10);
		} else {
			replay[replay_len++] = strtoul(p, (char **)&p, 10);
		}
		if (*p == ',')
			p++;
	}
	printf("# replay %s (%s, %s): %s\n", sc->name, sc->bug, use_tso ? "x86-TSO" : "SC",
	       sc->what);
	sim.sc = sc;
	hash_scenario_init();
	ok = run_once(sc, M_REPLAY, &cut);
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
		if (!strcmp(argv[i], "--bound") && i + 1 < argc) {
			i++;
			/* none (the default): every reachable state.  Counts above 200 mean the
			 * same. */
			bound_override = !strcmp(argv[i], "none") ? -1 : atoi(argv[i]);
			if (bound_override > 200)
				bound_override = -1;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--first-failure"))
			first_failure = true;
		else if (!strcmp(argv[i], "--sc"))
			use_tso = false;
		else if (!strcmp(argv[i], "--no-hash"))
			use_hash = false;
		else if (!strcmp(argv[i], "--canonical"))
			sim_canonical = true;
		else if (!strcmp(argv[i], "--replay") && i + 2 < argc) {
			trace_on = true;
			return do_replay(argv[i + 1], argv[i + 2]);
		} else if (!strcmp(argv[i], "--list")) {
			for (i = 0; i < sim_nscenarios; i++)
				printf("%-34s %-6s %s\n", sim_scenarios[i].name,
				       sim_scenarios[i].bug, sim_scenarios[i].what);
			return 0;
		} else {
			fprintf(stderr,
				"usage: %s [--sc] [--bound N|none] [--runs N] [--seed S] "
				"[--scenario NAME] [--first-failure] [--no-hash] [--canonical] | "
				"[--sc] --replay NAME SCHEDULE | --list\n",
				argv[0]);
			return 2;
		}
	}
	if (use_hash && !hash_usable()) {
		/* Locals in ASan's fake frames are not on the hashed stack (hash.c). */
		fprintf(stderr, "pi_sim: ASan detect_stack_use_after_return is on: state hashing "
				"off\n");
		use_hash = false;
	}
	printf("# memory model: %s\n", use_tso ? "x86-TSO (store buffers of depth "
						 "4)"
					       : "sequential consistency");
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
	printf("# all scenarios: %lu exhaustive runs, %lu states, deepest store buffer %d\n",
	       g_runs, g_states, tso_deepest);
	printf("# total time %.2f s\n", now() - t0);
	printf("SUMMARY: %lu tests, %lu failures, 0 skipped\n", tests, failures);
	printf("Test result: %s\n", failures ? "FAILURE" : "SUCCESS");
	return failures ? 1 : 0;
}
