/*
 * Guest modules -> VMs.  Every check that can refuse a module runs before vm_create(), so a
 * refusal costs no memory and names the module; one bad module never stops the others ("bad
 * input gets a clear error and loses nothing").
 *
 * A module line is a VM (flat pihv image or multiboot kernel, vmboot/image.h), or with vm=NAME
 * a boot module of the VM NAME named on an earlier line (docs/guests.md).  Order of the work:
 *   1. every line: arguments, memory, names;
 *   2. every boot module: its VM exists and is sound (else the module is refused), and a VM
 *      with a refused boot module is refused too (it would run without its initrd);
 *   3. every VM line in order: image plan, modules and boot information laid out, VM created,
 *      loaded.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/percpu.h"
#include "lib/boot_info.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/mm.h"
#include "lib/platform.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "vm/guest_abi.h"
#include "kernel/cmdline.h"
#include "vm/vm.h"
#include "vm/watchdog.h"
#include "vmboot/vm_args.h"
#include "vmboot/vm_boot.h"
#include "vmboot/vm_load.h"
#include "vmx/vmx.h"

/* The loader's guest page tables map guest-physical 0-1 GiB (vm/guest_abi.h). */
#define VM_BOOT_FLAT_MEM_MAX (1ul << 30)
/* Modules must be identity mapped, and the boot page tables map 0-4 GiB. */
#define VM_BOOT_ADDR_LIMIT (4ull << 30)
/* What pihv keeps for itself when a VM asks for host memory (EPT, VMCS, other VMs' pages). */
#define VM_BOOT_HOST_SLACK (4ul << 20)

struct vm_boot_mod {
	u32 index;
	const struct boot_module *m;
	struct vm_args args;
	const char *name;
	char fallback[8]; /* "mod<i>" when neither name= nor a usable path was given */
	u32 problems;
	struct vm_boot_mod *owner; /* vm=: the VM module this boot module belongs to */
	u32 nr_attached;
};

static struct vm_load loads[VM_MAX]; /* one per VM being planned; BSP only */
static u32 nr_refused;

static void problem(struct vm_boot_mod *bm, const char *what)
{
	printk("vmboot: module %u '%s': %s\n", bm->index, bm->name, what);
	bm->problems++;
}

/* Is [start, end) inside one RAM entry of the loader's memory map? */
static bool in_ram(const struct boot_info *bi, u64 start, u64 end)
{
	for (u32 i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];

		if (e->type == BOOT_MEM_RAM && start >= e->base && end <= e->base + e->len)
			return true;
	}
	return false;
}

static void check_memory(struct vm_boot_mod *bm, const struct boot_info *bi)
{
	const struct boot_module *m = bm->m;
	char msg[96];

	if (m->end == m->start) {
		problem(bm, "empty module (0 bytes): file missing or empty?");
	} else if (m->end > VM_BOOT_ADDR_LIMIT) {
		fmt_snprintf(msg, sizeof(msg), "image at %#lx-%#lx is above 4 GiB (not mapped)",
			     m->start, m->end);
		problem(bm, msg);
	} else if (bi->nr_mmap && !in_ram(bi, m->start, m->end)) {
		fmt_snprintf(msg, sizeof(msg), "image at %#lx-%#lx is not in RAM (missing module?)",
			     m->start, m->end);
		problem(bm, msg);
	}
}

/* Two VMs with one name would make their console lines and reports indistinguishable. */
static void check_unique(struct vm_boot_mod *bm, const struct vm_boot_mod *mods, u32 nr)
{
	char msg[96];

	for (u32 i = 0; i < nr; i++) {
		if (!mods[i].problems && !mods[i].args.vm_given &&
		    !strcmp(mods[i].name, bm->name)) {
			fmt_snprintf(msg, sizeof(msg),
				     "name already used by module %u (give name=)", mods[i].index);
			problem(bm, msg);
			return;
		}
	}
	if (vm_name_in_use(bm->name))
		problem(bm, "the name is already in use by another VM (give name=)");
}

