/*
 * Port I/O exits ("unconditional I/O exiting": every IN/OUT exits, SDM Vol. 3C 26.1.3).
 * Port PV_CONSOLE_PORT is pihv's paravirtual console (lines per vCPU); every other port goes
 * to the VM's minimal PC (vdev/pc.h), where a port without a device reads all-ones and drops
 * writes.  isa-debug-exit and the Bochs shutdown port end the VM.  String I/O (INS/OUTS) is
 * not emulated: the VM is stopped with that reason.
 */
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

/* Exit qualification for I/O instructions (SDM Vol. 3C table 28-5). */
#define IOQ_SIZE(q) (((q)&7) + 1)
#define IOQ_IN	    (1u << 3)
#define IOQ_STRING  (1u << 4)
#define IOQ_PORT(q) (((q) >> 16) & 0xffff)

static enum exit_action pc_port(struct vcpu *v, u32 port, u32 size, bool in, u64 mask)
{
	u32 val = (u32)(v->regs.rax & mask), value = 0;
	enum pc_effect fx;

	v->io_other++;
	fx = pc_io(&v->vm->pc, (u16)port, size, in, &val, &value);
	/* 32-bit IN zero-extends into RAX; 8/16-bit keep the upper bits (SDM Vol. 2A IN). */
	if (in)
		v->regs.rax = size == 4 ? val : (v->regs.rax & ~mask) | (val & mask);
	vcpu_skip_insn(v);
	if (fx == PC_DEBUG_EXIT) {
		vm_end(v->vm, VM_END_DEBUG_EXIT, value, "isa-debug-exit (port 0xf4)");
		return EXIT_STOP;
	}
	if (fx == PC_SHUTDOWN) {
		vm_end(v->vm, VM_END_SHUTDOWN, 0, "Bochs shutdown port 0x8900");
		return EXIT_STOP;
	}
	return EXIT_RESUME;
}

enum exit_action exit_io(struct vcpu *v)
{
	u64 q = v->exit_qual;
	u32 size = IOQ_SIZE(q), port = IOQ_PORT(q);
	u64 mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
	bool in = q & IOQ_IN;

	if (q & IOQ_STRING)
		return vmx_exit_fatal(v, "string I/O is not emulated");
	if (port != PV_CONSOLE_PORT)
		return pc_port(v, port, size, in, mask);
	if (in)
		v->regs.rax = (v->regs.rax & ~mask) | PV_CONSOLE_PORT;
	else
		vcpu_console_putc(v, (char)v->regs.rax);
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
