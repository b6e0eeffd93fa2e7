/* The MP table (vmboot/mptable.h); section numbers are those of the MP spec 1.4. */
#include "vmboot/mptable.h"
#include "lib/le.h"
#include "lib/string.h"

#define MPT_SPEC_REV   4	  /* 1.4 */
#define MPT_LAPIC_ADDR 0xfee00000 /* the xAPIC's default base */
#define MPT_LAPIC_VER  0x14	  /* an integrated APIC, as the vCPU's LVR reports */
#define MPT_CPU_EN     0x01
#define MPT_CPU_BP     0x02
#define MPT_TYPE_CPU   0
#define MPT_TYPE_BUS   1
#define MPT_TYPE_LINT  4
#define MPT_INT_NMI    1
#define MPT_INT_EXTINT 3
#define MPT_ALL_LAPICS 0xff

/* Both structures checksum to 0 over their bytes (4.1, 4.2). */
static u8 checksum(const u8 *b, u32 len)
{
	u8 sum = 0;

	for (u32 i = 0; i < len; i++)
		sum = (u8)(sum + b[i]);
	return (u8)-sum;
}

static u8 *lint(u8 *e, u8 type, u8 lint_pin)
{
	e[0] = MPT_TYPE_LINT;
	e[1] = type;
	le_st16(e + 2, 0); /* polarity and trigger: conforming to the bus */
	e[4] = 0;	   /* source bus: the ISA bus */
	e[5] = 0;	   /* source bus IRQ */
	e[6] = MPT_ALL_LAPICS;
	e[7] = lint_pin;
	return e + MPT_LINT_LEN;
}

u32 mptable_build(u8 *buf, u32 gpa, u32 nr_cpus, u32 cpu_signature, u32 cpu_features)
{
	u8 *fp = buf, *hdr = buf + MPT_FLOAT_LEN, *e = hdr + MPT_HDR_LEN;
	u32 len = mptable_size(nr_cpus) - MPT_FLOAT_LEN;

	memset(buf, 0, mptable_size(nr_cpus));
	for (u32 i = 0; i < nr_cpus; i++, e += MPT_CPU_LEN) {
		e[0] = MPT_TYPE_CPU;
		e[1] = (u8)i; /* local APIC ID */
		e[2] = MPT_LAPIC_VER;
		e[3] = MPT_CPU_EN | (i == 0 ? MPT_CPU_BP : 0);
		le_st32(e + 4, cpu_signature);
		le_st32(e + 8, cpu_features);
	}
	e[0] = MPT_TYPE_BUS;
	e[1] = 0;
	memcpy(e + 2, "ISA   ", 6);
	e += MPT_BUS_LEN;
	e = lint(e, MPT_INT_EXTINT, 0);
	lint(e, MPT_INT_NMI, 1);

	memcpy(hdr, "PCMP", 4);
	le_st16(hdr + 4, len);
	hdr[6] = MPT_SPEC_REV;
	memcpy(hdr + 8, "PIHV    ", 8);	      /* OEM ID */
	memcpy(hdr + 16, "VIRTUAL PC  ", 12); /* product ID */
	le_st16(hdr + 34, nr_cpus + 3);	      /* entry count */
	le_st32(hdr + 36, MPT_LAPIC_ADDR);
	hdr[7] = checksum(hdr, len);

	memcpy(fp, "_MP_", 4);
	le_st32(fp + 4, gpa + MPT_FLOAT_LEN);
	fp[8] = 1; /* length in 16-byte units */
	fp[9] = MPT_SPEC_REV;
	/* feature bytes 0: a configuration table is present; no IMCR (virtual wire mode) */
	fp[10] = checksum(fp, MPT_FLOAT_LEN);
	return mptable_size(nr_cpus);
}
