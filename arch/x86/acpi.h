/*
 * ACPI table discovery and parsing: RSDP, RSDT/XSDT, MADT, FADT, HPET, and where the DMAR is
 * (arch/x86/dmar.h parses it).  Section numbers refer to the ACPI 6.5 specification.
 *
 * The parsers never dereference a physical address themselves: every range goes through the
 * caller's acpi_map_fn, which says whether it is readable.  In the kernel that is the identity
 * map of the low 4 GiB; in host tests it hands out exactly-sized copies of fixture images, so
 * an over-read is an ASan error.  Every length read from a table is checked before use, every
 * loop advances by a validated non-zero length and is bounded by the table length.
 */
#ifndef ARCH_X86_ACPI_H
#define ARCH_X86_ACPI_H

#include "lib/config.h"
#include "lib/types.h"

/* Readable pointer to [paddr, paddr + len), or NULL if that range is not readable. */
typedef const void *(*acpi_map_fn)(u64 paddr, u64 len, void *ctx);

/* 5.2.5.3 RSDP structure */
#define ACPI_RSDP_V1_LEN       20 /* checksum covers these bytes */
#define ACPI_RSDP_V2_LEN       36 /* extended checksum covers 'length' bytes, >= 36 */
#define ACPI_RSDP_SIG	       "RSD PTR "
#define ACPI_RSDP_OFF_CHECKSUM 8
#define ACPI_RSDP_OFF_OEMID    9
#define ACPI_RSDP_OFF_REVISION 15
#define ACPI_RSDP_OFF_RSDT     16
#define ACPI_RSDP_OFF_LENGTH   20
#define ACPI_RSDP_OFF_XSDT     24

/* 5.2.6 System Description Table Header */
#define ACPI_HDR_LEN	      36
#define ACPI_HDR_OFF_LENGTH   4
#define ACPI_HDR_OFF_REVISION 8
#define ACPI_HDR_OFF_OEMID    10
/* No table we parse is anywhere near this; a bigger length is taken as corruption. */
#define ACPI_MAX_TABLE_LEN    (1u << 20)
#define ACPI_MAX_ROOT_ENTRIES 256

/* 5.2.12 MADT: fixed part, then entries of {u8 type, u8 length, ...} */
#define MADT_OFF_LAPIC_ADDR	36
#define MADT_OFF_FLAGS		40
#define MADT_ENTRIES		44
#define MADT_FLAG_PCAT_COMPAT	BIT(0) /* Table 5.20: dual 8259s present, mask them */
#define MADT_LAPIC		0      /* 5.2.12.2, 8 bytes */
#define MADT_IOAPIC		1      /* 5.2.12.3, 12 bytes */
#define MADT_ISO		2      /* 5.2.12.5 Interrupt Source Override, 10 bytes */
#define MADT_NMI_SRC		3      /* 5.2.12.6, 8 bytes */
#define MADT_LAPIC_NMI		4      /* 5.2.12.7, 6 bytes */
#define MADT_LAPIC_OVERRIDE	5      /* 5.2.12.8, 12 bytes */
#define MADT_X2APIC		9      /* 5.2.12.12, 16 bytes */
#define MADT_X2APIC_NMI		10     /* 5.2.12.13, 12 bytes */
#define MADT_CPU_ENABLED	BIT(0) /* Table 5.23 Local APIC Flags */
#define MADT_CPU_ONLINE_CAPABLE BIT(1)
/* 5.2.12.5 Table 5.26 MPS INTI flags */
#define MADT_INTI_POLARITY_MASK 0x3 /* 0 bus default, 1 active high, 3 active low */
#define MADT_INTI_TRIGGER_SHIFT 2
#define MADT_INTI_TRIGGER_MASK	0xc /* 0 bus default, 1 edge, 3 level */

/* 5.2.3.2 Generic Address Structure */
#define ACPI_GAS_LEN	12
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO	1

/* 5.2.9 FADT (Table 5.9): byte offsets of the fields we use */
#define FADT_OFF_SCI_INT	46
#define FADT_OFF_SMI_CMD	48
#define FADT_OFF_PM1A_EVT	56
#define FADT_OFF_PM1A_CNT	64
#define FADT_OFF_PM1B_CNT	68
#define FADT_OFF_PM_TMR		76
#define FADT_OFF_CENTURY	108
#define FADT_OFF_IAPC_BOOT_ARCH 109
#define FADT_OFF_FLAGS		112
#define FADT_OFF_RESET_REG	116
#define FADT_OFF_RESET_VALUE	128
#define FADT_OFF_X_PM1A_CNT	172
#define FADT_OFF_X_PM1B_CNT	184
#define FADT_OFF_X_PM_TMR	208
#define FADT_FLAG_TMR_VAL_EXT	BIT(8) /* Table 5.10: PM timer is 32 bits, else 24 */
#define FADT_FLAG_RESET_REG_SUP BIT(10)
#define FADT_BOOT_8042		BIT(1) /* Table 5.11 IA-PC Boot Architecture Flags */

/* IA-PC HPET spec 1.0a, 3.2.4 "ACPI HPET description table": base address is a GAS at 40 */
#define HPET_OFF_BLOCK_ID 36
#define HPET_OFF_BASE	  40
#define HPET_TABLE_LEN	  56

#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_ISOS	 16
#define ACPI_MAX_NMIS	 8
#define ACPI_MAX_TABLES	 32
#define ACPI_MAX_ERRORS	 8
#define ACPI_ERROR_LEN	 96

struct acpi_cpu {
	u32 apic_id; /* x2APIC id (== xAPIC id for LAPIC entries) */
	u32 uid;     /* ACPI processor UID, matches the NMI entries */
	bool enabled;
	bool online_capable; /* disabled now, may be hot-added */
	bool x2apic_entry;   /* came from a type 9 entry */
};

