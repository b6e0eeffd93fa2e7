/*
 * Multiboot2 (spec 1.0, 3.6) and Multiboot1 (0.6.96, 3.3) information parsers.  Pure C: they run
 * in the kernel on the loader's block and on the host on hand-built images (tests/host).
 *
 * Trust model: the block comes from a boot loader, so it is normally right, but a wrong size
 * must not make us walk off into unrelated memory or loop.  Every read is bounds-checked
 * against the smaller of total_size (capped at MB2_MAX_TOTAL_SIZE) and the current tag's size;
 * on the first structural error we stop and keep what was valid before it.
 */
#include <stdarg.h>

#include "lib/boot_info.h"
#include "lib/le.h"
#include "lib/fmt.h"
#include "boot/multiboot2.h"
#include "lib/compiler.h"

static void zero(void *p, size_t n)
{
	u8 *b = p;

	while (n--)
		*b++ = 0;
}

/* Tiny formatter for error messages: %s %c %u %x %lu %lx only, always NUL-terminated. */
static __printf(2, 3) void boot_err(struct boot_info *bi, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_err_vadd(&bi->errors[0][0], BOOT_ERROR_LEN, &bi->nr_errors, BOOT_MAX_ERRORS,
		     &bi->errors_dropped, fmt, ap);
	va_end(ap);
}

/*
 * Copy a string field of at most max bytes (the rest of its tag) into dst[cap].  Returns false
 * if the string had to be cut: either no NUL within the tag or longer than dst.
 */
static bool copy_str(char *dst, size_t cap, const u8 *src, size_t max)
{
	size_t i;

	for (i = 0; i < max && src[i] && i + 1 < cap; i++)
		dst[i] = (char)src[i];
	dst[i] = 0;
	return i < max && !src[i];
}

static void add_mmap(struct boot_info *bi, u64 base, u64 len, u32 type)
{
	if (bi->nr_mmap >= BOOT_MAX_MMAP) {
		if (bi->nr_mmap == BOOT_MAX_MMAP)
			boot_err(bi, "more than %u memory map entries, rest ignored",
				 BOOT_MAX_MMAP);
		bi->nr_mmap = BOOT_MAX_MMAP + 1; /* report once; fixed up at the end */
		return;
	}
	bi->mmap[bi->nr_mmap].base = base;
	bi->mmap[bi->nr_mmap].len = len;
	bi->mmap[bi->nr_mmap].type = type;
	bi->nr_mmap++;
}

static struct boot_module *add_module(struct boot_info *bi, u64 start, u64 end)
{
	struct boot_module *m;

	if (bi->nr_modules >= BOOT_MAX_MODULES) {
		boot_err(bi, "more than %u modules, module at 0x%lx ignored", BOOT_MAX_MODULES,
			 start);
		return NULL;
	}
	if (end < start) {
		boot_err(bi, "module 0x%lx-0x%lx ends before it starts, ignored", start, end);
		return NULL;
	}
	m = &bi->modules[bi->nr_modules++];
	m->start = start;
	m->end = end;
	return m;
}

/* Spec 3.6.8.  The tag is [t, t + size) with size >= 8, already bounds-checked. */
static void mb2_mmap(struct boot_info *bi, const u8 *t, u32 size)
{
	u32 esize, off;

	if (size < MB2_MMAP_HDR_SIZE) {
		boot_err(bi, "mmap tag too short (%u bytes)", size);
		return;
	}
	esize = le_ld32(t + 8);
	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8) {
		boot_err(bi, "mmap entry_size %u invalid (need >= 24, multiple of 8)", esize);
		return;
	}
	for (off = MB2_MMAP_HDR_SIZE; size - off >= esize; off += esize)
		add_mmap(bi, le_ld64(t + off), le_ld64(t + off + 8), le_ld32(t + off + 16));
	if (off != size)
		boot_err(bi, "mmap tag: %u trailing bytes ignored", size - off);
}

