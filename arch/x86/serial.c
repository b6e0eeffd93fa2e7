#include "arch/x86/serial.h"
#include "arch/x86/io.h"
#include "lib/types.h"

#define COM1	 0x3f8
#define LSR_THRE (1u << 5) /* transmit holding register empty */

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no UART interrupts: output is polled */
	outb(COM1 + 3, 0x80); /* DLAB on */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void serial_putc(char c)
{
	/* Bounded wait: an absent UART (reads 0xff, or 0 forever) must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		;
	outb(COM1, (u8)c);
}
