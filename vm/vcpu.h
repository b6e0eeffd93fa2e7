/*
 * INTERFACE of vm/: a vCPU and the per-pCPU run loop.
 *
 * A vCPU is a kernel/sched.h entity: it runs on whichever pCPU its run queue belongs to (its
 * pin from the VM config, or anywhere when unpinned: sched_migrate and the idle balancer move
 * it).  While it is rq->curr of a pCPU only that pCPU touches its VMCS, registers and
 * counters; its descriptor (pi) is shared with every poster.  The switch hooks (vcpu_run.c)
 * are where pi_load/pi_put, VMPTRLD/VMCLEAR and the guest-timer hand-over happen.
 *
 * Layout: struct pi_vcpu is the first member and the vCPU is allocated page-aligned, so the
 * posted-interrupt descriptor is 4 KiB-aligned (Bochs refuses less: docs/emulators.md §9.1).
 */
#ifndef VMX_VCPU_H
#define VMX_VCPU_H

#include "arch/x86/atomic.h"
#include "arch/x86/cpu_regs.h"
#include "arch/x86/timer.h"
#include "lib/config.h"
#include "kernel/sched.h"
#include "lib/test_seam.h"
#include "lib/types.h"
#include "pi/pi.h"
#include "vm/vcpu_ctx.h"
#include "vmx/vcpu_regs.h"
#include "vmx/vmcs_fields.h"
#include "vm/vapic.h"

struct vm;

/*
 * CR0 bits pihv owns for a standard guest (guest/host mask, SDM Vol. 3C 25.6.6): writes exit
 * to vm/exit_cr.c and the guest reads its own value from the read shadow.  PE and PG change
 * the mode (IA-32e entry control, EFER.LMA, PDPTEs); NE is fixed to 1 in VMX operation; CD
 * and NW are kept clear underneath (guest memory stays write-back) but read as written.
 */
#define VCPU_CR0_OWNED (CR0_PE | CR0_PG | CR0_NE | CR0_CD | CR0_NW)
/*
 * CR4 bits pihv owns for every guest: features CPUID does not offer (VMXE, SMXE, LA57, PKE,
 * CET, PKS; PKRU and the CET state are not switched between vCPUs, vm/vcpu_ctx.h).  Setting
 * one faults (#GP), as on a CPU without it; the guest reads 0.
 */
#define VCPU_CR4_OWNED (CR4_VMXE | CR4_SMXE | CR4_LA57 | CR4_PKE | CR4_CET | CR4_PKS)
/* CR0 as a standard guest reads it at entry: PE|ET, what a BIOS hands to its boot loader. */
#define VCPU_PC_CR0 (CR0_PE | CR0_ET)
/* ESP at a standard guest's entry (undefined by multiboot): below the boot sector, as BIOSes. */
#define VCPU_PC_STACK 0x7c00

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_BLOCKED, /* unused by the loop (the scheduler owns blocking); kept for the names */
	VCPU_DONE,    /* HC_EXIT */
	VCPU_DEAD,    /* its VM was killed */
	VCPU_PARKED,  /* waiting for a SIPI when its VM ended (vm/vcpu_start.h): never started */
};

/*
 * Per-vCPU counters.  Fields marked (atomic) are written by other pCPUs too (posters); the rest
 * only by the pCPU running the vCPU.
 */
struct vcpu_stats {
	u64 desc_writes;   /* (atomic) descriptor control-word writes, by anyone */
	u64 pi_wakes;	   /* (atomic) pi_env_wake() calls that woke or cancelled a block */
	u64 posted;	   /* (atomic) pi_post() calls targeting this vCPU */
	u64 post_notified; /* (atomic) of which sent a notification IPI */
	u64 coalesced;	   /* (atomic) of which found their vector still pending (merged) */
	u64 synced;	   /* vectors moved from PIR to the guest by pi_enter_guest (software) */
	u64 injected;	   /* fallback without VID: vectors injected as events */
	u64 loads, puts_blocking, puts_preempted, puts_other;
	u64 hlt_pending; /* HLT with an interrupt already pending: resumed at once */
	u64 poll_hits, poll_misses, hlt_if0;
	u64 blocks;	     /* sched_block()s: HLTs with nothing pending, waits for a SIPI */
	u64 vipis_sent;	     /* ICR writes turned into pi_post */
	u64 timer_vmx;	     /* guest TSC deadline fired on the VMX-preemption timer */
	u64 timer_host;	     /* ... on a host timer while blocked/preempted */
	u64 poll_hit_writes; /* own-pCPU descriptor writes during halt-poll hits (want 0) */
	u64 block_cycles, block_cycle_writes; /* HLT miss -> block -> wake -> entry: writes */
	u64 vpid_flushes; /* INVVPID of its VPID at switch-in on a new pCPU (vcpu_run.c) */
	/* the LAPIC (vm/vapic.h): by the sender (its own pCPU) or by the target */
	u64 nmis_sent, inits_sent, sipis_sent; /* by this vCPU's ICR */
	u64 nmis_injected, inits, sipis;       /* NMIs injected into, INITs applied to, SIPIs
						  started this vCPU */
	u64 apic_emulated; /* xAPIC accesses emulated after an APIC-access exit */
};

