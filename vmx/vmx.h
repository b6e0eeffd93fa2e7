/*
 * INTERFACE: VMX root operation on every pCPU and the capabilities it was built from.
 * vmx.c probes CPUID and every IA32_VMX_* MSR (SDM Vol. 3D App. A), handles
 * IA32_FEATURE_CONTROL, runs VMXON on each CPU as it comes online (CPUINIT) and, once on the
 * BSP, prints the capability report and computes the controls every VMCS uses (INITCALL).
 */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include "lib/types.h"

/* Raw capability MSRs; the *_ctls values are the TRUE_ variants when IA32_VMX_BASIC[55]. */
struct vmx_caps {
	u64 basic, pin, proc, proc2, proc3, exit, entry, misc, ept_vpid;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool true_ctls;
};

/* The controls every vCPU starts from: allowed-0 bits set, wanted bits where allowed-1. */
struct vmx_controls {
	u32 pin, proc, proc2, exit, entry;
	bool preempt_timer;   /* PIN_PREEMPTION_TIMER is on */
	u32 preempt_shift;    /* timer ticks once every 2^shift TSC ticks (IA32_VMX_MISC[4:0]) */
	bool vpid;	      /* PROC2_ENABLE_VPID is on */
	bool rdtscp, invpcid; /* the guest may execute RDTSCP/RDPID, INVPCID */
	bool invept_single, invvpid_single;
	/* APICv (SDM Vol. 3C ch. 30), each only where allowed-1 and its prerequisites are on */
	bool x2apic_virt;  /* TPR shadow + virtualize x2APIC mode */
	bool apic_regs;	   /* APIC-register virtualization */
	bool vid;	   /* virtual-interrupt delivery */
	bool posted;	   /* posted-interrupt processing with PI_NOTIFY_VECTOR */
	bool apic_access;  /* virtualize APIC accesses may be set (the xAPIC's vCPUs: vm/vapic.c) */
	bool unrestricted; /* unrestricted guest: standard (VM_PC) guests, and real mode after a
			      SIPI (vm/vcpu_start.c) */
	bool vnmi;	   /* virtual NMIs and NMI-window exiting: NMI IPIs (vm/vnmi.c) */
};

/* @post non-NULL only if platform.vmx: VMXON succeeded on every online CPU. */
const struct vmx_caps *vmx_get_caps(void);
const struct vmx_controls *vmx_get_controls(void);
/*
 * Init only (BSP): a module above vmx/ could not build what every VM needs.  VMX is off from
 * now on for guests: vmx_get_caps/controls return NULL, platform.vmx and .pi are cleared (the
 * banner says vmx=off), and "vmx: off: <why>" is printed.
 */
void vmx_refuse(const char *why);
/* True once VMXON succeeded on the calling pCPU. */
bool vmx_cpu_is_on(void);
/* VMCS revision identifier to put in the first dword of every VMCS (SDM Vol. 3C 25.2). */
u32 vmx_vmcs_revision(void);

#endif
