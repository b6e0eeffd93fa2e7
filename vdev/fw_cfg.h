/*
 * INTERFACE: QEMU's firmware configuration device, I/O interface only (QEMU docs/specs/
 * fw_cfg.rst): a 16-bit selector written to port 0x510 picks an item, byte reads from port
 * 0x511 return its bytes in order, past its end 0.  The items a kernel asks a PC about:
 *   0x00 signature "QEMU"   0x01 ID (u32, bit 0: traditional interface; no DMA)
 *   0x03 RAM size (u64)     0x05 CPU count (u16)    0x0f max CPU count (u16)
 *   0x19 file directory (u32 big-endian count = 0: no files)
 * Every item is little-endian except the file directory, as in QEMU.  Pure C.
 */
#ifndef VDEV_FW_CFG_H
#define VDEV_FW_CFG_H

#include "lib/types.h"

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511

struct fw_cfg {
	u16 key;
	u32 pos;
	u16 nr_cpus;
	u64 ram_size;
};

void fw_cfg_init(struct fw_cfg *f, u32 nr_cpus, u64 ram_size);
void fw_cfg_select(struct fw_cfg *f, u16 key);
/* The next byte of the selected item. */
u8 fw_cfg_read(struct fw_cfg *f);

#endif
