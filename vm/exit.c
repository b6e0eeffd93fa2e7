/*
 * VM-exit dispatch: ONE table indexed by the basic exit reason (SDM Vol. 3D App. C).  The
 * return contract is written once in exit.h.  Flags let the common code do the VMREADs a
 * handler needs.  Every reason without an entry, and every VM-entry failure, goes to
 * vmx_exit_fatal(), which dumps the exit and kills only the guest that caused it.
 */
#include "arch/x86/cpu.h"
#include "lib/compiler.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "lib/test_seam.h"
#include "kernel/sched.h"
#include "trace/trace.h"
#include "vm/exit.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vm/vtimer.h"

#define EXIT_NEEDS_QUAL (1u << 0) /* common code reads EXIT_QUALIFICATION into v->exit_qual */
/*
 * The exit can happen while an event is being delivered through the guest's IDT (SDM Vol. 3C
 * 28.2.4: exceptions, EPT violations and misconfigurations, APIC accesses, task switches, and
 * external interrupts, NMIs and the preemption timer caught at the end of an injection):
 * common code re-injects that event (vcpu_reinject) before the handler runs, so a handler
 * that resumes the guest delivers it again.  Instruction exits (CPUID, I/O, MSRs, HLT, ...)
 * happen at an instruction and never interrupt a delivery.
 */
#define EXIT_VECTORING (1u << 1)

struct exit_entry {
	enum exit_action (*handler)(struct vcpu *v);
	const char *name;
	u32 flags;
};

static enum exit_action exit_extint(struct vcpu *v);
static enum exit_action exit_exception(struct vcpu *v);
static enum exit_action exit_triple_fault(struct vcpu *v);
static enum exit_action exit_invalid_state(struct vcpu *v);
static enum exit_action exit_ept_violation(struct vcpu *v);
static enum exit_action exit_preempt_timer(struct vcpu *v);
static enum exit_action exit_intr_window(struct vcpu *v);

static const struct exit_entry exit_table[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = {exit_exception, "exception/NMI", EXIT_VECTORING},
	[EXIT_EXTERNAL_INTERRUPT] = {exit_extint, "external interrupt", EXIT_VECTORING},
	[EXIT_TRIPLE_FAULT] = {exit_triple_fault, "triple fault", 0},
	[EXIT_CPUID] = {exit_cpuid, "CPUID", 0},
	[EXIT_CR_ACCESS] = {exit_cr_access, "CR access", EXIT_NEEDS_QUAL},
	[EXIT_HLT] = {exit_hlt, "HLT", 0},
	[EXIT_INVD] = {exit_wbinvd, "INVD", 0},
	[EXIT_RDPMC] = {exit_rdpmc, "RDPMC", 0},
	[EXIT_VMCALL] = {exit_vmcall, "VMCALL", 0},
	[EXIT_IO_INSTRUCTION] = {exit_io, "I/O instruction", EXIT_NEEDS_QUAL},
	[EXIT_MSR_READ] = {exit_rdmsr, "RDMSR", 0},
	[EXIT_MSR_WRITE] = {exit_wrmsr, "WRMSR", 0},
	[EXIT_INVALID_GUEST_STATE] = {exit_invalid_state, "invalid guest state", EXIT_NEEDS_QUAL},
	[EXIT_EPT_VIOLATION] = {exit_ept_violation, "EPT violation",
				EXIT_NEEDS_QUAL | EXIT_VECTORING},
	[EXIT_MWAIT] = {exit_monitor_mwait, "MWAIT", 0},
	[EXIT_MONITOR] = {exit_monitor_mwait, "MONITOR", 0},
	[EXIT_PREEMPTION_TIMER] = {exit_preempt_timer, "preemption timer", EXIT_VECTORING},
	[EXIT_WBINVD] = {exit_wbinvd, "WBINVD", 0},
	[EXIT_GETSEC] = {exit_ud, "GETSEC", 0},
	[EXIT_VMCLEAR] = {exit_ud, "VMCLEAR", 0},
	[EXIT_VMLAUNCH] = {exit_ud, "VMLAUNCH", 0},
	[EXIT_VMPTRLD] = {exit_ud, "VMPTRLD", 0},
	[EXIT_VMPTRST] = {exit_ud, "VMPTRST", 0},
	[EXIT_VMREAD] = {exit_ud, "VMREAD", 0},
	[EXIT_VMRESUME] = {exit_ud, "VMRESUME", 0},
	[EXIT_VMWRITE] = {exit_ud, "VMWRITE", 0},
	[EXIT_VMXOFF] = {exit_ud, "VMXOFF", 0},
	[EXIT_VMXON] = {exit_ud, "VMXON", 0},
	[EXIT_INVEPT] = {exit_ud, "INVEPT", 0},
	[EXIT_INVVPID] = {exit_ud, "INVVPID", 0},
	[EXIT_VMFUNC] = {exit_ud, "VMFUNC", 0},
	[EXIT_XSETBV] = {exit_xsetbv, "XSETBV", 0},
	[EXIT_INTERRUPT_WINDOW] = {exit_intr_window, "interrupt window", 0},
	[EXIT_NMI_WINDOW] = {exit_nmi_window, "NMI window", 0},
	[EXIT_APIC_ACCESS] = {exit_apic_access, "APIC access", EXIT_NEEDS_QUAL},
	[EXIT_APIC_WRITE] = {exit_apic_write, "APIC write", EXIT_NEEDS_QUAL},
};
static_assert(ARRAY_SIZE(exit_table) == EXIT_REASON_MAX, "one slot per counted reason");

