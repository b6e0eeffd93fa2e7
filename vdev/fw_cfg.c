/* QEMU fw_cfg, I/O interface (vdev/fw_cfg.h).  Pure C. */
#include "vdev/fw_cfg.h"

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID	 0x01
#define FW_CFG_RAM_SIZE	 0x03
#define FW_CFG_NB_CPUS	 0x05
#define FW_CFG_MAX_CPUS	 0x0f
#define FW_CFG_FILE_DIR	 0x19
#define FW_CFG_ID_TRAD	 1u

void fw_cfg_init(struct fw_cfg *f, u32 nr_cpus, u64 ram_size)
{
	f->key = 0;
	f->pos = 0;
	f->nr_cpus = (u16)nr_cpus;
	f->ram_size = ram_size;
}

void fw_cfg_select(struct fw_cfg *f, u16 key)
{
	f->key = key;
	f->pos = 0;
}

/* Byte i of a little-endian value of n bytes, 0 past its end. */
static u8 le(u64 v, u32 n, u32 i)
{
	return i < n ? (u8)(v >> (8 * i)) : 0;
}

u8 fw_cfg_read(struct fw_cfg *f)
{
	u32 i = f->pos;

	if (f->pos < 0xffff)
		f->pos++;
	switch (f->key) {
	case FW_CFG_SIGNATURE:
		return i < 4 ? (u8) "QEMU"[i] : 0;
	case FW_CFG_ID:
		return le(FW_CFG_ID_TRAD, 4, i);
	case FW_CFG_RAM_SIZE:
		return le(f->ram_size, 8, i);
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		return le(f->nr_cpus, 2, i);
	case FW_CFG_FILE_DIR:
		return 0; /* big-endian count 0, and nothing after it */
	default:
		return 0; /* no such item: QEMU reads 0 too */
	}
}
