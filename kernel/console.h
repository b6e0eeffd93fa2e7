/*
 * INTERFACE: the serial console, shared by the host and the guests (docs/isolation.md "Console
 * output").
 *
 * The host's own lines (printk) are written synchronously, polled, under the console lock: none
 * is lost, and they come out in the order they were printed.  A guest's output must cost that
 * guest only, so it never waits for the UART: each producer (a VM) owns a con_queue, a bounded
 * ring of whole lines.  Queuing a line is a copy of at most CON_LINE_MAX bytes; a line that does
 * not fit is dropped and counted, and so is every later one until the queue has drained to half
 * its size; then a note "[name] N bytes dropped" goes in before the next line.  A drain empties the
 * queues in the background, one line at a time from each queue in turn, never writing more than the
 * UART takes without waiting: a timer on the pCPU that queued the first line of a burst writes one
 * FIFO's worth (16 bytes, about 1.4 ms at 115200 baud) and re-arms while anything is left.  So a
 * VM's output leaves at most at its share of the UART, and no more than a queue's size of it waits.
 *
 * Lines never mix: the drain writes a line to its end before it starts another, and a host
 * printk that finds a guest line half written finishes that line first (at most CON_LINE_MAX
 * bytes, polled), then writes its own; the drain starts no guest line while a host line is
 * open (printed without its newline yet).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "arch/x86/spinlock.h"
#include "lib/types.h"

/* The longest line a queue takes, its newline included. */
#define CON_LINE_MAX 192

struct con_queue {
	/*
	 * Protects the ring (head, tail) and the drop counts.  Taken with IRQs off by producers
	 * (exit handlers) and by the drain (timer interrupt, or a printk finishing a line), after
	 * the console lock when both are held.
	 */
	struct spinlock lock;
	char *buf;
	u32 size;	   /* a power of two */
	u32 head, tail;	   /* free-running byte counts: written, read */
	u64 dropped;	   /* guest bytes dropped since the last note */
	u64 dropped_bytes; /* all of them, for statistics */
	u64 dropped_lines; /* lines dropped */
	u64 lines;	   /* lines queued */
	const char *name;  /* "[name] N bytes dropped" */
};

/*
 * Makes q a queue of the size-byte ring buf (size a power of two, at least 2 * CON_LINE_MAX)
 * and registers it with the drain for good.  @pre on the BSP's thread, before q is used.
 * @return 0, or -1 if the drain's table is full (q is then not used: every line is dropped).
 */
int con_queue_init(struct con_queue *q, const char *name, void *buf, u32 size);
/*
 * Queues the line prefix + [s, s + n) and a newline, whole, or drops it (its n bytes counted).
 * The line is cut to CON_LINE_MAX - 1 bytes.  Two copies, never a wait for the UART.  Any
 * pCPU, any context.  @return true if it was queued.
 */
bool con_queue_line(struct con_queue *q, const char *prefix, u32 plen, const char *s, u32 n);
/* Writes everything queued, polled: the end of a run, when nothing else prints. */
void console_flush(void);

#endif
