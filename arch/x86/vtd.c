/*
 * VT-d bring-up: find the remapping units in the DMAR, check what each can do, and turn on
 * interrupt remapping with queued invalidation, in the order VT-d spec rev. 4.1 asks for:
 *   fault event (11.4.6) -> QI (6.5.2, 11.4.9) -> IRTA + SIRTP (11.4.10, 11.4.4) ->
 *   global IEC invalidation (6.5.2.7) -> CFI kept off (5.1.5.3) -> IRE (11.4.4).
 * Every GCMD write is followed by a wait for its GSTS status bit (11.4.5).
 * platform.vtd_ir is set only when every unit reports IRES.
 */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/dmar.h"
#include "arch/x86/vtd.h"
#include "arch/x86/vtd_unit.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/mm.h"
#include "lib/printk.h"

struct vtd_unit vtd_units[DMAR_MAX_UNITS];
u32 vtd_nr_units;
static struct dmar_info dmar;
static bool ir_on;

bool vtd_ir_enabled(void)
{
	return ir_on;
}
u32 vtd_unit_count(void)
{
	return vtd_nr_units;
}
bool vtd_unit_eime(u32 unit)
{
	return unit < vtd_nr_units && vtd_units[unit].eime;
}
bool vtd_unit_has_pi(u32 unit)
{
	return unit < vtd_nr_units && (vtd_units[unit].cap & VTD_CAP_PI);
}
bool vtd_unit_cfi_blocked(u32 unit)
{
	return unit < vtd_nr_units && !(vtd_rd32(&vtd_units[unit], VTD_REG_GSTS) & VTD_GSTS_CFIS);
}
u32 vtd_unit_irt_entries(u32 unit)
{
	return unit < vtd_nr_units ? VTD_IRT_ENTRIES : 0;
}

/* Set or clear one persistent GCMD bit and wait for its status (11.4.4: one change a write). */
static bool gcmd_update(struct vtd_unit *u, u32 cmd, u32 sts, bool on)
{
	u32 v = vtd_rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT;

	vtd_wr32(u, VTD_REG_GCMD, on ? (v | cmd) : (v & ~cmd));
	return vtd_wait_gsts(u, sts, on ? sts : 0);
}

/* Firmware (or a previous pihv) may have left translation or remapping on: start clean. */
static bool unit_quiesce(struct vtd_unit *u, u32 idx)
{
	u32 gsts = vtd_rd32(u, VTD_REG_GSTS);

	if (gsts & VTD_GSTS_TES)
		printk("vtd: unit %u: DMA translation left on by firmware; left as is\n", idx);
	if ((gsts & VTD_GSTS_IRES) && !gcmd_update(u, VTD_GCMD_IRE, VTD_GSTS_IRES, false))
		return false;
	if ((gsts & VTD_GSTS_QIES) && !gcmd_update(u, VTD_GCMD_QIE, VTD_GSTS_QIES, false))
		return false;
	return true;
}

