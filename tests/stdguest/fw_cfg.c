/* QEMU fw_cfg, I/O interface (QEMU docs/specs/fw_cfg.rst): select at 0x510, bytes at 0x511. */
#include "tests/stdguest/kernel.h"

void fw_cfg_read(u16 key, void *buf, u32 len)
{
	u8 *b = buf;

	outw(0x510, key);
	for (u32 i = 0; i < len; i++)
		b[i] = inb(0x511);
}
