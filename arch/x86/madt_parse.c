/*
 * MADT parser (ACPI 6.5 5.2.12): local APIC and x2APIC entries (CPUs), IOAPICs, interrupt
 * source overrides and NMI sources.  Pure C; split from acpi_parse.c, which finds the table.
 */
#include "arch/x86/acpi_walk.h"
#include "lib/compiler.h"

/* Minimum entry length per MADT entry type (5.2.12.x); 2 for types we only skip. */
static u8 madt_min_len(u8 type)
{
	switch (type) {
	case MADT_LAPIC:
	case MADT_NMI_SRC:
		return 8;
	case MADT_IOAPIC:
	case MADT_LAPIC_OVERRIDE:
	case MADT_X2APIC_NMI:
		return 12;
	case MADT_ISO:
		return 10;
	case MADT_LAPIC_NMI:
		return 6;
	case MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

static void madt_cpu(struct acpi_walk *w, u32 apic_id, u32 uid, u32 flags, bool x2)
{
	struct acpi_info *o = w->out;
	struct acpi_cpu *c;

	/* Table 5.23: neither Enabled nor Online Capable means "do not use this entry". */
	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
		return;
	/* Firmware may list a CPU in both a LAPIC and an x2APIC entry: keep the first. */
	for (u32 i = 0; i < o->nr_cpus; i++)
		if (o->cpus[i].apic_id == apic_id)
			return;
	if (o->nr_cpus >= ARRAY_SIZE(o->cpus)) {
		if (!o->nr_cpus_ignored++)
			w->first_cpu_ignored =
				apic_id; /* reported after the walk, with the count */
		return;
	}
	c = &o->cpus[o->nr_cpus++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->enabled = flags & MADT_CPU_ENABLED;
	c->online_capable = !c->enabled && (flags & MADT_CPU_ONLINE_CAPABLE);
	c->x2apic_entry = x2;
}

static void madt_nmi(struct acpi_walk *w, u32 uid, u16 flags, u8 lint)
{
	struct acpi_info *o = w->out;

	if (o->nr_nmis >= ACPI_MAX_NMIS) {
		if (!w->nmis_full)
			acpi_err(w, "MADT: more than %u local APIC NMI entries, rest ignored",
				 ACPI_MAX_NMIS);
		w->nmis_full = true;
		return;
	}
	o->nmis[o->nr_nmis].uid = uid;
	o->nmis[o->nr_nmis].flags = flags;
	o->nmis[o->nr_nmis].lint = lint;
	o->nr_nmis++;
}

static void madt_entry(struct acpi_walk *w, const u8 *e)
{
	struct acpi_info *o = w->out;

	switch (e[0]) {
	case MADT_LAPIC:	  /* u8 uid, u8 apic_id, u32 flags */
		if (e[3] != 0xff) /* 0xff is the xAPIC broadcast id, never a CPU */
			madt_cpu(w, e[3], e[2], acpi_ld32(e + 4), false);
		break;
	case MADT_X2APIC: /* u16 reserved, u32 x2apic_id, u32 flags, u32 uid */
		madt_cpu(w, acpi_ld32(e + 4), acpi_ld32(e + 12), acpi_ld32(e + 8), true);
		break;
	case MADT_IOAPIC: /* u8 id, u8 reserved, u32 address, u32 gsi_base */
		if (o->nr_ioapics >= ACPI_MAX_IOAPICS) {
			if (!w->ioapics_full)
				acpi_err(w, "MADT: more than %u IOAPICs, id %u and later ignored",
					 ACPI_MAX_IOAPICS, e[2]);
			w->ioapics_full = true;
			break;
		}
		o->ioapics[o->nr_ioapics].id = e[2];
		o->ioapics[o->nr_ioapics].addr = acpi_ld32(e + 4);
		o->ioapics[o->nr_ioapics].gsi_base = acpi_ld32(e + 8);
		o->nr_ioapics++;
		break;
	case MADT_ISO: /* u8 bus (0 = ISA), u8 source irq, u32 gsi, u16 flags */
		if (o->nr_isos >= ACPI_MAX_ISOS) {
			if (!w->isos_full)
				acpi_err(w,
					 "MADT: more than %u interrupt overrides, IRQ %u and later "
					 "ignored",
					 ACPI_MAX_ISOS, e[3]);
			w->isos_full = true;
			break;
		}
		o->isos[o->nr_isos].bus_irq = e[3];
		o->isos[o->nr_isos].gsi = acpi_ld32(e + 4);
		o->isos[o->nr_isos].flags = acpi_ld16(e + 8);
		o->nr_isos++;
		break;
	case MADT_NMI_SRC:
		o->nr_nmi_srcs++;
		break;
	case MADT_LAPIC_NMI: /* u8 uid (0xff = all), u16 flags, u8 lint */
		madt_nmi(w, e[2] == 0xff ? ACPI_NMI_ALL_CPUS : e[2], acpi_ld16(e + 3), e[5]);
		break;
	case MADT_X2APIC_NMI: /* u16 flags, u32 uid (~0 = all), u8 lint, u8 reserved[3] */
		madt_nmi(w, acpi_ld32(e + 4), acpi_ld16(e + 2), e[8]);
		break;
	case MADT_LAPIC_OVERRIDE: /* u16 reserved, u64 address */
		o->lapic_override = acpi_ld64(e + 4);
		/* 5.2.12.8: when present it replaces the 32-bit field; we can only use < 4 GiB. */
		if (o->lapic_override >> 32)
			acpi_err(w, "MADT: local APIC override 0x%lx above 4 GiB, not used",
				 o->lapic_override);
		else
			o->lapic_addr = (u32)o->lapic_override;
		break;
	default:
		break; /* GIC, RINTC, ... entries of other architectures and future types */
	}
}

/* 5.2.12: entries are {u8 type, u8 length} records; stop at the first one that is malformed. */
static void madt_walk(struct acpi_walk *w, const u8 *t, u32 len)
{
	struct acpi_info *o = w->out;
	u32 off;

	if (len < MADT_ENTRIES) {
		acpi_err(w, "MADT: length %u too short for its 44-byte fixed part", len);
		return;
	}
	o->lapic_addr = acpi_ld32(t + MADT_OFF_LAPIC_ADDR);
	o->pcat_compat = acpi_ld32(t + MADT_OFF_FLAGS) & MADT_FLAG_PCAT_COMPAT;
	for (off = MADT_ENTRIES; off < len;) {
		u8 type, elen, need;

		if (len - off < 2) {
			acpi_err(w, "MADT: stray byte at offset %u past the last entry", off);
			return;
		}
		type = t[off];
		elen = t[off + 1];
		if (elen < 2) {
			acpi_err(w, "MADT entry type %u at offset %u: length %u, stopping", type,
				 off, elen);
			return;
		}
		if (elen > len - off) {
			acpi_err(w,
				 "MADT entry type %u at offset %u: length %u runs past table end "
				 "%u, "
				 "stopping",
				 type, off, elen, len);
			return;
		}
		need = madt_min_len(type);
		if (elen < need) {
			acpi_err(w, "MADT entry type %u at offset %u: length %u < %u, stopping",
				 type, off, elen, need);
			return;
		}
		madt_entry(w, t + off);
		off += elen;
	}
}

void acpi_madt_parse(struct acpi_walk *w, const u8 *t, u32 len)
{
	struct acpi_info *o = w->out;

	madt_walk(w, t, len);
	if (o->nr_cpus_ignored)
		acpi_err(w, "MADT: more than %u CPUs, APIC id %u and %u more ignored",
			 (unsigned int)ARRAY_SIZE(o->cpus), w->first_cpu_ignored,
			 o->nr_cpus_ignored - 1);
}