static int unit_enable(struct vtd_unit *u, u32 idx)
{
	bool x2 = apic_mode() == APIC_MODE_X2APIC;
	bool ir = u->ecap & VTD_ECAP_IR, qi = u->ecap & VTD_ECAP_QI, eim = u->ecap & VTD_ECAP_EIM;
	unsigned long fl;
	int r;

	printk("vtd: unit %u at %#lx: version %u.%u cap %016lx ecap %016lx: IR=%u EIM=%u QI=%u "
	       "PI=%u, %u fault record(s) at %#x\n",
	       idx, u->dmar->base, (u->ver >> 4) & 0xf, u->ver & 0xf, u->cap, u->ecap, ir, eim, qi,
	       !!(u->cap & VTD_CAP_PI), u->nfr, u->fro);
	if (!ir || !qi) {
		printk("vtd: unit %u: no interrupt remapping%s\n", idx, ir ? " (no QI)" : "");
		return -1;
	}
	/*
	 * 5.1.3 / 9.10: EIME selects 32-bit destinations.  Use it exactly when the APICs are in
	 * x2APIC mode; an x2APIC host without EIM can reach only APIC ids < 256.
	 */
	u->eime = x2 && eim;
	if (x2 && !eim)
		printk("vtd: unit %u: x2APIC mode but no EIM: 8-bit destinations only\n", idx);
	if (!unit_quiesce(u, idx))
		goto timeout;
	vtd_fault_setup(u, idx);
	if (vtd_qi_enable(u) < 0)
		return -1;
	u->irt = page_alloc();
	if (!u->irt)
		return -1;
	vtd_wr64(u, VTD_REG_IRTA, (u64)u->irt | (u->eime ? VTD_IRTA_EIME : 0) | VTD_IRT_S);
	/* SIRTP is one-shot: write it with the persistent bits; IRTPS reports completion. */
	vtd_wr32(u, VTD_REG_GCMD,
		 (vtd_rd32(u, VTD_REG_GSTS) & VTD_GSTS_PERSISTENT) | VTD_GCMD_SIRTP);
	if (!vtd_wait_gsts(u, VTD_GSTS_IRTPS, VTD_GSTS_IRTPS))
		goto timeout;
	/* 6.5.2.7: after a new IRT pointer, the whole interrupt-entry cache is stale. */
	fl = spin_lock_irqsave(&u->lock);
	r = vtd_qi_iec(u, true, 0);
	spin_unlock_irqrestore(&u->lock, fl);
	if (r < 0)
		return -1;
	/*
	 * 5.1.5.3: with CFIS = 0, compatibility-format interrupts (which bypass the IRT) are
	 * blocked with fault 0x25; in x2APIC mode (EIME = 1) always.  Never allow them.
	 */
	if ((vtd_rd32(u, VTD_REG_GSTS) & VTD_GSTS_CFIS) &&
	    !gcmd_update(u, VTD_GCMD_CFI, VTD_GSTS_CFIS, false))
		goto timeout;
	if (!gcmd_update(u, VTD_GCMD_IRE, VTD_GSTS_IRES, true))
		goto timeout;
	u->enabled = true;
	printk("vtd: unit %u: interrupt remapping on: IRTA %#lx (%u entries, EIME=%u) GSTS %#x, "
	       "compatibility format %s\n",
	       idx, vtd_rd64(u, VTD_REG_IRTA), VTD_IRT_ENTRIES, u->eime, vtd_rd32(u, VTD_REG_GSTS),
	       vtd_unit_cfi_blocked(idx) ? "blocked (CFIS=0)" : "ALLOWED");
	return 0;
timeout:
	printk("vtd: unit %u: command timed out (GSTS %#x)\n", idx, vtd_rd32(u, VTD_REG_GSTS));
	return -1;
}

static int vtd_init(void)
{
	const struct acpi_info *a = kernel_acpi_info();
	u32 ok = 0;

	if (!a->dmar_addr) {
		printk("vtd: no DMAR table (no IOMMU): device interrupts are not remapped, "
		       "vtd=off\n");
		return 0;
	}
	if (dmar_parse((const void *)a->dmar_addr, a->dmar_len, &dmar) < 0) {
		for (u32 i = 0; i < dmar.nr_errors; i++)
			printk("vtd: %s\n", dmar.errors[i]);
		printk("vtd: DMAR unusable: vtd=off\n");
		return -1;
	}
	for (u32 i = 0; i < dmar.nr_errors; i++)
		printk("vtd: %s\n", dmar.errors[i]);
	printk("vtd: DMAR: %u unit(s), INTR_REMAP=%u X2APIC_OPT_OUT=%u\n", dmar.nr_units,
	       !!(dmar.flags & DMAR_FLAG_INTR_REMAP), !!(dmar.flags & DMAR_FLAG_X2APIC_OPT_OUT));
	if (dmar.flags & DMAR_FLAG_X2APIC_OPT_OUT)
		printk("vtd: firmware asks for x2APIC opt-out; pihv owns the platform and ignores "
		       "it\n");
	if (!(cpuid(1).ecx & BIT(13))) {
		/* IRTEs are rewritten with one 16-byte store (vtd_irq.c); CX16 is in every VT-d
		 * CPU. */
		printk("vtd: CPU lacks CMPXCHG16B: vtd=off\n");
		return -1;
	}
	vtd_nr_units = dmar.nr_units;
	for (u32 i = 0; i < dmar.nr_units; i++) {
		struct vtd_unit *u = &vtd_units[i];

		u->dmar = &dmar.units[i];
		if (!u->dmar->base || u->dmar->base >= (4ull << 30)) {
			/* The boot page tables map only the low 4 GiB. */
			printk("vtd: unit %u at %#lx not mapped: skipped\n", i, u->dmar->base);
			continue;
		}
		u->regs = (u8 *)u->dmar->base;
		spin_init(&u->lock, "vtd_unit", SPIN_IRQSAFE);
		u->ver = vtd_rd32(u, VTD_REG_VER);
		u->cap = vtd_rd64(u, VTD_REG_CAP);
		u->ecap = vtd_rd64(u, VTD_REG_ECAP);
		u->fro = VTD_CAP_FRO(u->cap);
		u->nfr = VTD_CAP_NFR(u->cap);
		if (unit_enable(u, i) == 0)
			ok++;
	}
	ir_on = ok && ok == dmar.nr_units;
	platform.vtd_ir = ir_on;
	printk("vtd: interrupt remapping %s (%u of %u units)\n", ir_on ? "on" : "OFF", ok,
	       dmar.nr_units);
	return ir_on ? 0 : -1;
}
INITCALL(INIT_VTD, vtd_init);