/* Guest-visible figures passed with HC_STAT (the guest's own counts). */
#define VCPU_GSTATS 16

struct vcpu {
	struct pi_vcpu pi; /* first: the descriptor is 4 KiB-aligned (see above) */
	struct sched_entity se;
	struct vcpu_regs regs; /* entry.S */
	struct vcpu_ctx ctx;   /* what VMX does not switch (vm/vcpu_ctx.c) */
	struct vm *vm;
	u32 index;  /* within the VM; also its x2APIC ID */
	u32 pcpu;   /* home pCPU from the config: first run queue, and the pin unless unpinned */
	u32 ran_on; /* pCPU of the last switch-in */
	u16 vpid;
	void *vmcs;
	u32 *vapic; /* virtual-APIC page (SDM Vol. 3C 30.1) */
	bool vmcs_ready, launched;
	enum vcpu_state state;
	u64 exit_code; /* HC_EXIT argument */
	u64 end_tsc;   /* when it became DONE or DEAD */
	u64 msr_scratch;
	u64 misc_enable, mtrr_def_type, ucode_rev;

	/* The exit being handled (filled by vmx_handle_exit). */
	u32 exit_reason;
	u64 exit_qual;

	/* Scheduling and HLT. */
	bool block_if;	     /* guest RFLAGS.IF at the HLT that blocked it (pi_put's argument) */
	bool counting_block; /* a HLT miss is being timed until the next entry */
	u64 block_tsc, block_writes0;
	u64 slice_end; /* TSC end of the current slice, 0 = none started */
	u64 poll_tsc;  /* adaptive halt-poll window (TSC ticks) */
	u64 sw_irr[4]; /* fallback without VID: pending vectors not yet injected */

	/* The LAPIC (vm/vapic.h) and its timer (vm/vtimer.c). */
	struct vlapic lapic;
	u64 tsc_deadline; /* (atomic) next timer expiry, TSC; 0 = none */
	u32 lvt_timer; /* (atomic) guest's LVT timer register (vector 7:0, mask 16, mode 18:17) */
	struct timer host_timer[MAX_CPUS]; /* one per pCPU: armed there at switch-out */

	struct vcpu_stats st;
	u64 gstat[VCPU_GSTATS]; /* HC_STAT values */

	u64 exits[EXIT_REASON_MAX]; /* by basic reason */
	u64 exits_total;
	u64 gp_injected, io_other;
	u64 reinjected; /* events re-injected after an exit during their delivery */

	char line[128]; /* console output up to the next newline */
	u32 line_len;
	char con_prefix[24]; /* "[vm/vCPU] ", every console line's start (vm_create) */
	u32 con_prefix_len;
};

/*
 * Does v accept a fixed or lowest-priority interrupt now: LAPIC enabled and software-enabled
 * (SDM Vol. 3A 11.4.7.2), vCPU started (not waiting for a SIPI)?  Any pCPU (a racy sample).
 */
static inline bool vlapic_accepts_fixed(const struct vcpu *v)
{
	return v->lapic.mode != VLAPIC_DISABLED && (v->vapic[APIC_REG_SVR / 4] & APIC_SVR_ENABLE) &&
	       load_relaxed(&v->lapic.startup) == VLAPIC_ACTIVE;
}

/* An NMI, INIT or SIPI waits for v's pCPU (they end HLT whatever IF says). */
static inline bool vcpu_has_events(struct vcpu *v)
{
	return load_relaxed(&v->lapic.events);
}

/* A test's look at v at point p of the HLT/put/entry path (lib/test_seam.h). */
#define VCPU_TEST_POINT(v, p, blocking, preempted)                                                 \
	do {                                                                                       \
		if (__builtin_expect(test_seam.vcpu_point != NULL, 0))                             \
			test_seam.vcpu_point((v), (p), (blocking), (preempted));                   \
	} while (0)

