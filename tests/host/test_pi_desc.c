/*
 * pi/pi_desc.h: the posted-interrupt descriptor layout (SDM Vol. 3C 29.6, VT-d 9.11) and the pure
 * snapshot helpers.  Bit positions are checked against the spec's descriptor bit numbers and
 * against the raw little-endian bytes, so a wrong shift cannot hide behind a matching decoder.
 */
#include "pi/pi.h"
#include "pi/pi_desc.h"
#include "tests/host/test.h"

TEST(pi_desc_layout)
{
	struct pi_desc d;

	EXPECT_EQ(sizeof(struct pi_desc), 64);
	EXPECT_EQ(_Alignof(struct pi_desc), 64);
	EXPECT_EQ(offsetof(struct pi_desc, control) * 8, 256);
	EXPECT_EQ(offsetof(struct pi_vcpu, desc), 0);
	EXPECT_EQ(_Alignof(struct pi_vcpu) % 64, 0);
	EXPECT_EQ(sizeof(d.pir) * 8, 256);
}

/* Descriptor bit N (N >= 256) is control bit N - 256. */
TEST(pi_desc_bits_match_spec)
{
	EXPECT_EQ(__pi_ctl_make(true, false, 0, 0), 1ull << (256 - 256));
	EXPECT_EQ(__pi_ctl_make(false, true, 0, 0), 1ull << (257 - 256));
	EXPECT_EQ(__pi_ctl_make(false, false, 0xff, 0), GENMASK_ULL(279 - 256, 272 - 256));
	EXPECT_EQ(__pi_ctl_make(false, false, 0, 0xffffffff), GENMASK_ULL(319 - 256, 288 - 256));
	EXPECT_EQ(__pi_ctl_make(false, false, 0xf2, 0x12345678), 0x1234567800f20000ull);
}

TEST(pi_desc_raw_bytes)
{
	struct pi_desc d = {.control = __pi_ctl_make(true, true, 0xf1, 0xa1b2c3d4)};
	const u8 *b = (const u8 *)&d;

	EXPECT_EQ(b[32], 0x03); /* ON | SN */
	EXPECT_EQ(b[34], 0xf1); /* NV: bits 279:272 */
	EXPECT_EQ(b[36], 0xd4); /* NDST: bits 319:288, little-endian */
	EXPECT_EQ(b[39], 0xa1);
}

TEST(pi_desc_fields_roundtrip)
{
	u64 all = PI_CTL_VALID_MASK, c;

	c = __pi_ctl_make(true, false, PI_WAKEUP_VECTOR, 0x80000001);
	EXPECT_TRUE(pi_ctl_on(c));
	EXPECT_TRUE(!pi_ctl_sn(c));
	EXPECT_EQ(pi_ctl_nv(c), PI_WAKEUP_VECTOR);
	EXPECT_EQ(pi_ctl_ndst(c), 0x80000001);
	/* Each setter changes only its own field. */
	EXPECT_EQ(__pi_ctl_set_on(all, false), all & ~1ull);
	EXPECT_EQ(__pi_ctl_set_sn(all, false), all & ~2ull);
	EXPECT_EQ(__pi_ctl_set_nv(all, 0), all & ~PI_CTL_NV_MASK);
	EXPECT_EQ(__pi_ctl_set_ndst(all, 0), all & ~PI_CTL_NDST_MASK);
	EXPECT_EQ(__pi_ctl_set_nv(0, PI_NOTIFY_VECTOR), (u64)PI_NOTIFY_VECTOR << 16);
	EXPECT_EQ(__pi_ctl_set_on(__pi_ctl_set_on(0, true), true), 1);
	/* Reserved bits 271:258 stay clear in everything we build. */
	EXPECT_EQ(all & GENMASK_ULL(15, 2), 0);
}

TEST(pi_desc_pir_index)
{
	EXPECT_EQ(pi_pir_word(0), 0);
	EXPECT_EQ(pi_pir_bit(0), 0);
	EXPECT_EQ(pi_pir_word(63), 0);
	EXPECT_EQ(pi_pir_bit(63), 63);
	EXPECT_EQ(pi_pir_word(64), 1);
	EXPECT_EQ(pi_pir_bit(64), 0);
	EXPECT_EQ(pi_pir_word(0xf2), 3);
	EXPECT_EQ(pi_pir_bit(0xf2), 0xf2 - 192);
}
