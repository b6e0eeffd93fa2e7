/*
 * INTERFACE: a 16550A UART at one I/O base, as much of it as a probing driver reads (PC16550D
 * data sheet, "Register Description"): THR/RBR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and the
 * divisor latch (LCR.DLAB).  Transmission is instantaneous: LSR always shows THRE|TEMT.  There
 * is no receive side except the loopback of MCR bit 4, and no interrupt line (IIR reports a
 * THR-empty condition when IER enables it, but nothing is delivered).  Output leaves one whole
 * line at a time through the owner's line function (the VM queues it on pihv's console,
 * prefixed with its name).  Pure C; the caller serializes.
 */
#ifndef VDEV_UART_H
#define VDEV_UART_H

#include "lib/types.h"

#define UART_LINE_MAX 160

/* Where a finished line goes: [s, s + n), without its newline. */
typedef void (*uart_line_fn)(void *ctx, const char *s, u32 n);

struct uart {
	uart_line_fn line_fn;
	void *ctx;
	u8 ier, lcr, mcr, scr, fcr, dll, dlm;
	u8 rbr;		   /* loopback receive buffer */
	bool rx_full;	   /* LSR.DR */
	bool thre_pending; /* IIR would report "THR empty" (IER.ETBEI set) */
	u32 line_len;
	char line[UART_LINE_MAX + 1];
	u64 chars_out;
};

void uart_init(struct uart *u, uart_line_fn line_fn, void *ctx);
/* Register access at offset reg (0-7) from the base.  IN fills *val. */
void uart_io(struct uart *u, u32 reg, bool in, u8 *val);
/* Hands on what is left of an unfinished line (the machine is ending). */
void uart_flush(struct uart *u);

#endif
