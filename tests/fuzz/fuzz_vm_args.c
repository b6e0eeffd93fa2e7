/*
 * The VM module arguments (FUZZ_VM_ARGS_H, the header next to the parser; tests/fuzz/rules.mk
 * sets it from the source's path): the first 10 input bytes are the limits, the rest up to a
 * NUL is the module2 command line.  A parse without problems must yield values inside the
 * limits; the size parser must agree with the mem= rules on what it accepts.
 */
#include FUZZ_VM_ARGS_H
#include "tests/fuzz/fuzz.h"

#define LIMIT_BYTES 10

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, VM_ARGS_NAME_MAX + 1);

	if (n > VM_ARGS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
			    s[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct vm_args a;
	struct vm_args_limits lim;
	char *s;
	u64 sz;
	int r;

	if (size < LIMIT_BYTES)
		return 0;
	/* What vm_boot.c passes: at least one pCPU (the BSP is online), any vCPU and memory cap. */
	lim.max_vcpus = data[0];
	lim.nr_pcpus = data[1] ? data[1] : 1;
	lim.max_mem = fuzz_ld64(data + 2);
	lim.max_watchdog_ms = 86400000; /* the command line's range (kernel/cmdline.c) */
	s = fuzz_string(data + LIMIT_BYTES, size - LIMIT_BYTES);

	r = vm_args_parse(s, &lim, &a);
	FUZZ_CHECK(r == (int)(a.nr_errors + a.errors_dropped), "returned %d", r);
	FUZZ_CHECK_ERRORS(&a, VM_ARGS_MAX_ERRORS);
	FUZZ_CHECK(name_ok(a.name), "name '%.*s'", VM_ARGS_NAME_MAX + 1, a.name);
	if (!r) {
		FUZZ_CHECK(a.nr_vcpus >= 1 && (!a.vcpus_given || a.nr_vcpus <= lim.max_vcpus),
			   "%u vCPUs, limit %u", a.nr_vcpus, lim.max_vcpus);
		FUZZ_CHECK(!a.mem_given || (a.mem_size && a.mem_size % 4096 == 0 &&
					    a.mem_size <= lim.max_mem),
			   "mem 0x%lx, limit 0x%lx", a.mem_size, lim.max_mem);
		FUZZ_CHECK(a.pin < lim.nr_pcpus, "pin %u of %u pCPUs", a.pin, lim.nr_pcpus);
		FUZZ_CHECK(a.watchdog_ms <= lim.max_watchdog_ms &&
				   (a.watchdog_given || !a.watchdog_ms),
			   "watchdog %lu ms", a.watchdog_ms);
	}
	/* A size is digits (0x-hex too) and at most one K/M/G: never a blank or a sign. */
	if (vm_args_parse_size(s, &sz))
		FUZZ_CHECK(*s && !strpbrk(s, " \t\r\n+-"), "size '%s' accepted", s);
	free(s);
	return 0;
}
