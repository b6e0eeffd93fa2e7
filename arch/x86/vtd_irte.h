/*
 * Interrupt Remapping Table Entries (VT-d spec rev. 4.1, 9.10 "Interrupt Remapping Table Entry
 * (IRTE) for Remapped Interrupts" and 9.11 "... for Posted Interrupts"), and the remappable
 * MSI / IOAPIC formats that name them (5.1.5.1, 5.1.5.2).  Pure: shifts and masks on u64[2],
 * no bitfields, host-tested in tests/host/test_vtd_irte.c.
 *
 * An IRTE is 128 bits: lo = bits 63:0, hi = bits 127:64.  Bit numbers below are the spec's.
 */
#ifndef ARCH_X86_VTD_IRTE_H
#define ARCH_X86_VTD_IRTE_H

#include "lib/compiler.h"
#include "lib/types.h"

struct vtd_irte {
	u64 lo;
	u64 hi;
};
static_assert(sizeof(struct vtd_irte) == 16, "IRTE is 128 bits (9.10)");
static_assert(offsetof(struct vtd_irte, hi) == 8, "bits 127:64 at byte 8");

/* Common to both formats (9.10 / 9.11) */
#define IRTE_P		  BIT_ULL(0) /* present */
#define IRTE_FPD	  BIT_ULL(1) /* fault processing disable: faults on this entry not recorded */
#define IRTE_IM		  BIT_ULL(15) /* IRTE mode: 0 remapped, 1 posted */
#define IRTE_VECTOR_SHIFT 16	      /* bits 23:16 */
#define IRTE_VECTOR_MASK  GENMASK_ULL(23, 16)
#define IRTE_AVAIL_MASK	  GENMASK_ULL(11, 8) /* software-available */
/* hi word: source validation (9.10 Table "SVT/SQ") */
#define IRTE_HI_SID_MASK  GENMASK_ULL(15, 0) /* bits 79:64 */
#define IRTE_HI_SQ_SHIFT  16		     /* bits 81:80 */
#define IRTE_HI_SQ_MASK	  GENMASK_ULL(17, 16)
#define IRTE_HI_SVT_SHIFT 18 /* bits 83:82 */
#define IRTE_HI_SVT_MASK  GENMASK_ULL(19, 18)

/* Remapped format only (9.10) */
#define IRTE_DM		     BIT_ULL(2) /* destination mode: 0 physical, 1 logical */
#define IRTE_RH		     BIT_ULL(3) /* redirection hint */
#define IRTE_TM		     BIT_ULL(4) /* trigger mode: 0 edge, 1 level */
#define IRTE_DLM_SHIFT	     5		/* bits 7:5 delivery mode; 0 = fixed */
#define IRTE_DLM_MASK	     GENMASK_ULL(7, 5)
#define IRTE_DST_SHIFT	     32 /* bits 63:32: x2APIC id (IRTA.EIME = 1) */
#define IRTE_DST_XAPIC_SHIFT 40 /* bits 47:40: xAPIC id (EIME = 0); 39:32, 63:48 reserved */
/* Reserved (must be 0): lo 14:12, 31:24; xAPIC mode also lo 39:32 and 63:48; hi 127:84 */
#define IRTE_RSVD_LO	   (GENMASK_ULL(14, 12) | GENMASK_ULL(31, 24))
#define IRTE_RSVD_LO_XAPIC (GENMASK_ULL(39, 32) | GENMASK_ULL(63, 48))
#define IRTE_RSVD_HI	   GENMASK_ULL(63, 20)

/* Posted format only (9.11) */
#define IRTE_URG	    BIT_ULL(14) /* urgent: notify even when the descriptor's SN is set */
#define IRTE_PDA_LO_SHIFT   38		/* bits 63:38 = descriptor address 31:6 */
#define IRTE_PDA_LO_MASK    GENMASK_ULL(63, 38)
#define IRTE_PDA_HI_SHIFT   32 /* bits 127:96 = descriptor address 63:32 */
#define IRTE_PDA_HI_MASK    GENMASK_ULL(63, 32)
#define IRTE_POSTED_RSVD_LO (GENMASK_ULL(7, 2) | GENMASK_ULL(13, 12) | GENMASK_ULL(37, 24))
#define IRTE_POSTED_RSVD_HI GENMASK_ULL(31, 20)

