#include "lib/printk.h"
#include "arch/x86/serial.h"
#include "arch/x86/spinlock.h"
#include "lib/fmt.h"

/*
 * Console lock: serializes whole printk() calls across CPUs.  Taken with IRQs saved off, so an
 * interrupt handler that prints on the same CPU cannot deadlock on it.  A CPU that already
 * holds it (a fault inside printk) writes without it rather than hanging.
 */
static struct spinlock console_lock = SPINLOCK_INIT("console", SPIN_IRQSAFE);

static void write_locked(const char *s, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void printk_write(const char *s, unsigned long n)
{
	if (spin_is_held(&console_lock)) {
		write_locked(s, n);
		return;
	}
	unsigned long f = spin_lock_irqsave(&console_lock);
	write_locked(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	printk_write(buf, (unsigned long)n);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
