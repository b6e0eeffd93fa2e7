/*
 * VT-d remapping-unit registers (VT-d spec rev. 4.1, chapter 11 "Register Descriptions"; rev.
 * 3.x numbers it 10.4) and invalidation descriptors (6.5.2).  Private to arch/x86/vtd*.c.
 */
#ifndef ARCH_X86_VTD_REGS_H
#define ARCH_X86_VTD_REGS_H

#include "lib/types.h"

#define VTD_REG_VER	0x00
#define VTD_REG_CAP	0x08
#define VTD_REG_ECAP	0x10
#define VTD_REG_GCMD	0x18
#define VTD_REG_GSTS	0x1c
#define VTD_REG_FSTS	0x34
#define VTD_REG_FECTL	0x38
#define VTD_REG_FEDATA	0x3c
#define VTD_REG_FEADDR	0x40
#define VTD_REG_FEUADDR 0x44
#define VTD_REG_IQH	0x80
#define VTD_REG_IQT	0x88
#define VTD_REG_IQA	0x90
#define VTD_REG_ICS	0x9c
#define VTD_REG_IRTA	0xb8

/* CAP (11.4.2) */
#define VTD_CAP_FRO(c) ((u32)(((c) >> 24) & 0x3ff) * 16) /* fault-recording regs' offset */
#define VTD_CAP_NFR(c) ((u32)(((c) >> 40) & 0xff) + 1)	 /* number of fault-recording regs - 1 */
#define VTD_CAP_PI     BIT_ULL(59)			 /* posted interrupts */
/* ECAP (11.4.3) */
#define VTD_ECAP_QI  BIT_ULL(1)
#define VTD_ECAP_IR  BIT_ULL(3)
#define VTD_ECAP_EIM BIT_ULL(4)

/*
 * GCMD / GSTS (11.4.4, 11.4.5): a GCMD write sets every command at once, so software writes
 * the persistent state read from GSTS plus the one command it changes.  The one-shot
 * commands (SRTP, SFL, WBF, SIRTP) must not be echoed back: this mask removes them.
 */
#define VTD_GCMD_TE	    BIT(31)
#define VTD_GCMD_QIE	    BIT(26)
#define VTD_GCMD_IRE	    BIT(25)
#define VTD_GCMD_SIRTP	    BIT(24)
#define VTD_GCMD_CFI	    BIT(23)
#define VTD_GSTS_TES	    BIT(31)
#define VTD_GSTS_QIES	    BIT(26)
#define VTD_GSTS_IRES	    BIT(25)
#define VTD_GSTS_IRTPS	    BIT(24)
#define VTD_GSTS_CFIS	    BIT(23)
#define VTD_GSTS_PERSISTENT 0x96ffffffu

/* FSTS (11.4.6.1): PFO, IQE, ICE, ITE are RW1C; PPF is the OR of the records' F bits. */
#define VTD_FSTS_PFO	BIT(0)
#define VTD_FSTS_PPF	BIT(1)
#define VTD_FSTS_IQE	BIT(4)
#define VTD_FSTS_ICE	BIT(5)
#define VTD_FSTS_ITE	BIT(6)
#define VTD_FSTS_FRI(s) (((s) >> 8) & 0xff)
/* FECTL (11.4.6.2) */
#define VTD_FECTL_IM BIT(31)
#define VTD_FECTL_IP BIT(30)

/*
 * Fault recording register (11.4.14), 128 bits at FRO + 16 * i.  lo: bits 63:12 fault info,
 * which for interrupt requests holds the interrupt index in 63:48.  hi: SID 15:0, FR 39:32,
 * type 62, F 63 (RW1C; the F bit is bit 31 of the dword at +12).
 */
#define VTD_FRCD_LO_IDX(lo) ((u16)((lo) >> 48))
#define VTD_FRCD_HI_SID(hi) ((u16)(hi))
#define VTD_FRCD_HI_FR(hi)  ((u8)((hi) >> 32))
#define VTD_FRCD_HI_F	    BIT_ULL(63)
#define VTD_FRCD_F_DWORD    BIT(31)

/* IRTA (11.4.10.1): table address | EIME (bit 11) | S (3:0), 2^(S+1) entries */
#define VTD_IRTA_EIME	BIT_ULL(11)
#define VTD_IRT_S	7 /* 256 entries = one 4 KiB page */
#define VTD_IRT_ENTRIES (1u << (VTD_IRT_S + 1))

/* IQA (11.4.9.3): base | DW (bit 11, 0 = 128-bit descriptors) | QS (2:0, 2^QS pages) */
#define VTD_IQ_ENTRIES 256 /* QS = 0: one page of 16-byte descriptors */
#define VTD_IQT_SHIFT  4   /* IQH/IQT hold the descriptor index in bits 18:4 */

/* 6.5.2.7 Interrupt Entry Cache Invalidate Descriptor (lo; hi is 0) */
#define VTD_QI_IEC	      0x4ull
#define VTD_QI_IEC_INDEX      BIT_ULL(4) /* G: 0 global, 1 index-selective */
#define VTD_QI_IEC_IIDX_SHIFT 32	 /* bits 47:32, IM (31:27) = 0: one entry */
/* 6.5.2.8 Invalidation Wait Descriptor: lo = type | SW | status data << 32, hi = address */
#define VTD_QI_WAIT	       0x5ull
#define VTD_QI_WAIT_SW	       BIT_ULL(5)
#define VTD_QI_WAIT_FN	       BIT_ULL(6)
#define VTD_QI_WAIT_DATA_SHIFT 32

#endif
