/*
 * INIT, start-up IPIs and wait-for-SIPI (SDM Vol. 3A 9.4.4, 11.6.1); the design is in
 * vcpu_start.h.
 *
 * struct vlapic.startup is the one word every party changes with a cmpxchg, and whoever makes a
 * transition adjusts vm->running:
 *   ACTIVE or SIPI -> WAIT_SIPI    INIT sender             running - 1
 *   WAIT_SIPI -> SIPI | vector     SIPI sender             running + 1
 *   SIPI -> ACTIVE                 the vCPU, at its entry  -
 *   ACTIVE or SIPI -> FINISHED     the vCPU (DONE, DEAD)   running - 1
 *   WAIT_SIPI -> FINISHED          the vCPU (PARKED)       -
 * The INIT sender changes the state itself, so a SIPI right behind the INIT finds the target
 * waiting even before the target has applied the INIT (its LAPIC reset, VLAPIC_EV_INIT).
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "pi/pi_env.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vcpu_start.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* Real-address-mode access rights (SDM Vol. 3C 25.4.1, table 25-2; checks of 27.3.1.2 with
 * "unrestricted guest"): code execute/read accessed, data read/write accessed, LDT, busy TSS. */
#define AR_REAL_CODE 0x9b
#define AR_REAL_DATA 0x93
#define AR_REAL_LDT  0x82
#define AR_REAL_TSS  0x8b
#define PROC_WINDOWS (PROC_INTR_WINDOW | PROC_NMI_WINDOW)

void vcpu_start_prepare(struct vm *vm)
{
	u32 running = 0;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		bool wait = vm->aps_wait_sipi && i != 0;

		store_relaxed(&vm->vcpus[i]->lapic.startup,
			      wait ? VLAPIC_WAIT_SIPI : VLAPIC_ACTIVE);
		store_relaxed(&vm->vcpus[i]->lapic.events, wait ? VLAPIC_EV_START : 0);
		running += !wait;
	}
	store_relaxed(&vm->aps_parked, false);
	store_release(&vm->running, running);
}

/* The last vCPU stopped running guest code: the waiting ones finish (PARKED). */
static void running_dec(struct vm *vm)
{
	if (fetch_add(&vm->running, -1u) != 1)
		return;
	store_release(&vm->aps_parked, true);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if (load_acquire(&vm->vcpus[i]->lapic.startup) == VLAPIC_WAIT_SIPI)
			vcpu_kick(vm->vcpus[i]);
}

void vcpu_start_init(struct vcpu *from, struct vcpu *t)
{
	u32 s = load_relaxed(&t->lapic.startup);

	do {
		if (s == VLAPIC_FINISHED)
			return;
	} while (s != VLAPIC_WAIT_SIPI && !cmpxchg(&t->lapic.startup, &s, VLAPIC_WAIT_SIPI));
	fetch_or(&t->lapic.events, VLAPIC_EV_INIT);
	from->st.inits_sent++;
	if (s != VLAPIC_WAIT_SIPI)
		running_dec(t->vm);
	vcpu_kick(t);
}

void vcpu_start_sipi(struct vcpu *from, struct vcpu *t, u8 vector)
{
	u32 s = VLAPIC_WAIT_SIPI;

	if (!vmx_get_controls()->unrestricted)
		return; /* no real mode to start in: the SIPI is ignored (docs/vapic.md) */
	if (!cmpxchg(&t->lapic.startup, &s, VLAPIC_SIPI | (u32)vector << 8))
		return;		       /* not waiting for one (11.6.1: ignored) */
	fetch_add(&t->vm->running, 1); /* the sender is running: the count cannot be 0 here */
	fetch_or(&t->lapic.events, VLAPIC_EV_START);
	from->st.sipis_sent++;
	vcpu_kick(t);
}

void vcpu_start_finished(struct vcpu *v)
{
	u32 s = xchg(&v->lapic.startup, VLAPIC_FINISHED);

	if (s != VLAPIC_WAIT_SIPI && s != VLAPIC_FINISHED)
		running_dec(v->vm);
}

/* INIT (11.4.7.1 / 9.1.1): LAPIC registers reset (ID and mode kept), nothing pending. */
static void apply_init(struct vcpu *v)
{
	u64 junk[4];
	unsigned long f;

	v->st.inits++;
	fetch_and(&v->lapic.events, ~(VLAPIC_EV_INIT | VLAPIC_EV_NMI));
	vlapic_reset(v);
	vapic_clear_vectors(v);
	/* whatever was posted before the INIT is dropped with the rest of the LAPIC state */
	f = pi_enter_guest(&v->pi, junk);
	pi_env_irq_restore(f);
	vmcs_write32(VM_ENTRY_INTR_INFO, 0);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
		     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) & ~PROC_WINDOWS);
}

