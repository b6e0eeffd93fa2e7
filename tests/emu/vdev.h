/*
 * INTERFACE: a software posting device, the stand-in for a VT-d posting IOMMU (arch/x86/vtd.h's
 * vtd_route_to_host is the real-device path; QEMU has no VMX and Bochs no posting IOMMU).  A
 * host timer on the device's pCPU posts vectors to a vCPU at a fixed period, cycling through
 * [vector, vector + nr_vectors), count times, each through vcpu_post() exactly as the IOMMU
 * would post (PIR, then ON + notification unless ON/SN).
 */
#ifndef VMX_VDEV_H
#define VMX_VDEV_H

#include "arch/x86/timer.h"
#include "lib/types.h"

struct vcpu;

struct vdev {
	struct timer timer;
	struct vcpu *target;
	u8 vector, nr_vectors;
	u32 count;     /* posts to make */
	u32 sent;      /* posts made so far (read by tests after the run) */
	u64 period;    /* TSC ticks between posts */
	u64 first_tsc; /* TSC of the first post */
	u32 cpu;       /* pCPU it runs on */
	u32 deferred;  /* periods skipped: the vector's previous interrupt not taken yet */
};

/* @pre on d->cpu (e.g. from a vm_run_hook hook); d filled in.  Arms the first post. */
void vdev_start(struct vdev *d, u64 delay);

#endif
