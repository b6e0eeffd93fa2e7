/*
 * Which speculative-execution mitigations pihv applies, decided from what the CPU enumerates:
 * CPUID.(EAX=7,ECX=0):EDX, CPUID.(EAX=7,ECX=2):EDX and IA32_ARCH_CAPABILITIES (SDM Vol. 4
 * table 2-2; Intel's "Speculative Execution Side Channel Mitigations" and the per-issue
 * guidance for L1TF, MDS, TAA, MMIO stale data, RFDS, BHI and PBRSB).  Pure, host-tested
 * (tests/host/test_spec.c); arch/x86/spec.c reads the CPU and applies the result.
 */
#ifndef ARCH_X86_SPEC_POLICY_H
#define ARCH_X86_SPEC_POLICY_H

#include "lib/types.h"

/* CPUID.(EAX=7,ECX=0):EDX */
#define SPEC_CPUID_MD_CLEAR  (1u << 10) /* VERW overwrites the CPU buffers */
#define SPEC_CPUID_IBRS_IBPB (1u << 26) /* IA32_SPEC_CTRL.IBRS and IA32_PRED_CMD.IBPB */
#define SPEC_CPUID_STIBP     (1u << 27)
#define SPEC_CPUID_L1D_FLUSH (1u << 28) /* IA32_FLUSH_CMD */
#define SPEC_CPUID_ARCH_CAP  (1u << 29) /* IA32_ARCH_CAPABILITIES */
#define SPEC_CPUID_CORE_CAP  (1u << 30)
#define SPEC_CPUID_SSBD	     (1u << 31)
/* CPUID.(EAX=7,ECX=0):EBX */
#define SPEC_CPUID_RTM (1u << 11)
/* CPUID.(EAX=7,ECX=2):EDX */
#define SPEC_CPUID2_BHI_CTRL (1u << 4) /* IA32_SPEC_CTRL.BHI_DIS_S */

/* IA32_ARCH_CAPABILITIES (MSR 10AH) */
#define ARCH_CAP_RDCL_NO	    (1ull << 0)
#define ARCH_CAP_IBRS_ALL	    (1ull << 1)
#define ARCH_CAP_SKIP_L1DFL_VMENTRY (1ull << 3)
#define ARCH_CAP_MDS_NO		    (1ull << 5)
#define ARCH_CAP_TAA_NO		    (1ull << 8)
#define ARCH_CAP_SBDR_SSDP_NO	    (1ull << 13)
#define ARCH_CAP_FBSDP_NO	    (1ull << 14)
#define ARCH_CAP_PSDP_NO	    (1ull << 15)
#define ARCH_CAP_FB_CLEAR	    (1ull << 17)
#define ARCH_CAP_BHI_NO		    (1ull << 20)
#define ARCH_CAP_PBRSB_NO	    (1ull << 24)
#define ARCH_CAP_RFDS_NO	    (1ull << 27)
#define ARCH_CAP_RFDS_CLEAR	    (1ull << 28)

/* IA32_SPEC_CTRL (MSR 48H) */
#define SPEC_CTRL_IBRS	    (1ull << 0)
#define SPEC_CTRL_BHI_DIS_S (1ull << 10)

struct spec_cpu {
	u32 cpuid7_ebx, cpuid7_edx, cpuid7_2_edx;
	u64 arch_cap; /* 0 when the MSR is absent: every "_NO" bit clear, i.e. affected */
	u32 smt;      /* logical processors per core (CPUID leaf 0xb level 0), 0 if unknown */
};

enum spec_rsb { SPEC_RSB_NONE, SPEC_RSB_LITE, SPEC_RSB_FULL };

struct spec_policy {
	u64 host_spec_ctrl; /* IA32_SPEC_CTRL on every CPU, for good (guests cannot change it) */
	bool ibpb;	    /* IBPB before entering a VM other than the last on this pCPU */
	bool l1d_flush;	    /* IA32_FLUSH_CMD.L1D_FLUSH before every VM entry */
	bool verw;	    /* VERW before every VM entry (unless the L1D flush did it) */
	enum spec_rsb rsb;  /* RSB overwrite after every VM exit */
	/* affected, and the CPU offers no way to mitigate it */
	bool l1tf_open, buffers_open, v2_open;
};

/*
 * all: every mitigation the CPU can do, needed or not (kernel option spec=all: for measuring
 * them and for testing their paths on CPUs that do not need them).
 */
static inline struct spec_policy spec_decide(const struct spec_cpu *c, bool all)
{
	struct spec_policy p = {0, false, false, false, SPEC_RSB_NONE, false, false, false};
	u64 ac = c->cpuid7_edx & SPEC_CPUID_ARCH_CAP ? c->arch_cap : 0;
	bool spec_ctrl = c->cpuid7_edx & SPEC_CPUID_IBRS_IBPB;
	bool eibrs = spec_ctrl && (ac & ARCH_CAP_IBRS_ALL);
	bool l1tf = !(ac & ARCH_CAP_RDCL_NO) && !(ac & ARCH_CAP_SKIP_L1DFL_VMENTRY);
	bool mds = !(ac & ARCH_CAP_MDS_NO);
	bool taa = (c->cpuid7_ebx & SPEC_CPUID_RTM) && !(ac & ARCH_CAP_TAA_NO);
	bool mmio = !((ac & ARCH_CAP_SBDR_SSDP_NO) && (ac & ARCH_CAP_FBSDP_NO) &&
		      (ac & ARCH_CAP_PSDP_NO));
	bool rfds = !(ac & ARCH_CAP_RFDS_NO) && (ac & ARCH_CAP_RFDS_CLEAR);
	bool verw_works = (c->cpuid7_edx & SPEC_CPUID_MD_CLEAR) || (ac & ARCH_CAP_FB_CLEAR);

	/* Spectre v2 guest -> host: enhanced IBRS, set once (no IBRS toggling at exits). */
	if (eibrs)
		p.host_spec_ctrl |= SPEC_CTRL_IBRS;
	if (spec_ctrl && (c->cpuid7_2_edx & SPEC_CPUID2_BHI_CTRL) && !(ac & ARCH_CAP_BHI_NO))
		p.host_spec_ctrl |= SPEC_CTRL_BHI_DIS_S;
	p.v2_open = !spec_ctrl;
	/* guest -> guest through the branch predictors: a barrier between two VMs */
	p.ibpb = spec_ctrl;
	/* L1TF: a guest's not-present PTE reads any host-physical line in the L1D */
	if (l1tf || all) {
		p.l1d_flush = c->cpuid7_edx & SPEC_CPUID_L1D_FLUSH;
		p.l1tf_open = l1tf && !p.l1d_flush;
	}
	/*
	 * MDS, TAA, MMIO stale data, RFDS: the CPU buffers, overwritten by VERW with MD_CLEAR
	 * (or FB_CLEAR) microcode, which also makes L1D_FLUSH overwrite them: after an L1D flush
	 * a VERW would add nothing.
	 */
	if (mds || taa || mmio || rfds || all) {
		p.verw = all || (verw_works && !p.l1d_flush);
		p.buffers_open = (mds || taa || mmio || rfds) && !verw_works;
	}
	/* the RSB after VM exit: guest entries must not steer host returns */
	if (!eibrs || all)
		p.rsb = SPEC_RSB_FULL;
	else if (!(ac & ARCH_CAP_PBRSB_NO))
		p.rsb = SPEC_RSB_LITE;
	return p;
}

#endif
