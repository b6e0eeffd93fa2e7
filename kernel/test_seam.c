/*
 * The product's test seam: every member NULL.  The linker script puts a test image's own
 * instance (section .testseam.test) in front of this one, so `test_seam` is the test's when the
 * image has tests and this one otherwise (lib/test_seam.h).
 */
#include "lib/test_seam.h"

static const struct test_seam none __used __section(".testseam.none") __aligned(8);
