/*
 * COM1 16550 UART.  serial_putc() waits for the transmitter (printk's synchronous path, under
 * its lock); serial_tx_room() and serial_tx() never wait (kernel/console.c's guest-output
 * drain): room says how many bytes the transmitter takes now without losing one.  Callers
 * serialize (kernel/console.c holds the console lock).
 */
#ifndef ARCH_X86_SERIAL_H
#define ARCH_X86_SERIAL_H

#include "lib/types.h"

void serial_init(void);
void serial_putc(char c);
/* Bytes serial_tx() may write right now: the FIFO depth when the transmitter is empty, else 0. */
u32 serial_tx_room(void);
/* Writes c without waiting.  @pre serial_tx_room() said there is room for it. */
void serial_tx(char c);

#endif
