/*
 * Counters of the posted-interrupt machinery: per pCPU here, per vCPU in
 * struct vcpu_stats (vm/vcpu.h).  Printed by vm_print_stats() / vcpu_print_pcpu_stats().
 */
#ifndef VMX_PI_STATS_H
#define VMX_PI_STATS_H

#include "lib/config.h"
#include "lib/types.h"

/* Written only by the pCPU itself (plain increments), read by anyone after the run. */
struct pi_pcpu_stats {
	u64 desc_writes; /* descriptor control-word writes done on this pCPU */
	u64 self_ipis;	 /* PI_WAKEUP self-IPIs sent by pi_put (ON already set at put) */
	u64 wakeup_irqs; /* PI_WAKEUP_VECTOR interrupts taken (root mode) */
	u64 notify_irqs; /* PI_NOTIFY_VECTOR interrupts taken in root mode */
	u64 idle_halts;	 /* sti;hlt in the pCPU loop */
	u64 pulls;	 /* vCPUs pulled here by the load balancer */
};

extern struct pi_pcpu_stats pi_pcpu_stats[MAX_CPUS];

#endif
