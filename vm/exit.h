/* INTERFACE: VM-exit dispatch (exit.c) and the handlers' common return contract. */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include "lib/types.h"

struct vcpu;

/*
 * Return contract of every exit handler:
 *   EXIT_RESUME  re-enter this vCPU at once (the handler moved RIP or queued an event);
 *   EXIT_SWITCH  go through sched_switch() (HLT miss after sched_block, yield, slice over);
 *                the scheduler may well pick this vCPU again;
 *   EXIT_STOP    this vCPU stops for good: it exited, or its VM was killed.
 */
enum exit_action { EXIT_RESUME, EXIT_SWITCH, EXIT_STOP };

/* Reads the exit reason, counts it, dispatches through the table. @pre v's VMCS is current. */
enum exit_action vmx_handle_exit(struct vcpu *v);
/* The one fatal path: dumps exit fields + guest registers, kills only v's VM. */
enum exit_action vmx_exit_fatal(struct vcpu *v, const char *why);
/* Name of a basic exit reason ("?" if unknown). */
const char *vmx_exit_name(u32 reason);

/* Handlers in their own files, one concept each (exit_*.c). */
enum exit_action exit_cpuid(struct vcpu *v);
enum exit_action exit_vmcall(struct vcpu *v);
enum exit_action exit_io(struct vcpu *v);
enum exit_action exit_rdmsr(struct vcpu *v);
enum exit_action exit_wrmsr(struct vcpu *v);
enum exit_action exit_hlt(struct vcpu *v);
enum exit_action exit_wbinvd(struct vcpu *v);
enum exit_action exit_monitor_mwait(struct vcpu *v);
enum exit_action exit_rdpmc(struct vcpu *v);
enum exit_action exit_xsetbv(struct vcpu *v);
enum exit_action exit_cr_access(struct vcpu *v);
enum exit_action exit_ud(struct vcpu *v);
enum exit_action exit_nmi_window(struct vcpu *v);  /* vnmi.c */
enum exit_action exit_apic_access(struct vcpu *v); /* vapic_xapic.c */
enum exit_action exit_apic_write(struct vcpu *v);  /* vapic_xapic.c */

#endif