/* One tag of known bounds; returns false if the walk must stop (end tag). */
static void mb2_tag(struct boot_info *bi, const u8 *t, u32 type, u32 size, bool *have_acpi2)
{
	const u8 *body = t + MB2_TAG_HDR_SIZE;
	u32 blen = size - MB2_TAG_HDR_SIZE;
	struct boot_module *m;

	switch (type) {
	case MB2_TAG_CMDLINE:
		if (!copy_str(bi->cmdline, sizeof(bi->cmdline), body, blen))
			boot_err(bi, "command line unterminated or longer than %u bytes, cut",
				 (unsigned int)sizeof(bi->cmdline) - 1);
		break;
	case MB2_TAG_LOADER_NAME:
		copy_str(bi->loader_name, sizeof(bi->loader_name), body, blen);
		break;
	case MB2_TAG_MODULE:
		if (blen < 8) {
			boot_err(bi, "module tag too short (%u bytes)", size);
			break;
		}
		m = add_module(bi, le_ld32(body), le_ld32(body + 4));
		if (m && !copy_str(m->args, sizeof(m->args), body + 8, blen - 8))
			boot_err(bi, "module %u: command line cut", bi->nr_modules - 1);
		break;
	case MB2_TAG_BASIC_MEMINFO:
		if (blen < 8) {
			boot_err(bi, "basic meminfo tag too short (%u bytes)", size);
			break;
		}
		bi->mem_lower_kb = le_ld32(body);
		bi->mem_upper_kb = le_ld32(body + 4);
		break;
	case MB2_TAG_MMAP:
		mb2_mmap(bi, t, size);
		break;
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		bi->efi = true;
		break;
	case MB2_TAG_EFI_BS:
		bi->efi_bs = true;
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/*
		 * The body is a copy of the RSDP (ACPI 6.5 5.2.5.3): 20 bytes for revision 0, 36
		 * for 2+.  Checksums are acpi_parse()'s job; here we only make sure the copy is
		 * as long as its revision says, so acpi_parse() never reads past the tag.
		 */
		if (*have_acpi2 && type == MB2_TAG_ACPI_OLD)
			break;
		if (blen < 20 || (type == MB2_TAG_ACPI_NEW && blen < 36)) {
			boot_err(bi, "ACPI RSDP tag %u too short (%u bytes)", type, size);
			break;
		}
		bi->rsdp = (u64)(uintptr_t)body;
		bi->rsdp_rev = type == MB2_TAG_ACPI_NEW ? 2 : 0;
		*have_acpi2 = type == MB2_TAG_ACPI_NEW;
		break;
	case MB2_TAG_LOAD_BASE:
		if (blen >= 4)
			bi->load_base = le_ld32(body);
		break;
	default:
		break; /* unknown or unused tags are skipped by size */
	}
}

int mb2_parse(const void *mbi, struct boot_info *bi)
{
	const u8 *base = mbi;
	u32 total, off;
	bool have_acpi2 = false;

	zero(bi, sizeof(*bi));
	bi->loader = BOOT_LOADER_MB2;
	if (!mbi) {
		boot_err(bi, "multiboot2 info pointer is NULL");
		return -1;
	}
	bi->mbi_start = (u64)(uintptr_t)mbi;
	/* Spec 3.6.1: "The boot information must be 64-bit aligned"; we still read bytewise. */
	if (bi->mbi_start % MB2_TAG_ALIGN)
		boot_err(bi, "MBI at 0x%lx is not 8-byte aligned", bi->mbi_start);
	total = le_ld32(base);
	if (total < MB2_INFO_HDR_SIZE) {
		boot_err(bi, "MBI total_size %u is smaller than its header", total);
		return -1;
	}
	if (total > MB2_MAX_TOTAL_SIZE) {
		boot_err(bi, "MBI total_size 0x%x too large, walking at most 0x%x", total,
			 MB2_MAX_TOTAL_SIZE);
		total = MB2_MAX_TOTAL_SIZE;
	}
	bi->mbi_end = bi->mbi_start + total;

	for (off = MB2_INFO_HDR_SIZE;;
	     off = ALIGN_UP(off + le_ld32(base + off + 4), MB2_TAG_ALIGN)) {
		u32 type, size;

		if (off >= total || total - off < MB2_TAG_HDR_SIZE) {
			boot_err(bi, "no end tag before total_size %u (stopped at offset %u)",
				 total, off);
			break;
		}
		type = le_ld32(base + off);
		size = le_ld32(base + off + 4);
		if (size < MB2_TAG_HDR_SIZE) {
			boot_err(bi, "tag type %u at offset %u: size %u smaller than its header",
				 type, off, size);
			break;
		}
		if (size > total - off) {
			boot_err(bi, "tag type %u at offset %u: size %u runs past total_size %u",
				 type, off, size, total);
			break;
		}
		if (type == MB2_TAG_END)
			break;
		mb2_tag(bi, base + off, type, size, &have_acpi2);
		/* total <= 1 MiB and size <= total - off, so off + size + 7 cannot overflow. */
	}
	if (bi->nr_mmap > BOOT_MAX_MMAP)
		bi->nr_mmap = BOOT_MAX_MMAP;
	return 0;
}

/* Kernel identity map of the low 4 GiB (the kernel's boot page tables, boot/multiboot2.S). */
static const void *mb1_identity(u64 paddr, u64 len, void *ctx)
{
	(void)ctx;
	if (!paddr || len > (1ull << 32) || paddr > (1ull << 32) - len)
		return NULL;
	return (const void *)(uintptr_t)paddr;
}