static void check_module(struct vm_boot_mod *bm, const struct vm_boot_mod *done, u32 nr_done,
			 const struct boot_info *bi)
{
	/* mem= is checked against the image's kind later (flat: 1 GiB; standard: host RAM); the
	 * module's watchdog_ms= has the command line's range (kernel/cmdline.c) */
	const struct vm_args_limits lim = {VM_MAX_VCPUS, VM_BOOT_ADDR_LIMIT, pcpu_online_count(),
					   cmdline_num_find("watchdog_ms")->max};
	const struct boot_module *m = bm->m;

	vm_args_parse(m->args, &lim, &bm->args);
	fmt_snprintf(bm->fallback, sizeof(bm->fallback), "mod%u", bm->index);
	bm->name = bm->args.name[0] ? bm->args.name : bm->fallback;
	printk("vmboot: module %u '%s': %lu bytes at %#lx, args '%s'\n", bm->index, bm->name,
	       m->end - m->start, m->start, m->args);

	check_memory(bm, bi);
	/* mb2_parse cuts longer command lines (and says so): a cut "mem=2M" could read "mem=2". */
	if (strlen(m->args) == sizeof(m->args) - 1)
		problem(bm, "arguments may be cut (255 characters or more)");
	for (u32 i = 0; i < bm->args.nr_errors; i++)
		problem(bm, bm->args.errors[i]);
	if (bm->args.errors_dropped) {
		printk("vmboot: module %u '%s': ... and %u more bad arguments\n", bm->index,
		       bm->name, bm->args.errors_dropped);
		bm->problems += bm->args.errors_dropped;
	}
	if (!bm->args.vm_given)
		check_unique(bm, done, nr_done);
}

/* Step 2: a boot module's VM is an earlier, sound VM line with room for one more module. */
static void check_owner(struct vm_boot_mod *bm, struct vm_boot_mod *mods)
{
	char msg[96];

	for (u32 i = 0; i < bm->index; i++) {
		struct vm_boot_mod *o = &mods[i];

		if (o->args.vm_given || strcmp(o->name, bm->args.vm))
			continue;
		if (o->problems) {
			fmt_snprintf(msg, sizeof(msg), "its VM '%s' (module %u) was refused",
				     o->name, o->index);
			problem(bm, msg);
		} else if (o->nr_attached == MB_MAX_MODS) {
			fmt_snprintf(msg, sizeof(msg), "VM '%s' has %u boot modules already",
				     o->name, MB_MAX_MODS);
			problem(bm, msg);
		} else {
			bm->owner = o;
			o->nr_attached++;
		}
		return;
	}
	fmt_snprintf(msg, sizeof(msg), "vm=%s: no VM line of that name before this one",
		     bm->args.vm);
	problem(bm, msg);
}

/* A flat image: the loader's tables below GUEST_LOAD, the image, a stack per vCPU on top. */
static void check_flat(struct vm_boot_mod *bm, u64 mem)
{
	u64 size = bm->m->end - bm->m->start;
	u64 need = GUEST_LOAD + size + (u64)bm->args.nr_vcpus * GUEST_STACK_SIZE;
	char msg[96];

	if (mem > VM_BOOT_FLAT_MEM_MAX) {
		fmt_snprintf(msg, sizeof(msg),
			     "mem=%lu MiB: a flat pihv image maps at most "
			     "%lu MiB",
			     mem >> 20, VM_BOOT_FLAT_MEM_MAX >> 20);
		problem(bm, msg);
		return;
	}
	if (bm->nr_attached)
		problem(bm, "a flat pihv image has no module list: its vm= modules cannot go in");
	if (need <= mem)
		return;
	fmt_snprintf(msg, sizeof(msg), "image of %lu bytes does not fit in %lu KiB (needs %lu KiB)",
		     size, mem >> 10, ALIGN_UP(need, 4096ul) >> 10);
	problem(bm, msg);
	printk("vmboot: module %u '%s': (a guest needs %u KiB below its load address, the image "
	       "and %u KiB of stack per vCPU: raise mem=)\n",
	       bm->index, bm->name, GUEST_LOAD >> 10, GUEST_STACK_SIZE >> 10);
}