/* Source validation type (SVT) and source-id qualifier (SQ), 9.10 */
#define IRTE_SVT_NONE 0 /* no check */
#define IRTE_SVT_SID  1 /* requester id must equal SID, under the SQ mask */
#define IRTE_SVT_BUS  2 /* requester bus in [SID[15:8], SID[7:0]] */
#define IRTE_SQ_ALL   0 /* compare all 16 bits */

/*
 * Remapped-format entry: fixed delivery, physical destination, edge or level.
 * x2apic_dest: true when IRTA.EIME = 1 (32-bit x2APIC id in bits 63:32); false puts the 8-bit
 * xAPIC id in bits 47:40 (and the caller must pass dest <= 0xff).
 */
static inline struct vtd_irte vtd_irte_remapped(u8 vector, u32 dest, bool x2apic_dest, bool level,
						u16 sid, u8 svt, u8 sq)
{
	struct vtd_irte e;

	e.lo = IRTE_P | (u64)vector << IRTE_VECTOR_SHIFT;
	if (level)
		e.lo |= IRTE_TM;
	if (x2apic_dest)
		e.lo |= (u64)dest << IRTE_DST_SHIFT;
	else
		e.lo |= (u64)(dest & 0xff) << IRTE_DST_XAPIC_SHIFT;
	e.hi = (u64)sid | ((u64)(sq & 3) << IRTE_HI_SQ_SHIFT) |
	       ((u64)(svt & 3) << IRTE_HI_SVT_SHIFT);
	return e;
}

/*
 * Posted-format entry (9.11): IM = 1, the vector to set in the descriptor's PIR, the 64-byte
 * aligned posted-interrupt descriptor address split over bits 63:38 and 127:96.
 * @pre pda is 64-byte aligned.
 */
static inline struct vtd_irte vtd_irte_posted(u8 vector, u64 pda, bool urgent, u16 sid, u8 svt,
					      u8 sq)
{
	struct vtd_irte e;

	e.lo = IRTE_P | IRTE_IM | (u64)vector << IRTE_VECTOR_SHIFT |
	       ((pda >> 6) << IRTE_PDA_LO_SHIFT & IRTE_PDA_LO_MASK);
	if (urgent)
		e.lo |= IRTE_URG;
	e.hi = (u64)sid | ((u64)(sq & 3) << IRTE_HI_SQ_SHIFT) |
	       ((u64)(svt & 3) << IRTE_HI_SVT_SHIFT) | ((pda >> 32) << IRTE_PDA_HI_SHIFT);
	return e;
}

/* Field readers, used by tests and by the fault path to say what an entry held. */
static inline bool vtd_irte_present(struct vtd_irte e)
{
	return e.lo & IRTE_P;
}
static inline bool vtd_irte_is_posted(struct vtd_irte e)
{
	return e.lo & IRTE_IM;
}
static inline u8 vtd_irte_vector(struct vtd_irte e)
{
	return (u8)((e.lo & IRTE_VECTOR_MASK) >> IRTE_VECTOR_SHIFT);
}
static inline u32 vtd_irte_dest(struct vtd_irte e, bool x2apic_dest)
{
	return x2apic_dest ? (u32)(e.lo >> IRTE_DST_SHIFT)
			   : (u32)((e.lo >> IRTE_DST_XAPIC_SHIFT) & 0xff);
}
static inline u16 vtd_irte_sid(struct vtd_irte e)
{
	return (u16)(e.hi & IRTE_HI_SID_MASK);
}
static inline u8 vtd_irte_svt(struct vtd_irte e)
{
	return (u8)((e.hi & IRTE_HI_SVT_MASK) >> IRTE_HI_SVT_SHIFT);
}
static inline u8 vtd_irte_sq(struct vtd_irte e)
{
	return (u8)((e.hi & IRTE_HI_SQ_MASK) >> IRTE_HI_SQ_SHIFT);
}
static inline u64 vtd_irte_pda(struct vtd_irte e)
{
	return ((e.lo & IRTE_PDA_LO_MASK) >> IRTE_PDA_LO_SHIFT) << 6 |
	       ((e.hi & IRTE_PDA_HI_MASK) >> IRTE_PDA_HI_SHIFT) << 32;
}

