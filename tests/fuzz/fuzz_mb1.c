/*
 * boot/mb2_parse.c, multiboot1 half (QEMU -kernel): the info structure and everything it
 * points at (command line, memory map, module list and strings) are read through a map
 * function.  The input is physical memory at FUZZ_MB1_BASE with the structure at its start;
 * fakemem hands out exact-size copies, so reading past what was mapped is an ASan report.
 */
#include "boot/multiboot2.h"
#include "lib/boot_info.h"
#include "tests/fuzz/fuzz.h"
#include "tests/host/fakemem.h"

#define FUZZ_MB1_BASE 0x10000ull

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct boot_info bi;
	struct fakemem mem;

	if (size > (1u << 16))
		return 0;
	fakemem_init(&mem);
	if (size)
		memcpy(fakemem_add(&mem, FUZZ_MB1_BASE, size), data, size);
	if (mb1_parse_mapped(FUZZ_MB1_BASE, fakemem_map, &mem, &bi) == 0)
		FUZZ_CHECK(size >= MB1_INFO_SIZE, "parsed a %zu-byte structure", size);
	FUZZ_CHECK(bi.loader == BOOT_LOADER_MB1, "loader %u", bi.loader);
	FUZZ_CHECK_ERRORS(&bi, BOOT_MAX_ERRORS);
	FUZZ_CHECK(bi.nr_mmap <= BOOT_MAX_MMAP, "%u mmap entries", bi.nr_mmap);
	FUZZ_CHECK(bi.nr_modules <= BOOT_MAX_MODULES, "%u modules", bi.nr_modules);
	FUZZ_CHECK(fuzz_terminated(bi.cmdline, sizeof(bi.cmdline)), "cmdline unterminated");
	FUZZ_CHECK(fuzz_terminated(bi.loader_name, sizeof(bi.loader_name)), "loader name");
	for (u32 i = 0; i < bi.nr_modules; i++) {
		FUZZ_CHECK(bi.modules[i].start <= bi.modules[i].end, "module %u ends first", i);
		FUZZ_CHECK(fuzz_terminated(bi.modules[i].args, sizeof(bi.modules[i].args)),
			   "module %u args unterminated", i);
	}
	FUZZ_CHECK(!bi.rsdp, "MB1 has no RSDP tag, got 0x%lx", bi.rsdp);
	fakemem_free(&mem);
	return 0;
}
