/*
 * VMX bring-up: CPUID + IA32_VMX_* probe, IA32_FEATURE_CONTROL, VMXON per pCPU, the report.
 *
 * Order (lib/initcall.h): vmx_cpu_enable() is a CPUINIT, so it runs on the BSP before the
 * initcalls and on each AP when it comes online (INIT_SMP happens before INIT_VMX); then
 * vmx_probe() runs once on the BSP, prints what this machine offers, computes the controls,
 * and sets platform.vmx only if every online CPU is in VMX root operation.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/mm.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"

#define CPUID1_ECX_VMX	(1u << 5)
#define BASIC_TRUE_CTLS (1ull << 55) /* SDM Vol. 3D A.1 */

/* Per-pCPU VMX state (STYLE rule 5); written by the CPU itself, read by the BSP after SMP. */
struct vmx_pcpu {
	void *vmxon_region;
	bool on;
};
static struct vmx_pcpu vmx_pcpus[MAX_CPUS];

static struct vmx_caps caps;
static struct vmx_controls ctls;
static bool ready;

const struct vmx_caps *vmx_get_caps(void)
{
	return ready ? &caps : NULL;
}

const struct vmx_controls *vmx_get_controls(void)
{
	return ready ? &ctls : NULL;
}

void vmx_refuse(const char *why)
{
	printk("vmx: off: %s\n", why);
	ready = false;
	platform.vmx = false;
	platform.pi = false;
}

bool vmx_cpu_is_on(void)
{
	return load_acquire(&vmx_pcpus[pcpu_id()].on);
}

u32 vmx_vmcs_revision(void)
{
	return (u32)(rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff);
}

/*
 * IA32_FEATURE_CONTROL (SDM Vol. 3C 24.7): firmware either locks it (then VMXON outside SMX
 * works only if bit 2 is set) or leaves it unlocked for us to set bit 2 and lock.  rombios on
 * Bochs locks it with VMX on; SeaBIOS leaves 0.
 */
static int feature_control(void)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
			printk("vmx: cpu %u: IA32_FEATURE_CONTROL %#lx is locked with VMX disabled "
			       "by firmware: enable VT-x in the firmware setup\n",
			       pcpu_id(), fc);
			return -1;
		}
		return 0;
	}
	wrmsr(MSR_IA32_FEATURE_CONTROL,
	      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	return 0;
}

/* CPUINIT: on every CPU as it comes online. */
static int vmx_cpu_enable(void)
{
	struct vmx_pcpu *v = &vmx_pcpus[pcpu_id()];
	u64 cr0, cr4, pa;
	u8 cf, zf;

	if (!(cpuid(1).ecx & CPUID1_ECX_VMX)) {
		if (pcpu_id() == 0)
			printk("vmx: not available: CPUID.1:ECX.VMX[bit 5] = 0\n");
		return 0;
	}
	if (feature_control() < 0)
		return -1;

	/* CR0/CR4 bits fixed in VMX operation (SDM Vol. 3D A.7, A.8); CR4.VMXE is one of them. */
	cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4 = (read_cr4() | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
	      rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);

	if (!v->vmxon_region)
		v->vmxon_region = page_alloc();
	if (!v->vmxon_region) {
		printk("vmx: cpu %u: no memory for the VMXON region\n", pcpu_id());
		return -1;
	}
	*(u32 *)v->vmxon_region = vmx_vmcs_revision();
	pa = (u64)v->vmxon_region;
	asm volatile("vmxon %2; setc %0; setz %1"
		     : "=qm"(cf), "=qm"(zf)
		     : "m"(pa)
		     : "cc", "memory");
	if (cf | zf) {
		printk("vmx: cpu %u: VMXON failed (%s; CR0 %#lx CR4 %#lx)\n", pcpu_id(),
		       cf ? "VMfailInvalid" : "VMfailValid", cr0, cr4);
		return -1;
	}
	store_release(&v->on, true);
	return 0;
}
CPUINIT(INIT_VMX, vmx_cpu_enable);

/*
 * Control value from a capability MSR (SDM Vol. 3D A.3-A.5): bits 31:0 are allowed-0 (must
 * be 1), bits 63:32 allowed-1 (may be 1).  `need` bits missing from allowed-1 is an error;
 * `want` bits are taken when allowed.
 */
static bool adjust(const char *what, u64 msr, u32 need, u32 want, u32 *out)
{
	u32 must = (u32)msr, may = (u32)(msr >> 32);

	if (need & ~may) {
		printk("vmx: %s controls lack required bits %#x (allowed-1 %#x)\n", what,
		       need & ~may, may);
		return false;
	}
	*out = (must | need | want) & may;
	return true;
}

