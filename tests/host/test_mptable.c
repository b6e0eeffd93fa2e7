/* vmboot/mptable.c: the structures an OS walks, checked the way it checks them. */
#include "tests/host/test.h"
#include "vmboot/mptable.h"

static u8 sum(const u8 *b, u32 n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *b++);
	return s;
}

static u32 ld32(const u8 *b)
{
	return b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24;
}

TEST(mptable_three_cpus)
{
	u8 buf[512];
	u32 gpa = 0x9fc00, n = mptable_build(buf, gpa, 3, 0x806f8, 0x178bfbff);
	const u8 *hdr = buf + 16, *e = hdr + 44;
	u32 len = hdr[4] | hdr[5] << 8;

	EXPECT_EQ(n, mptable_size(3));
	EXPECT_TRUE(!memcmp(buf, "_MP_", 4));
	EXPECT_EQ(ld32(buf + 4), gpa + 16);
	EXPECT_EQ(sum(buf, 16), 0);
	EXPECT_TRUE(!memcmp(hdr, "PCMP", 4));
	EXPECT_EQ(len, n - 16);
	EXPECT_EQ(sum(hdr, len), 0);
	EXPECT_EQ(hdr[34], 3 + 3);
	EXPECT_EQ(ld32(hdr + 36), 0xfee00000);
	for (u32 i = 0; i < 3; i++, e += 20) {
		EXPECT_EQ(e[0], 0);
		EXPECT_EQ(e[1], i);
		EXPECT_EQ(e[3], i ? 1 : 3); /* enabled; vCPU 0 the bootstrap processor */
		EXPECT_EQ(ld32(e + 4), 0x806f8);
	}
	EXPECT_EQ(e[0], 1);
	EXPECT_TRUE(!memcmp(e + 2, "ISA   ", 6));
	EXPECT_EQ(e[8], 4);
	EXPECT_EQ(e[9], 3); /* ExtINT */
	EXPECT_EQ(e[15], 0);
	EXPECT_EQ(e[16 + 1], 1); /* NMI */
	EXPECT_EQ(e[16 + 7], 1);
}
