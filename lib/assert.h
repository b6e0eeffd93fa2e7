/* Leaf header: ASSERT().  assert_fail() is provided by kernel/panic.c or by the host test runtime.
 */
#ifndef KERNEL_ASSERT_H
#define KERNEL_ASSERT_H

#include "lib/compiler.h"

__noreturn void assert_fail(const char *file, int line, const char *expr);

#define ASSERT(e) ((e) ? (void)0 : assert_fail(__FILE__, __LINE__, #e))

#endif