/* A NUL-terminated string at a physical address, read a byte at a time through map. */
static bool mb1_str(boot_map_fn map, void *ctx, u64 pa, char *dst, size_t cap)
{
	size_t i;

	for (i = 0; i + 1 < cap; i++) {
		const u8 *p = map(pa + i, 1, ctx);

		if (!p)
			break;
		dst[i] = (char)*p;
		if (!*p)
			return true;
	}
	dst[i] = 0;
	return false;
}

static void mb1_mmap(struct boot_info *bi, boot_map_fn map, void *ctx, u64 pa, u32 len)
{
	const u8 *mm = map(pa, len, ctx);
	u32 off = 0;

	if (!mm) {
		boot_err(bi, "MB1 mmap 0x%lx+%u not readable", pa, len);
		return;
	}
	/* 0.6.96 3.3: 'size' excludes itself; entries follow each other at off + size + 4. */
	while (len - off >= 4) {
		u32 esz = le_ld32(mm + off);

		if (esz < MB1_MMAP_ENTRY_MIN - 4 || esz > len - off - 4) {
			boot_err(bi, "MB1 mmap entry at +%u: size %u invalid", off, esz);
			break;
		}
		add_mmap(bi, le_ld64(mm + off + 4), le_ld64(mm + off + 12), le_ld32(mm + off + 20));
		off += esz + 4;
	}
	if (bi->nr_mmap > BOOT_MAX_MMAP)
		bi->nr_mmap = BOOT_MAX_MMAP;
}

int mb1_parse_mapped(u64 mbi_paddr, boot_map_fn map, void *ctx, struct boot_info *bi)
{
	const u8 *mbi;
	u32 flags;

	zero(bi, sizeof(*bi));
	bi->loader = BOOT_LOADER_MB1;
	mbi = map(mbi_paddr, MB1_INFO_SIZE, ctx);
	if (!mbi) {
		boot_err(bi, "multiboot1 info at 0x%lx not readable", mbi_paddr);
		return -1;
	}
	bi->mbi_start = mbi_paddr;
	bi->mbi_end = mbi_paddr + MB1_INFO_SIZE;
	flags = le_ld32(mbi + MB1_OFF_FLAGS);
	if (flags & MB1_INFO_MEM) {
		bi->mem_lower_kb = le_ld32(mbi + MB1_OFF_MEM_LOWER);
		bi->mem_upper_kb = le_ld32(mbi + MB1_OFF_MEM_UPPER);
	}
	if ((flags & MB1_INFO_CMDLINE) &&
	    !mb1_str(map, ctx, le_ld32(mbi + MB1_OFF_CMDLINE), bi->cmdline, sizeof(bi->cmdline)))
		boot_err(bi, "MB1 command line unreadable or longer than %u bytes, cut",
			 (unsigned int)sizeof(bi->cmdline) - 1);
	if (flags & MB1_INFO_LOADER_NAME)
		mb1_str(map, ctx, le_ld32(mbi + MB1_OFF_LOADER_NAME), bi->loader_name,
			sizeof(bi->loader_name));
	if (flags & MB1_INFO_MMAP)
		mb1_mmap(bi, map, ctx, le_ld32(mbi + MB1_OFF_MMAP_ADDR),
			 le_ld32(mbi + MB1_OFF_MMAP_LENGTH));
	if (flags & MB1_INFO_MODS) {
		u32 n = le_ld32(mbi + MB1_OFF_MODS_COUNT);
		u64 pa = le_ld32(mbi + MB1_OFF_MODS_ADDR);

		if (n > BOOT_MAX_MODULES) {
			boot_err(bi, "MB1: %u modules, only the first %u used", n,
				 BOOT_MAX_MODULES);
			n = BOOT_MAX_MODULES;
		}
		for (u32 i = 0; i < n; i++) {
			const u8 *md = map(pa + i * MB1_MODULE_SIZE, MB1_MODULE_SIZE, ctx);
			struct boot_module *m;

			if (!md) {
				boot_err(bi, "MB1 module %u descriptor not readable", i);
				break;
			}
			m = add_module(bi, le_ld32(md), le_ld32(md + 4));
			if (m && le_ld32(md + 8) &&
			    !mb1_str(map, ctx, le_ld32(md + 8), m->args, sizeof(m->args)))
				boot_err(bi, "MB1 module %u: command line cut", i);
		}
	}
	/* MB1 carries no RSDP: the caller scans for it (acpi_find_rsdp_legacy()). */
	return 0;
}

int mb1_parse(const void *mbi, struct boot_info *bi)
{
	return mb1_parse_mapped((u64)(uintptr_t)mbi, mb1_identity, NULL, bi);
}
