/*
 * Loading a standard guest (vmboot/vm_load.h): image segments at their guest-physical
 * addresses, bss zeroed (guest memory starts zeroed: vm_create takes zeroed pages), modules
 * and boot information above the image, and the multiboot entry registers.
 */
#include "lib/fmt.h"
#include "lib/string.h"
#include "vm/guest_abi.h"
#include "vm/vm.h"
#include "vmboot/mptable.h"
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

/*
 * A Linux guest: the zero page and the command line below 640 KiB, the MP table in the reserved
 * area under 1 MiB, the kernel at 1 MiB, one boot module as its initrd at the top of memory.
 */
static int linux_layout(struct vm_load *l, u64 mem_size, char *err)
{
	struct mb_boot *b = &l->boot;

	if (b->nr_mods > 1) {
		fmt_snprintf(err, IMAGE_ERR_LEN,
			     "a Linux guest takes one boot module (its initrd), "
			     "not %u",
			     b->nr_mods);
		return -1;
	}
	if (strlen(b->cmdline) > l->plan.bz.cmdline_max) {
		fmt_snprintf(err, IMAGE_ERR_LEN, "command line longer than the kernel's %u bytes",
			     l->plan.bz.cmdline_max);
		return -1;
	}
	if (b->nr_mods &&
	    bz_place_initrd(&l->plan.bz, mem_size, b->mods[0].size, &b->mods[0].gpa, err) < 0)
		return -1;
	b->info_gpa = BZ_ZERO_PAGE;
	return 0;
}

static void linux_into(struct vm_load *l, struct vm *vm)
{
	struct mb_boot *b = &l->boot;
	struct bz_e820 map[BZ_E820_MAX];
	u32 n = bz_e820_map(vm->mem_size, map, BZ_E820_MAX);
	u64 initrd = b->nr_mods ? b->mods[0].gpa : 0,
	    initrd_size = b->nr_mods ? b->mods[0].size : 0;

	memcpy(vm->mem + BZ_CMDLINE, b->cmdline, strlen(b->cmdline) + 1);
	if (initrd_size)
		memcpy(vm->mem + initrd, b->mods[0].data, initrd_size);
	bz_zero_page(vm->mem + BZ_ZERO_PAGE, l->image, BZ_CMDLINE, initrd, initrd_size, map, n);
	/* family 6 model 0x8f (the CPUID the vCPUs report), with FPU, TSC, MSR, APIC */
	mptable_build(vm->mem + BZ_LOW_RAM_END, BZ_LOW_RAM_END, vm->nr_vcpus, 0x806f8, 0x00000231);
	/* 32-bit boot protocol: ESI holds the zero page; the rest is ours to choose */
	vm_set_entry(vm, BZ_LOAD, 0, 0, BZ_ZERO_PAGE);
}

int vm_load_layout(struct vm_load *l, u64 mem_size, char *err)
{
	if (l->plan.format == IMAGE_LINUX) {
		l->boot.format = IMAGE_LINUX;
		l->boot.mem_size = mem_size;
		if (!l->boot.cmdline)
			vm_load_cmdline(l, "", "");
		return linux_layout(l, mem_size, err);
	}
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
	if (p->format == IMAGE_LINUX) {
		linux_into(l, vm);
		return;
	}
	mb_info_write(vm->mem, &l->boot);
	vm_set_entry(vm, (u32)p->entry, magic, (u32)l->boot.info_gpa, 0);
}
