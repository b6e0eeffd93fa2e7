/*
 * ELF32 / ELF64 executables for the multiboot loaders: PT_LOAD program headers are loaded at
 * their physical address p_paddr, p_filesz bytes from p_offset and the rest of p_memsz zeroed
 * (Multiboot 0.6.96 3.1.3 "the boot loader loads the image ... according to the program
 * headers"; ELF: System V gABI, "Program Header").  Pure C.
 *
 * The entry point e_entry is a virtual address; like GRUB, an entry inside a segment whose
 * p_vaddr differs from p_paddr is translated to the physical copy, since the kernel starts
 * with paging off.
 */
#include "lib/fmt.h"
#include "vmboot/image.h"

/* ELF header: e_ident[16], then fields at these offsets (gABI "ELF Header"). */
#define EI_CLASS      4
#define EI_DATA	      5
#define EI_VERSION    6
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define ET_EXEC	      2
#define EM_386	      3
#define EM_X86_64     62
#define PT_LOAD	      1
#define PN_XNUM	      0xffff
#define E_TYPE	      16
#define E_MACHINE     18
#define E_VERSION     20
#define E_ENTRY	      24
#define E32_PHOFF     28
#define E32_PHENTSIZE 42
#define E32_PHNUM     44
#define E32_SIZE      52
#define E64_PHOFF     32
#define E64_PHENTSIZE 54
#define E64_PHNUM     56
#define E64_SIZE      64
#define P32_SIZE      32
#define P64_SIZE      56

struct phdr {
	u32 type;
	u64 offset, vaddr, paddr, filesz, memsz;
};

static void phdr_read(const u8 *b, bool is64, struct phdr *h)
{
	h->type = image_ld32(b);
	if (is64) {
		h->offset = image_ld64(b + 8);
		h->vaddr = image_ld64(b + 16);
		h->paddr = image_ld64(b + 24);
		h->filesz = image_ld64(b + 32);
		h->memsz = image_ld64(b + 40);
	} else {
		h->offset = image_ld32(b + 4);
		h->vaddr = image_ld32(b + 8);
		h->paddr = image_ld32(b + 12);
		h->filesz = image_ld32(b + 16);
		h->memsz = image_ld32(b + 20);
	}
}

static int bad(char *err, const char *what)
{
	fmt_snprintf(err, IMAGE_ERR_LEN, "ELF: %s", what);
	return -1;
}

/* Identification and the header fields that say where the program headers are. */
static int header(const u8 *img, u64 size, bool *is64, u64 *phoff, u32 *phentsize, u32 *phnum,
		  char *err)
{
	u32 machine;

	if (size < E32_SIZE || img[0] != 0x7f || img[1] != 'E' || img[2] != 'L' || img[3] != 'F')
		return bad(err, "not an ELF file, and no a.out-kludge address fields (flag 16)");
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return bad(err, "class is neither 32- nor 64-bit");
	*is64 = img[EI_CLASS] == ELFCLASS64;
	if (*is64 && size < E64_SIZE)
		return bad(err, "file shorter than its ELF64 header");
	if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != 1 || image_ld32(img + E_VERSION) != 1)
		return bad(err, "not a little-endian version-1 ELF file");
	if (image_ld16(img + E_TYPE) != ET_EXEC)
		return bad(err, "not an executable (e_type must be ET_EXEC)");
	machine = image_ld16(img + E_MACHINE);
	if (machine != (*is64 ? EM_X86_64 : EM_386))
		return bad(err,
			   *is64 ? "ELF64 machine is not x86-64" : "ELF32 machine is not i386");
	*phoff = *is64 ? image_ld64(img + E64_PHOFF) : image_ld32(img + E32_PHOFF);
	*phentsize = image_ld16(img + (*is64 ? E64_PHENTSIZE : E32_PHENTSIZE));
	*phnum = image_ld16(img + (*is64 ? E64_PHNUM : E32_PHNUM));
	if (*phentsize < (*is64 ? P64_SIZE : P32_SIZE))
		return bad(err, "program header entries are too small");
	if (!*phnum || *phnum == PN_XNUM)
		return bad(err, "no program headers (or an extended count pihv does not read)");
	/* phnum <= 0xfffe and phentsize <= 0xffff: the product cannot overflow 64 bits */
	if (*phoff > size || (u64)*phnum * *phentsize > size - *phoff)
		return bad(err, "program headers run past the end of the file");
	return 0;
}

int image_elf_plan(const u8 *img, u64 size, u64 mem_size, struct image_plan *p, char *err)
{
	u64 phoff, entry;
	u32 phentsize, phnum;
	bool is64;

	if (header(img, size, &is64, &phoff, &phentsize, &phnum, err) < 0)
		return -1;
	entry = is64 ? image_ld64(img + E_ENTRY) : image_ld32(img + E_ENTRY);
	p->entry = entry;
	p->how = is64 ? "ELF64 program headers" : "ELF32 program headers";
	for (u32 i = 0; i < phnum; i++) {
		struct phdr h;

		phdr_read(img + phoff + (u64)i * phentsize, is64, &h);
		if (h.type != PT_LOAD || !h.memsz)
			continue;
		if (h.offset > size || h.filesz > size - h.offset) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "ELF: segment %u (file %#lx+%#lx) runs "
				     "past the end of the file (%lu bytes)",
				     i, h.offset, h.filesz, size);
			return -1;
		}
		if (h.paddr + h.memsz < h.paddr || h.vaddr + h.memsz < h.vaddr) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "ELF: segment %u wraps around the "
				     "address space",
				     i);
			return -1;
		}
		if (image_add_seg(p, h.offset, h.filesz, h.paddr, h.memsz, mem_size, err) < 0)
			return -1;
		if (entry >= h.vaddr && entry - h.vaddr < h.memsz)
			p->entry = h.paddr + (entry - h.vaddr);
	}
	if (!p->nr_segs)
		return bad(err, "no loadable (PT_LOAD) segment");
	return image_check_entry(p, err);
}