/* The vCPU set one vm_run() runs: the pCPU loops stop when live reaches 0. */
struct vcpu_run {
	u32 live; /* (atomic) vCPUs not yet DONE/DEAD */
	u64 cpus; /* pCPUs running the loop */
	/* Tests: called on every pCPU of the run as its loop starts (IRQs off). */
	void (*pcpu_hook)(u32 cpu, void *arg);
	void *hook_arg;
};

/*
 * The pCPU loop: IRQs off -> sched_switch -> NULL: balance or idle (sti;hlt); else enter that
 * vCPU until it blocks, yields, is preempted or finishes; a short IRQ window after each.
 * @pre VMX on in this pCPU, every vCPU of run added to a run queue.  @post run->live == 0.
 */
void vcpu_loop(struct vcpu_run *run);
/* Initialises v's descriptor, scheduler entity and timer.  @pre v->index/pcpu/vm set. */
void vcpu_init(struct vcpu *v, bool pinned);
/* Post vector to v (guest IPIs, devices, timers): pi_post + counters.  Any pCPU/context. */
void vcpu_post(struct vcpu *v, u8 vector);
/*
 * The same for v's own interrupts (self-IPIs, its LAPIC timer and error), straight into its
 * virtual APIC without the descriptor.  @pre this pCPU is handling v's exit (VMCS current,
 * IRQs off); anyone else uses vcpu_post.
 */
void vcpu_post_own(struct vcpu *v, u8 vector);
/* Any interrupt pending for v (PIR, fallback backlog).  Fires an expired guest timer first. */
bool vcpu_has_pending(struct vcpu *v);
/*
 * Make t look at its LAPIC events soon: wake it if it is blocked (or cancel its block), else
 * send its pCPU a reschedule IPI so that it leaves guest mode.  Any pCPU.
 */
void vcpu_kick(struct vcpu *t);
/* Moves RIP past the exiting instruction (VM_EXIT_INSTRUCTION_LEN). @pre in an exit handler. */
void vcpu_skip_insn(struct vcpu *v);
/* General-purpose register n in exit-qualification numbering (0 RAX, 1 RCX, ... 4 RSP). */
u64 vcpu_gpr(struct vcpu *v, u32 n);
/*
 * After an exit that may have interrupted event delivery: if IDT-vectoring information is
 * valid, queue that event for the next entry (SDM Vol. 3C 28.2.4, 27.6.1).
 */
void vcpu_reinject(struct vcpu *v);
/* Queues a hardware exception for the next entry (SDM Vol. 3C 27.6). */
void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_code, u32 code);
/*
 * Appends guest console output; a newline queues "[vm/vcpu] line" on the VM's console queue
 * (kernel/console.h): a copy, never a wait for the UART.
 */
void vcpu_console_putc(struct vcpu *v, char c);
/* The same for len bytes (HC_CONSOLE_WRITE): bounded by len, and by nothing else. */
void vcpu_console_write(struct vcpu *v, const char *buf, u64 len);
/* Queues one line of v's own, "[vm/vcpu] text" (HC_REPORT verdicts). */
void vcpu_console_line(struct vcpu *v, const char *text, u32 len);
/* Prints the exit fields and guest registers (fatal paths). @pre this vCPU's VMCS is current. */
void vcpu_dump(struct vcpu *v);
/* Prints the per-reason exit counters and the PI counters. */
void vcpu_print_stats(const struct vcpu *v);
/* Prints the per-pCPU PI counters of pCPUs 0..n-1. */
void vcpu_print_pcpu_stats(u32 n);

/* Every MSR vm/exit_msr.c emulates for v to its reset value. */
void vcpu_msr_reset(struct vcpu *v);

/* VMCS setup (vcpu_vmcs.c). @pre on the pCPU that runs v. @post 0, or -1 with the failure shown. */
int vcpu_vmcs_setup(struct vcpu *v);
/* Host-state fields that differ between pCPUs (GS/TR/GDTR/IDTR bases). */
void vcpu_vmcs_host_percpu(void);
/* Drops this pCPU's translations tagged with v's VPID.  @pre v switched in here (vcpu_vmcs.c). */
void vcpu_flush_vpid(struct vcpu *v);

/* The halt-poll window limit for v: its VM's override or vcpu_halt_poll_max. */
u64 vcpu_halt_poll_max_for(const struct vcpu *v);
/* First entry after a HLT miss: adapt the halt-poll window (exit_hlt.c). */
void vcpu_block_done(struct vcpu *v);

/* Halt-polling window limit in TSC ticks (halt_poll_us=, default 200 us; 0 disables). */
extern u64 vcpu_halt_poll_max;
/* Time slice in TSC ticks (sched_slice_us=, default 4000 us). */
extern u64 vcpu_slice_tsc;

#endif
