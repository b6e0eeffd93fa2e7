/*
 * arch/x86/vtd_irte.h against the VT-d spec layouts (rev. 4.1, 9.10 remapped IRTE, 9.11
 * posted IRTE, 5.1.5.1 remappable IOAPIC RTE, 5.1.5.2 remappable MSI address).  Expected
 * values are written out bit by bit from the spec tables, not computed with the encoders'
 * own macros, so a wrong shift in the header cannot cancel out here.
 */
#include "arch/x86/vtd_irte.h"
#include "tests/host/test.h"

TEST(vtd_irte_remapped_x2apic)
{
	/* vector 0x50 -> x2APIC id 0x12345678, edge, SVT=01 SQ=00 SID 00:03.0 (0x0018) */
	struct vtd_irte e = vtd_irte_remapped(0x50, 0x12345678, true, false, 0x0018, 1, 0);

	EXPECT_EQ(e.lo, 0x1234567800500001ull); /* DST 63:32, V 23:16, P 0 */
	EXPECT_EQ(e.hi, 0x0000000000040018ull); /* SVT 83:82 = 01 -> hi bit 18; SID 79:64 */
	EXPECT_TRUE(vtd_irte_present(e));
	EXPECT_TRUE(!vtd_irte_is_posted(e));
	EXPECT_EQ(vtd_irte_vector(e), 0x50);
	EXPECT_EQ(vtd_irte_dest(e, true), 0x12345678);
	EXPECT_EQ(vtd_irte_sid(e), 0x18);
	EXPECT_EQ(vtd_irte_svt(e), 1);
	EXPECT_EQ(vtd_irte_sq(e), 0);
	EXPECT_EQ(e.lo & IRTE_RSVD_LO, 0);
	EXPECT_EQ(e.hi & IRTE_RSVD_HI, 0);
}

TEST(vtd_irte_remapped_xapic_level)
{
	/* EIME = 0: 8-bit destination in bits 47:40; TM (bit 4) for level; SQ = 3, SVT = 2 */
	struct vtd_irte e = vtd_irte_remapped(0xdf, 0x3, false, true, 0xff00, 2, 3);

	EXPECT_EQ(e.lo, 0x0000030000df0011ull);
	EXPECT_EQ(e.hi, 0x00000000000bff00ull); /* SVT 10 -> bit 19, SQ 11 -> bits 17:16 */
	EXPECT_EQ(e.lo & (IRTE_RSVD_LO | IRTE_RSVD_LO_XAPIC), 0);
	EXPECT_EQ(vtd_irte_dest(e, false), 3);
	/* an id that does not fit 8 bits must not leak into reserved bits 63:48 */
	e = vtd_irte_remapped(0x30, 0x1ff, false, false, 0, 0, 0);
	EXPECT_EQ(e.lo & (IRTE_RSVD_LO | IRTE_RSVD_LO_XAPIC), 0);
}

TEST(vtd_irte_posted_layout)
{
	/* PDA 0x0000_0001_2345_6780 (64-byte aligned), guest vector 0x31, urgent */
	u64 pda = 0x0000000123456780ull;
	struct vtd_irte e = vtd_irte_posted(0x31, pda, true, 0x0018, 1, 0);

	/* lo: PDA[31:6] in 63:38, V 23:16, IM bit 15, URG bit 14, P bit 0 */
	EXPECT_EQ(e.lo, ((0x23456780ull >> 6) << 38) | 0x31ull << 16 | 1ull << 15 | 1ull << 14 | 1);
	/* hi: PDA[63:32] in 127:96, SVT 01 at 83:82, SID */
	EXPECT_EQ(e.hi, 0x0000000100040018ull);
	EXPECT_TRUE(vtd_irte_is_posted(e));
	EXPECT_EQ(vtd_irte_pda(e), pda);
	EXPECT_EQ(vtd_irte_vector(e), 0x31);
	EXPECT_EQ(e.lo & IRTE_POSTED_RSVD_LO, 0);
	EXPECT_EQ(e.hi & IRTE_POSTED_RSVD_HI, 0);
	e = vtd_irte_posted(0x31, pda, false, 0x0018, 1, 0);
	EXPECT_EQ(e.lo & IRTE_URG, 0);
	/* PDA 0xfffffffffffc0: all address bits reach the entry, nothing else */
	e = vtd_irte_posted(0, 0xffffffffffffffc0ull, false, 0, 0, 0);
	EXPECT_EQ(e.lo, 0xffffffc000008001ull);
	EXPECT_EQ(e.hi, 0xffffffff00000000ull);
}

