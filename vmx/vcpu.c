/*
 * The per-pCPU run loop and the vCPU helpers the exit handlers share.
 *
 * Round-robin over the vCPUs pinned to this pCPU.  A vCPU runs until a handler returns
 * EXIT_SWITCH (HLT, yield, VMX-preemption timer: the time slice) or EXIT_STOP.  HLT parks the
 * vCPU for the rest of the round only: guests get no interrupts yet, so there is nothing to
 * wait for (the scheduler issue adds real blocking and wakeups).  IRQs stay off for the whole
 * loop; a host interrupt that arrives meanwhile makes the next entry exit at once (external-
 * interrupt exiting ignores the guest's IF) and is handled by exit_extint.
 */
#include "arch/x86/cpu.h"
#include "kernel/compiler.h"
#include "kernel/fmt.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "vmx/exit.h"
#include "vmx/vcpu.h"
#include "vmx/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

static_assert(offsetof(struct vcpu_regs, rax) == VREG_RAX, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, rdi) == VREG_RDI, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, rbp) == VREG_RBP, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, r8) == VREG_R8, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, r15) == VREG_R15, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, cr2) == VREG_CR2, "entry.S offsets");
static_assert(sizeof(struct vcpu_regs) == VREG_SIZE, "entry.S offsets");
static_assert(offsetof(struct vcpu, regs) == 0, "entry.S gets &v->regs == v");

/* Time slice in TSC ticks (Bochs: about 6 ticks per instruction, emulators.md 13.4). */
#define SLICE_TSC 400000u

void vcpu_skip_insn(struct vcpu *v)
{
	vmcs_writenat(GUEST_RIP, vmcs_readnat(GUEST_RIP) + vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

void vcpu_inject_exception(struct vcpu *v, u8 vector, bool has_code, u32 code)
{
	u32 info = vector | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) | INTR_INFO_VALID;

	if (has_code) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
	}
	vmcs_write32(VM_ENTRY_INTR_INFO, info);
}

static void console_flush(struct vcpu *v)
{
	v->line[v->line_len] = 0;
	printk("[%s/%u] %s\n", v->vm->name, v->index, v->line);
	v->line_len = 0;
}

void vcpu_console_putc(struct vcpu *v, char c)
{
	if (c == '\n') {
		console_flush(v);
		return;
	}
	if (c == '\r')
		return;
	if (c < ' ' || c > '~')
		c = '?'; /* the guest does not get to send control sequences to our console */
	v->line[v->line_len++] = c;
	if (v->line_len == sizeof(v->line) - 1)
		console_flush(v);
}

void vcpu_dump(struct vcpu *v)
{
	const struct vcpu_regs *r = &v->regs;
	u32 reason = v->exit_reason;

	printk("  exit reason %#x (%s%s) qualification %#lx\n", reason,
	       vmx_exit_name(reason & 0xffff), reason & EXIT_REASON_ENTRY_FAIL ? ", entry failed" : "",
	       vmcs_readnat(EXIT_QUALIFICATION));
	printk("  intr info %#x error %#x idt-vectoring %#x insn len %u gpa %#lx linear %#lx\n",
	       vmcs_read32(VM_EXIT_INTR_INFO), vmcs_read32(VM_EXIT_INTR_ERROR_CODE),
	       vmcs_read32(IDT_VECTORING_INFO), vmcs_read32(VM_EXIT_INSTRUCTION_LEN),
	       vmcs_read64(GUEST_PHYSICAL_ADDRESS), vmcs_readnat(GUEST_LINEAR_ADDRESS));
	printk("  RIP %016lx RSP %016lx RFLAGS %08lx CR0 %08lx CR3 %08lx CR4 %08lx\n",
	       vmcs_readnat(GUEST_RIP), vmcs_readnat(GUEST_RSP), vmcs_readnat(GUEST_RFLAGS),
	       vmcs_readnat(GUEST_CR0), vmcs_readnat(GUEST_CR3), vmcs_readnat(GUEST_CR4));
	printk("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("  RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
	printk("  R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
	printk("  R13 %016lx R14 %016lx R15 %016lx CR2 %016lx\n", r->r13, r->r14, r->r15, r->cr2);
}

void vcpu_print_stats(const struct vcpu *v)
{
	static const char *const states[] = { "runnable", "blocked", "done", "dead" };
	char buf[256];
	u32 n = 0;

	buf[0] = 0;
	for (u32 i = 0; i < EXIT_REASON_MAX && n < sizeof(buf) - 1; i++) {
		if (!v->exits[i])
			continue;
		n += fmt_snprintf(buf + n, sizeof(buf) - n, " %s=%lu", vmx_exit_name(i), v->exits[i]);
	}
	printk("vmx: [%s/%u] %s (code %lu) on cpu %u: %lu exits:%s\n", v->vm->name, v->index,
	       states[v->state], v->exit_code, v->ran_on, v->exits_total, buf);
}

/* One entry and the handling of the exit it ends with. */
static enum exit_action enter_once(struct vcpu *v, const struct vmx_controls *c)
{
	int r;

	if (c->preempt_timer)
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, SLICE_TSC >> c->preempt_shift);
	r = vmx_enter(&v->regs, v->launched);
	if (r) {
		u32 err = r == 2 ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;
		printk("vmx: [%s/%u] %s failed: %s, VM-instruction error %u (%s)\n", v->vm->name,
		       v->index, v->launched ? "VMRESUME" : "VMLAUNCH",
		       r == 2 ? "VMfailValid" : "VMfailInvalid", err, vmcs_insn_error_name(err));
		v->exit_reason = 0;
		return vmx_exit_fatal(v, "VM entry instruction failed");
	}
	v->launched = true;
	/* An event injected for this entry has been delivered (or turned into this exit). */
	return vmx_handle_exit(v);
}

/* Runs v until it gives up the pCPU. */
static void run_slice(struct vcpu *v, const struct vmx_controls *c)
{
	enum exit_action a;

	v->ran_on = pcpu_id();
	if (!v->vmcs_ready) {
		if (!v->vmcs)
			v->vmcs = page_alloc();
		if (!v->vmcs || vcpu_vmcs_setup(v) < 0) {
			vm_kill(v->vm, "VMCS setup failed");
			v->state = VCPU_DEAD;
			return;
		}
		if (v->setup_hook)
			v->setup_hook(v);
	} else if (!vmcs_load((u64)v->vmcs)) {
		vm_kill(v->vm, "VMPTRLD failed");
		v->state = VCPU_DEAD;
		return;
	}
	do {
		if (READ_ONCE(v->vm->dead)) {
			v->state = VCPU_DEAD;
			return;
		}
		a = enter_once(v, c);
	} while (a == EXIT_RESUME);
	if (a == EXIT_STOP && v->state != VCPU_DONE)
		v->state = VCPU_DEAD;
}

void vcpu_run_pcpu(struct vm **vms, u32 nr_vms)
{
	const struct vmx_controls *c = vmx_get_controls();
	u32 me = pcpu_id();
	unsigned long flags = irq_save();

	for (;;) {
		bool live = false;

		for (u32 i = 0; i < nr_vms; i++) {
			for (u32 j = 0; j < vms[i]->nr_vcpus; j++) {
				struct vcpu *v = vms[i]->vcpus[j];

				if (v->pcpu != me || v->state >= VCPU_DONE)
					continue;
				if (v->state == VCPU_BLOCKED)
					v->state = VCPU_RUNNABLE; /* parked for one round */
				else
					run_slice(v, c);
				live |= v->state < VCPU_DONE;
			}
		}
		if (!live)
			break;
	}
	irq_restore(flags);
}