/* Names for reasons we do not handle, so the fatal dump can say what happened. */
static const char *const other_names[EXIT_REASON_MAX] = {
	[EXIT_INIT] = "INIT",
	[EXIT_SIPI] = "SIPI",
	[EXIT_TASK_SWITCH] = "task switch",
	[EXIT_INVLPG] = "INVLPG",
	[EXIT_RDTSC] = "RDTSC",
	[EXIT_DR_ACCESS] = "DR access",
	[EXIT_MSR_LOADING] = "MSR loading",
	[EXIT_PAUSE] = "PAUSE",
	[EXIT_MACHINE_CHECK] = "machine check",
	[EXIT_EPT_MISCONFIG] = "EPT misconfiguration",
};

const char *vmx_exit_name(u32 reason)
{
	if (reason < EXIT_REASON_MAX && exit_table[reason].name)
		return exit_table[reason].name;
	if (reason < EXIT_REASON_MAX && other_names[reason])
		return other_names[reason];
	return "?";
}

enum exit_action vmx_exit_fatal(struct vcpu *v, const char *why)
{
	printk("vmx: [%s/%u] FATAL exit: %s\n", v->vm->name, v->index, why);
	vcpu_dump(v);
	vm_kill(v->vm, why);
	return EXIT_STOP;
}

/* Out of the hot path: reasons past the table and failed VM entries. */
static enum exit_action exit_unusual(struct vcpu *v, u32 raw)
{
	u32 reason = raw & 0xffff;

	TRACE(TRACE_EV_EXIT, 0, v->se.trace_id, raw, 0);
	if (reason < EXIT_REASON_MAX)
		v->exits[reason]++;
	/* A failed entry reports reason 33/34/41 with bit 31 (SDM Vol. 3C 27.8). */
	if (reason == EXIT_INVALID_GUEST_STATE) {
		v->exit_qual = vmcs_readnat(EXIT_QUALIFICATION);
		return exit_invalid_state(v);
	}
	if (raw & EXIT_REASON_ENTRY_FAIL)
		return vmx_exit_fatal(v, "VM entry failed");
	return vmx_exit_fatal(v, "unexpected exit reason");
}

enum exit_action vmx_handle_exit(struct vcpu *v)
{
	u32 raw = vmcs_read32(VM_EXIT_REASON);
	u32 reason = raw & 0xffff;
	const struct exit_entry *e;

	v->exit_reason = raw;
	v->exits_total++;
	if (unlikely(reason >= EXIT_REASON_MAX || (raw & EXIT_REASON_ENTRY_FAIL)))
		return exit_unusual(v, raw);
	/* after the check: before it, GCC evaluates the rare case ahead of the trace point */
	TRACE(TRACE_EV_EXIT, 0, v->se.trace_id, raw, 0);
	e = &exit_table[reason];
	v->exits[reason]++;
	if (unlikely(!e->handler))
		return vmx_exit_fatal(v, "unexpected exit reason");
	if (e->flags & EXIT_NEEDS_QUAL)
		v->exit_qual = vmcs_readnat(EXIT_QUALIFICATION);
	if (e->flags & EXIT_VECTORING)
		vcpu_reinject(v);
	return e->handler(v);
}

