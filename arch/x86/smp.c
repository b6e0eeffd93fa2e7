/*
 * AP bring-up (SDM Vol. 3A 9.4.4 "MP initialization example", 11.6.1 INIT/SIPI).
 *
 * The architectural waits are paid once for all APs, not once per AP:
 *   1. INIT to every target; one wait (10 ms per SDM 9.4.4.1, skipped on CPUs that do not
 *      need it, see init_wait_us());
 *   2. SIPI to every target; up to 200 us for each to check in;
 *   3. a second SIPI only to those that did not (an AP that already left wait-for-SIPI
 *      ignores it anyway);
 *   4. wait for them to come online, up to AP_TIMEOUT_US; name every CPU that did not.
 * Each AP takes its dense id in arrival order (so ids stay dense when one fails) with a
 * cmpxchg on id_next; the BSP closes id_next with ID_CLOSED at the end, so a latecomer that
 * wakes after the report parks instead of appearing behind pcpu_count()'s back.
 */
#include "arch/x86/smp.h"
#include "arch/x86/apic.h"
#include "arch/x86/acpi.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/paging.h"
#include "arch/x86/timer.h"
#include "arch/x86/trap.h"
#include "lib/boot_info.h"
#include "lib/config.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/panic.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "lib/string.h"

#define AP_CHECKIN_US 200     /* SDM 9.4.4.1: wait 200 us between the SIPIs */
#define AP_TIMEOUT_US 1000000 /* generous: a TCG vCPU thread may wait for a host core */
#define ID_CLOSED     0x80000000u
#define LOW_LIMIT     0xa0000 /* SIPI vectors reach below 1 MiB; above 640 KiB is VGA and ROM */

/* Filled by smp.c in the copied page; layout fixed by boot/ap_trampoline.S. */
struct ap_tramp_params {
	u64 cr3, cr4, efer, entry;
	u32 ticket, nr_stacks;
	u64 stacks[MAX_CPUS];
};
static_assert(sizeof(struct ap_tramp_params) == 8 * 4 + 4 * 2 + 8 * MAX_CPUS, "trampoline ABI");

extern char ap_trampoline[], ap_trampoline_end[], ap_tramp_gdtr[], ap_tramp_pm_ptr[],
	ap_tramp_lm_ptr[], ap_tramp_params[];

/* A label's offset in the trampoline (to C the labels are separate objects: no pointer minus). */
static u64 tramp_off(const char *label)
{
	return (u64)label - (u64)ap_trampoline;
}

extern char boot_stack_top[], boot_pd[];

struct ap_target {
	u32 apic_id, uid;
	u32 arrived; /* set by the AP (release) as soon as it runs C code */
};

/* Written by the BSP before the first SIPI; read-only for the APs. */
static struct ap_target targets[MAX_CPUS];
static u32 nr_targets;
static struct ap_tramp_params *tramp;
static u64 tramp_page;
/* Next dense CPU id; ID_CLOSED once the BSP has counted.  cmpxchg only. */
static u32 id_next = 1;
static u64 all_online_tsc;

u64 smp_bringup_tsc(void)
{
	return all_online_tsc ? all_online_tsc - pcpu(0)->entry_tsc : 0;
}

/* This CPU's APIC id before its APIC is set up: CPUID 0xB (x2APIC id) or CPUID.1 (8 bits). */
static u32 cpuid_apic_id(void)
{
	if (cpuid(0).eax >= 0xb && cpuid_count(0xb, 0).ebx)
		return cpuid_count(0xb, 0).edx;
	return cpuid(1).ebx >> 24;
}

static u32 claim_id(void)
{
	u32 v = load_relaxed(&id_next);

	do {
		if (v & ID_CLOSED || v >= MAX_CPUS)
			return 0;
	} while (!cmpxchg(&id_next, &v, v + 1));
	return v;
}