struct acpi_ioapic {
	u8 id;
	u32 addr;
	u32 gsi_base;
};

struct acpi_iso {
	u8 bus_irq; /* ISA IRQ */
	u32 gsi;
	u16 flags; /* MPS INTI flags, MADT_INTI_* */
};

/* Local APIC NMI (types 4 and 10): which LINT pin of which CPU(s) is wired to NMI. */
struct acpi_lapic_nmi {
	u32 uid; /* ACPI processor UID; ACPI_NMI_ALL_CPUS = every CPU */
	u16 flags;
	u8 lint; /* 0 or 1 */
};
#define ACPI_NMI_ALL_CPUS 0xffffffffu

/* 5.2.3.2 Generic Address Structure, decoded */
struct acpi_gas {
	u8 space_id; /* ACPI_GAS_MEMORY / ACPI_GAS_IO / ... */
	u8 bit_width, bit_offset, access_size;
	u64 addr;
};

struct acpi_info {
	u32 rsdp_rev;
	char oem[7]; /* RSDP OEMID, NUL-terminated */
	bool xsdt_used;

	/* MADT */
	u64 madt_addr;
	u32 nr_cpus; /* enabled or online-capable CPUs, one entry per APIC id */
	struct acpi_cpu cpus[MAX_CPUS * 2];
	u32 nr_cpus_ignored; /* usable CPUs that did not fit in cpus[] */
	u32 lapic_addr;	     /* from the MADT header, replaced by a < 4 GiB override */
	u64 lapic_override;  /* type 5 entry, 0 if none */
	bool pcat_compat;    /* 8259s present */
	u32 nr_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	u32 nr_isos;
	struct acpi_iso isos[ACPI_MAX_ISOS];
	u32 nr_nmis;
	struct acpi_lapic_nmi nmis[ACPI_MAX_NMIS];
	u32 nr_nmi_srcs; /* type 3: GSIs that are NMI sources (counted only) */

	/* FADT */
	u64 fadt_addr;
	bool has_fadt;
	u32 pm1a_cnt, pm1b_cnt; /* I/O ports, 0 if absent (S5: write SLP_TYP | SLP_EN, 4.8.3.2.1) */
	u32 pm1a_evt;
	u32 pm_tmr;	   /* I/O port of the ACPI PM timer, 0 if absent */
	bool pm_tmr_32bit; /* else 24-bit */
	u16 sci_irq;
	u16 iapc_boot_arch;
	u32 fadt_flags;
	bool reset_supported;
	struct acpi_gas reset_reg;
	u8 reset_value;

	/* HPET */
	u64 hpet_addr; /* 0 if none */

	/* DMAR: located and checksummed here, parsed by dmar_parse() */
	u64 dmar_addr;
	u32 dmar_len;

	/* every table referenced by the RSDT/XSDT whose header and checksum were valid */
	u32 nr_tables;
	struct {
		char sig[5];
		u64 addr;
		u32 len;
	} tables[ACPI_MAX_TABLES];

	u32 nr_errors; /* <= ACPI_MAX_ERRORS; errors_dropped counts the rest */
	u32 errors_dropped;
	char errors[ACPI_MAX_ERRORS][ACPI_ERROR_LEN];
};

/*
 * Parse the ACPI tables reachable from the RSDP at rsdp_paddr into *out (cleared first).
 * @pre map is a valid acpi_map_fn; rsdp_paddr may be anything (0 or unmapped is an error)
 * @post RSDP signature and checksum (and the extended checksum for revision >= 2) checked;
 *       the XSDT used when present and valid, else the RSDT; each referenced table's length
 *       and checksum verified: a bad one is reported and skipped.  A malformed MADT entry
 *       (length 0 or 1, shorter than its type needs, past the table end) is reported and ends
 *       that table's parsing; what came before it is kept.  Overflowing arrays are reported.
 *       Returns 0 if a root table (RSDT/XSDT) was walked, <0 if none could be found; the
 *       problems are in out->errors in both cases.
 */
int acpi_parse(u64 rsdp_paddr, acpi_map_fn map, void *ctx, struct acpi_info *out);

/*
 * Legacy BIOS RSDP scan (5.2.5.1): the first KiB of the EBDA (segment at 0x40E), then
 * 0xE0000-0xFFFFF, on 16-byte boundaries; signature and 20-byte checksum must match.
 * Returns the physical address or 0.  For Multiboot1 (QEMU -kernel), which has no RSDP tag.
 */
u64 acpi_find_rsdp_legacy(acpi_map_fn map, void *ctx);

/* The kernel's acpi_map_fn: identity map of the low 4 GiB (NULL above it, and for address 0). */
const void *acpi_map_identity(u64 paddr, u64 len, void *ctx);

/* Sum of len bytes mod 256; ACPI structures sum to 0 (5.2.5.3, 5.2.6). */
u8 acpi_checksum(const void *p, u32 len);

/* Little-endian loads that are safe at any alignment (table fields are often misaligned). */
static inline u16 acpi_ld16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 acpi_ld32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 acpi_ld64(const u8 *p)
{
	return (u64)acpi_ld32(p) | (u64)acpi_ld32(p + 4) << 32;
}

/*
 * Append a formatted message to a fixed error list (used by dmar_parse.c too).  Formats: %s %c
 * %u %x %lu %lx.  Once *nr == max, further messages only count in *dropped.
 */
__attribute__((format(printf, 5, 6))) void acpi_errf(char (*errs)[ACPI_ERROR_LEN], u32 *nr, u32 max,
						     u32 *dropped, const char *fmt, ...);

#endif
