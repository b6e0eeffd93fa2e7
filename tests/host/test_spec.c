/* arch/x86/spec_policy.h: which mitigations a CPU gets, from CPUID and IA32_ARCH_CAPABILITIES. */
#include "arch/x86/spec_policy.h"
#include "tests/host/test.h"

#define EDX_ALL                                                                                    \
	(SPEC_CPUID_MD_CLEAR | SPEC_CPUID_IBRS_IBPB | SPEC_CPUID_STIBP | SPEC_CPUID_L1D_FLUSH |    \
	 SPEC_CPUID_ARCH_CAP | SPEC_CPUID_CORE_CAP | SPEC_CPUID_SSBD)
/* every "not affected" bit of a CPU with none of the issues */
#define ARCH_CAP_FIXED                                                                             \
	(ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_SKIP_L1DFL_VMENTRY | ARCH_CAP_MDS_NO |    \
	 ARCH_CAP_TAA_NO | ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO |          \
	 ARCH_CAP_BHI_NO | ARCH_CAP_PBRSB_NO | ARCH_CAP_RFDS_NO)

/* Bochs 3.0 sapphire_rapids: ARCH_CAPABILITIES 0x1f, CPUID.7.2:EDX 0x17 (BHI_CTRL). */
TEST(spec_bochs_sapphire_rapids)
{
	struct spec_cpu c = {0, 0xfc804410u, 0x17, 0x1f, 1};
	struct spec_policy p = spec_decide(&c, false);

	EXPECT_EQ(p.host_spec_ctrl, SPEC_CTRL_IBRS | SPEC_CTRL_BHI_DIS_S);
	EXPECT_TRUE(p.ibpb && !p.l1d_flush && p.verw);
	EXPECT_EQ(p.rsb, SPEC_RSB_LITE);
	EXPECT_TRUE(!p.l1tf_open && !p.buffers_open && !p.v2_open);
	/* spec=all: the L1D flush, VERW beside it, and the full RSB overwrite */
	p = spec_decide(&c, true);
	EXPECT_TRUE(p.ibpb && p.l1d_flush && p.verw);
	EXPECT_EQ(p.rsb, SPEC_RSB_FULL);
}

/* Skylake client with MD_CLEAR microcode: no ARCH_CAPABILITIES, L1TF and MDS affected. */
TEST(spec_skylake_client)
{
	struct spec_cpu c = {SPEC_CPUID_RTM, EDX_ALL & ~(SPEC_CPUID_ARCH_CAP | SPEC_CPUID_CORE_CAP),
			     0, 0, 2};
	struct spec_policy p = spec_decide(&c, false);

	EXPECT_EQ(p.host_spec_ctrl, 0); /* no eIBRS: no set-and-forget IBRS */
	EXPECT_TRUE(p.ibpb && p.l1d_flush);
	EXPECT_TRUE(!p.verw); /* the L1D flush overwrites the buffers too */
	EXPECT_EQ(p.rsb, SPEC_RSB_FULL);
	EXPECT_TRUE(!p.l1tf_open && !p.buffers_open && !p.v2_open);
}

/* Cascade Lake: not L1TF/MDS-affected, eIBRS, but TSX with TAA_NO clear. */
TEST(spec_cascade_lake_taa)
{
	struct spec_cpu c = {SPEC_CPUID_RTM, EDX_ALL, 0,
			     ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_SKIP_L1DFL_VMENTRY |
				     ARCH_CAP_MDS_NO,
			     2};
	struct spec_policy p = spec_decide(&c, false);

	EXPECT_EQ(p.host_spec_ctrl, SPEC_CTRL_IBRS);
	EXPECT_TRUE(p.ibpb && !p.l1d_flush && p.verw);
	EXPECT_EQ(p.rsb, SPEC_RSB_LITE);
}

/* A CPU with every issue fixed: IBPB between VMs stays, nothing at entry or exit. */
TEST(spec_not_affected)
{
	struct spec_cpu c = {SPEC_CPUID_RTM, EDX_ALL, SPEC_CPUID2_BHI_CTRL, ARCH_CAP_FIXED, 2};
	struct spec_policy p = spec_decide(&c, false);

	EXPECT_EQ(p.host_spec_ctrl, SPEC_CTRL_IBRS); /* BHI_NO: no BHI_DIS_S */
	EXPECT_TRUE(p.ibpb && !p.l1d_flush && !p.verw);
	EXPECT_EQ(p.rsb, SPEC_RSB_NONE);
	/* an ARCH_CAPABILITIES value without CPUID.7:EDX[29] is not trusted: all affected */
	c.cpuid7_edx &= ~SPEC_CPUID_ARCH_CAP;
	p = spec_decide(&c, false);
	EXPECT_TRUE(p.l1d_flush && p.rsb == SPEC_RSB_FULL);
	EXPECT_EQ(p.host_spec_ctrl, SPEC_CTRL_BHI_DIS_S);
}

/* Ivy Bridge without microcode updates: everything open, the RSB overwrite still runs. */
TEST(spec_no_speculation_control)
{
	struct spec_cpu c = {0, 0, 0, 0, 2};
	struct spec_policy p = spec_decide(&c, false);

	EXPECT_EQ(p.host_spec_ctrl, 0);
	EXPECT_TRUE(!p.ibpb && !p.l1d_flush && !p.verw);
	EXPECT_EQ(p.rsb, SPEC_RSB_FULL);
	EXPECT_TRUE(p.l1tf_open && p.buffers_open && p.v2_open);
}
