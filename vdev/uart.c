/*
 * The 16550A register file (PC16550D data sheet, table "Register Summary"):
 *   0  RBR (read) / THR (write); DLL when LCR.DLAB
 *   1  IER (bits 3:0); DLM when LCR.DLAB
 *   2  IIR (read: bits 7:6 = 11 with FIFOs on, bit 0 = no interrupt) / FCR (write)
 *   3  LCR      4  MCR (bits 4:0; bit 4 = loopback)
 *   5  LSR: THRE (0x20) | TEMT (0x40) always, DR (0x01) when the loopback left a byte
 *   6  MSR: DCD|DSR|CTS = 0xb0 as a connected line shows it (QEMU shows the same); in loopback
 *      the modem outputs come back: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD
 *   7  SCR: scratch, read back as written (drivers probe for it)
 * Pure C.
 */
#include "vdev/uart.h"

#define LCR_DLAB      0x80
#define MCR_LOOP      0x10
#define IER_ETBEI     0x02
#define FCR_ENABLE    0x01
#define IIR_NONE      0x01
#define IIR_THRE      0x02
#define IIR_FIFO      0xc0
#define LSR_DR	      0x01
#define LSR_THRE      0x20
#define LSR_TEMT      0x40
#define MSR_CONNECTED 0xb0

void uart_init(struct uart *u, uart_line_fn line_fn, void *ctx)
{
	*u = (struct uart){0};
	u->line_fn = line_fn;
	u->ctx = ctx;
}

void uart_flush(struct uart *u)
{
	if (!u->line_len)
		return;
	u->line_fn(u->ctx, u->line, u->line_len);
	u->line_len = 0;
}

static void put(struct uart *u, u8 c)
{
	u->chars_out++;
	if (c == '\n') {
		u->line_fn(u->ctx, u->line, u->line_len);
		u->line_len = 0;
		return;
	}
	if (c == '\r')
		return;
	/* the guest does not get to send control sequences to pihv's console */
	u->line[u->line_len++] = c >= ' ' && c <= '~' ? (char)c : '?';
	if (u->line_len == UART_LINE_MAX)
		uart_flush(u);
}

static u8 msr(const struct uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return MSR_CONNECTED;
	return (u8)((u->mcr & 1) << 5 | (u->mcr & 2) << 3 | (u->mcr & 4) << 4 | (u->mcr & 8) << 4);
}

static u8 read_reg(struct uart *u, u32 reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 v;

	switch (reg) {
	case 0:
		if (dlab)
			return u->dll;
		u->rx_full = false;
		return u->rbr;
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		v = u->fcr & FCR_ENABLE ? IIR_FIFO : 0;
		if (u->thre_pending) {
			u->thre_pending = false; /* reading IIR clears the THRE source */
			return v | IIR_THRE;
		}
		return v | IIR_NONE;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT | (u->rx_full ? LSR_DR : 0);
	case 6:
		return msr(u);
	default:
		return u->scr;
	}
}

static void write_reg(struct uart *u, u32 reg, u8 v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab) {
			u->dll = v;
		} else if (u->mcr & MCR_LOOP) {
			u->rbr = v;
			u->rx_full = true;
		} else {
			put(u, v);
		}
		if (!dlab)
			u->thre_pending = u->ier & IER_ETBEI; /* sent at once: THR empty again */
		return;
	case 1:
		if (dlab) {
			u->dlm = v;
			return;
		}
		/* enabling the THRE interrupt with THR empty raises it at once */
		if ((v & IER_ETBEI) && !(u->ier & IER_ETBEI))
			u->thre_pending = true;
		if (!(v & IER_ETBEI))
			u->thre_pending = false;
		u->ier = v & 0x0f;
		return;
	case 2:
		u->fcr = v & 0xc9; /* enable, DMA mode, trigger level; reset bits self-clear */
		return;
	case 3:
		u->lcr = v;
		return;
	case 4:
		u->mcr = v & 0x1f;
		return;
	case 7:
		u->scr = v;
		return;
	default:
		return; /* LSR and MSR are read-only */
	}
}

void uart_io(struct uart *u, u32 reg, bool in, u8 *val)
{
	if (in)
		*val = read_reg(u, reg & 7);
	else
		write_reg(u, reg & 7, *val);
}
