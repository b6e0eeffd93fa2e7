/*
 * Posted-interrupt descriptor: layout and pure helpers on a snapshot of its control word.
 *
 * Intel SDM Vol. 3C 29.6 ("Posted-Interrupt Processing") and VT-d spec 9.11 ("Posted Interrupt
 * Descriptor"): 64 bytes, 64-byte aligned.
 *   bits 255:0    PIR   one bit per vector
 *   bit  256      ON    outstanding notification
 *   bit  257      SN    suppress notification (non-urgent posts set PIR only)
 *   bits 279:272  NV    notification vector
 *   bits 319:288  NDST  notification destination: the APIC ID as a plain 32-bit number.  Who
 *                       reads it: pi_post (software, any APIC mode) and a posting IOMMU
 *                       (VT-d 9.12), which wants the xAPIC ID in bits 15:8 when the host is
 *                       in xAPIC mode; vtd_irq_post therefore requires EIME (x2APIC).  The
 *                       CPU's own posted-interrupt processing never reads NDST (SDM 30.6).
 * Bits 256..319 form one u64, the control word; every change to it is a locked RMW of the whole
 * word (pi_env_cmpxchg64 or a bit op) because the IOMMU and other CPUs update it concurrently.
 *
 * The helpers below never touch memory: they take and return a snapshot.  Names starting with
 * "__" build a new value; the caller publishes it with a cmpxchg loop.
 */
#ifndef PI_PI_DESC_H
#define PI_PI_DESC_H

#include "lib/compiler.h"
#include "lib/types.h"

struct pi_desc {
	u64 pir[4];  /* PIR bits 255:0; pir[v / 64] bit (v % 64) is vector v */
	u64 control; /* ON, SN, NV, NDST; see PI_CTL_* */
	u64 rsvd[3]; /* bits 511:320, reserved, must stay zero */
} __aligned(64);

static_assert(sizeof(struct pi_desc) == 64, "PI descriptor is 64 bytes (SDM 29.6)");
static_assert(offsetof(struct pi_desc, pir) == 0, "PIR is bits 255:0");
static_assert(offsetof(struct pi_desc, control) == 32, "control word starts at bit 256");

/* Bit positions inside the control word (descriptor bit N is control bit N - 256). */
#define PI_CTL_ON_BIT	  0
#define PI_CTL_SN_BIT	  1
#define PI_CTL_NV_SHIFT	  16
#define PI_CTL_NV_MASK	  GENMASK_ULL(23, 16)
#define PI_CTL_NDST_SHIFT 32
#define PI_CTL_NDST_MASK  GENMASK_ULL(63, 32)

/* Bits of the control word that software may own; everything else is reserved (must be 0). */
#define PI_CTL_VALID_MASK                                                                          \
	(BIT_ULL(PI_CTL_ON_BIT) | BIT_ULL(PI_CTL_SN_BIT) | PI_CTL_NV_MASK | PI_CTL_NDST_MASK)

static inline bool pi_ctl_on(u64 ctl)
{
	return ctl & BIT_ULL(PI_CTL_ON_BIT);
}

static inline bool pi_ctl_sn(u64 ctl)
{
	return ctl & BIT_ULL(PI_CTL_SN_BIT);
}

static inline u8 pi_ctl_nv(u64 ctl)
{
	return (ctl & PI_CTL_NV_MASK) >> PI_CTL_NV_SHIFT;
}

static inline u32 pi_ctl_ndst(u64 ctl)
{
	return (ctl & PI_CTL_NDST_MASK) >> PI_CTL_NDST_SHIFT;
}

static inline u64 __pi_ctl_set_on(u64 ctl, bool on)
{
	return on ? ctl | BIT_ULL(PI_CTL_ON_BIT) : ctl & ~BIT_ULL(PI_CTL_ON_BIT);
}

static inline u64 __pi_ctl_set_sn(u64 ctl, bool sn)
{
	return sn ? ctl | BIT_ULL(PI_CTL_SN_BIT) : ctl & ~BIT_ULL(PI_CTL_SN_BIT);
}

static inline u64 __pi_ctl_set_nv(u64 ctl, u8 nv)
{
	return (ctl & ~PI_CTL_NV_MASK) | ((u64)nv << PI_CTL_NV_SHIFT);
}

static inline u64 __pi_ctl_set_ndst(u64 ctl, u32 ndst)
{
	return (ctl & ~PI_CTL_NDST_MASK) | ((u64)ndst << PI_CTL_NDST_SHIFT);
}

/* A whole control word from its fields: used once, when a descriptor is set up. */
static inline u64 __pi_ctl_make(bool on, bool sn, u8 nv, u32 ndst)
{
	return __pi_ctl_set_ndst(__pi_ctl_set_nv(__pi_ctl_set_sn(__pi_ctl_set_on(0, on), sn), nv),
				 ndst);
}

/* PIR word and bit of a vector. */
static inline unsigned int pi_pir_word(u8 vector)
{
	return vector / 64;
}

static inline unsigned int pi_pir_bit(u8 vector)
{
	return vector % 64;
}

#endif
