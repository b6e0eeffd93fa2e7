/*
 * INTERFACE: the minimal PC every VM's port I/O reaches (docs/guests.md, "Ports"): what a
 * kernel written for QEMU's or Bochs's PC probes and uses, and nothing that needs interrupts.
 *
 *   port            device                          vdev file
 *   0x3f8-0x3ff     16550A UART (COM1)              uart.c
 *   0xf4-0xf7       QEMU isa-debug-exit             pc.c: a write of v ends the VM
 *                                                   with QEMU's status (v << 1) | 1
 *   0x8900          Bochs shutdown port             pc.c: "Shutdown" ends the VM
 *   0x510, 0x511    QEMU fw_cfg (I/O interface)     fw_cfg.c
 *   0xcf8, 0xcfc    PCI configuration mechanism #1  pc.c: the address latches, no
 *                                                   device answers (data reads all-ones)
 *   anything else   nothing: reads all-ones, writes dropped, never fatal; each port is
 *                   reported once per VM, the first PC_EMPTY_REPORTS of them (a kernel probing
 *                   the 8259, PIT or CMOS carries on; one probing every port costs one line
 *                   each for the first few only)
 *
 * One struct pc per VM.  Its vCPUs exit on different pCPUs, so pc_io serializes on the pc's
 * own lock (taken with IRQs off: exit handlers run so).  Pure C apart from that lock.
 */
#ifndef VDEV_PC_H
#define VDEV_PC_H

#include "arch/x86/spinlock.h"
#include "lib/types.h"
#include "vdev/fw_cfg.h"
#include "vdev/uart.h"

#define PC_COM1		   0x3f8
#define PC_PORT_DEBUG_EXIT 0xf4
#define PC_PORT_SHUTDOWN   0x8900
#define PC_PCI_ADDR	   0xcf8
#define PC_PCI_DATA	   0xcfc
#define PC_PORT_BITMAP	   (65536 / 8)
#define PC_EMPTY_REPORTS   32

/* What an access asks of the VM besides its data. */
enum pc_effect {
	PC_NONE,
	PC_DEBUG_EXIT, /* *value = the value written to isa-debug-exit */
	PC_SHUTDOWN,   /* "Shutdown" written to port 0x8900 */
};

/* What the PC says about itself (a port without a device): one line, text without newline. */
typedef void (*pc_note_fn)(void *ctx, const char *s, u32 n);

struct pc {
	struct spinlock lock; /* everything below; any pCPU, IRQs off */
	pc_note_fn note_fn;
	void *ctx;
	struct uart com1;
	struct fw_cfg fw_cfg;
	u32 pci_addr;
	u32 shutdown_pos; /* characters of "Shutdown" matched so far */
	u8 *reported;	  /* PC_PORT_BITMAP bytes: ports already reported as empty */
	u32 nr_empty_ports;
	u64 empty_accesses;
};

/*
 * @pre reported: PC_PORT_BITMAP zeroed bytes that live as long as pc.  The UART's lines go to
 * line_fn, the PC's own notes to note_fn, both with ctx; called with pc's lock held.
 */
void pc_init(struct pc *pc, u32 nr_cpus, u64 ram_size, u8 *reported, uart_line_fn line_fn,
	     pc_note_fn note_fn, void *ctx);
/*
 * One IN or OUT of size 1, 2 or 4 bytes at port.  IN: *val receives the value (all-ones of
 * size where nothing answers).  @return what the access asks of the VM (*value for
 * PC_DEBUG_EXIT).
 */
enum pc_effect pc_io(struct pc *pc, u16 port, u32 size, bool in, u32 *val, u32 *value);
/* The machine is ending: the UART's unfinished line goes out. */
void pc_flush(struct pc *pc);

#endif
