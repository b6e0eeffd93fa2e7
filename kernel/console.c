/*
 * The serial console: the host's synchronous path and the guests' queues and drain
 * (console.h has the rules).  Locks: console_lock serializes every write to the UART and the
 * drain's state (cur, rr, host_open); a queue's own lock protects its ring.  Order: the console
 * lock first, then one queue lock.
 */
#include "kernel/console.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/serial.h"
#include "arch/x86/timer.h"
#include "lib/compiler.h"
#include "lib/config.h"
#include "lib/fmt.h"
#include "lib/initcall.h"
#include "lib/printk.h"
#include "lib/string.h"

/* Queues are never freed (nor are VMs); a test boot creates a few dozen VMs at most. */
#define CON_QUEUES_MAX 256
/* One FIFO of 16 bytes of 10 bits at 115200 baud: 1389 us. */
#define CON_CHUNK_US 1400
#define NO_CPU	     0xffffffffu

/*
 * Console lock: serializes whole printk() calls across CPUs, and the drain.  Taken with IRQs
 * saved off, so an interrupt handler that prints on the same CPU cannot deadlock on it.  A CPU
 * that already holds it (a fault inside printk) writes without it rather than hanging.
 */
static struct spinlock console_lock = SPINLOCK_INIT("console", SPIN_IRQSAFE);
/* Under console_lock: the queue whose line is half written, the next one to serve, and
 * whether the host's last write left its line open. */
static struct con_queue *cur;
static u32 rr;
static bool host_open;

/* Registered queues: appended by the BSP's thread, published by the count (release). */
static struct con_queue *queues[CON_QUEUES_MAX];
static u32 nr_queues;

/* The drain's timer runs on one pCPU at a time: drain_cpu (atomic), NO_CPU when idle. */
static struct timer drain_timers[MAX_CPUS];
static u32 drain_cpu = NO_CPU;
static u64 chunk_tsc;

static u32 used(const struct con_queue *q)
{
	return q->head - q->tail;
}

/* @pre n bytes are free.  At most two copies: up to the ring's end, then from its start. */
static void put(struct con_queue *q, const char *s, u32 n)
{
	u32 at = q->head & (q->size - 1), first = MIN(n, q->size - at);

	memcpy(q->buf + at, s, first);
	memcpy(q->buf, s + first, n - first);
	q->head += n;
}

/* The note for the bytes dropped so far, if it fits now.  @pre q->lock held. */
static void put_note(struct con_queue *q)
{
	char note[64];
	u32 n;

	n = (u32)fmt_snprintf(note, sizeof(note), "[%s] %lu bytes dropped\n", q->name, q->dropped);
	if (n >= sizeof(note) || q->size - used(q) < n)
		return;
	put(q, note, n);
	q->dropped = 0;
}

static void kick(void);

bool con_queue_line(struct con_queue *q, const char *prefix, u32 plen, const char *s, u32 n)
{
	unsigned long f;
	bool ok;

	plen = MIN(plen, CON_LINE_MAX - 1);
	n = MIN(n, CON_LINE_MAX - 1 - plen);
	f = spin_lock_irqsave(&q->lock);
	/*
	 * After a drop, lines are taken again only once the queue has drained to half: then the
	 * note and a run of whole lines follow each other, rather than a note per freed line.
	 */
	if (q->dropped && used(q) <= q->size / 2)
		put_note(q);
	ok = !q->dropped && q->size - used(q) >= plen + n + 1;
	if (ok) {
		put(q, prefix, plen);
		put(q, s, n);
		put(q, "\n", 1);
		q->lines++;
	} else {
		q->dropped += n;
		q->dropped_bytes += n;
		q->dropped_lines++;
	}
	spin_unlock_irqrestore(&q->lock, f);
	if (ok)
		kick();
	return ok;
}

/*
 * Takes up to max bytes of q's current line into out; *eol if they end it.  An empty queue
 * with drops pending gets its note first.  @pre console_lock held.
 */
static u32 take(struct con_queue *q, char *out, u32 max, bool *eol)
{
	u32 n = 0;

	spin_lock(&q->lock);
	if (!used(q) && q->dropped)
		put_note(q);
	*eol = false;
	while (n < max && used(q)) {
		char c = q->buf[q->tail++ & (q->size - 1)];

		out[n++] = c;
		if (c == '\n') {
			*eol = true;
			break;
		}
	}
	spin_unlock(&q->lock);
	return n;
}

static bool has_output(struct con_queue *q)
{
	return load_relaxed(&q->head) != load_relaxed(&q->tail) || load_relaxed(&q->dropped);
}

/* The next queue with output, round robin; NULL if none.  @pre console_lock held. */
static struct con_queue *next_queue(void)
{
	u32 n = load_acquire(&nr_queues);

	for (u32 i = 0; i < n; i++) {
		struct con_queue *q = queues[(rr + i) % n];

		if (has_output(q)) {
			rr = (rr + i + 1) % n;
			return q;
		}
	}
	return NULL;
}

