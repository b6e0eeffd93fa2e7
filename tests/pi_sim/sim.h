/*
 * pi_sim: deterministic interleaving simulator for pi/ (docs/pi.md).
 *
 * Agents are coroutines ("threads") that pass one baton: simulated pCPUs running a small script
 * of host actions (load, halt, preempt, post, ...) and an IOMMU agent.  Every pi_env call that
 * touches shared memory yields to the explorer, which picks the next step: a thread, or (x86-TSO
 * mode) one pCPU's oldest buffered store reaching memory.  A schedule is the list of picks, so
 * any run can be replayed exactly.
 */
#ifndef TESTS_PI_SIM_SIM_H
#define TESTS_PI_SIM_SIM_H

#include "lib/types.h"
#include "pi/pi.h"

#define SIM_MAX_CPUS	3
#define SIM_MAX_VCPUS	3
#define SIM_MAX_THREADS (SIM_MAX_CPUS + 1)
#define SIM_MAX_STEPS	1024
#define SIM_MAX_FLAGS	8
/* One pick of the explorer: thread t (< nthreads), or nthreads + c: flush cpu c's oldest store. */
#define SIM_MAX_CHOICES (SIM_MAX_THREADS + SIM_MAX_CPUS)
/* Store-buffer depth: a store into a full buffer first pushes the oldest one to memory. */
#define SIM_SB_DEPTH 4

/* ---- scenarios --------------------------------------------------------------------------- */

enum sim_op {
	A_END,
	A_LOAD,		  /* a=vcpu: wait until runnable, pi_load here, enter the guest */
	A_HALT,		  /* a=vcpu, b=guest IF: HLT exit, last pending check, pi_put(blocking) */
	A_PREEMPT,	  /* a=vcpu: exit, pi_put(preempted) */
	A_HALT_PREEMPT,	  /* a=vcpu: exit, mark blocking, preempted before the switch: put(1,1,1) */
	A_POST,		  /* a=vcpu, b=vector: software pi_post from this pCPU (vIPI) */
	A_HWPOST,	  /* a=vcpu, b=vector: IOMMU post, one atomic step (agent thread only) */
	A_ENABLE,	  /* a=vcpu: pi_enable_posting */
	A_DISABLE,	  /* a=vcpu: pi_disable_posting (the IRTE is gone first) */
	A_OFFLINE,	  /* this pCPU dies: IRQs off forever, pending IPIs lost, thread ends */
	A_ADOPT,	  /* a=dead cpu: wait until it is offline, pi_cpu_offline(dead, this) */
	A_SET,		  /* a=flag */
	A_WAIT,		  /* a=flag: wait until set */
	A_EXPECT_PENDING, /* a=vcpu: pi_has_pending() must be true (a post is known to be in PIR) */
};

struct sim_action {
	u8 op;
	s8 a, b;
};

struct sim_scenario {
	const char *name;
	const char *bug; /* known bug(s) it exercises (docs/pi.md) */
	const char *what;
	int ncpus, nvcpus;
	u8 vcpu_home[SIM_MAX_VCPUS];			  /* pi_vcpu_init cpu */
	u8 posting_mask;				  /* vCPUs with posting enabled at start */
	const struct sim_action *script[SIM_MAX_THREADS]; /* [ncpus] = IOMMU agent, may be NULL */
};

extern const struct sim_scenario sim_scenarios[];
extern const int sim_nscenarios;

/* ---- simulated machine ------------------------------------------------------------------- */

enum sim_vstate { VS_RUNNABLE, VS_LOADED, VS_BLOCKING, VS_BLOCKED };
enum sim_inop { OP_NONE, OP_LOAD, OP_PUT };

struct sim_vcpu {
	struct pi_vcpu pv; /* first: page-aligned like the kernel's */
	/*
	 * enum sim_vstate; a u32 because "mark blocking" is a buffered store (tso.c) and
	 * pi_env_wake's first look at it a plain load, both of the memory model.
	 */
	u32 state;
	bool irte; /* an IRTE posts to pv: what the IOMMU agent checks */
	enum sim_inop in_op;
	int cpu; /* loaded on, or -1 */
	int last_cpu;
	bool last_out_blocked;	   /* switched out as blocked (for transition accounting) */
	bool halt_if;		   /* guest IF at the current/last HLT */
	unsigned long entry_flags; /* pi_enter_guest() token */
	u64 virr[4];
	u8 posted[256], delivered[256];
} __aligned(4096);

struct sim_cpu {
	bool online, irq_on, in_guest, in_handler;
	u32 irr;  /* pending: bit0 = WAKEUP, bit1 = NOTIFY, bit2 = other */
	int vcpu; /* loaded vCPU or -1 */
};

