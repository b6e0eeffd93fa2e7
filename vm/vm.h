/*
 * INTERFACE: a VM = guest memory (one contiguous host block) + its EPT + vCPUs + an image +
 * the minimal PC its port I/O reaches (vdev/pc.h).  Two kinds:
 *   VM_FLAT  pihv's own guests: 64-bit entry state built by the loader (vm/guest_abi.h)
 *   VM_PC    standard guests (multiboot kernels): 32-bit protected mode, paging off, at the
 *            entry point vmboot/ sets with vm_set_entry (docs/guests.md)
 */
#ifndef VMX_VM_H
#define VMX_VM_H

#include "kernel/console.h"
#include "lib/types.h"
#include "vmx/ept.h"
#include "vm/exit.h"
#include "vm/vcpu.h"
#include "vdev/pc.h"

#define VM_MAX_VCPUS   4
#define VM_MAX	       8
#define VM_MEM_DEFAULT (1ul << 20)
/* Console output waiting for the UART, per VM (kernel/console.h; docs/isolation.md). */
#define VM_CON_BYTES (8u << 10)

enum vm_kind { VM_FLAT, VM_PC };

/* How a VM's run ended (vm_end); VM_RUNNING until then. */
enum vm_end_kind {
	VM_RUNNING,
	VM_END_KILLED,	   /* by pihv: a fatal exit, the watchdog, ... (why says which) */
	VM_END_DEBUG_EXIT, /* the guest wrote end_value to isa-debug-exit (port 0xf4) */
	VM_END_SHUTDOWN,   /* "Shutdown" to Bochs's port 0x8900 */
	VM_END_RESET,	   /* triple fault: a PC resets; like QEMU -no-reboot, the VM ends */
	VM_END_HALTED,	   /* every vCPU halted with interrupts off: nothing can wake it */
};

/* The 32-bit entry of a VM_PC guest (multiboot 0.6.96 3.2, Multiboot2 3.3): EIP, EAX, EBX. */
struct vm_entry {
	u32 rip, eax, ebx,
		esi; /* the multiboot magic and info in EAX/EBX; Linux's zero page in ESI */
};

struct vm {
	char name[16];
	u8 *mem; /* host address of guest-physical 0 */
	u64 mem_size;
	struct ept ept;
	u32 nr_vcpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	enum vm_kind kind;
	struct vm_entry entry; /* VM_PC */
	bool dead;	       /* written by vm_end by any pCPU, read by each vCPU before entry */
	const char *why;       /* first reason it ended */
	enum vm_end_kind end;  /* set once, with why, before dead */
	u32 end_value;	       /* VM_END_DEBUG_EXIT: the value written */
	u32 nr_halted_if0;     /* (atomic) vCPUs blocked in HLT with IF=0 (VM_PC) */
	struct pc pc;	       /* the ports of vdev/pc.h */
	char con_prefix[24];   /* "[name] ": the start of the UART's console lines */
	u32 con_prefix_len;
	u32 reports[3]; /* HC_REPORT counts by status */
	u64 poll_max;	/* halt-poll window limit (TSC ticks), VM_POLL_DEFAULT: the cmdline's */
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
	u64 mem_size;	   /* 0: VM_MEM_DEFAULT */
	u32 nr_vcpus;	   /* 0: 1 */
	u32 pcpu_first;	   /* vCPU i starts on (and is pinned to) pCPU (pcpu_first + i) % online */
	enum vm_kind kind; /* VM_PC: image is NULL; vmboot/ fills memory and vm_set_entry */
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
/*
 * Ends vm's run as `kind` (value: see enum vm_end_kind): every vCPU stops at its next exit.
 * The first end wins; later ones are ignored.  Any pCPU.  vm_kill is vm_end(VM_END_KILLED).
 */
void vm_end(struct vm *vm, enum vm_end_kind kind, u32 value, const char *why);
/* VM_PC: where vCPU 0 starts, before vm_run. */
void vm_set_entry(struct vm *vm, u32 rip, u32 eax, u32 ebx, u32 esi);
/*
 * VM_PC: vCPU v halted with IF=0 (blocked=true) or runs again (false).  When every vCPU of
 * the VM that could run is halted so, nothing can wake them (no NMI source): the VM ends as
 * VM_END_HALTED.
 */
void vm_halt_if0(struct vcpu *v, bool blocked);
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
 * vCPU 0 when every vCPU finished (HC_EXIT), the value written to isa-debug-exit, 0 for the
 * Bochs shutdown port, else 1.
 */
u32 vm_print_summary(struct vm *vm);

#endif
