/*
 * NMIs into guests (ICR delivery mode NMI, SDM Vol. 3A 11.6.1), with "virtual NMIs" (SDM Vol. 3C
 * 25.6.1): the CPU tracks the guest's NMI blocking in the interruptibility state (bit 3), sets it
 * when an injected NMI is delivered and clears it at the guest's IRET (26.3).
 *
 * A sender sets VLAPIC_EV_NMI and kicks the target (vcpu_kick: wake it if blocked, even from
 * `cli; hlt`, since an NMI ends HLT regardless of IF; else an IPI to its pCPU for an exit).  At
 * the target's next entry vnmi_inject() injects it (VM-entry interruption type 2, vector 2,
 * 27.6) unless the guest cannot take one now: blocking by NMI, by STI or by MOV SS (the checks
 * of 27.3.1.5 and KVM's choice for STI), or an event already queued for this entry; then
 * NMI-window exiting (26.7.6) brings it back at the first instruction boundary where it can.
 * One NMI may wait while another is being handled (SDM Vol. 3A 6.7.1); more coalesce.
 *
 * Without "virtual NMIs" an injected NMI would block NMIs until the next VM exit whatever the
 * guest's IRET does (26.3), so NMI IPIs are then dropped (docs/vapic.md).
 */
#include "arch/x86/atomic.h"
#include "vm/exit.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vcpu_start.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

#define NMI_VECTOR 2u

void vnmi_send(struct vcpu *from, struct vcpu *t)
{
	if (!vmx_get_controls()->vnmi || t->lapic.mode == VLAPIC_DISABLED ||
	    load_relaxed(&t->lapic.startup) != VLAPIC_ACTIVE)
		return; /* no APIC to receive it, or waiting for a SIPI: NMIs are held off (9.4.4)
			 */
	from->st.nmis_sent++;
	fetch_or(&t->lapic.events, VLAPIC_EV_NMI);
	vcpu_kick(t);
}

void vnmi_inject(struct vcpu *v)
{
	u32 proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);

	if (!(vmcs_read32(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
	    !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
	      (INTERRUPTIBILITY_STI_MOVSS | INTERRUPTIBILITY_NMI))) {
		fetch_and(&v->lapic.events, ~VLAPIC_EV_NMI);
		vmcs_write32(VM_ENTRY_INTR_INFO, NMI_VECTOR |
							 (INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT) |
							 INTR_INFO_VALID);
		v->st.nmis_injected++;
		if (proc & PROC_NMI_WINDOW)
			vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc & ~PROC_NMI_WINDOW);
		return;
	}
	if (!(proc & PROC_NMI_WINDOW))
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc | PROC_NMI_WINDOW);
}

/* The guest can take the NMI now: the entry path injects it (26.7.6). */
enum exit_action exit_nmi_window(struct vcpu *v)
{
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
		     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) & ~PROC_NMI_WINDOW);
	return EXIT_RESUME;
}
