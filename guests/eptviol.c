/* eptviol: reads guest-physical 512 MiB: mapped by its page tables, not backed by its EPT. */
#include "guests/lib.h"

u64 guest_main(u64 index, u64 count)
{
	g_printf("about to read outside my memory\n");
	return *(volatile u64 *)0x20000000ul;
}