static __noreturn void park(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

/* Called by the trampoline on the stack of its ticket.  GS is not set up yet: no printk. */
__noreturn void smp_ap_entry(u32 ticket);
__noreturn void smp_ap_entry(u32 ticket)
{
	u32 apic = cpuid_apic_id();
	struct ap_target *t = NULL;

	for (u32 i = 0; i < nr_targets; i++)
		if (targets[i].apic_id == apic)
			t = &targets[i];
	if (!t)
		park(); /* not a CPU we started: stay out of the way */
	store_release(&t->arrived, 1);
	u32 id = claim_id();
	if (!id)
		park();

	pcpu_init(id, apic);
	this_pcpu()->kstack_top = tramp->stacks[ticket];
	apic_init_cpu(); /* INIT left it in xAPIC mode: each AP enables x2APIC itself */
	if (apic_id() != apic)
		panic("AP APIC id %u, but CPUID says %u", apic_id(), apic);
	cpuinits_run();
	store_release(&this_pcpu()->online, true);
	smp_idle();
}

/* Family, and whether the SDM's 10 ms INIT de-assert wait is needed (pre-P6 CPUs only). */
static u64 init_wait_us(void)
{
	struct cpuid_regs v = cpuid(0), f = cpuid(1);
	u32 family = (f.eax >> 8) & 0xf;

	if (family == 0xf)
		family += (f.eax >> 20) & 0xff;
	bool intel = v.ebx == 0x756e6547 && v.edx == 0x49656e69 && v.ecx == 0x6c65746e;
	bool amd = v.ebx == 0x68747541 && v.edx == 0x69746e65 && v.ecx == 0x444d4163;
	/*
	 * The 10 ms serves CPUs that need time to leave INIT (486/P5-era); P6-and-later Intel
	 * and K8-and-later AMD cores are in wait-for-SIPI by the time the next IPI lands, and the
	 * second SIPI below covers one that is not.
	 */
	if ((intel && family >= 6) || (amd && family >= 0xf))
		return 0;
	return 10000;
}

static bool page_is_free_ram(const struct boot_info *bi, u64 pa)
{
	bool ram = false;

	if (pa < bi->mbi_end && pa + PAGE_SIZE > bi->mbi_start)
		return false;
	for (u32 i = 0; i < bi->nr_modules; i++)
		if (pa < bi->modules[i].end && pa + PAGE_SIZE > bi->modules[i].start)
			return false;
	for (u32 i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];
		if (pa >= e->base + e->len || pa + PAGE_SIZE <= e->base)
			continue;
		if (e->type != BOOT_MEM_RAM || pa < e->base || pa + PAGE_SIZE > e->base + e->len)
			return false; /* overlaps something that is not plain RAM */
		ram = true;
	}
	return ram;
}

/* 0x8000 when free (it is under SeaBIOS, rombios and OVMF), else the first free page. */
static u64 choose_trampoline_page(void)
{
	const struct boot_info *bi = kernel_boot_info();

	if (page_is_free_ram(bi, 0x8000))
		return 0x8000;
	for (u64 pa = PAGE_SIZE; pa < LOW_LIMIT; pa += PAGE_SIZE)
		if (page_is_free_ram(bi, pa))
			return pa;
	return 0;
}

/*
 * AP stacks, each with an unmapped guard page below it.  Static (.bss) rather than allocated:
 * nothing to fail, and no page-zeroing loop, which costs real emulated time on Bochs.
 */
static u8 ap_stacks[MAX_CPUS - 1][PAGE_SIZE + KSTACK_SIZE] __aligned(PAGE_SIZE);

static u64 ap_stack(u32 i)
{
	if (paging_cr3())
		paging_unmap_page((u64)ap_stacks[i]);
	return (u64)ap_stacks[i] + PAGE_SIZE + KSTACK_SIZE;
}

static int setup_trampoline(void)
{
	u64 base = choose_trampoline_page();

	if (!base) {
		printk("smp: no free RAM page below 640 KiB for the AP trampoline\n");
		return -1;
	}
	tramp_page = base;
	memcpy((void *)base, ap_trampoline, tramp_off(ap_trampoline_end));
	/* The absolute addresses the trampoline needs: the page base plus its offsets. */
	*(u32 *)(base + tramp_off(ap_tramp_gdtr) + 2) += (u32)base;
	*(u32 *)(base + tramp_off(ap_tramp_pm_ptr)) += (u32)base;
	*(u32 *)(base + tramp_off(ap_tramp_lm_ptr)) += (u32)base;
	tramp = (struct ap_tramp_params *)(base + tramp_off(ap_tramp_params));
	tramp->cr3 = read_cr3();
	tramp->cr4 = read_cr4() & ~CR4_VMXE; /* VMX is enabled per CPU by its own CPUINIT */
	tramp->efer = rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE);
	tramp->entry = (u64)smp_ap_entry;
	for (u32 i = 0; i < nr_targets; i++)
		tramp->stacks[i] = ap_stack(i);
	tramp->ticket = 0;
	tramp->nr_stacks = nr_targets;
	if (paging_cr3())
		paging_make_exec(base);
	return 0;
}

/* The BSP runs on the boot stack; the page below it (the last boot PD, dead once paging_init
 * has switched tables) becomes its guard. */
