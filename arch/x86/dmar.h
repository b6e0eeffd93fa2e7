/*
 * DMAR: the ACPI table that describes the VT-d remapping hardware.  Section numbers refer to
 * the Intel VT-d specification (rev. 4.1, chapter 8 "BIOS Considerations"; 3.x numbers it the
 * same).  Only DRHD units and their device scopes are decoded; the other structure types are
 * checked for sane lengths and counted.
 */
#ifndef ARCH_X86_DMAR_H
#define ARCH_X86_DMAR_H

#include "lib/types.h"

/* 8.1 DMA Remapping Reporting Structure: ACPI header, then these */
#define DMAR_OFF_HAW			   36 /* host address width - 1 */
#define DMAR_OFF_FLAGS			   37
#define DMAR_HDR_LEN			   48 /* + 10 reserved bytes; remapping structures start here */
#define DMAR_FLAG_INTR_REMAP		   BIT(0)
#define DMAR_FLAG_X2APIC_OPT_OUT	   BIT(1)
#define DMAR_FLAG_DMA_CTRL_PLATFORM_OPT_IN BIT(2)

/* 8.2 Remapping Structure Types: each starts with u16 type, u16 length */
#define DMAR_TYPE_DRHD 0 /* 8.3 */
#define DMAR_TYPE_RMRR 1 /* 8.4 */
#define DMAR_TYPE_ATSR 2 /* 8.5 */
#define DMAR_TYPE_RHSA 3 /* 8.6 */
#define DMAR_TYPE_ANDD 4 /* 8.7 */
#define DMAR_TYPE_SATC 5 /* 8.8 */
#define DMAR_TYPE_SIDP 6 /* 8.9 */

/* 8.3 DRHD: u16 type, u16 length, u8 flags, u8 size, u16 segment, u64 base, device scopes */
#define DRHD_OFF_FLAGS		  4
#define DRHD_OFF_SEGMENT	  6
#define DRHD_OFF_BASE		  8
#define DRHD_SCOPES		  16
#define DRHD_FLAG_INCLUDE_PCI_ALL BIT(0)

/* 8.3.1 Device Scope: u8 type, u8 length, u8 flags, u8 rsvd, u8 enum id, u8 start bus, path */
#define DMAR_SCOPE_PCI_ENDPOINT	    1
#define DMAR_SCOPE_PCI_SUBHIERARCHY 2
#define DMAR_SCOPE_IOAPIC	    3
#define DMAR_SCOPE_HPET		    4
#define DMAR_SCOPE_ACPI_NAMESPACE   5
#define DMAR_SCOPE_OFF_ENUM_ID	    4
#define DMAR_SCOPE_OFF_BUS	    5
#define DMAR_SCOPE_PATH		    6 /* then {u8 device, u8 function} per hop */

#define DMAR_MAX_UNITS	4
#define DMAR_MAX_SCOPES 16
#define DMAR_MAX_PATH	4
#define DMAR_MAX_ERRORS 4

struct dmar_scope {
	u8 type;    /* DMAR_SCOPE_* */
	u8 enum_id; /* IOAPIC id / HPET number for types 3 and 4 */
	u8 bus;	    /* start bus */
	u8 dev, fn; /* last path entry */
	/*
	 * Source-id (bus << 8 | dev << 3 | fn) the device's requests carry.  Valid only when
	 * path_len == 1: deeper paths need the bridges' secondary bus numbers (8.3.2).
	 */
	u16 sid;
	u8 path_len; /* hops in the path; path[] holds the first DMAR_MAX_PATH */
	u8 path[DMAR_MAX_PATH][2];
};

struct dmar_unit {
	u64 base;    /* register base address (4 KiB aligned) */
	u8 flags;    /* DRHD_FLAG_INCLUDE_PCI_ALL */
	u16 segment; /* PCI segment */
	u32 nr_scopes;
	struct dmar_scope scopes[DMAR_MAX_SCOPES];
};

struct dmar_info {
	u8 haw;	  /* host address width in bits (the table field + 1) */
	u8 flags; /* DMAR_FLAG_* */
	u32 nr_units;
	struct dmar_unit units[DMAR_MAX_UNITS];
	u32 nr_rmrr, nr_atsr, nr_other; /* counted, not decoded */
	u32 nr_errors;			/* <= DMAR_MAX_ERRORS; errors_dropped counts the rest */
	u32 errors_dropped;
	char errors[DMAR_MAX_ERRORS][96];
};

/*
 * Decode the DMAR table at table (len readable bytes, e.g. acpi_info.dmar_addr/dmar_len).
 * @post <0: not a usable DMAR (NULL, too short, wrong signature, length field larger than len
 *       or smaller than 48, bad checksum); out->errors says why.
 *       0: units and scopes decoded up to the first malformed structure (length < 4, shorter
 *       than its type needs, past the table end, device scope length < 8 or odd, past its
 *       DRHD), each problem described in out->errors; everything valid before it is kept.
 */
int dmar_parse(const void *table, u32 len, struct dmar_info *out);

#endif
