/* badhc: a console write whose buffer lies outside guest memory: the VM must be stopped. */
#include "guests/lib.h"

u64 guest_main(u64 index, u64 count)
{
	g_printf("about to pass a bad buffer\n");
	hc3(HC_CONSOLE_WRITE, 0x30000000ul, 16, 0);
	g_report(false, "bad hypercall returned to the guest");
	return 1;
}