/* A multiboot kernel: what the CPU and the host must offer, then its modules' layout. */
static void check_pc(struct vm_boot_mod *bm, struct vm_boot_mod *mods, u32 nr, u64 mem,
		     struct vm_load *l)
{
	const struct vmx_controls *c = vmx_get_controls();
	u64 free = mm_free_pages() * 4096;
	char msg[IMAGE_ERR_LEN];

	if (c && !c->unrestricted)
		problem(bm, "a multiboot guest starts with paging off: this CPU lacks the VMX "
			    "'unrestricted guest' control");
	if (mem < MB_MEM_MIN) {
		fmt_snprintf(msg, sizeof(msg),
			     "mem=%lu KiB: a multiboot guest needs at least "
			     "%lu MiB",
			     mem >> 10, (u64)MB_MEM_MIN >> 20);
		problem(bm, msg);
		return;
	}
	if (platform.vmx && mem + VM_BOOT_HOST_SLACK > free) {
		fmt_snprintf(msg, sizeof(msg),
			     "mem=%lu MiB, but only %lu MiB of host memory are "
			     "free",
			     mem >> 20,
			     free > VM_BOOT_HOST_SLACK ? (free - VM_BOOT_HOST_SLACK) >> 20 : 0);
		problem(bm, msg);
		return;
	}
	vm_load_cmdline(l, bm->name, bm->args.cmdline);
	for (u32 i = bm->index + 1; i < nr; i++) {
		struct vm_boot_mod *a = &mods[i];

		if (a->owner == bm)
			vm_load_add_module(l, (const u8 *)a->m->start, a->m->end - a->m->start,
					   a->name, a->args.cmdline);
	}
	if (vm_load_layout(l, mem, msg) < 0)
		problem(bm, msg);
}

/* Step 3 for one VM line: plan the image; false if the module is refused. */
static bool plan_vm(struct vm_boot_mod *bm, struct vm_boot_mod *mods, u32 nr, struct vm_load *l,
		    u64 *mem)
{
	const u8 *img = (const u8 *)bm->m->start;
	u64 size = bm->m->end - bm->m->start;
	enum image_format f = bm->args.boot;
	char err[IMAGE_ERR_LEN];

	if (f == IMAGE_AUTO)
		f = bz_detect(img, size)					       ? IMAGE_LINUX
		    : image_mb2_find(img, size) >= 0 || image_mb1_find(img, size) >= 0 ? IMAGE_MB2
										       : IMAGE_FLAT;
	*mem = bm->args.mem_size ? bm->args.mem_size
	       : f == IMAGE_FLAT ? VM_MEM_DEFAULT
				 : VM_PC_MEM_DEFAULT;
	/* a flat image's fit is check_flat's (stacks included): plan it against any size */
	if (vm_load_plan(l, img, size, f == IMAGE_FLAT ? ~0ull : *mem, bm->args.boot, err) < 0) {
		problem(bm, err);
		return false;
	}
	if (l->plan.format == IMAGE_FLAT)
		check_flat(bm, *mem);
	else
		check_pc(bm, mods, nr, *mem, l);
	if (bm->problems)
		return false;
	if (l->plan.format != IMAGE_FLAT)
		printk("vmboot: module %u '%s': %s kernel (%s), entry %#lx, loaded at %#lx-%#lx, "
		       "%u boot module(s), boot information at %#lx\n",
		       bm->index, bm->name, image_format_name(l->plan.format), l->plan.how,
		       l->plan.entry, l->plan.lo, l->plan.hi, l->boot.nr_mods, l->boot.info_gpa);
	return true;
}

static void refuse(struct vm_boot_mod *bm)
{
	nr_refused++;
	printk("vmboot: module %u '%s': refused (%u problem%s); the other modules go on\n",
	       bm->index, bm->name, bm->problems, bm->problems == 1 ? "" : "s");
}

