/*
 * The line a user reads when a VM's run is over: how it ended, how long it ran, what made it
 * exit, and what posted interrupts did for it (summed over its vCPUs).  docs/running.md says
 * how to read it.
 */
#include "arch/x86/timer.h"
#include "lib/fmt.h"
#include "lib/printk.h"
#include "vm/exit.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

struct vm_totals {
	u64 exits[EXIT_REASON_MAX];
	u64 exits_total, posted, notified, blocks, woken, desc_writes, poll_hits;
	u64 preempted, migrations, end_tsc;
	u32 done;
};

static void add_vcpu(struct vm_totals *t, const struct vcpu *v)
{
	for (u32 i = 0; i < EXIT_REASON_MAX; i++)
		t->exits[i] += v->exits[i];
	t->exits_total += v->exits_total;
	t->posted += v->st.posted;
	t->notified += v->st.post_notified;
	t->blocks += v->st.blocks;
	t->woken += v->se.nr_woken;
	t->desc_writes += v->st.desc_writes;
	t->poll_hits += v->st.poll_hits;
	t->preempted += v->se.nr_preempted;
	t->migrations += v->se.nr_migrations;
	t->done += v->state == VCPU_DONE || v->state == VCPU_PARKED; /* PARKED: never started */
	if (v->end_tsc > t->end_tsc)
		t->end_tsc = v->end_tsc;
}

u32 vm_print_summary(struct vm *vm)
{
	struct vm_totals t = {0};
	char how[96], reasons[256];
	u32 n = 0, status;

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		add_vcpu(&t, vm->vcpus[i]);
	status = 1;
	switch (vm->dead ? vm->end : VM_RUNNING) {
	case VM_END_DEBUG_EXIT:
		/* QEMU's isa-debug-exit: the process status is (value << 1) | 1 */
		status = vm->end_value;
		fmt_snprintf(how, sizeof(how),
			     "exited through port 0xf4 with value %u (QEMU "
			     "status %u)",
			     vm->end_value, ((vm->end_value << 1) | 1) & 0xff);
		break;
	case VM_END_SHUTDOWN:
		status = 0;
		fmt_snprintf(how, sizeof(how), "powered off through port 0x8900 (Bochs shutdown)");
		break;
	case VM_END_RESET:
		fmt_snprintf(how, sizeof(how),
			     "reset by a triple fault (the VM ends, as QEMU "
			     "-no-reboot does)");
		break;
	case VM_END_HALTED:
		fmt_snprintf(how, sizeof(how), "halted for good (every vCPU in HLT with IF=0)");
		break;
	case VM_END_KILLED:
		fmt_snprintf(how, sizeof(how), "killed (%s)", vm->why);
		break;
	default:
		if (t.done == vm->nr_vcpus) {
			status = (u32)vm->vcpus[0]->exit_code;
			fmt_snprintf(how, sizeof(how), "exited with code %u", status);
		} else {
			fmt_snprintf(how, sizeof(how), "stopped (%u of %u vCPUs done)", t.done,
				     vm->nr_vcpus);
		}
	}
	reasons[0] = 0;
	for (u32 i = 0; i < EXIT_REASON_MAX && n < sizeof(reasons) - 1; i++)
		if (t.exits[i])
			n += fmt_snprintf(reasons + n, sizeof(reasons) - n, " %s=%lu",
					  vmx_exit_name(i), t.exits[i]);
	printk("vm %s: %s after %lu us; exits %lu:%s; posted=%lu notified=%lu blocked=%lu "
	       "woken=%lu poll_hits=%lu preempted=%lu migrated=%lu desc_writes=%lu; guest "
	       "reports pass=%u fail=%u skip=%u\n",
	       vm->name, how,
	       t.end_tsc > vm->start_tsc ? timer_tsc_to_us(t.end_tsc - vm->start_tsc) : 0,
	       t.exits_total, reasons, t.posted, t.notified, t.blocks, t.woken, t.poll_hits,
	       t.preempted, t.migrations, t.desc_writes, vm->reports[0], vm->reports[1],
	       vm->reports[2]);
	if (vm->con.dropped_lines)
		printk("vm %s: console: %lu lines printed, %lu lines (%lu bytes) dropped\n",
		       vm->name, vm->con.lines, vm->con.dropped_lines, vm->con.dropped_bytes);
	return status;
}
