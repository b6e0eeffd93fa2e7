/*
 * Kernel command line: whitespace-separated "key=value" options.
 *
 * Only registered keys are accepted; an unknown key, a bare word, an empty key or value, or an
 * over-long one is recorded as a message in c->errors (for main.c to print) and ignored.
 * A first word without '=' is taken to be the image path (QEMU -kernel puts the file name
 * first, Multiboot 0.6.96 3.3 allows it) and skipped silently.  A repeated key: the last valid
 * one wins.  Every message says what was ignored and why (main.c prints them after "cmdline: ").
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "lib/types.h"

#define CMDLINE_MAX_KNOWN  25
#define CMDLINE_MAX_OPTS   16
#define CMDLINE_KEY_LEN	   24 /* including the NUL */
#define CMDLINE_VAL_LEN	   64 /* including the NUL */
#define CMDLINE_MAX_ERRORS 4
#define CMDLINE_ERROR_LEN  96

struct cmdline_opt {
	char key[CMDLINE_KEY_LEN];
	char val[CMDLINE_VAL_LEN];
};

struct cmdline {
	const char *known[CMDLINE_MAX_KNOWN]; /* registered keys (static strings) */
	u32 nr_known;
	u32 nr_opts;
	struct cmdline_opt opts[CMDLINE_MAX_OPTS];
	u32 nr_errors; /* <= CMDLINE_MAX_ERRORS; errors_dropped counts the rest */
	u32 errors_dropped;
	char errors[CMDLINE_MAX_ERRORS][CMDLINE_ERROR_LEN];
};

/*
 * Built-in numeric options and their valid ranges (docs/architecture.md "Command line").
 * A value must be a decimal or 0x-hex number within [min, max]; anything else (not a number,
 * more than 64 bits, out of range) is reported as one message, e.g.
 *     watchdog_ms=abc: not a number, ignored
 * and not stored, so the user of the option keeps its default (or an earlier valid value).
 */
struct cmdline_num {
	const char *key;
	u64 min, max;
};

/* The range of a built-in numeric key, or NULL if key is not one. */
const struct cmdline_num *cmdline_num_find(const char *key);

/*
 * @post c is empty and knows the built-in keys: test, pi, vmx_preempt_timer, and the numeric ones
 * (sched_slice_us, halt_poll_us, smp, loglevel, watchdog_ms)
 */
void cmdline_init(struct cmdline *c);

/*
 * Add a known key (a string that outlives c).  Returns 0, or -1 if the table is full or the
 * key is empty or too long.  @pre cmdline_init(c), before cmdline_parse().
 */
int cmdline_register(struct cmdline *c, const char *key);

/*
 * Parse s (may be NULL or empty) into c.  Options and errors are added to what c already
 * holds (cmdline_init() starts afresh), so several strings can be merged.  If c was never
 * initialised (nr_known == 0) the built-in keys are used.  Returns the number of problems
 * recorded (0 = clean); the valid options are kept either way.
 */
int cmdline_parse(const char *s, struct cmdline *c);

/* Value of key, or NULL if it was not given. */
const char *cmdline_get(const struct cmdline *c, const char *key);

/*
 * key given as a decimal or 0x-hex number that fits in u64: *out = value, true.
 * Absent or malformed: false and *out untouched (so the caller's default stays).  For a
 * built-in numeric key, a stored value is always in its range (cmdline_parse checked it).
 */
bool cmdline_get_u64(const struct cmdline *c, const char *key, u64 *out);

#endif
