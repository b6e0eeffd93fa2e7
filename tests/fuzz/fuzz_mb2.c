/*
 * boot/mb2_parse.c: the multiboot2 information block, as a loader (or an attacker who controls
 * one) could hand it over.  The parser may trust total_size to say how much is readable, so the
 * harness makes it at most the input's length; everything past that is for the parser to check.
 */
#include "boot/multiboot2.h"
#include "lib/boot_info.h"
#include "tests/fuzz/fuzz.h"

static void check(const struct boot_info *bi, int r, const u8 *mbi, u32 total)
{
	FUZZ_CHECK(bi->loader == BOOT_LOADER_MB2, "loader %u", bi->loader);
	FUZZ_CHECK_ERRORS(bi, BOOT_MAX_ERRORS);
	FUZZ_CHECK(bi->nr_mmap <= BOOT_MAX_MMAP, "%u mmap entries", bi->nr_mmap);
	FUZZ_CHECK(bi->nr_modules <= BOOT_MAX_MODULES, "%u modules", bi->nr_modules);
	FUZZ_CHECK(fuzz_terminated(bi->cmdline, sizeof(bi->cmdline)), "cmdline unterminated");
	FUZZ_CHECK(fuzz_terminated(bi->loader_name, sizeof(bi->loader_name)), "loader name");
	for (u32 i = 0; i < bi->nr_modules; i++) {
		FUZZ_CHECK(bi->modules[i].start <= bi->modules[i].end, "module %u ends first", i);
		FUZZ_CHECK(fuzz_terminated(bi->modules[i].args, sizeof(bi->modules[i].args)),
			   "module %u args unterminated", i);
	}
	FUZZ_CHECK(r == 0 || r == -1, "returned %d", r);
	FUZZ_CHECK(r < 0 || (total >= MB2_INFO_HDR_SIZE && bi->mbi_start == (u64)(uintptr_t)mbi &&
			     bi->mbi_end - bi->mbi_start <= total),
		   "returned %d: MBI range 0x%lx-0x%lx, total %u", r, bi->mbi_start, bi->mbi_end,
		   total);
	/* The RSDP copy lies inside the block, as long as its revision says (acpi_parse reads it).
	 */
	if (bi->rsdp) {
		u64 len = bi->rsdp_rev >= 2 ? 36 : 20;

		FUZZ_CHECK(bi->rsdp >= bi->mbi_start && bi->rsdp + len <= bi->mbi_end,
			   "RSDP copy at +%lu (%lu bytes) outside the %u-byte block",
			   bi->rsdp - bi->mbi_start, len, total);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct boot_info bi;
	u8 *mbi;
	u32 total;

	/* @pre of mb2_parse: at least 8 readable bytes; then it may trust total_size. */
	if (size < MB2_INFO_HDR_SIZE || size > MB2_MAX_TOTAL_SIZE)
		return 0;
	total = fuzz_ld32(data);
	if (total > size)
		total = (u32)size;
	/* Exactly total bytes (8 at least): a read past total_size is an ASan report. */
	mbi = fuzz_copy(data, total < MB2_INFO_HDR_SIZE ? MB2_INFO_HDR_SIZE : total);
	memcpy(mbi, &total, 4);
	check(&bi, mb2_parse(mbi, &bi), mbi, total);
	free(mbi);
	return 0;
}
