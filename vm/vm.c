/*
 * VM creation (memory, EPT, loader-built entry state, vCPUs) and running VMs across pCPUs.
 *
 * Guest memory is one contiguous block of host pages, so guest-physical gpa is host address
 * mem + gpa and bounds checks are one comparison.  The EPT maps exactly [0, mem_size) and the
 * VM's own APIC-access page at 0xfee00000 (vm/vapic.c): no host page outside the VM's, and no
 * other VM's page, is reachable from the guest.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/smp.h"
#include "lib/fmt.h"
#include "lib/mm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "lib/string.h"
#include "trace/trace.h"
#include "vm/guest_abi.h"
#include "vm/vapic.h"
#include "vm/vcpu_start.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"
#include "vmx/vmx.h"
#include "vm/watchdog.h"

/* VPIDs are never reused (no VM is destroyed yet), so no INVVPID is needed; 0 is the host's. */
static u16 next_vpid = 1;

void *vm_gpa_to_host(struct vm *vm, u64 gpa, u64 len)
{
	if (gpa > vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return vm->mem + gpa;
}

void vm_end(struct vm *vm, enum vm_end_kind kind, u32 value, const char *why)
{
	const char *none = NULL;

	/* The first end wins: its kind and value are written before `dead` is released. */
	if (cmpxchg(&vm->why, &none, why)) {
		vm->end = kind;
		vm->end_value = value;
		if (kind == VM_END_KILLED)
			printk("vmx: VM %s stopped: %s\n", vm->name, why);
	}
	store_release(&vm->dead, true);
	/*
	 * Every vCPU must come back to its pCPU loop, which sees `dead` before the next entry:
	 * wake the blocked ones (an AP still waiting for its SIPI too), kick the running ones
	 * out of guest mode.
	 */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		if (!v || !v->se.ops)
			continue;
		sched_wake(&v->se);
		sched_kick(load_acquire(&v->se.cpu));
	}
}

void vm_kill(struct vm *vm, const char *why)
{
	vm_end(vm, VM_END_KILLED, 0, why);
}

void vm_set_entry(struct vm *vm, u32 rip, u32 eax, u32 ebx, u32 esi)
{
	vm->entry = (struct vm_entry){rip, eax, ebx, esi};
}

void vm_halt_if0(struct vcpu *v, bool blocked)
{
	struct vm *vm = v->vm;
	u32 n;

	if (vm->kind != VM_PC)
		return;
	if (!blocked) {
		fetch_add(&vm->nr_halted_if0, -1u);
		return;
	}
	n = fetch_add(&vm->nr_halted_if0, 1) + 1;
	/* running: the vCPUs neither waiting for a SIPI nor finished (vm/vcpu_start.h) */
	if (n >= load_acquire(&vm->running))
		vm_end(vm, VM_END_HALTED, 0, "halted for good (every vCPU in HLT with IF=0)");
}

/*
 * The loader's part of the guest ABI (vm/guest_abi.h): flat GDT, and page tables mapping
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
	pml4[0] = GUEST_PDPT | 0x3;			 /* present, writable */
	pdpt[0] = GUEST_PD | 0x3;
	for (u64 i = 0; i < 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
}

/* Every VM created since boot (VMs are never freed); written by the BSP's thread only. */
static struct vm *vms_created[64];
static u32 nr_vms_created;

bool vm_name_in_use(const char *name)
{
	for (u32 i = 0; i < nr_vms_created; i++)
		if (!strcmp(vms_created[i]->name, name))
			return true;
	return false;
}

static_assert(sizeof(struct vm) <= 4096, "struct vm is one page");

/* The VM's 16550 sends a line: it goes to the VM's console queue as "[name] line". */
static void pc_line(void *ctx, const char *s, u32 n)
{
	struct vm *vm = ctx;

	con_queue_line(&vm->con, vm->con_prefix, vm->con_prefix_len, s, n);
}

/* What the PC says about the guest's port accesses: "vdev: name: ...", on the same queue. */
static void pc_note(void *ctx, const char *s, u32 n)
{
	struct vm *vm = ctx;
	char prefix[32];
	int len = fmt_snprintf(prefix, sizeof(prefix), "vdev: %s: ", vm->name);

	con_queue_line(&vm->con, prefix, (u32)len, s, n);
}