static struct vm *start_vm(struct vm_boot_mod *bm, struct vm_load *l, u64 mem)
{
	bool pc = l->plan.format != IMAGE_FLAT;
	struct vm_config cfg = {
		.name = bm->name,
		.kind = pc ? VM_PC : VM_FLAT,
		.image = pc ? NULL : (const void *)bm->m->start,
		.image_size = pc ? 0 : bm->m->end - bm->m->start,
		.mem_size = mem,
		.nr_vcpus = bm->args.nr_vcpus,
		.pcpu_first = bm->args.pin,
	};
	struct vm *vm = vm_create(&cfg);

	if (!vm)
		return NULL;
	if (bm->args.watchdog_given)
		vm->watchdog_ms = watchdog_limit_ms(bm->args.watchdog_ms ? bm->args.watchdog_ms
									 : WATCHDOG_OFF);
	if (pc)
		vm_load_into(l, vm);
	printk("vmboot: module %u '%s': VM with %u vCPU(s) from pCPU %u\n", bm->index, bm->name,
	       cfg.nr_vcpus, cfg.pcpu_first);
	return vm;
}

int vm_boot_from_modules(struct vm **out, u32 max)
{
	static struct vm_boot_mod mods[BOOT_MAX_MODULES]; /* too big for the stack; BSP only */
	const struct boot_info *bi = kernel_boot_info();
	u32 nr = MIN(bi->nr_modules, (u32)BOOT_MAX_MODULES), nr_vms = 0, nr_lines = 0, started = 0;

	nr_refused = 0;
	if (!bi->nr_modules) {
		printk("vmboot: no guest modules (GRUB module2 lines)\n");
		return 0;
	}
	for (u32 i = 0; i < nr; i++) {
		memset(&mods[i], 0, sizeof(mods[i]));
		mods[i].index = i;
		mods[i].m = &bi->modules[i];
		check_module(&mods[i], mods, i, bi);
	}
	for (u32 i = 0; i < nr; i++)
		if (mods[i].args.vm_given && !mods[i].problems)
			check_owner(&mods[i], mods);
	for (u32 i = 0; i < nr; i++) {
		struct vm_boot_mod *a = &mods[i];
		char msg[96];

		if (a->args.vm_given && a->problems && a->owner && !a->owner->problems) {
			fmt_snprintf(msg, sizeof(msg), "its boot module %u '%s' was refused",
				     a->index, a->name);
			problem(a->owner, msg);
		}
	}
	for (u32 i = 0; i < nr; i++) {
		struct vm_boot_mod *bm = &mods[i];
		struct vm_load *l = &loads[nr_vms < VM_MAX ? nr_vms : VM_MAX - 1];
		u64 mem = 0;

		if (bm->args.vm_given)
			continue;
		nr_lines++;
		if (!bm->problems && nr_vms >= max)
			problem(bm, "too many VMs for the caller's table");
		if (bm->problems || !plan_vm(bm, mods, nr, l, &mem)) {
			refuse(bm);
			continue;
		}
		if (!platform.vmx) {
			printk("vmboot: module %u '%s': arguments fine, but VMX is off: not "
			       "started\n",
			       i, bm->name);
			continue;
		}
		out[nr_vms] = start_vm(bm, l, mem);
		if (!out[nr_vms]) {
			problem(bm, "refused: VM creation failed (reason above)");
			nr_refused++;
			continue;
		}
		nr_vms++;
		started++;
	}
	for (u32 i = 0; i < nr; i++)
		if (mods[i].args.vm_given &&
		    (mods[i].problems || !mods[i].owner || mods[i].owner->problems)) {
			if (!mods[i].problems)
				problem(&mods[i], "its VM was refused");
			refuse(&mods[i]);
		}
	printk("vmboot: %u of %u guest modules started as VMs\n", started, nr_lines);
	return (int)nr_vms;
}

u32 vm_boot_refused(void)
{
	return nr_refused;
}
