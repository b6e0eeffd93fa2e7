/*
 * The multiboot address fields ("a.out kludge"): an image that is not ELF, or whose ELF
 * headers the loader should ignore, says itself where its bytes go (Multiboot 0.6.96 3.1.3,
 * flag 16 and offsets 12-28; Multiboot2 spec 3.1.5, the address tag).  Pure C.
 *
 *   header_addr  physical address the header itself is loaded to
 *   load_addr    physical address of the first byte loaded; the file offset it comes from is
 *                header offset - (header_addr - load_addr).  Multiboot2: ~0 = the file's start
 *   load_end     end of the loaded bytes; 0 = to the end of the file
 *   bss_end      end of the zeroed area after them; 0 = no bss
 *   entry        where execution starts (mb1 field, mb2 entry-address tag)
 */
#include "lib/fmt.h"
#include "vmboot/image.h"

int image_aout_plan(u64 size, u64 off, u32 header_addr, u32 load_addr, u32 load_end, u32 bss_end,
		    u32 entry, u64 mem_size, struct image_plan *p, char *err)
{
	u64 file_off, file_size, mem_len;

	p->how = "a.out-kludge address fields";
	if (load_addr == 0xffffffffu) {
		/* Multiboot2 only: the load starts with the file, so the header sits at
		 * header_addr and the file offset 0 at header_addr - off. */
		if (header_addr < off) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "header_addr %#x is below the header's "
				     "file offset %#lx",
				     header_addr, off);
			return -1;
		}
		load_addr = header_addr - (u32)off;
	}
	if (header_addr < load_addr || header_addr - load_addr > off) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "header_addr %#x and load_addr %#x do not fit "
			     "the header's file offset %#lx",
			     header_addr, load_addr, off);
		return -1;
	}
	file_off = off - (header_addr - load_addr);
	if (!load_end) {
		file_size = size - file_off;
	} else {
		if (load_end <= load_addr) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "load_end_addr %#x is not above load_addr "
				     "%#x",
				     load_end, load_addr);
			return -1;
		}
		file_size = (u64)load_end - load_addr;
		if (file_size > size - file_off) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "load %#x-%#x needs %lu bytes but the "
				     "file has %lu after offset %#lx",
				     load_addr, load_end, file_size, size - file_off, file_off);
			return -1;
		}
	}
	mem_len = file_size;
	if (bss_end) {
		if (bss_end < load_addr + file_size) {
			fmt_snprintf(err, IMAGE_ERR_LEN,
				     "bss_end_addr %#x is below the end of the "
				     "loaded bytes %#lx",
				     bss_end, load_addr + file_size);
			return -1;
		}
		mem_len = (u64)bss_end - load_addr;
	}
	if (image_add_seg(p, file_off, file_size, load_addr, mem_len, mem_size, err) < 0)
		return -1;
	if (!p->nr_segs) {
		fmt_snprintf(err, IMAGE_ERR_LEN, "address fields load nothing");
		return -1;
	}
	p->entry = entry;
	return image_check_entry(p, err);
}