TEST(vtd_irte_field_masks)
{
	/* the mask macros name the spec's bit ranges */
	EXPECT_EQ(IRTE_VECTOR_MASK, 0x0000000000ff0000ull);
	EXPECT_EQ(IRTE_RSVD_LO, 0x00000000ff007000ull);
	EXPECT_EQ(IRTE_RSVD_HI, 0xfffffffffff00000ull);
	EXPECT_EQ(IRTE_PDA_LO_MASK, 0xffffffc000000000ull);
	EXPECT_EQ(IRTE_POSTED_RSVD_LO, 0x0000003fff0030fcull);
	EXPECT_EQ(IRTE_POSTED_RSVD_HI, 0x00000000fff00000ull);
}

TEST(vtd_irte_retarget_remapped_keeps_all_but_dest)
{
	/* x2APIC: vector 0x50, level, SID 0x0018 under SVT=01 -> dest 7 */
	struct vtd_irte e = vtd_irte_remapped(0x50, 0x12345678, true, true, 0x0018, 1, 0), out;

	EXPECT_TRUE(vtd_irte_retarget(e, 7, true, &out));
	EXPECT_EQ(out.lo, 0x0000000700500011ull); /* only bits 63:32 changed */
	EXPECT_EQ(out.hi, e.hi);
	/* xAPIC (EIME = 0): bits 47:40 only, reserved 39:32 and 63:48 stay clear */
	e = vtd_irte_remapped(0xdf, 0x3, false, false, 0xff00, 2, 3);
	EXPECT_TRUE(vtd_irte_retarget(e, 0x1a5, false, &out));
	EXPECT_EQ(out.lo, 0x0000a50000df0001ull);
	EXPECT_EQ(out.lo & (IRTE_RSVD_LO | IRTE_RSVD_LO_XAPIC), 0);
	EXPECT_EQ(out.hi, e.hi);
}

TEST(vtd_irte_retarget_leaves_posted_and_absent_entries)
{
	/* known bug 13 (docs/pi.md): an affinity change must leave a posted entry posted */
	struct vtd_irte p = vtd_irte_posted(0x31, 0x123456789000ull, true, 0x0018, 1, 0);
	struct vtd_irte out = {0xdead, 0xbeef};

	EXPECT_TRUE(!vtd_irte_retarget(p, 3, true, &out));
	EXPECT_TRUE(!vtd_irte_retarget(p, 3, false, &out));
	EXPECT_EQ(out.lo, 0xdead);
	EXPECT_EQ(out.hi, 0xbeef);
	EXPECT_TRUE(!vtd_irte_retarget((struct vtd_irte){0, 0}, 3, true, &out));
	EXPECT_EQ(out.lo, 0xdead);
}

TEST(vtd_msi_remappable_addr)
{
	/* handle 5: 0xFEE00000 | 5 << 5 | IF (bit 4) */
	EXPECT_EQ(vtd_msi_addr(5, false), 0xfee000b0u);
	EXPECT_EQ(vtd_msi_addr(0, true), 0xfee00018u); /* SHV bit 3 */
	/* handle 0x8001: bit 15 goes to address bit 2, bits 14:0 to 19:5 */
	EXPECT_EQ(vtd_msi_addr(0x8001, false), 0xfee00034u);
	EXPECT_EQ(vtd_msi_addr(0xffff, false), 0xfeeffff4u);
}

TEST(vtd_ioapic_rte_remappable)
{
	/* docs/emulators.md §6.5: handle 20, vector 0x55, edge, high -> 0029000000000055 */
	EXPECT_EQ(vtd_ioapic_rte(20, 0x55, false, false, false), 0x0029000000000055ull);
	/* handle 0x8000 -> bit 11; level (15), active low (13), masked (16) */
	EXPECT_EQ(vtd_ioapic_rte(0x8000, 0x60, true, true, true), 0x000100000001a860ull);
	EXPECT_EQ(vtd_ioapic_rte(0x7fff, 0, false, false, false), 0xffff000000000000ull);
}
