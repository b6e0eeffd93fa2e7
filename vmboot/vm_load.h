/*
 * INTERFACE (inside vmboot/): a standard guest's image, modules and boot information, planned
 * before its VM exists and loaded into it afterwards.  The planning is where a multiboot image
 * is refused (vmboot/image.h, vmboot/mb_info.h): it runs before any memory is taken.
 */
#ifndef VMBOOT_VM_LOAD_H
#define VMBOOT_VM_LOAD_H

#include "lib/types.h"
#include "vmboot/image.h"
#include "vmboot/mb_info.h"
#include "vmboot/vm_args.h"

struct vm;

#define VM_PC_MEM_DEFAULT (128ull << 20)
#define VM_LOAD_CMDLINE	  (VM_ARGS_CMDLINE_MAX + VM_ARGS_NAME_MAX + 2)

struct vm_load {
	struct image_plan plan;
	struct mb_boot boot;
	const u8 *image;
	char cmdline[VM_LOAD_CMDLINE];
	char mod_strings[MB_MAX_MODS][VM_LOAD_CMDLINE];
};

/*
 * Plans image [img, img + size) for a VM of mem_size bytes whose format the args ask for.
 * @return 0, or -1 with the reason in err[IMAGE_ERR_LEN].
 */
int vm_load_plan(struct vm_load *l, const u8 *img, u64 size, u64 mem_size, enum image_format f,
		 char *err);
/*
 * Multiboot guests: the command line (v1: "<name> <text>", like the path GRUB and QEMU put
 * first; v2: the text alone, like GRUB's multiboot2) and module i's data and string.
 */
void vm_load_cmdline(struct vm_load *l, const char *name, const char *text);
void vm_load_add_module(struct vm_load *l, const u8 *data, u64 size, const char *name,
			const char *text);
/* Places modules and boot information.  @return 0 or -1 with err (they do not fit). */
int vm_load_layout(struct vm_load *l, u64 mem_size, char *err);
/* Copies everything into vm's memory and sets its entry.  @pre vm created as VM_PC. */
void vm_load_into(struct vm_load *l, struct vm *vm);

#endif
