/*
 * VM creation (memory, EPT, loader-built entry state, vCPUs) and running VMs across pCPUs.
 *
 * Guest memory is one contiguous block of host pages, so guest-physical gpa is host address
 * mem + gpa and bounds checks are one comparison.  The EPT maps exactly [0, mem_size): no
 * host page outside that block, and no other VM's page, is reachable from the guest.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/smp.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "vmx/guest_abi.h"
#include "vmx/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"

/* VPIDs are never reused (no VM is destroyed yet), so no INVVPID is needed; 0 is the host's. */
static u16 next_vpid = 1;

void *vm_gpa_to_host(struct vm *vm, u64 gpa, u64 len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

void vm_kill(struct vm *vm, const char *why)
{
	const char *none = NULL;

	/* The first reason wins; the flag itself is what other pCPUs poll. */
	if (cmpxchg(&vm->why, &none, why))
		printk("vmx: VM %s stopped: %s\n", vm->name, why);
	store_release(&vm->dead, true);
}

/*
 * The loader's part of the guest ABI (vmx/guest_abi.h): flat GDT, and page tables mapping
 * guest-virtual 0-1 GiB to guest-physical 0-1 GiB with 2 MiB pages (SDM Vol. 3A 4.5).
 */
static void build_entry_state(struct vm *vm)
{
	u64 *gdt = (u64 *)(vm->mem + GUEST_GDT);
	u64 *pml4 = (u64 *)(vm->mem + GUEST_PML4);
	u64 *pdpt = (u64 *)(vm->mem + GUEST_PDPT);
	u64 *pd = (u64 *)(vm->mem + GUEST_PD);

	gdt[0] = 0;
	gdt[GUEST_SEL_CODE / 8] = 0x00af9b000000ffffull; /* 64-bit code, accessed */
	gdt[GUEST_SEL_DATA / 8] = 0x00cf93000000ffffull; /* data, accessed */
	pml4[0] = GUEST_PDPT | 0x3;                       /* present, writable */
	pdpt[0] = GUEST_PD | 0x3;
	for (u64 i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83;                 /* present, writable, 2 MiB page */
}

static u32 online_cpus(void)
{
	u32 n = 0;

	while (n < pcpu_count() && load_acquire(&pcpu(n)->online))
		n++;
	return n ? n : 1;
}

struct vm *vm_create(const struct vm_config *cfg)
{
	u64 mem_size = ALIGN_UP(cfg->mem_size ? cfg->mem_size : VM_MEM_DEFAULT, 4096ul);
	u32 nr = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
	struct vm *vm;

	if (!vmx_get_controls()) {
		printk("vmx: cannot create VM %s: VMX is off\n", cfg->name);
		return NULL;
	}
	if (nr > VM_MAX_VCPUS || mem_size < GUEST_LOAD + cfg->image_size + nr * GUEST_STACK_SIZE) {
		printk("vmx: cannot create VM %s: %u vCPUs (max %u), %lu bytes for a %lu-byte image\n",
		       cfg->name, nr, VM_MAX_VCPUS, mem_size, cfg->image_size);
		return NULL;
	}
	vm = page_alloc();
	if (!vm)
		return NULL;
	strncpy(vm->name, cfg->name, sizeof(vm->name) - 1);
	vm->mem_size = mem_size;
	vm->mem = pages_alloc(mem_size / 4096);
	if (!vm->mem || ept_init(&vm->ept) < 0 ||
	    ept_map(&vm->ept, 0, (u64)vm->mem, mem_size, EPT_RWX) < 0) {
		printk("vmx: cannot create VM %s: out of memory\n", cfg->name);
		return NULL;
	}
	build_entry_state(vm);
	memcpy(vm->mem + GUEST_LOAD, cfg->image, cfg->image_size);

	vm->nr_vcpus = nr;
	for (u32 i = 0; i < nr; i++) {
		struct vcpu *v = page_alloc();
		if (!v)
			return NULL;
		v->vm = vm;
		v->index = i;
		v->vpid = next_vpid++;
		v->pcpu = (cfg->pcpu_first + i) % online_cpus();
		vm->vcpus[i] = v;
	}
	printk("vmx: VM %s: %lu KiB at %#lx, %u vCPU(s), image %lu bytes, EPT %#lx (%u pages)\n",
	       vm->name, mem_size >> 10, (u64)vm->mem, nr, cfg->image_size, vm->ept.eptp,
	       vm->ept.nr_pages);
	return vm;
}

struct run_args {
	struct vm **vms;
	u32 nr_vms;
};

static void run_here(void *arg)
{
	const struct run_args *r = arg;

	vcpu_run_pcpu(r->vms, r->nr_vms);
}

/*
 * Each pCPU runs the vCPUs pinned to it (arch/x86/smp.h: the call is started on every pCPU
 * that has vCPUs, the caller runs its own share, then waits for the others).  The VMCS of a
 * vCPU is set up by the pCPU that runs it, so host state is always that pCPU's.
 */
void vm_run(struct vm **vms, u32 nr_vms)
{
	struct run_args args = { vms, nr_vms };
	u32 me = pcpu_id();
	u64 cpus = 0;

	for (u32 i = 0; i < nr_vms; i++)
		for (u32 j = 0; j < vms[i]->nr_vcpus; j++)
			cpus |= 1ull << vms[i]->vcpus[j]->pcpu;
	for (u32 c = 0; c < pcpu_count(); c++)
		if (c != me && (cpus & (1ull << c)))
			smp_call_start(c, run_here, &args);
	if (cpus & (1ull << me))
		run_here(&args);
	for (u32 c = 0; c < pcpu_count(); c++)
		if (c != me && (cpus & (1ull << c)))
			smp_call_wait(c);
}

void vm_print_stats(const struct vm *vm)
{
	printk("vmx: VM %s: %s; reports pass=%u fail=%u skip=%u\n", vm->name,
	       vm->dead ? vm->why : "completed", vm->reports[0], vm->reports[1], vm->reports[2]);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_print_stats(vm->vcpus[i]);
}