static void bsp_stack_guard(void)
{
	u64 guard = (u64)boot_stack_top - KSTACK_SIZE - PAGE_SIZE;

	pcpu(0)->kstack_top = (u64)boot_stack_top;
	if (paging_cr3() && guard >= (u64)boot_pd &&
	    guard + PAGE_SIZE <= (u64)boot_pd + 4 * PAGE_SIZE)
		paging_unmap_page(guard);
}

/* smp=N, 1..MAX_CPUS: kernel/cmdline.c refuses (and reports) anything else. */
static u32 max_cpus_option(void)
{
	return (u32)kernel_option_u64("smp", MAX_CPUS);
}

static void pick_targets(void)
{
	const struct acpi_info *a = kernel_acpi_info();
	u32 max = max_cpus_option(), bsp = this_pcpu()->apic_id;

	for (u32 i = 0; i < a->nr_cpus; i++) {
		const struct acpi_cpu *c = &a->cpus[i];
		if (!c->enabled || c->apic_id == bsp)
			continue;
		if (nr_targets + 1 >= max) {
			printk("smp: CPU apic %u not started (limit %u CPUs)\n", c->apic_id, max);
			continue;
		}
		if (apic_mode() == APIC_MODE_XAPIC && c->apic_id > 0xfe) {
			printk("smp: CPU apic %u not started: needs x2APIC mode\n", c->apic_id);
			continue;
		}
		targets[nr_targets++] = (struct ap_target){c->apic_id, c->uid, 0};
	}
}

static bool all_arrived(void)
{
	for (u32 i = 0; i < nr_targets; i++)
		if (!load_acquire(&targets[i].arrived))
			return false;
	return true;
}

/* Waits until every claimed id is online, or the deadline. */
static bool wait_online(u64 deadline)
{
	for (;;) {
		u32 v = load_acquire(&id_next), n = v & ~ID_CLOSED;
		bool all =
			(v & ID_CLOSED) || n - 1 == nr_targets; /* closed: only the claimed ones */
		for (u32 id = 1; id < n; id++)
			if (!load_acquire(&pcpu(id)->online))
				all = false;
		if (all)
			return true;
		if ((s64)(rdtsc() - deadline) > 0)
			return false;
		cpu_relax();
	}
}

static void on_ipi_call(struct trap_frame *f)
{
	(void)f; /* only wakes the target from HLT: the call runs in smp_idle or a waiter */
}

static int smp_init(void)
{
	u64 t0 = rdtsc();
	u8 vector;

	trap_register(VEC_IPI_CALL, on_ipi_call);
	bsp_stack_guard();
	pick_targets();
	if (!nr_targets) {
		printk("smp: no other CPU to start\n");
		return 0;
	}
	if (setup_trampoline() < 0)
		return -1;
	vector = (u8)(tramp_page >> 12);

	for (u32 i = 0; i < nr_targets; i++)
		apic_send_init(targets[i].apic_id);
	timer_udelay(init_wait_us());
	for (u32 i = 0; i < nr_targets; i++)
		apic_send_sipi(targets[i].apic_id, vector);
	u64 until = rdtsc() + timer_us_to_tsc(AP_CHECKIN_US);
	while (!all_arrived() && (s64)(rdtsc() - until) < 0)
		cpu_relax();
	for (u32 i = 0; i < nr_targets; i++)
		if (!load_acquire(&targets[i].arrived))
			apic_send_sipi(targets[i].apic_id, vector);

	bool ok = wait_online(rdtsc() + timer_us_to_tsc(AP_TIMEOUT_US));
	u32 n = fetch_or(&id_next, ID_CLOSED) & ~ID_CLOSED;
	if (!ok)
		wait_online(rdtsc() + timer_us_to_tsc(AP_TIMEOUT_US)); /* the last claims */
	u32 online = 1;
	while (online < n && load_acquire(&pcpu(online)->online))
		online++;
	all_online_tsc = rdtsc();
	pcpu_set_count(online);

	for (u32 i = 0; i < nr_targets; i++)
		if (!load_acquire(&targets[i].arrived))
			printk("smp: CPU apic %u (ACPI uid %u) did not start\n", targets[i].apic_id,
			       targets[i].uid);
	for (u32 id = online; id < n; id++)
		printk("smp: CPU %u (apic %u) started but did not come online\n", id,
		       pcpu(id)->apic_id);
	printk("smp: %u of %u CPUs online (trampoline %#lx, INIT wait %lu us); bring-up %lu us, "
	       "kernel entry to all online %lu us\n",
	       online, nr_targets + 1, tramp_page, init_wait_us(),
	       timer_tsc_to_us(all_online_tsc - t0), timer_tsc_to_us(smp_bringup_tsc()));
	return online == nr_targets + 1 ? 0 : -1;
}
INITCALL(INIT_SMP, smp_init);
