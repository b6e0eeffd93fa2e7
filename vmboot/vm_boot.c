/*
 * Guest modules -> VMs.  Every check that can refuse a module runs before vm_create(), so a
 * refusal costs no memory and names the module; one bad module never stops the others ("bad
 * input gets a clear error and loses nothing").
 */
#include "arch/x86/atomic.h"
#include "lib/boot_info.h"
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "lib/platform.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "lib/string.h"
#include "vm/guest_abi.h"
#include "kernel/cmdline.h"
#include "vm/vm.h"
#include "vm/watchdog.h"
#include "vmboot/vm_args.h"
#include "vmboot/vm_boot.h"

/* The loader's guest page tables map guest-physical 0-1 GiB (vm/guest_abi.h). */
#define VM_BOOT_MEM_MAX (1ull << 30)
/* Modules must be identity mapped, and the boot page tables map 0-4 GiB. */
#define VM_BOOT_ADDR_LIMIT (4ull << 30)

struct vm_boot_mod {
	u32 index;
	const struct boot_module *m;
	struct vm_args args;
	const char *name;
	char fallback[8]; /* "mod<i>" when neither name= nor a usable path was given */
	u32 problems;
};

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

/* GUEST_LOAD (the loader's tables live below it) + image + one stack per vCPU at the top. */
static void check_fit(struct vm_boot_mod *bm)
{
	u64 size = bm->m->end - bm->m->start;
	u64 mem = bm->args.mem_size ? bm->args.mem_size : VM_MEM_DEFAULT;
	u64 need = GUEST_LOAD + size + (u64)bm->args.nr_vcpus * GUEST_STACK_SIZE;
	char msg[96];

	if (need <= mem)
		return;
	fmt_snprintf(msg, sizeof(msg), "image of %lu bytes does not fit in %lu KiB (needs %lu KiB)",
		     size, mem >> 10, ALIGN_UP(need, 4096ul) >> 10);
	problem(bm, msg);
	printk("vmboot: module %u '%s': (a guest needs %u KiB below its load address, the image "
	       "and "
	       "%u KiB of stack per vCPU: raise mem=)\n",
	       bm->index, bm->name, GUEST_LOAD >> 10, GUEST_STACK_SIZE >> 10);
}

/* Two VMs with one name would make their console lines and reports indistinguishable. */
static void check_unique(struct vm_boot_mod *bm, const struct vm_boot_mod *mods, u32 nr)
{
	char msg[96];

	for (u32 i = 0; i < nr; i++) {
		if (!mods[i].problems && !strcmp(mods[i].name, bm->name)) {
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
	/* the module's watchdog_ms= has the command line's range (kernel/cmdline.c) */
	const struct vm_args_limits lim = {VM_MAX_VCPUS, VM_BOOT_MEM_MAX, pcpu_online_count(),
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
		problem(bm, "arguments may be cut (127 characters or more)");
	for (u32 i = 0; i < bm->args.nr_errors; i++)
		problem(bm, bm->args.errors[i]);
	if (bm->args.errors_dropped) {
		printk("vmboot: module %u '%s': ... and %u more bad arguments\n", bm->index,
		       bm->name, bm->args.errors_dropped);
		bm->problems += bm->args.errors_dropped;
	}
	if (!bm->args.nr_errors && m->end > m->start)
		check_fit(bm);
	check_unique(bm, done, nr_done);
}

int vm_boot_from_modules(struct vm **out, u32 max)
{
	static struct vm_boot_mod mods[BOOT_MAX_MODULES]; /* too big for the stack; BSP only */
	const struct boot_info *bi = kernel_boot_info();
	u32 nr = 0;

	if (!bi->nr_modules) {
		printk("vmboot: no guest modules (GRUB module2 lines)\n");
		return 0;
	}
	for (u32 i = 0; i < bi->nr_modules && i < BOOT_MAX_MODULES; i++) {
		struct vm_boot_mod *bm = &mods[i];
		struct vm_config cfg;

		memset(bm, 0, sizeof(*bm));
		bm->index = i;
		bm->m = &bi->modules[i];
		check_module(bm, mods, i, bi);
		if (!bm->problems && nr >= max)
			problem(bm, "too many VMs for the caller's table");
		if (bm->problems) {
			printk("vmboot: module %u '%s': refused (%u problem%s); the other modules "
			       "go "
			       "on\n",
			       i, bm->name, bm->problems, bm->problems == 1 ? "" : "s");
			continue;
		}
		if (!platform.vmx) {
			printk("vmboot: module %u '%s': arguments fine, but VMX is off: not "
			       "started\n",
			       i, bm->name);
			continue;
		}
		cfg = (struct vm_config){
			.name = bm->name,
			.image = (const void *)bm->m->start,
			.image_size = bm->m->end - bm->m->start,
			.mem_size = bm->args.mem_size,
			.nr_vcpus = bm->args.nr_vcpus,
			.pcpu_first = bm->args.pin,
		};
		out[nr] = vm_create(&cfg);
		if (!out[nr]) {
			problem(bm, "refused: VM creation failed (reason above)");
			continue;
		}
		if (bm->args.watchdog_given)
			out[nr]->watchdog_ms = watchdog_limit_ms(
				bm->args.watchdog_ms ? bm->args.watchdog_ms : WATCHDOG_OFF);
		printk("vmboot: module %u '%s': VM with %u vCPU(s) from pCPU %u\n", i, bm->name,
		       cfg.nr_vcpus, cfg.pcpu_first);
		nr++;
	}
	printk("vmboot: %u of %u guest modules started as VMs\n", nr, bi->nr_modules);
	return (int)nr;
}
