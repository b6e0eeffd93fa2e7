/* triple: no IDT, then an exception: #UD -> #GP -> #DF -> triple fault (SDM Vol. 3A 6.15). */
#include "guests/lib.h"

u64 guest_main(u64 index, u64 count)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) none = { 0, 0 };

	g_printf("about to triple-fault\n");
	asm volatile("lidt %0; ud2" : : "m"(none));
	return 1;
}