/*
 * Ack-on-exit took the vector from the APIC (28.2.2); run the host's handler for it.  Without
 * the VMX-preemption timer this exit is also its stand-in (vcpu_run.c arms a host timer at the
 * same deadline), so the slice and the guest's deadline are checked here too.
 */
static enum exit_action exit_extint(struct vcpu *v)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

	if (!(info & INTR_INFO_VALID))
		return vmx_exit_fatal(v, "external-interrupt exit without a vector");
	vmx_host_int(info & INTR_INFO_VECTOR_MASK);
	if (!vmx_get_controls()->preempt_timer)
		return exit_preempt_timer(v);
	return EXIT_RESUME;
}

/*
 * The exception bitmap is 0, so only NMIs come here: with pin-based NMI exiting an NMI that
 * arrives in guest mode is a VM exit with reason 0 and interruption type 2 (SDM Vol. 3C 26.2,
 * 28.2.2), and NMIs stay blocked after it (28.1).  It is the host's NMI, not the guest's: the
 * host handler (arch/x86/nmi.c) runs through the IDT with `int $2` as if it had arrived in root
 * mode, and its IRET unblocks NMIs again.  Then the guest resumes where it was.
 */
static enum exit_action exit_exception(struct vcpu *v)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

	if ((info & INTR_INFO_VALID) && ((info >> INTR_INFO_TYPE_SHIFT) & 7) == 2) {
		vmx_host_int(2);
		return EXIT_RESUME;
	}
	return vmx_exit_fatal(v, "unexpected exception exit");
}

/*
 * A triple fault is a shutdown (SDM Vol. 3A 6.15, interrupt 8): on a PC the chipset resets.
 * pihv does not reboot a standard guest; it ends it as QEMU -no-reboot does.  A flat guest's
 * triple fault is a bug in it: the fatal path dumps its state.
 */
static enum exit_action exit_triple_fault(struct vcpu *v)
{
	if (v->vm->kind != VM_PC)
		return vmx_exit_fatal(v, "guest triple fault");
	printk("vmx: [%s/%u] triple fault at RIP %#lx: the VM resets, so it ends here\n",
	       v->vm->name, v->index, vmcs_readnat(GUEST_RIP));
	vm_end(v->vm, VM_END_RESET, 0, "triple fault");
	return EXIT_STOP;
}

static enum exit_action exit_invalid_state(struct vcpu *v)
{
	return vmx_exit_fatal(v, "VM entry failed: invalid guest state");
}

/*
 * The EPT maps guest memory only, so any violation is an access outside the VM (29.3.3.2).
 * Only a test may have taken a page away on purpose (lib/test_seam.h) and give it back.
 */
static enum exit_action exit_ept_violation(struct vcpu *v)
{
	u64 gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	u64 q = v->exit_qual;

	if (unlikely(test_seam.ept_violation != NULL) && test_seam.ept_violation(v, gpa))
		return EXIT_RESUME;

	printk("vmx: [%s/%u] EPT violation at gpa %#lx (%s%s%s, linear %#lx%s)\n", v->vm->name,
	       v->index, gpa, q & 1 ? "read" : "", q & 2 ? "write" : "", q & 4 ? "fetch" : "",
	       vmcs_readnat(GUEST_LINEAR_ADDRESS), q & (1u << 7) ? "" : " not valid");
	return vmx_exit_fatal(v, "access outside guest memory (EPT violation)");
}

/*
 * The VMX-preemption timer (or its fallback, exit_extint) ends guest mode for two reasons
 * (vcpu_run.c arms it): the guest's TSC deadline (post its timer vector, delivered at the
 * re-entry) or the end of the time slice while other vCPUs wait (reschedule).
 */
static enum exit_action exit_preempt_timer(struct vcpu *v)
{
	vtimer_check(v, VTIMER_VMX_EXIT);
	if (v->slice_end && rdtsc() >= v->slice_end) {
		v->slice_end = 0;
		sched_set_need_resched(pcpu_id());
		return EXIT_SWITCH;
	}
	return EXIT_RESUME;
}

/* Fallback without VID: the guest can take the next backlog vector now (vapic_deliver). */
static enum exit_action exit_intr_window(struct vcpu *v)
{
	return EXIT_RESUME;
}
