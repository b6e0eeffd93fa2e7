/*
 * The vCPU helpers the exit handlers share, and the counters.
 *
 * The loop itself is in vcpu_run.c.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/mm.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "vm/exit.h"
#include "vm/pi_stats.h"
#include "vm/vcpu.h"
#include "vm/vcpu_start.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

static_assert(offsetof(struct vcpu_regs, rax) == VREG_RAX, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, rdi) == VREG_RDI, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, rbp) == VREG_RBP, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, r8) == VREG_R8, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, r15) == VREG_R15, "entry.S offsets");
static_assert(offsetof(struct vcpu_regs, cr2) == VREG_CR2, "entry.S offsets");
static_assert(sizeof(struct vcpu_regs) == VREG_SIZE, "entry.S offsets");
static_assert(VMX_VERW_SEL == SEL_KDATA, "entry.S: VERW's selector is the host's data segment");

/* Also ends STI / MOV-SS blocking: it covers only the instruction we just completed (25.4.2). */
void vcpu_skip_insn(struct vcpu *v)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writenat(GUEST_RIP, vmcs_readnat(GUEST_RIP) + vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
}

u64 vcpu_gpr(struct vcpu *v, u32 n)
{
	/* the register numbering of exit qualifications (SDM Vol. 3C table 28-3) */
	u64 *const regs[16] = {&v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx,
			       NULL,	     &v->regs.rbp, &v->regs.rsi, &v->regs.rdi,
			       &v->regs.r8,  &v->regs.r9,  &v->regs.r10, &v->regs.r11,
			       &v->regs.r12, &v->regs.r13, &v->regs.r14, &v->regs.r15};

	return n == 4 ? vmcs_readnat(GUEST_RSP) : *regs[n & 15];
}

/*
 * IDT-vectoring information (28.2.4) has the layout of the VM-entry interruption-information
 * field (25.8.3) in bits 11:0 and 31; bit 12 is undefined there and reserved at entry.
 * Software interrupts and software exceptions (types 4 and 6, and 5, privileged software
 * exceptions) need the instruction length for the return address they push (27.6.1.1); the
 * exit left it in VM_EXIT_INSTRUCTION_LEN.  An NMI that was being delivered is blocked again
 * by its own delivery, so nothing else is needed for it (28.2.4, "NMI unblocking").
 */
#define VECTORING_KEEP	   (INTR_INFO_VALID | 0xfffu)
#define INTR_TYPE_SOFT_INT 4u

void vcpu_reinject(struct vcpu *v)
{
	u32 info = vmcs_read32(IDT_VECTORING_INFO), type;

	if (!(info & INTR_INFO_VALID))
		return;
	type = (info >> INTR_INFO_TYPE_SHIFT) & 7;
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type >= INTR_TYPE_SOFT_INT)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write32(VM_ENTRY_INTR_INFO, info & VECTORING_KEEP);
	v->reinjected++;
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

/*
 * A whole line goes to the VM's console queue (kernel/console.h): bounded work, never a wait for
 * the UART, so the guest's output costs its own exit and nothing else.
 */
void vcpu_console_line(struct vcpu *v, const char *text, u32 len)
{
	con_queue_line(&v->vm->con, v->con_prefix, v->con_prefix_len, text, len);
}

