#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/trap.h"
#include "lib/config.h"

/* Chosen once by the BSP before any AP starts; read-only afterwards. */
static enum apic_mode mode;
static u64 xapic_base = 0xfee00000;
static u64 errors, spurious;

u32 apic_read(u32 reg)
{
	if (mode == APIC_MODE_X2APIC)
		return (u32)rdmsr(X2APIC_MSR(reg));
	return __atomic_load_n((u32 *)(xapic_base + reg), __ATOMIC_RELAXED);
}

void apic_write(u32 reg, u32 v)
{
	if (mode == APIC_MODE_X2APIC)
		wrmsr(X2APIC_MSR(reg), v);
	else
		__atomic_store_n((u32 *)(xapic_base + reg), v, __ATOMIC_RELAXED);
}

static void on_error(struct trap_frame *f)
{
	(void)f;
	apic_write(APIC_REG_ESR, 0); /* latch, then read (SDM Vol. 3A 11.5.3) */
	(void)apic_read(APIC_REG_ESR);
	fetch_add(&errors, 1);
}

static void on_spurious(struct trap_frame *f)
{
	(void)f;
	fetch_add(&spurious, 1);
}

void apic_choose_mode(bool allow_x2apic)
{
	bool x2 = cpuid(1).ecx & BIT(21);

	mode = (x2 && allow_x2apic) ? APIC_MODE_X2APIC : APIC_MODE_XAPIC;
	xapic_base = rdmsr(MSR_IA32_APIC_BASE) & GENMASK_ULL(51, 12);
	trap_register(VEC_APIC_ERROR, on_error);
	trap_register(VEC_SPURIOUS, on_spurious);
}

void apic_init_cpu(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	/* x2APIC is entered from enabled xAPIC mode (SDM Vol. 3A 11.12.5, figure 11-26). */
	base |= APIC_BASE_EN;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (mode == APIC_MODE_X2APIC)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	apic_write(APIC_REG_TPR, 0);
	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_REG_LVT_LINT0, APIC_LVT_MASKED); /* the 8259 path (ExtINT) is unused */
	apic_write(APIC_REG_LVT_LINT1, APIC_LVT_MASKED);
	apic_write(APIC_REG_LVT_ERROR, VEC_APIC_ERROR);
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	apic_write(APIC_REG_ESR, 0);
	apic_write(APIC_REG_ESR, 0);
}

enum apic_mode apic_mode(void)
{
	return mode;
}

const char *apic_mode_name(void)
{
	return mode == APIC_MODE_X2APIC ? "x2apic" : "xapic";
}

u32 apic_id(void)
{
	u32 id = apic_read(APIC_REG_ID);
	return mode == APIC_MODE_X2APIC ? id : id >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_REG_EOI, 0);
}

static void send_icr(u32 dest, u32 low)
{
	if (mode == APIC_MODE_X2APIC) {
		/*
		 * WRMSR to the x2APIC ICR is not serializing: fence so that stores made before
		 * the IPI are globally visible when the target runs its handler (SDM Vol. 3A
		 * 11.12.3).
		 */
		asm volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR_ICR, ((u64)dest << 32) | low);
		return;
	}
	unsigned long f = irq_save();
	apic_write(APIC_REG_ICR_HI, dest << 24);
	apic_write(APIC_REG_ICR, low);
	while (apic_read(APIC_REG_ICR) & ICR_DELIVERY_STATUS)
		cpu_relax();
	irq_restore(f);
}

void apic_send_ipi(u32 dest, u8 vector)
{
	send_icr(dest, vector);
}

void apic_send_ipi_all_but_self(u8 vector)
{
	send_icr(0, ICR_ALL_BUT_SELF | vector);
}

void apic_self_ipi(u8 vector)
{
	if (mode == APIC_MODE_X2APIC)
		wrmsr(X2APIC_MSR_SELF_IPI, vector);
	else
		send_icr(apic_id(), vector);
}

void apic_send_nmi(u32 dest)
{
	send_icr(dest, ICR_NMI); /* the vector field is ignored for NMI delivery (11.6.1) */
}

void apic_send_init(u32 dest)
{
	send_icr(dest, ICR_INIT | ICR_LEVEL_ASSERT);
}

void apic_send_sipi(u32 dest, u8 page)
{
	send_icr(dest, ICR_STARTUP | page);
}

u64 apic_error_count(void)
{
	return load_relaxed(&errors);
}

u64 apic_spurious_count(void)
{
	return load_relaxed(&spurious);
}
