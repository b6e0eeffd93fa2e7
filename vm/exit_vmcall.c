/* VMCALL: the hypercall ABI of vm/guest_abi.h (number in RAX, args RDI/RSI/RDX). */
#include "lib/compiler.h"
#include "lib/fmt.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "kernel/sched.h"
#include "lib/test_seam.h"
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

/* A guest buffer, or NULL after killing the VM: a bad buffer is a protection violation. */
static const char *guest_buf(struct vcpu *v, u64 gpa, u64 len)
{
	const char *p = vm_gpa_to_host(v->vm, gpa, len);

	if (!p) {
		printk("vmx: [%s/%u] hypercall %lu: buffer [%#lx, +%#lx) is outside guest memory\n",
		       v->vm->name, v->index, v->regs.rax, gpa, len);
		vmx_exit_fatal(v, "bad hypercall (buffer outside guest memory)");
	}
	return p;
}

static const char *const report_word[] = {"pass", "fail", "skip"};

static enum exit_action hc_report(struct vcpu *v)
{
	u64 status = v->regs.rdi, len = v->regs.rdx;
	const char *msg;

	if (status > HC_REPORT_SKIP || len > HC_BUF_MAX) {
		v->regs.rax = (u64)(s64)HC_EINVAL;
		return EXIT_RESUME;
	}
	msg = guest_buf(v, v->regs.rsi, len);
	if (!msg)
		return EXIT_STOP;
	v->vm->reports[status]++;
	/* Our formatter has no %.*s: copy into a terminated, printable line first. */
	char line[160];
	u64 n = MIN(len, sizeof(line) - 1);
	for (u64 i = 0; i < n; i++)
		line[i] = msg[i] >= ' ' && msg[i] <= '~' ? msg[i] : '?';
	line[n] = 0;
	/*
	 * The guest's own verdict is the guest's output: it goes out under the VM's name through
	 * its console queue (kernel/console.h: no wait for the UART) and is counted in its summary,
	 * never as a host PASS/FAIL line (those come from host code only, in the test image).
	 */
	char out[CON_LINE_MAX];
	int k = fmt_snprintf(out, sizeof(out), "guest reports %s: %s", report_word[status], line);
	vcpu_console_line(v, out, (u32)MIN(k, (int)sizeof(out) - 1));
	v->regs.rax = 0;
	return EXIT_RESUME;
}

enum exit_action exit_vmcall(struct vcpu *v)
{
	enum exit_action a = EXIT_RESUME;
	const char *buf;

	/* RIP moves first: a handler that stops the vCPU leaves it after the VMCALL anyway. */
	vcpu_skip_insn(v);
	switch (v->regs.rax) {
	case HC_CONSOLE_WRITE:
		if (v->regs.rsi > HC_BUF_MAX) {
			v->regs.rax = (u64)(s64)HC_EINVAL;
			break;
		}
		buf = guest_buf(v, v->regs.rdi, v->regs.rsi);
		if (!buf)
			return EXIT_STOP;
		vcpu_console_write(v, buf, v->regs.rsi);
		v->regs.rax = v->regs.rsi;
		break;
	case HC_VCPU_ID:
		v->regs.rax = v->index;
		break;
	case HC_YIELD:
		v->regs.rax = 0;
		sched_set_need_resched(pcpu_id());
		a = EXIT_SWITCH;
		break;
	case HC_STAT:
		if (v->regs.rdi >= VCPU_GSTATS) {
			v->regs.rax = (u64)(s64)HC_EINVAL;
			break;
		}
		v->gstat[v->regs.rdi] = v->regs.rsi;
		v->regs.rax = 0;
		break;
	case HC_POST:
		if (v->regs.rdi < 16 || v->regs.rdi > 255 || v->regs.rsi >= v->vm->nr_vcpus) {
			v->regs.rax = (u64)(s64)HC_EINVAL;
			break;
		}
		vcpu_post(v->vm->vcpus[v->regs.rsi], (u8)v->regs.rdi);
		v->regs.rax = 0;
		break;
	case HC_TEST:
		/* Only a test image answers: to the product it is an unknown number. */
		if (!test_seam.hypercall) {
			v->regs.rax = (u64)(s64)HC_ENOSYS;
			break;
		}
		bool sw = false;
		v->regs.rax = test_seam.hypercall(v, v->regs.rdi, v->regs.rsi, v->regs.rdx, &sw);
		if (sw)
			a = EXIT_SWITCH;
		break;
	case HC_REPORT:
		a = hc_report(v);
		break;
	case HC_EXIT:
		v->exit_code = v->regs.rdi;
		v->state = VCPU_DONE;
		a = EXIT_STOP;
		break;
	default:
		v->regs.rax = (u64)(s64)HC_ENOSYS;
		break;
	}
	return a;
}
