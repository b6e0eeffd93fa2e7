/*
 * The shared MSR bitmaps (msr_bitmap.h).  Layout (SDM Vol. 3C 25.6.9), one bit per MSR, 1 =
 * exit: read-low (MSRs 0-0x1fff) at byte 0, read-high (0xc0000000-0xc0001fff) at 1024,
 * write-low at 2048, write-high at 3072.  Any MSR outside both ranges always exits.
 *
 * Built all-ones (every access exits), then opened only where another module says the guest
 * may reach the MSR itself: vm/vapic_x2apic.c (x2APIC registers the CPU virtualizes, in the
 * x2APIC-mode bitmap only), and nothing else (docs/isolation.md: no MSR reaches the hardware
 * unchecked).  Until this initcall ran the pointers are NULL and VMX is not ready; after it,
 * nothing writes the pages again.
 */
#include "lib/config.h"
#include "lib/initcall.h"
#include "lib/mm.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "lib/test_seam.h"
#include "vm/msr_bitmap.h"
#include "vm/vapic.h"
#include "vmx/vmx.h"

/* Written by the BSP's INIT_VM initcall only; read-only from then on (any pCPU).
 * [0]: every LAPIC mode but x2APIC, [1]: x2APIC mode. */
static u8 *bitmaps[2];

u64 msr_bitmap_pa(bool x2apic)
{
	return (u64)bitmaps[x2apic];
}

void msr_bitmap_allow(u32 msr, bool read, bool write, bool x2apic_only)
{
	u32 base = msr >= 0xc0000000u ? 1024 : 0, n = msr & 0x1fff;

	for (u32 i = x2apic_only; i < 2; i++) {
		if (read)
			bitmaps[i][base + n / 8] &= ~(1u << (n % 8));
		if (write)
			bitmaps[i][2048 + base + n / 8] &= ~(1u << (n % 8));
	}
}

static int msr_bitmap_init(void)
{
	u8 *b;

	if (!vmx_get_controls())
		return 0; /* no VMX: vmx.c said why */
	/* a test image may make this allocation fail (lib/test_seam.h) */
	b = test_seam.init_alloc_fails && test_seam.init_alloc_fails("msr-bitmap") ? NULL
										   : pages_alloc(2);
	if (!b) {
		vmx_refuse("no memory for the MSR bitmap");
		return -1;
	}
	memset(b, 0xff, 2 * PAGE_SIZE);
	bitmaps[0] = b;
	bitmaps[1] = b + PAGE_SIZE;
	vapic_msr_bitmap_init();
	return 0;
}
INITCALL(INIT_VM, msr_bitmap_init);
