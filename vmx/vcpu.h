/*
 * INTERFACE of vmx/: a vCPU and the per-pCPU run loop.
 *
 * A vCPU is pinned to one pCPU (vcpu->pcpu) and only ever touched by that pCPU once it runs:
 * its VMCS is set up there on first run (host state is per-pCPU), and its state, counters and
 * console line buffer need no lock.  The VM-wide `dead` flag is the one thing other pCPUs
 * write (vm_kill); a vCPU checks it before every entry.
 */
#ifndef VMX_VCPU_H
#define VMX_VCPU_H

#include "kernel/types.h"
#include "vmx/vcpu_regs.h"
#include "vmx/vmcs_fields.h"

struct vm;

enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_BLOCKED, /* HLT: parked for the rest of the round (no guest interrupts yet) */
	VCPU_DONE,    /* HC_EXIT */
	VCPU_DEAD,    /* its VM was killed */
};

struct vcpu {
	struct vcpu_regs regs; /* entry.S */
	struct vm *vm;
	u32 index; /* within the VM */
	u32 pcpu;  /* pinned pCPU */
	u32 ran_on; /* pCPU of the last slice (tests check the pinning) */
	u16 vpid;
	void *vmcs;
	bool vmcs_ready, launched;
	enum vcpu_state state;
	u64 exit_code; /* HC_EXIT argument */
	u64 msr_scratch;

	/* The exit being handled (filled by vmx_handle_exit). */
	u32 exit_reason;
	u64 exit_qual;

	u64 exits[EXIT_REASON_MAX]; /* by basic reason */
	u64 exits_total;
	u64 gp_injected, io_other;

	char line[128]; /* console output up to the next newline */
	u32 line_len;

	/* Tests only: called after the VMCS is set up, before the first entry. */
	void (*setup_hook)(struct vcpu *v);
};

/*
 * Runs every vCPU pinned to the calling pCPU (of the given VMs) round-robin until each one is
 * DONE or DEAD.  A vCPU gives up the pCPU on HLT, HC_YIELD and VMX-preemption-timer expiry.
 * @pre VMX on in this pCPU. @post every vCPU pinned here is DONE or DEAD.
 */
void vcpu_run_pcpu(struct vm **vms, u32 nr_vms);
/* Moves RIP past the exiting instruction (VM_EXIT_INSTRUCTION_LEN). @pre in an exit handler. */
void vcpu_skip_insn(struct vcpu *v);
/* Queues a hardware exception for the next entry (SDM Vol. 3C 27.6). */
void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_code, u32 code);
/* Appends guest console output; a newline flushes "[vm/vcpu] line" to the serial console. */
void vcpu_console_putc(struct vcpu *v, char c);
/* Prints the exit fields and guest registers (fatal paths). @pre this vCPU's VMCS is current. */
void vcpu_dump(struct vcpu *v);
/* Prints the per-reason exit counters. */
void vcpu_print_stats(const struct vcpu *v);

/* VMCS setup (vmcs.c). @pre on v->pcpu. @post 0, or -1 with the failure printed. */
int vcpu_vmcs_setup(struct vcpu *v);
/* Host-state fields that differ between pCPUs (GS/TR/GDTR/IDTR bases). */
void vcpu_vmcs_host_percpu(void);

#endif