struct vm *vm_create(const struct vm_config *cfg)
{
	u64 mem_size = ALIGN_UP(cfg->mem_size ? cfg->mem_size : VM_MEM_DEFAULT, 4096ul);
	u32 nr = cfg->nr_vcpus ? cfg->nr_vcpus : 1;
	u64 need = cfg->kind == VM_FLAT ? GUEST_LOAD + cfg->image_size + nr * GUEST_STACK_SIZE : 0;
	struct vm *vm;
	u8 *ports;

	if (!vmx_get_controls()) {
		printk("vmx: cannot create VM %s: VMX is off\n", cfg->name);
		return NULL;
	}
	if (nr > VM_MAX_VCPUS || mem_size < need) {
		printk("vmx: cannot create VM %s: %u vCPUs (max %u), %lu bytes for a %lu-byte "
		       "image\n",
		       cfg->name, nr, VM_MAX_VCPUS, mem_size, cfg->image_size);
		return NULL;
	}
	vm = page_alloc();
	if (!vm)
		return NULL;
	strncpy(vm->name, cfg->name, sizeof(vm->name) - 1);
	vm->mem_size = mem_size;
	vm->kind = cfg->kind;
	vm->mem = pages_alloc(mem_size / PAGE_SIZE);
	ports = pages_alloc(PC_PORT_BITMAP / PAGE_SIZE);
	if (!vm->mem || !ports || ept_init(&vm->ept) < 0 ||
	    ept_map(&vm->ept, 0, (u64)vm->mem, mem_size, EPT_RWX) < 0) {
		printk("vmx: cannot create VM %s: out of memory\n", cfg->name);
		return NULL;
	}
	void *con = pages_alloc(VM_CON_BYTES / PAGE_SIZE);
	if (!con) {
		printk("vmx: cannot create VM %s: out of memory\n", cfg->name);
		return NULL;
	}
	if (con_queue_init(&vm->con, vm->name, con, VM_CON_BYTES) < 0)
		printk("vmx: VM %s: no console queue left: its output is dropped\n", cfg->name);
	if (vapic_vm_init(vm) < 0) {
		printk("vmx: cannot create VM %s: out of memory\n", cfg->name);
		return NULL;
	}
	vm->con_prefix_len =
		(u32)fmt_snprintf(vm->con_prefix, sizeof(vm->con_prefix), "[%s] ", vm->name);
	pc_init(&vm->pc, nr, mem_size, ports, pc_line, pc_note, vm);
	if (vm->kind == VM_FLAT) {
		build_entry_state(vm);
		memcpy(vm->mem + GUEST_LOAD, cfg->image, cfg->image_size);
	} else {
		/*
		 * A PC as firmware hands it to a boot loader: only vCPU 0 runs, the APs wait for
		 * INIT-SIPI (SDM Vol. 3A 9.4), every LAPIC at its reset state (docs/vapic.md).
		 */
		vm->aps_wait_sipi = true;
		vm->lapic_at_reset = true;
	}

	vm->poll_max = VM_POLL_DEFAULT;
	vm->watchdog_ms = watchdog_limit_ms(WATCHDOG_GLOBAL);
	for (u32 i = 0; i < nr; i++) {
		/* page-aligned, for the PI descriptor at its start (docs/emulators.md §9.1) */
		struct vcpu *v = pages_alloc((sizeof(struct vcpu) + PAGE_SIZE - 1) / PAGE_SIZE);
		if (!v)
			return NULL;
		v->vm = vm;
		v->index = i;
		v->vpid = next_vpid++;
		v->pcpu = (cfg->pcpu_first + i) % pcpu_online_count();
		v->vmcs = page_alloc();
		v->vapic = page_alloc();
		if (!v->vmcs || !v->vapic || vcpu_ctx_init(v) < 0)
			return NULL;
		vcpu_init(v, true);
		v->con_prefix_len = (u32)fmt_snprintf(v->con_prefix, sizeof(v->con_prefix),
						      "[%s/%u] ", vm->name, i);
		vm->vcpus[i] = v;
	}
	vm->nr_vcpus = nr;
	if (nr_vms_created < ARRAY_SIZE(vms_created))
		vms_created[nr_vms_created++] = vm;
	printk("vmx: VM %s: %lu KiB at %#lx, %u vCPU(s), image %lu bytes, EPT %#lx (%u pages)\n",
	       vm->name, mem_size >> 10, (u64)vm->mem, nr, cfg->image_size, vm->ept.eptp,
	       vm->ept.nr_pages);
	return vm;
}