void vcpu_console_putc(struct vcpu *v, char c)
{
	if (c == '\n') {
		vcpu_console_line(v, v->line, v->line_len);
		v->line_len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (c < ' ' || c > '~')
		c = '?'; /* the guest does not get to send control sequences to our console */
	v->line[v->line_len++] = c;
	if (v->line_len == sizeof(v->line) - 1) {
		vcpu_console_line(v, v->line, v->line_len);
		v->line_len = 0;
	}
}

void vcpu_console_write(struct vcpu *v, const char *buf, u64 len)
{
	for (u64 i = 0; i < len; i++)
		vcpu_console_putc(v, buf[i]);
}

void vcpu_dump(struct vcpu *v)
{
	const struct vcpu_regs *r = &v->regs;
	u32 reason = v->exit_reason;

	printk("  exit reason %#x (%s%s) qualification %#lx\n", reason,
	       vmx_exit_name(reason & 0xffff),
	       reason & EXIT_REASON_ENTRY_FAIL ? ", entry failed" : "",
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
	static const char *const states[] = {"runnable", "blocked", "done", "dead", "parked"};
	const struct vcpu_stats *t = &v->st;
	const struct sched_entity *se = &v->se;
	char buf[256];
	u32 n = 0;

	buf[0] = 0;
	for (u32 i = 0; i < EXIT_REASON_MAX && n < sizeof(buf) - 1; i++) {
		if (!v->exits[i])
			continue;
		n += fmt_snprintf(buf + n, sizeof(buf) - n, " %s=%lu", vmx_exit_name(i),
				  v->exits[i]);
	}
	printk("vmx: [%s/%u] %s (code %lu) on cpu %u: %lu exits:%s\n", v->vm->name, v->index,
	       states[v->state], v->exit_code, v->ran_on, v->exits_total, buf);
	printk("vmx: [%s/%u] pi: posted=%lu notified=%lu synced=%lu injected=%lu desc_writes=%lu "
	       "wakes=%lu vipis_sent=%lu\n",
	       v->vm->name, v->index, t->posted, t->post_notified, t->synced, t->injected,
	       t->desc_writes, t->pi_wakes, t->vipis_sent);
	printk("vmx: [%s/%u] hlt: pending=%lu poll_hits=%lu poll_misses=%lu blocks=%lu if0=%lu "
	       "poll_hit_writes=%lu block_cycles=%lu block_cycle_writes=%lu timer_vmx=%lu "
	       "timer_host=%lu\n",
	       v->vm->name, v->index, t->hlt_pending, t->poll_hits, t->poll_misses, t->blocks,
	       t->hlt_if0, t->poll_hit_writes, t->block_cycles, t->block_cycle_writes, t->timer_vmx,
	       t->timer_host);
	if (t->nmis_sent | t->nmis_injected | t->inits | t->inits_sent | t->sipis |
	    t->apic_emulated)
		printk("vmx: [%s/%u] lapic: mode %u, nmis sent=%lu injected=%lu, inits sent=%lu "
		       "applied=%lu, sipis sent=%lu started=%lu, emulated accesses=%lu\n",
		       v->vm->name, v->index, v->lapic.mode, t->nmis_sent, t->nmis_injected,
		       t->inits_sent, t->inits, t->sipis_sent, t->sipis, t->apic_emulated);
	printk("vmx: [%s/%u] sched: loads=%lu puts blocking=%lu preempted=%lu other=%lu "
	       "switch_in=%lu preempted=%lu blocked=%lu woken=%lu migrations=%lu\n",
	       v->vm->name, v->index, t->loads, t->puts_blocking, t->puts_preempted, t->puts_other,
	       se->nr_switch_in, se->nr_preempted, se->nr_blocked, se->nr_woken, se->nr_migrations);
}

void vcpu_print_pcpu_stats(u32 n)
{
	for (u32 c = 0; c < n; c++) {
		const struct pi_pcpu_stats *p = &pi_pcpu_stats[c];
		printk("vmx: cpu %u: desc_writes=%lu self_ipis=%lu wakeup_irqs=%lu notify_irqs=%lu "
		       "idle_halts=%lu pulls=%lu switches=%lu\n",
		       c, p->desc_writes, p->self_ipis, p->wakeup_irqs, p->notify_irqs,
		       p->idle_halts, p->pulls, sched_rqs[c].nr_switches);
		const struct vcpu_ctx_stats *x = &vcpu_ctx_stats[c];
		printk("vmx: cpu %u: guest context saves=%lu (%lu ticks) restores=%lu (%lu ticks) "
		       "restores_skipped=%lu\n",
		       c, x->saves, x->save_ticks, x->loads, x->load_ticks, x->load_skips);
	}
}
