/*
 * INTERFACE: a VM = guest memory (one contiguous host block) + its EPT + vCPUs + an image.
 * The loader builds the entry state described in vm/guest_abi.h.
 */
#ifndef VMX_VM_H
#define VMX_VM_H

#include "kernel/console.h"
#include "lib/types.h"
#include "vmx/ept.h"
#include "vm/exit.h"
#include "vm/vcpu.h"

#define VM_MAX_VCPUS   4
#define VM_MAX	       8
#define VM_MEM_DEFAULT (1ul << 20)
/* Console output waiting for the UART, per VM (kernel/console.h; docs/isolation.md). */
#define VM_CON_BYTES (8u << 10)

struct vm {
	char name[16];
	u8 *mem; /* host address of guest-physical 0 */
	u64 mem_size;
	struct ept ept;
	u32 nr_vcpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	bool dead;	 /* written with vm_kill by any pCPU, read by each vCPU before entry */
	const char *why; /* first reason it was killed */
	u32 reports[3];	 /* HC_REPORT counts by status */
	u64 poll_max;	 /* halt-poll window limit (TSC ticks), VM_POLL_DEFAULT: the cmdline's */
	/*
	 * No time-slice preemption-timer exits while the vCPU is alone on its pCPU (nohz_full
	 * style); the slice starts when another vCPU queues there.  Default off: a lone vCPU is
	 * still preempted every slice.
	 */
	bool tickless;
	u64 start_tsc; /* vm_run started it */
	/*
	 * Stuck-VM watchdog (vm/watchdog.h): the limit in ms, 0 none; vm_create sets the command
	 * line's, its creator may set its own before vm_run.  wd_exits/wd_since: the exits of its
	 * own last seen and since when; written and read only by the watchdog's timer, on one pCPU.
	 */
	u64 watchdog_ms;
	u64 wd_exits, wd_since;
	/* Its console lines, whole, prefixed "[name/vCPU] ", until the drain writes them. */
	struct con_queue con;

	/*
	 * How the vCPUs start (set by the loader between vm_create and vm_run; docs/vapic.md).
	 * pihv's flat ABI (vm/guest_abi.h) leaves both false: every vCPU runs from the entry point
	 * with its LAPIC in x2APIC mode, software-enabled.  A PC-like guest sets both:
	 */
	bool aps_wait_sipi;  /* only vCPU 0 runs; the others wait for INIT + SIPI */
	bool lapic_at_reset; /* LAPICs in xAPIC mode at their reset values (SVR 0xff, LVTs
				masked), as firmware hands them over */
	void *apic_access;   /* the APIC-access page mapped at 0xfee00000 (vm/vapic.c) */
	u32 running;	     /* (atomic) vCPUs running guest code (vm/vcpu_start.h) */
	bool aps_parked;     /* (atomic) running reached 0: waiting vCPUs finish as PARKED */
};

#define VM_POLL_DEFAULT (~0ull)

struct vm_config {
	const char *name;
	const void *image;
	u64 image_size;
	u64 mem_size;	/* 0: VM_MEM_DEFAULT */
	u32 nr_vcpus;	/* 0: 1 */
	u32 pcpu_first; /* vCPU i starts on (and is pinned to) pCPU (pcpu_first + i) % online */
};

/* Is a VM of this name already created?  (Names tell console lines and summaries apart.) */
bool vm_name_in_use(const char *name);

/* Before vm_run: vm's vCPUs may migrate (sched_migrate, the idle balancer); they start on
 * their pcpu_first-derived pCPU all the same. */
void vm_unpin(struct vm *vm);

/* @pre platform.vmx. @post a VM ready to run, or NULL with the reason printed. */
struct vm *vm_create(const struct vm_config *cfg);
/* Stops every vCPU of vm at its next exit; the first reason is kept. Any pCPU. */
void vm_kill(struct vm *vm, const char *why);
/* Host pointer for [gpa, gpa + len) if it lies inside guest memory, else NULL. */
void *vm_gpa_to_host(struct vm *vm, u64 gpa, u64 len);
/*
 * Runs the VMs to completion: every vCPU is added to its home pCPU's run queue and every
 * online pCPU runs vcpu_loop() until all are DONE or DEAD.  hook (may be NULL) runs on each
 * pCPU as its loop starts (tests: start software posting devices there).
 */
void vm_run_hook(struct vm **vms, u32 nr_vms, void (*hook)(u32 cpu, void *arg), void *arg);
void vm_run(struct vm **vms, u32 nr_vms);
/* Prints the per-pCPU PI counters and the per-VM counters of a finished run. */
void vm_print_pi_stats(struct vm **vms, u32 nr_vms);
/* Per-vCPU outcome and exit counters. */
void vm_print_stats(const struct vm *vm);
/*
 * One summary line for a VM whose run ended (vm/summary.c): how it ended, run time, exits by
 * reason, and its posted-interrupt counts.  @return the VM's exit status: the exit code of
 * vCPU 0 when every vCPU finished, else 1.
 */
u32 vm_print_summary(const struct vm *vm);

#endif