struct run_args {
	struct vcpu_run run;
};

static void run_here(void *arg)
{
	struct run_args *r = arg;

	vcpu_loop(&r->run);
}

/*
 * Every online pCPU runs the loop (arch/x86/smp.h: started on the others, the caller runs its
 * own, then waits): vCPUs may migrate anywhere, and idle pCPUs pull unpinned ones.  A vCPU's
 * VMCS is set up at its first switch-in, on the pCPU that runs it.
 */
void vm_run_hook(struct vm **vms, u32 nr_vms, void (*hook)(u32 cpu, void *arg), void *arg)
{
	struct run_args args;
	u32 me = pcpu_id(), n = pcpu_online_count(), live = 0;
	struct watchdog wd;

	/*
	 * Loops run on the pCPUs that have vCPUs, or on every online pCPU if a vCPU may migrate
	 * or a hook is given (it may start devices anywhere).  Starting no loop needlessly keeps
	 * smp_call out of runs on one pCPU (vmx-basic relies on an IRQ pending at its entry).
	 */
	args.run.cpus = 0;
	for (u32 i = 0; i < nr_vms; i++)
		for (u32 j = 0; j < vms[i]->nr_vcpus; j++) {
			struct vcpu *v = vms[i]->vcpus[j];
			args.run.cpus |= 1ull << v->pcpu;
			if (hook || v->se.pin == SCHED_NO_PIN)
				args.run.cpus |= (1ull << n) - 1;
		}
	args.run.pcpu_hook = hook;
	args.run.hook_arg = arg;
	for (u32 i = 0; i < nr_vms; i++) {
		live += vms[i]->nr_vcpus;
		vcpu_start_prepare(vms[i]);
	}
	store_release(&args.run.live, live);
	for (u32 i = 0; i < nr_vms; i++)
		for (u32 j = 0; j < vms[i]->nr_vcpus; j++) {
			struct vcpu *v = vms[i]->vcpus[j];
			sched_add(&v->se, v->pcpu);
			/* vIPIs and the software devices post to every vCPU (pi_put arms WAKEUP) */
			pi_enable_posting(&v->pi);
		}
	for (u32 i = 0; i < nr_vms; i++)
		vms[i]->start_tsc = rdtsc();
	watchdog_start(&wd, vms, nr_vms);
	for (u32 c = 0; c < n; c++)
		if (c != me && (args.run.cpus & (1ull << c)))
			smp_call_start(c, run_here, &args);
	if (args.run.cpus & (1ull << me))
		run_here(&args);
	for (u32 c = 0; c < n; c++)
		if (c != me && (args.run.cpus & (1ull << c)))
			smp_call_wait(c);
	watchdog_stop(&wd);
	/* every vCPU is done: what the guests printed goes out before the caller's next line */
	for (u32 i = 0; i < nr_vms; i++)
		pc_flush(&vms[i]->pc);
	console_flush();
	/* The run's picture, when tracing is on: every pCPU's loop has ended. */
	trace_dump("run");
}

void vm_run(struct vm **vms, u32 nr_vms)
{
	vm_run_hook(vms, nr_vms, NULL, NULL);
}

void vm_print_stats(const struct vm *vm)
{
	printk("vmx: VM %s: %s; reports pass=%u fail=%u skip=%u; console lines %lu, dropped %lu "
	       "(%lu bytes)\n",
	       vm->name, vm->dead ? vm->why : "completed", vm->reports[0], vm->reports[1],
	       vm->reports[2], vm->con.lines, vm->con.dropped_lines, vm->con.dropped_bytes);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vcpu_print_stats(vm->vcpus[i]);
}

void vm_print_pi_stats(struct vm **vms, u32 nr_vms)
{
	for (u32 i = 0; i < nr_vms; i++)
		vm_print_stats(vms[i]);
	vcpu_print_pcpu_stats(pcpu_online_count());
}

void vm_unpin(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i]->se.pin = SCHED_NO_PIN;
}
