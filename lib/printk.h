/* Leaf header: printk() to the serial console, one lock per call so lines never interleave. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include "lib/compiler.h"

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);
/* Writes raw bytes under the console lock, synchronously (kernel/console.c: the host path). */
void printk_write(const char *s, unsigned long n);

#endif
