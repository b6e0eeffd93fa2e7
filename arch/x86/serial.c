#include "arch/x86/serial.h"
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/timer.h"
#include "lib/types.h"

#define COM1	 0x3f8
#define LSR_THRE (1u << 5) /* transmit holding register empty; with the FIFO on: FIFO empty */
#define IIR_FIFO (3u << 6) /* both set: the FIFO is on (16550A and later) */
#define FIFO_LEN 16

/* Bytes the transmitter holds when THRE says it is empty: the FIFO's, or the one register. */
static u32 tx_depth = 1;

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no UART interrupts: output is polled */
	outb(COM1 + 3, 0x80); /* DLAB on */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
	/* an 8250/16450 has no FIFO and ignores the write: then one byte at a time */
	tx_depth = (inb(COM1 + 2) & IIR_FIFO) == IIR_FIFO ? FIFO_LEN : 1;
}

u32 serial_tx_room(void)
{
	return (inb(COM1 + 5) & LSR_THRE) ? tx_depth : 0;
}

void serial_tx(char c)
{
	outb(COM1, (u8)c);
}

/* A full FIFO drains in 16 x 87 us; an absent UART (LSR reads 0 for ever) gives up sooner. */
#define PUTC_WAIT_US 2000

void serial_putc(char c)
{
	u64 hz = timer_tsc_hz(), end = hz ? rdtsc() + hz / 1000000 * PUTC_WAIT_US : 0;

	/*
	 * Bounded wait: an absent UART (reads 0xff, or 0 forever) must not hang the kernel.  The
	 * bound is time once the TSC is calibrated: serial_tx() may have filled the whole FIFO.
	 */
	for (int i = 0; !(inb(COM1 + 5) & LSR_THRE); i++)
		if (hz ? rdtsc() > end : i >= 100000)
			break;
	outb(COM1, (u8)c);
}