enum sim_wait { W_NONE, W_LOCK, W_VRUNNABLE, W_FLAG, W_OFFLINE, W_IDLE, W_DONE };

/* x86-TSO: one pCPU's store buffer, oldest entry first (tso.c). */
struct sim_sb_entry {
	void *addr;
	u64 val;
	u8 size; /* 4 or 8 */
};

struct sim_sb {
	int n;
	struct sim_sb_entry e[SIM_SB_DEPTH];
};

/* Transitions whose descriptor control-word writes are counted. */
enum sim_trans {
	T_NONE,
	T_BLOCK,
	T_WAKE_LOAD,
	T_PREEMPT_PUT,
	T_RESUME_LOAD,
	T_MIGRATE_LOAD,
	T_HALT_HIT,
	T_HANDLER,
	T_ENTRY,
	T_COUNT
};

struct sim_thread {
	int cpu; /* pCPU index, or -1 for the IOMMU agent */
	const struct sim_action *script;
	int pc;
	enum sim_wait wait;
	const void *wait_obj;
	int wait_arg;
	const char *op; /* what the next step does (trace) */
	enum sim_trans trans;
	int trans_writes;
	void *sp;	/* saved stack pointer while switched out (sim.c) */
	u64 stack_hash; /* of the live stack at the last switch (hash.c) */
};

struct sim_world {
	const struct sim_scenario *sc;
	struct sim_vcpu vcpu[SIM_MAX_VCPUS];
	struct sim_cpu cpu[SIM_MAX_CPUS];
	struct sim_sb sb[SIM_MAX_CPUS]; /* empty, and unused, in SC mode */
	struct sim_thread thr[SIM_MAX_THREADS];
	int nthreads;
	int cur; /* running thread, -1 = explorer */
	bool flags[SIM_MAX_FLAGS];
	bool failed;
	char msg[512];
	int steps;
	bool trace;
	bool tso; /* x86-TSO store buffers; false: sequential consistency */
};

extern struct sim_world sim;

/* sim.c: coroutine plumbing */
void sim_thread_start(int i);
void sim_thread_step(int i);
u64 sim_thread_stack_hash(int i);
extern bool sim_canonical; /* zero the dead stack after every step (sim.c) */
void sim_yield(const char *op);
void sim_wait(enum sim_wait w, const void *obj, int arg, const char *op);
__attribute__((format(printf, 1, 2))) void sim_fail(const char *fmt, ...);
bool sim_thread_enabled(int t);
bool sim_deliverable(int c);
struct sim_thread *sim_self(void);

/* hw_model.c: LAPIC, IOMMU, posted-interrupt processing */
int sim_cpu_of_apic(u32 apic_id);
u32 sim_apic_id(unsigned int cpu);
void hw_raise(int c, u8 vector);
void hw_deliver_pending(int c);
void hw_iommu_post(int v, u8 vector);
void hw_record_delivery(int v, const u64 before[4]);
int sim_vcpu_index(const struct pi_vcpu *pv);

/* actions.c: the host side of the hypervisor as scripted pCPU actions */
void sim_run_action(struct sim_thread *t, const struct sim_action *a);
void sim_trans_begin(struct sim_thread *t, enum sim_trans tr);
void sim_trans_end(struct sim_thread *t);
void sim_count_ctl_write(const u64 *p);
extern const char *const sim_trans_name[T_COUNT];
extern unsigned long sim_trans_n[T_COUNT], sim_trans_writes[T_COUNT], sim_trans_max[T_COUNT];

/*
 * tso.c: the memory model.  cpu is the accessing pCPU, or -1 for an agent without a store
 * buffer (the IOMMU).  Loads see the pCPU's own newest buffered store to the address, else
 * memory; in SC mode every store goes to memory at once.
 */
u64 tso_load(int cpu, const void *p, int size);
void tso_store(int cpu, void *p, u64 v, int size);
void tso_drain(int cpu);	 /* a locked instruction or fence: empty the buffer */
void tso_flush_one(int cpu);	 /* the oldest buffered store reaches memory */
int sim_this_cpu_or_agent(void); /* the running thread's pCPU, or -1 */
const char *tso_describe(const struct sim_sb_entry *e);
extern int tso_deepest; /* deepest store buffer seen (statistics) */

/* hash.c: state hashing for the exhaustive search (docs/pi.md, "The simulator") */
void hash_scenario_init(void);
bool hash_usable(void);
u64 hash_stack(const void *sp, const void *top);
u64 hash_world(int prev);

/* invariants.c */
void sim_check_step(void);
void sim_check_final(void);

#endif