/* Polled: every byte waits for the transmitter; a newline goes out as \r\n. */
static void write_polled(const char *s, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

/*
 * Without waiting: at most room bytes.  @pre n < room, or n == room == 1 (a transmitter without
 * a FIFO), so a newline gets its \r unless there is no room for it.  @return the bytes used.
 */
static u32 write_now(const char *s, u32 n, u32 room)
{
	u32 out = 0;

	for (u32 i = 0; i < n; i++) {
		if (s[i] == '\n' && out + (n - i) < room) {
			serial_tx('\r');
			out++;
		}
		serial_tx(s[i]);
		out++;
	}
	return out;
}

static bool pending(void)
{
	for (u32 i = 0; i < load_acquire(&nr_queues); i++)
		if (has_output(queues[i]))
			return true;
	return false;
}

/*
 * Writes queued lines: at most room UART bytes without waiting, or everything polled (wait).
 * @return true if output is left.  @pre console_lock held.
 */
static bool drain(u32 room, bool wait)
{
	char chunk[CON_LINE_MAX];

	if (host_open && !wait)
		return true;
	while (wait || room) {
		bool eol;
		u32 n;

		if (!cur && !(cur = next_queue()))
			return false;
		n = take(cur, chunk, wait ? sizeof(chunk) : room > 1 ? room - 1 : 1, &eol);
		if (wait) {
			write_polled(chunk, n);
		} else {
			u32 out = write_now(chunk, n, room);

			room -= MIN(room, out);
		}
		if (eol || !n)
			cur = NULL;
	}
	return cur || pending();
}

/*
 * Timer interrupt on drain_cpu (IRQs off).  The console lock is only tried: a host printk
 * holds it while it polls the UART for a whole line, and waiting for it here would make this
 * pCPU pay for the host's output; the drain comes back one chunk later instead.
 */
static void drain_fire(struct timer *t, void *arg)
{
	bool more = true;

	if (spin_trylock(&console_lock)) {
		more = drain(serial_tx_room(), false);
		spin_unlock(&console_lock);
	}
	if (more) {
		timer_arm(t, rdtsc() + chunk_tsc);
		return;
	}
	store_release(&drain_cpu, NO_CPU);
	smp_mb(); /* idle before the last look; pairs with kick() */
	if (pending())
		kick();
}

/* Something was queued: make sure a drain is running, here if none is. */
static void kick(void)
{
	u32 none = NO_CPU, me = pcpu_id();

	smp_mb(); /* the queued line before the look at drain_cpu; pairs with drain_fire() */
	if (load_relaxed(&drain_cpu) != NO_CPU || !chunk_tsc)
		return;
	if (cmpxchg(&drain_cpu, &none, me))
		timer_arm(&drain_timers[me], rdtsc());
}

int con_queue_init(struct con_queue *q, const char *name, void *buf, u32 size)
{
	u32 n = nr_queues;

	spin_init(&q->lock, "con_queue", SPIN_IRQSAFE);
	q->buf = buf;
	q->size = size;
	q->head = q->tail = 0;
	q->dropped = q->dropped_bytes = q->dropped_lines = q->lines = 0;
	q->name = name;
	if (n == CON_QUEUES_MAX) {
		q->size = 0; /* nothing ever fits */
		return -1;
	}
	queues[n] = q;
	store_release(&nr_queues, n + 1);
	return 0;
}

void console_flush(void)
{
	unsigned long f = spin_lock_irqsave(&console_lock);

	drain(0, true);
	spin_unlock_irqrestore(&console_lock, f);
}

static void write_host(const char *s, unsigned long n)
{
	/*
	 * A guest line the drain started is finished first: lines never mix.  (Not when this CPU
	 * holds that queue's lock: an NMI's printk that interrupted con_queue_line.)
	 */
	while (cur && !spin_is_held(&cur->lock)) {
		char chunk[CON_LINE_MAX];
		bool eol;
		u32 k = take(cur, chunk, sizeof(chunk), &eol);

		write_polled(chunk, k);
		if (eol || !k)
			cur = NULL;
	}
	write_polled(s, (u32)n);
	if (n)
		host_open = s[n - 1] != '\n';
}

void printk_write(const char *s, unsigned long n)
{
	if (spin_is_held(&console_lock)) {
		write_polled(s, (u32)n);
		return;
	}
	unsigned long f = spin_lock_irqsave(&console_lock);
	write_host(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

/* INIT_LATE: the TSC is calibrated by now; until then nothing is drained in the background. */
static int console_setup(void)
{
	for (u32 c = 0; c < MAX_CPUS; c++)
		timer_init(&drain_timers[c], drain_fire, NULL);
	chunk_tsc = timer_us_to_tsc(CON_CHUNK_US);
	return 0;
}
INITCALL(INIT_LATE, console_setup);
