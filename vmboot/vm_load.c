/*
 * Loading a standard guest (vmboot/vm_load.h): image segments at their guest-physical
 * addresses, bss zeroed (guest memory starts zeroed: vm_create takes zeroed pages), modules
 * and boot information above the image, and the multiboot entry registers.
 */
#include "lib/fmt.h"
#include "lib/string.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmboot/vm_load.h"

int vm_load_plan(struct vm_load *l, const u8 *img, u64 size, u64 mem_size, enum image_format f,
		 char *err)
{
	memset(&l->boot, 0, sizeof(l->boot));
	l->image = img;
	return image_plan(img, size, mem_size, GUEST_LOAD, f, &l->plan, err);
}

/* "a" + " " + "b", or whichever is not empty, cut to cap. */
static void join(char *dst, u32 cap, const char *a, const char *b)
{
	fmt_snprintf(dst, cap, "%s%s%s", a, *a && *b ? " " : "", b);
}

void vm_load_cmdline(struct vm_load *l, const char *name, const char *text)
{
	if (l->plan.format == IMAGE_MB1)
		join(l->cmdline, sizeof(l->cmdline), name, text);
	else
		join(l->cmdline, sizeof(l->cmdline), "", text);
	l->boot.cmdline = l->cmdline;
}

void vm_load_add_module(struct vm_load *l, const u8 *data, u64 size, const char *name,
			const char *text)
{
	u32 i = l->boot.nr_mods++;
	char *s = l->mod_strings[i];

	if (l->plan.format == IMAGE_MB1)
		join(s, VM_LOAD_CMDLINE, name, text);
	else
		join(s, VM_LOAD_CMDLINE, "", text);
	l->boot.mods[i] = (struct mb_mod){data, size, s, 0};
}

int vm_load_layout(struct vm_load *l, u64 mem_size, char *err)
{
	l->boot.format = l->plan.format;
	l->boot.mem_size = mem_size;
	if (!l->boot.cmdline)
		vm_load_cmdline(l, "", "");
	return mb_layout(&l->boot, l->plan.hi, err);
}

void vm_load_into(struct vm_load *l, struct vm *vm)
{
	const struct image_plan *p = &l->plan;
	u32 magic = p->format == IMAGE_MB1 ? MB_MAGIC_V1 : MB_MAGIC_V2;

	for (u32 i = 0; i < p->nr_segs; i++)
		memcpy(vm->mem + p->segs[i].gpa, l->image + p->segs[i].file_off,
		       p->segs[i].file_size);
	mb_info_write(vm->mem, &l->boot);
	vm_set_entry(vm, (u32)p->entry, magic, (u32)l->boot.info_gpa);
}
