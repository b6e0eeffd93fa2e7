/* The guest side of the LAPIC in both modes (guests/apic.h). */
#include "guests/apic.h"
#include "guests/lib.h"

static u8 modes[4] = {GA_X2APIC, GA_X2APIC, GA_X2APIC, GA_X2APIC}; /* pihv's ABI entry mode */
static u64 xapic_pd[512] __attribute__((aligned(4096)));

enum ga_mode ga_mode(void)
{
	return modes[g_index_from_stack()];
}

void ga_map_xapic(void)
{
	u64 *pdpt = (u64 *)GUEST_PDPT;
	u64 cr3;

	/* 2 MiB page at 0xfee00000: present, writable, PWT|PCD (uncached), PS (SDM Vol. 3A 4.5) */
	xapic_pd[(APIC_BASE_DEFAULT >> 21) & 511] = APIC_BASE_DEFAULT | 0x9b;
	pdpt[3] = (u64)xapic_pd | 0x3;
	asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

static enum ga_mode mode_of(u64 base)
{
	if (!(base & APIC_BASE_EN))
		return GA_DISABLED;
	return base & APIC_BASE_EXTD ? GA_X2APIC : GA_XAPIC;
}

bool ga_wrmsr_gp(u32 msr, u64 val)
{
	u32 f = g_faults_seen();

	g_expect_fault(13, 2); /* wrmsr: 0f 30 */
	g_wrmsr(msr, val);
	if (g_faults_seen() != f)
		return true;
	g_cancel_fault();
	return false;
}

bool ga_rdmsr_gp(u32 msr, u64 *val)
{
	u32 f = g_faults_seen(), lo = 0, hi = 0;

	g_expect_fault(13, 2); /* rdmsr: 0f 32 */
	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr));
	if (g_faults_seen() != f)
		return true;
	g_cancel_fault();
	*val = (u64)hi << 32 | lo;
	return false;
}

bool ga_set_base(u64 val)
{
	if (ga_wrmsr_gp(MSR_IA32_APIC_BASE, val))
		return false;
	modes[g_index_from_stack()] = mode_of(val);
	return true;
}

static u64 base_flags(void)
{
	return g_rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_BSP;
}

bool ga_to_disabled(void)
{
	return ga_set_base(APIC_BASE_DEFAULT | base_flags());
}

bool ga_to_xapic(void)
{
	return ga_set_base(APIC_BASE_DEFAULT | base_flags() | APIC_BASE_EN);
}

bool ga_to_x2apic(void)
{
	return ga_set_base(APIC_BASE_DEFAULT | base_flags() | APIC_BASE_EN | APIC_BASE_EXTD);
}

static volatile u32 *mmio(u32 off)
{
	return (volatile u32 *)(APIC_BASE_DEFAULT + off);
}

u32 ga_read(u32 off)
{
	if (ga_mode() == GA_X2APIC)
		return (u32)g_rdmsr(X2APIC_MSR(off));
	return *mmio(off);
}

void ga_write(u32 off, u32 val)
{
	if (ga_mode() == GA_X2APIC)
		g_wrmsr(X2APIC_MSR(off), val);
	else
		*mmio(off) = val;
}

void ga_sw_enable(void)
{
	ga_write(APIC_REG_SVR, 0x1ff);
}

void ga_icr(u32 dest, u32 lo)
{
	if (ga_mode() == GA_X2APIC) {
		g_wrmsr(X2APIC_MSR_ICR, ICR_X2APIC_DEST(dest) | lo);
		return;
	}
	*mmio(APIC_REG_ICR_HI) = dest << 24;
	*mmio(APIC_REG_ICR) = lo;
}

void ga_eoi(u32 me)
{
	if (modes[me] == GA_X2APIC)
		g_wrmsr(X2APIC_MSR_EOI, 0);
	else if (modes[me] == GA_XAPIC)
		*mmio(APIC_REG_EOI) = 0;
}

u32 ga_esr(void)
{
	ga_write(APIC_REG_ESR, 0);
	return ga_read(APIC_REG_ESR);
}
