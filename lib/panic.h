/* Fatal errors: print, stop the other CPUs, end the run as ERROR. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

/* The machine's exit status after a host panic (isa-debug-exit: (2 << 1) | 1 = 5). */
#define PANIC_EXIT_CODE 2

#include "lib/compiler.h"

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* For fatal paths that print their own report between the two calls (exceptions). */
void panic_begin(void);
__noreturn void panic_end(void);

#endif
