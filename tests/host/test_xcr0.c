/* vm/xcr0.h: the XCR0 values a guest's XSETBV may set (SDM Vol. 1 13.3, Vol. 2C XSETBV). */
#include "tests/host/test.h"
#include "vm/xcr0.h"

#define SPR 0xe7ull /* x87 SSE AVX and AVX-512: Bochs sapphire_rapids, pihv's XSTATE_MANAGED */

TEST(xcr0_valid_values)
{
	EXPECT_TRUE(xcr0_valid(XSTATE_X87, SPR));
	EXPECT_TRUE(xcr0_valid(XSTATE_X87 | XSTATE_SSE, SPR));
	EXPECT_TRUE(xcr0_valid(0x7, SPR));
	EXPECT_TRUE(xcr0_valid(0xe7, SPR));
	/* ivy bridge / haswell: no AVX-512 */
	EXPECT_TRUE(xcr0_valid(0x7, 0x7));
}

TEST(xcr0_gp_conditions)
{
	EXPECT_TRUE(!xcr0_valid(0, SPR));		  /* x87 bit clear */
	EXPECT_TRUE(!xcr0_valid(XSTATE_SSE, SPR));	  /* x87 bit clear */
	EXPECT_TRUE(!xcr0_valid(0x5, SPR));		  /* AVX without SSE */
	EXPECT_TRUE(!xcr0_valid(0x23, SPR));		  /* opmask alone, no AVX */
	EXPECT_TRUE(!xcr0_valid(0x67, SPR));		  /* two of the three AVX-512 bits */
	EXPECT_TRUE(!xcr0_valid(0xe3, SPR));		  /* AVX-512 without AVX */
	EXPECT_TRUE(!xcr0_valid(0xe7, 0x7));		  /* AVX-512 not offered */
	EXPECT_TRUE(!xcr0_valid(0x207, SPR));		  /* PKRU not offered */
	EXPECT_TRUE(!xcr0_valid(1ull << 32 | 3, SPR));	  /* reserved bit */
	EXPECT_TRUE(xcr0_valid(0x60003, SPR | 0x60000));  /* AMX: both, valid */
	EXPECT_TRUE(!xcr0_valid(0x20003, SPR | 0x60000)); /* TILECFG without TILEDATA */
	EXPECT_TRUE(!xcr0_valid(0xb, 0x1f));		  /* BNDREGS without BNDCSR */
	EXPECT_TRUE(xcr0_valid(0x1b, 0x1f));		  /* MPX both */
}