/*
 * A host affinity change (docs/pi.md, known bug 13): the remapped entry cur, pointed at destination
 * dest, everything else (vector, trigger mode, source validation) kept.  Returns false and
 * leaves *out alone when cur is not present or is posted: a posted entry's destination is the
 * descriptor's NDST, which follows the vCPU (pi_load), so a host-side retarget must not
 * rewrite it in remapped format (Linux 2025 did: the device silently stopped posting).
 */
static inline bool vtd_irte_retarget(struct vtd_irte cur, u32 dest, bool x2apic_dest,
				     struct vtd_irte *out)
{
	u64 dst_mask = x2apic_dest ? GENMASK_ULL(63, IRTE_DST_SHIFT)
				   : GENMASK_ULL(47, IRTE_DST_XAPIC_SHIFT);

	if (!vtd_irte_present(cur) || vtd_irte_is_posted(cur))
		return false;
	out->lo = (cur.lo & ~dst_mask) | (x2apic_dest ? (u64)dest << IRTE_DST_SHIFT
						      : (u64)(dest & 0xff) << IRTE_DST_XAPIC_SHIFT);
	out->hi = cur.hi;
	return true;
}

/*
 * Remappable-format MSI address (5.1.5.2): 0xFEE in 31:20, handle[14:0] in 19:5, interrupt
 * format (1 = remappable) in bit 4, SHV in bit 3, handle[15] in bit 2.  With SHV = 0 the data
 * register is ignored by the remapping hardware; we write 0.
 */
#define VTD_MSI_ADDR_BASE 0xfee00000u
#define VTD_MSI_ADDR_IF	  BIT(4)
#define VTD_MSI_ADDR_SHV  BIT(3)
static inline u32 vtd_msi_addr(u16 handle, bool shv)
{
	return VTD_MSI_ADDR_BASE | (u32)(handle & 0x7fff) << 5 | VTD_MSI_ADDR_IF |
	       (shv ? VTD_MSI_ADDR_SHV : 0) | (u32)(handle >> 15) << 2;
}

/*
 * Remappable-format IOAPIC redirection entry (5.1.5.1): bit 48 = 1 (interrupt format),
 * handle[14:0] in 63:49, handle[15] in 11, vector in 7:0 (hardware ignores it but the IOAPIC
 * uses it to match the EOI of a level interrupt, so it must equal the IRTE's vector),
 * delivery mode 10:8 = 0, trigger 15, polarity 13 (1 = active low), mask 16.
 */
#define IOAPIC_RTE_REMAP_FORMAT BIT_ULL(48)
#define IOAPIC_RTE_MASKED	BIT_ULL(16)
#define IOAPIC_RTE_LEVEL	BIT_ULL(15)
#define IOAPIC_RTE_ACTIVE_LOW	BIT_ULL(13)
static inline u64 vtd_ioapic_rte(u16 handle, u8 vector, bool level, bool active_low, bool masked)
{
	u64 r = vector | (u64)(handle >> 15) << 11 | IOAPIC_RTE_REMAP_FORMAT |
		(u64)(handle & 0x7fff) << 49;

	if (level)
		r |= IOAPIC_RTE_LEVEL;
	if (active_low)
		r |= IOAPIC_RTE_ACTIVE_LOW;
	if (masked)
		r |= IOAPIC_RTE_MASKED;
	return r;
}

#endif