/* A real-mode segment: selector, base, 64 KiB limit, access rights (width-checked writes). */
#define REAL_SEG(seg, sel, base, ar)                                                               \
	do {                                                                                       \
		vmcs_write16(GUEST_##seg##_SELECTOR, (sel));                                       \
		vmcs_writenat(GUEST_##seg##_BASE, (base));                                         \
		vmcs_write32(GUEST_##seg##_LIMIT, 0xffff);                                         \
		vmcs_write32(GUEST_##seg##_AR_BYTES, (ar));                                        \
	} while (0)

/*
 * The state after INIT + SIPI (SDM Vol. 3A table 9-1, 9.4.4): real mode, CS:IP = vector << 8 :
 * 0, every other segment 0 with a 64 KiB limit, RFLAGS 2, CR0 = ET|NE (NE is fixed to 1 in VMX
 * operation; PE and PG may be 0 with "unrestricted guest"), EFER 0, EDX the CPUID signature.
 */
static void real_mode(struct vcpu *v, u8 vector)
{
	const struct vmx_caps *caps = vmx_get_caps();
	u64 cr0 = ((CR0_ET | CR0_NE | caps->cr0_fixed0) & caps->cr0_fixed1) & ~(CR0_PE | CR0_PG);

	v->st.sipis++;
	vmcs_writenat(GUEST_CR0, cr0);
	/*
	 * Where pihv owns CR0 bits (a standard guest, vm/vcpu.h VCPU_CR0_OWNED) the guest reads
	 * them from the shadow: CD, NW and ET as INIT leaves them (table 9-1), PE, PG and NE clear.
	 * CD and NW stay 0 underneath (memory is write-back through EPT).
	 */
	vmcs_writenat(CR0_READ_SHADOW, CR0_CD | CR0_NW | CR0_ET);
	vmcs_writenat(CR4_READ_SHADOW, 0);
	vmcs_writenat(GUEST_CR3, 0);
	vmcs_writenat(GUEST_CR4, caps->cr4_fixed0 & caps->cr4_fixed1);
	vmcs_writenat(GUEST_DR7, 0x400);
	vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_write32(VM_ENTRY_CONTROLS,
		     vmcs_read32(VM_ENTRY_CONTROLS) & ~ENTRY_CTL_IA32E_MODE_GUEST);
	REAL_SEG(CS, (u16)(vector << 8), (u64)vector << 12, AR_REAL_CODE);
	REAL_SEG(SS, 0, 0, AR_REAL_DATA);
	REAL_SEG(DS, 0, 0, AR_REAL_DATA);
	REAL_SEG(ES, 0, 0, AR_REAL_DATA);
	REAL_SEG(FS, 0, 0, AR_REAL_DATA);
	REAL_SEG(GS, 0, 0, AR_REAL_DATA);
	REAL_SEG(LDTR, 0, 0, AR_REAL_LDT);
	REAL_SEG(TR, 0, 0, AR_REAL_TSS);
	vmcs_writenat(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writenat(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_writenat(GUEST_RIP, 0);
	vmcs_writenat(GUEST_RSP, 0);
	vmcs_writenat(GUEST_RFLAGS, 0x2); /* bit 1 is reserved-1 (27.3.1.4) */
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writenat(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	v->regs = (struct vcpu_regs){0};
	v->regs.rdx = cpuid(1).eax;
}

/* INIT, SIPI, wait-for-SIPI: the state word decides; the event bit only says "look". */
static enum start_action start_check(struct vcpu *v)
{
	u32 s;

	if (load_relaxed(&v->lapic.events) & VLAPIC_EV_INIT)
		apply_init(v);
	/* cleared before the state is read: a SIPI that changes the state sets it again */
	fetch_and(&v->lapic.events, ~VLAPIC_EV_START);
	for (;;) {
		s = load_acquire(&v->lapic.startup);
		if (s == VLAPIC_ACTIVE)
			return START_RUN;
		if ((s & 0xff) != VLAPIC_SIPI)
			break;
		if (cmpxchg(&v->lapic.startup, &s, VLAPIC_ACTIVE)) {
			real_mode(v, (u8)(s >> 8));
			return START_RUN;
		}
	}
	if (load_acquire(&v->vm->aps_parked))
		return START_PARK;
	/* wait for the SIPI blocked; no interrupt wakes it (pi_put with IF=0: state D); when it
	 * runs again, whatever woke it, the loop comes back here */
	fetch_or(&v->lapic.events, VLAPIC_EV_START);
	v->block_if = false;
	v->st.blocks++; /* every sched_block of a vCPU counts, the trace's block records too */
	sched_block(&v->se);
	if (load_acquire(&v->lapic.startup) != VLAPIC_WAIT_SIPI ||
	    (load_relaxed(&v->lapic.events) & VLAPIC_EV_INIT) || load_acquire(&v->vm->aps_parked))
		sched_wake(&v->se);
	return START_BLOCK;
}

enum start_action vcpu_lapic_events(struct vcpu *v)
{
	if (load_relaxed(&v->lapic.events) & (VLAPIC_EV_INIT | VLAPIC_EV_START)) {
		enum start_action a = start_check(v);
		if (a != START_RUN)
			return a;
	}
	if (load_relaxed(&v->lapic.events) & VLAPIC_EV_NMI)
		vnmi_inject(v);
	return START_RUN;
}
