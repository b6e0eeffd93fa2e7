/*
 * Speculative-execution mitigations: probe, decide (spec_policy.h), report, and the host's
 * IA32_SPEC_CTRL on every CPU.  The BSP's CPUINIT runs before any AP starts, so the policy is
 * read-only by the time another CPU reads it.
 */
#include "arch/x86/spec.h"
#include "arch/x86/percpu.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "lib/string.h"

static struct spec_policy policy;

const struct spec_policy *spec_policy(void)
{
	return &policy;
}

static struct spec_cpu probe(void)
{
	struct spec_cpu c = {0, 0, 0, 0, 0};
	u32 max = cpuid(0).eax;

	if (max >= 7) {
		struct cpuid_regs r = cpuid_count(7, 0);
		c.cpuid7_ebx = r.ebx;
		c.cpuid7_edx = r.edx;
		if (r.eax >= 2)
			c.cpuid7_2_edx = cpuid_count(7, 2).edx;
	}
	if (c.cpuid7_edx & SPEC_CPUID_ARCH_CAP)
		c.arch_cap = rdmsr(MSR_IA32_ARCH_CAPABILITIES);
	/* leaf 0xb level 0 is the SMT level (ECX[15:8] = 1): EBX[15:0] threads per core */
	if (max >= 0xb) {
		struct cpuid_regs r = cpuid_count(0xb, 0);
		if (((r.ecx >> 8) & 0xff) == 1)
			c.smt = r.ebx & 0xffff;
	}
	return c;
}

static bool option_all(void)
{
	const char *s = kernel_option("spec");

	if (!s || !strcmp(s, "auto"))
		return false;
	if (strcmp(s, "all"))
		printk("spec: spec=%s: want auto or all; keeping auto\n", s);
	return !strcmp(s, "all");
}

static void report(const struct spec_cpu *c, bool all)
{
	static const char *const rsb[] = {"off", "lite (PBRSB)", "full (32 entries)"};
	static const char *const ctrl[] = {"", " (eIBRS)", " (BHI_DIS_S)", " (eIBRS, BHI_DIS_S)"};
	const struct spec_policy *p = &policy;
	u32 bits = ((p->host_spec_ctrl & SPEC_CTRL_IBRS) ? 1 : 0) |
		   ((p->host_spec_ctrl & SPEC_CTRL_BHI_DIS_S) ? 2 : 0);

	printk("spec: CPUID.7:EDX %#x, IA32_ARCH_CAPABILITIES %#lx%s; host SPEC_CTRL %#lx%s; "
	       "IBPB between VMs %s; L1D flush on entry %s; VERW on entry %s; RSB after exit %s"
	       "%s\n",
	       c->cpuid7_edx, c->arch_cap, c->cpuid7_edx & SPEC_CPUID_ARCH_CAP ? "" : " (absent)",
	       p->host_spec_ctrl, ctrl[bits], p->ibpb ? "on" : "off", p->l1d_flush ? "on" : "off",
	       p->verw ? "on" : "off", rsb[p->rsb], all ? " (spec=all)" : "");
	if (p->v2_open || p->l1tf_open || p->buffers_open)
		printk("spec: not mitigated on this CPU:%s%s%s\n",
		       p->v2_open ? " branch target injection (no IBRS/IBPB);" : "",
		       p->l1tf_open ? " L1TF (no IA32_FLUSH_CMD);" : "",
		       p->buffers_open ? " MDS/TAA/MMIO/RFDS (no MD_CLEAR: VERW clears nothing);"
				       : "");
	if (c->smt > 1)
		printk("spec: %u threads per core: sibling threads can run different VMs, and "
		       "cross-thread attacks (L1TF, MDS) are not mitigated; disable SMT\n",
		       c->smt);
}

/* CPUINIT: every CPU as it comes online. */
static int spec_cpu_init(void)
{
	if (pcpu_id() == 0) {
		struct spec_cpu c = probe();
		bool all = option_all();

		policy = spec_decide(&c, all);
		report(&c, all);
	}
	if (policy.host_spec_ctrl)
		wrmsr(MSR_IA32_SPEC_CTRL, policy.host_spec_ctrl);
	return 0;
}
CPUINIT(INIT_EARLY, spec_cpu_init);
