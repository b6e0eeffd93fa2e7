/*
 * triple: vCPU 0 removes its IDT and raises an exception: #UD -> #GP -> #DF -> triple fault
 * (SDM Vol. 3A 6.15).  Any other vCPU spins forever: stopping the VM must stop it too.
 */
#include "guests/lib.h"

u64 guest_main(u64 index, u64 count)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) none = {0, 0};

	if (index != 0) {
		g_printf("spinning until my VM is stopped\n");
		for (;;)
			asm volatile("pause");
	}
	g_printf("about to triple-fault\n");
	asm volatile("lidt %0; ud2" : : "m"(none));
	return 1;
}
