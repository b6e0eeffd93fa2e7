/*
 * Port dispatch of the minimal PC (the port table is in vdev/pc.h).  Byte devices (the UART,
 * the shutdown port) see a wider access as consecutive byte accesses, as an ISA bus splits
 * them; isa-debug-exit and the PCI latch take the whole value, as QEMU's do.
 */
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "vdev/pc.h"

void pc_init(struct pc *pc, u32 nr_cpus, u64 ram_size, u8 *reported, uart_line_fn line_fn,
	     pc_note_fn note_fn, void *ctx)
{
	spin_init(&pc->lock, "pc", SPIN_IRQSAFE);
	pc->note_fn = note_fn;
	pc->ctx = ctx;
	uart_init(&pc->com1, line_fn, ctx);
	fw_cfg_init(&pc->fw_cfg, nr_cpus, ram_size);
	pc->pci_addr = 0;
	pc->shutdown_pos = 0;
	pc->reported = reported;
	pc->nr_empty_ports = 0;
	pc->empty_accesses = 0;
}

/* Bochs's shutdown port: the bytes "Shutdown" in a row (iodev/unmapped.cc). */
static bool shutdown_byte(struct pc *pc, u8 c)
{
	static const char word[] = "Shutdown";

	if (c == (u8)word[pc->shutdown_pos])
		pc->shutdown_pos++;
	else
		pc->shutdown_pos = c == (u8)word[0];
	if (pc->shutdown_pos < sizeof(word) - 1)
		return false;
	pc->shutdown_pos = 0;
	return true;
}

static void empty_port(struct pc *pc, u16 port, u32 size, bool in)
{
	u8 bit = (u8)(1u << (port & 7));
	char msg[96];
	int n;

	pc->empty_accesses++;
	if (pc->reported[port >> 3] & bit)
		return;
	pc->reported[port >> 3] |= bit;
	if (++pc->nr_empty_ports > PC_EMPTY_REPORTS)
		return;
	if (pc->nr_empty_ports == PC_EMPTY_REPORTS)
		n = fmt_snprintf(msg, sizeof(msg),
				 "port %#x: no device (%u empty ports reported; no "
				 "more will be)",
				 port, PC_EMPTY_REPORTS);
	else
		n = fmt_snprintf(msg, sizeof(msg),
				 "port %#x (%s, %u byte%s): no device; reads "
				 "all-ones, writes dropped (reported once)",
				 port, in ? "in" : "out", size, size == 1 ? "" : "s");
	pc->note_fn(pc->ctx, msg, (u32)MIN(n, (int)sizeof(msg) - 1));
}

/* One byte at port for the byte-wide devices; false if nothing is there. */
static bool byte_io(struct pc *pc, u16 port, bool in, u8 *b, enum pc_effect *fx)
{
	if (port >= PC_COM1 && port < PC_COM1 + 8) {
		uart_io(&pc->com1, port - PC_COM1, in, b);
		return true;
	}
	if (port == FW_CFG_PORT_DATA) {
		if (in)
			*b = fw_cfg_read(&pc->fw_cfg);
		return true; /* data writes are ignored by QEMU too (no DMA, no writable items) */
	}
	if (port == PC_PORT_SHUTDOWN) {
		if (in)
			*b = 0xff;
		else if (shutdown_byte(pc, *b))
			*fx = PC_SHUTDOWN;
		return true;
	}
	return false;
}

static enum pc_effect locked_io(struct pc *pc, u16 port, u32 size, bool in, u32 *val, u32 *value)
{
	enum pc_effect fx = PC_NONE;
	u32 mask = size == 4 ? ~0u : (1u << (8 * size)) - 1;

	if (port >= PC_PORT_DEBUG_EXIT && port < PC_PORT_DEBUG_EXIT + 4) {
		if (in) {
			*val = 0; /* QEMU's isa-debug-exit reads 0 */
		} else {
			*value = *val & mask;
			fx = PC_DEBUG_EXIT;
		}
		return fx;
	}
	if (port == FW_CFG_PORT_SEL && size >= 2) {
		if (in)
			*val = mask;
		else
			fw_cfg_select(&pc->fw_cfg, (u16)*val);
		return fx;
	}
	if (port == PC_PCI_ADDR && size == 4) {
		if (in)
			*val = pc->pci_addr;
		else
			pc->pci_addr = *val;
		return fx;
	}
	if (port >= PC_PCI_DATA && port < PC_PCI_DATA + 4) {
		if (in)
			*val = mask; /* no device on bus 0 or anywhere: vendor ID 0xffff */
		return fx;
	}
	if (in)
		*val = 0;
	for (u32 i = 0; i < size; i++) {
		u8 b = in ? 0xff : (u8)(*val >> (8 * i));

		if (!byte_io(pc, (u16)(port + i), in, &b, &fx)) {
			empty_port(pc, (u16)(port + i), size, in);
			b = 0xff;
		}
		if (in)
			*val |= (u32)b << (8 * i);
	}
	return fx;
}

enum pc_effect pc_io(struct pc *pc, u16 port, u32 size, bool in, u32 *val, u32 *value)
{
	enum pc_effect fx;

	spin_lock(&pc->lock);
	fx = locked_io(pc, port, size, in, val, value);
	spin_unlock(&pc->lock);
	return fx;
}

void pc_flush(struct pc *pc)
{
	unsigned long f = spin_lock_irqsave(&pc->lock);

	uart_flush(&pc->com1);
	spin_unlock_irqrestore(&pc->lock, f);
}