static void read_caps(void)
{
	caps.basic = rdmsr(MSR_IA32_VMX_BASIC);
	caps.true_ctls = caps.basic & BASIC_TRUE_CTLS;
	caps.pin = rdmsr(caps.true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
					: MSR_IA32_VMX_PINBASED_CTLS);
	caps.proc = rdmsr(caps.true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
					 : MSR_IA32_VMX_PROCBASED_CTLS);
	caps.exit = rdmsr(caps.true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	caps.entry = rdmsr(caps.true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	caps.misc = rdmsr(MSR_IA32_VMX_MISC);
	caps.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* The secondary / tertiary MSRs exist only if the primary control may be 1 (A.3.2). */
	if (caps.proc >> 32 & PROC_SECONDARY_CONTROLS) {
		caps.proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		if (caps.proc2 >> 32 & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
			caps.ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}
	if (caps.proc >> 32 & (1ull << 17)) /* activate tertiary controls (A.3.4) */
		caps.proc3 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS3);
}

/* IA32_VMX_EPT_VPID_CAP bits (SDM Vol. 3D A.10). */
#define EPT_CAP_WALK4	       (1ull << 6)
#define EPT_CAP_WB	       (1ull << 14)
#define EPT_CAP_INVEPT	       (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE  (1ull << 25)
#define EPT_CAP_INVVPID	       (1ull << 32)
#define EPT_CAP_INVVPID_SINGLE (1ull << 41)

/*
 * `pi=off` on the command line: the fallback (the same pi/ descriptors, vectors moved to the
 * guest by the hypervisor at entry) even where the CPU has posted-interrupt processing, for
 * make bench and for comparing the two paths on one CPU model.  VID stays as the CPU allows.
 */
static bool pi_forced_off(void)
{
	const char *s = kernel_option("pi");

	if (!s || !*s || !strcmp(s, "on"))
		return false;
	if (strcmp(s, "off"))
		printk("vmx: pi=%s: want on or off; keeping on\n", s);
	return !strcmp(s, "off");
}

/*
 * `vmx_preempt_timer=off`: do without the VMX-preemption timer even where the CPU has it, so
 * that its fallback (a host timer and external-interrupt exiting, vm/vcpu_run.c) runs on every
 * CPU model, as it must on CPUs without the timer.
 */
static bool preempt_timer_forced_off(void)
{
	const char *s = kernel_option("vmx_preempt_timer");

	if (!s || !strcmp(s, "on"))
		return false;
	if (strcmp(s, "off"))
		printk("vmx: vmx_preempt_timer=%s: want on or off; keeping on\n", s);
	return !strcmp(s, "off");
}

static bool compute_controls(void)
{
	bool ok = true;
	u32 proc2_want = PROC2_ENABLE_VPID;

	/* Guests need EPT for isolation: 4-level walks and write-back paging structures. */
	if ((caps.ept_vpid & (EPT_CAP_WALK4 | EPT_CAP_WB)) != (EPT_CAP_WALK4 | EPT_CAP_WB)) {
		printk("vmx: EPT lacks 4-level walks or write-back type (cap %#lx)\n",
		       caps.ept_vpid);
		ok = false;
	}
	/* A VPID without INVVPID could not be flushed if ever reused: then do without. */
	if (!(caps.ept_vpid & EPT_CAP_INVVPID))
		proc2_want = 0;

	ok &= adjust("pin-based", caps.pin, PIN_EXT_INTR_EXITING | PIN_NMI_EXITING,
		     PIN_PREEMPTION_TIMER | PIN_POSTED_INTR | PIN_VIRTUAL_NMIS, &ctls.pin);
	/*
	 * MSR bitmaps: x2APIC reads, EOI, TPR and self-IPI go virtual (vm/msr_bitmap.c).  MWAIT,
	 * MONITOR and RDPMC would otherwise run natively (26.1.3): a guest could wait in guest
	 * mode on the host's cache lines or read the host's performance counters (vm/exit_insn.c).
	 */
	ok &= adjust("processor-based", caps.proc,
		     PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_SECONDARY_CONTROLS |
			     PROC_USE_MSR_BITMAPS | PROC_MWAIT_EXITING | PROC_RDPMC_EXITING |
			     PROC_MONITOR_EXITING,
		     PROC_TPR_SHADOW, &ctls.proc);
	/* Unconditional I/O exiting is ignored if I/O bitmaps are used (25.6.4): keep them off. */
	ctls.proc &= ~(PROC_USE_IO_BITMAPS | PROC_INTR_WINDOW | PROC_NMI_WINDOW);
	proc2_want |= PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRTUAL_INTR_DELIVERY |
		      PROC2_VIRT_APIC_ACCESS;
	/* Without it RDTSCP and RDPID are #UD in guests, whatever CPUID says (26.3 / 25.6.2). */
	proc2_want |= PROC2_ENABLE_RDTSCP;
	/*
	 * Unrestricted guest (25.6.2, table 25-7): a standard guest starts with paging off and
	 * switches modes itself, and a SIPI starts a vCPU in real mode (vm/vcpu_start.c).  It
	 * needs EPT, which every VMCS has; flat guests do not care.
	 */
	proc2_want |= PROC2_UNRESTRICTED_GUEST;
	/* INVPCID is #UD in the guest unless enabled (25.6.2): CPUID offers it only when it is. */
	proc2_want |= PROC2_ENABLE_INVPCID;
	/* WBINVD natively would write back and drop every cache line of the pCPU (26.1.3). */
	ok &= adjust("secondary", caps.proc2, PROC2_ENABLE_EPT | PROC2_WBINVD_EXITING, proc2_want,
		     &ctls.proc2);
	/*
	 * Prerequisites (26.2.1.1): virtualize x2APIC needs the TPR shadow; VID needs it too and
	 * external-interrupt exiting; posted interrupts need VID and ack-on-exit.
	 */
	if (!(ctls.proc & PROC_TPR_SHADOW))
		ctls.proc2 &=
			~(PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT | PROC2_VIRTUAL_INTR_DELIVERY);
	if (!(ctls.proc2 & PROC2_VIRT_X2APIC))
		ctls.proc2 &= ~(PROC2_APIC_REG_VIRT | PROC2_VIRTUAL_INTR_DELIVERY);
	if (!(ctls.proc2 & PROC2_VIRTUAL_INTR_DELIVERY))
		ctls.pin &= ~PIN_POSTED_INTR;
	if (pi_forced_off())
		ctls.pin &= ~PIN_POSTED_INTR;
	ctls.x2apic_virt = ctls.proc2 & PROC2_VIRT_X2APIC;
	ctls.apic_regs = ctls.proc2 & PROC2_APIC_REG_VIRT;
	ctls.vid = ctls.proc2 & PROC2_VIRTUAL_INTR_DELIVERY;
	ctls.posted = ctls.pin & PIN_POSTED_INTR;
	/* Per vCPU one of the two APIC modes is virtualized (vm/vapic.c sets proc2 per mode). */
	ctls.apic_access = ctls.proc2 & PROC2_VIRT_APIC_ACCESS;
	ctls.proc2 &= ~PROC2_VIRT_APIC_ACCESS;
	ctls.unrestricted = ctls.proc2 & PROC2_UNRESTRICTED_GUEST;
	/* NMI-window exiting needs virtual NMIs (26.2.1.1) */
	ctls.vnmi = (ctls.pin & PIN_VIRTUAL_NMIS) && (caps.proc >> 32 & PROC_NMI_WINDOW);
	if (!ctls.vnmi)
		ctls.pin &= ~PIN_VIRTUAL_NMIS;
	/*
	 * Save/load debug controls: the guest's DR7 and IA32_DEBUGCTL live in the VMCS (28.3,
	 * 27.3.2.1).  Without them a VM exit sets DR7 to 400H (28.5.1) and the entry does not load
	 * it back: every guest would lose its DR7 at each exit.
	 */
	ok &= adjust("exit", caps.exit,
		     EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_ACK_INTR_ON_EXIT | EXIT_CTL_SAVE_PAT |
			     EXIT_CTL_LOAD_PAT | EXIT_CTL_SAVE_EFER | EXIT_CTL_LOAD_EFER |
			     EXIT_CTL_SAVE_DEBUG,
		     0, &ctls.exit);
	ok &= adjust("entry", caps.entry,
		     ENTRY_CTL_IA32E_MODE_GUEST | ENTRY_CTL_LOAD_PAT | ENTRY_CTL_LOAD_EFER |
			     ENTRY_CTL_LOAD_DEBUG,
		     0, &ctls.entry);
	if (preempt_timer_forced_off())
		ctls.pin &= ~PIN_PREEMPTION_TIMER;
	ctls.preempt_timer = ctls.pin & PIN_PREEMPTION_TIMER;
	ctls.preempt_shift = caps.misc & 0x1f;
	ctls.vpid = ctls.proc2 & PROC2_ENABLE_VPID;
	ctls.rdtscp = ctls.proc2 & PROC2_ENABLE_RDTSCP;
	ctls.invpcid = ctls.proc2 & PROC2_ENABLE_INVPCID;
	ctls.invept_single = (caps.ept_vpid & (EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE)) ==
			     (EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE);
	ctls.invvpid_single = (caps.ept_vpid & (EPT_CAP_INVVPID | EPT_CAP_INVVPID_SINGLE)) ==
			      (EPT_CAP_INVVPID | EPT_CAP_INVVPID_SINGLE);
	return ok;
}

/*
 * Posted interrupts need, really allowed-1 (SDM Vol. 3C 25.6.8, 30.6): pin-based "process
 * posted interrupts" (bit 7), secondary "virtual-interrupt delivery" (bit 9, which itself
 * needs the secondary controls) and the exit control "acknowledge interrupt on exit" (bit 15).
 */
static bool pi_usable(void)
{
	bool pin7 = caps.pin >> 32 & PIN_POSTED_INTR;
	bool vid = (caps.proc >> 32 & PROC_SECONDARY_CONTROLS) &&
		   (caps.proc2 >> 32 & PROC2_VIRTUAL_INTR_DELIVERY);
	bool ack = caps.exit >> 32 & EXIT_CTL_ACK_INTR_ON_EXIT;

	printk("vmx: posted interrupts: pin[7]=%d virtual-interrupt-delivery=%d ack-on-exit=%d\n",
	       pin7, vid, ack);
	return pin7 && vid && ack;
}

static void report(void)
{
	printk("vmx: IA32_FEATURE_CONTROL %#lx, basic %#lx (revision %lu, region %lu bytes, "
	       "memtype %lu, TRUE controls %s)\n",
	       rdmsr(MSR_IA32_FEATURE_CONTROL), caps.basic, caps.basic & 0x7fffffff,
	       (caps.basic >> 32) & 0x1fff, (caps.basic >> 50) & 0xf,
	       caps.true_ctls ? "yes" : "no");
	printk("vmx: caps pin %#lx proc %#lx proc2 %#lx proc3 %#lx\n", caps.pin, caps.proc,
	       caps.proc2, caps.proc3);
	printk("vmx: caps exit %#lx entry %#lx misc %#lx ept/vpid %#lx\n", caps.exit, caps.entry,
	       caps.misc, caps.ept_vpid);
	printk("vmx: fixed cr0 %#lx/%#lx cr4 %#lx/%#lx\n", caps.cr0_fixed0, caps.cr0_fixed1,
	       caps.cr4_fixed0, caps.cr4_fixed1);
}

/* INITCALL on the BSP, after the APs ran their CPUINITs. */
static int vmx_probe(void)
{
	u32 n = pcpu_count(), on = 0;

	if (!(cpuid(1).ecx & CPUID1_ECX_VMX))
		return 0; /* vmx_cpu_enable() already said so */
	read_caps();
	report();
	platform.pi = pi_usable();
	if (!compute_controls()) {
		printk("vmx: required controls missing: no guests\n");
		platform.pi = false;
		return -1;
	}
	printk("vmx: controls pin %#x proc %#x proc2 %#x exit %#x entry %#x; preemption timer %s "
	       "(rate 2^%u), vpid %s\n",
	       ctls.pin, ctls.proc, ctls.proc2, ctls.exit, ctls.entry,
	       ctls.preempt_timer ? "on" : "off", ctls.preempt_shift, ctls.vpid ? "on" : "off");
	printk("vmx: APICv: x2apic-virt %s, apic-access-virt %s, apic-register-virt %s, "
	       "virtual-interrupt-delivery %s, posted interrupts %s, virtual NMIs %s, unrestricted "
	       "guest %s\n",
	       ctls.x2apic_virt ? "on" : "off", ctls.apic_access ? "on" : "off",
	       ctls.apic_regs ? "on" : "off", ctls.vid ? "on" : "off", ctls.posted ? "on" : "off",
	       ctls.vnmi ? "on" : "off", ctls.unrestricted ? "on" : "off");
	if (platform.pi && pi_forced_off())
		printk("vmx: pi=off on the command line: posted interrupts off, the fallback "
		       "runs\n");
	platform.pi = platform.pi && ctls.posted;
	for (u32 i = 0; i < n; i++)
		on += load_acquire(&pcpu(i)->online) && load_acquire(&vmx_pcpus[i].on);
	printk("vmx: VMXON on %u of %u CPUs\n", on, n);
	if (on != n) {
		platform.pi = false;
		return -1;
	}
	ready = true;
	platform.vmx = true;
	return 0;
}
INITCALL(INIT_VMX, vmx_probe);
