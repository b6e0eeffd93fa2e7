/*
 * Port I/O exits ("unconditional I/O exiting": every IN/OUT exits, SDM Vol. 3C 26.1.3).
 * The only device is the paravirtual console at PV_CONSOLE_PORT; other ports read as all-ones
 * (nothing there) and ignore writes.  String I/O is not emulated: the guest is stopped.
 */
#include "vm/exit.h"
#include "vm/guest_abi.h"
#include "vm/vcpu.h"

/* Exit qualification for I/O instructions (table 28-5). */
#define IOQ_SIZE(q) (((q)&7) + 1)
#define IOQ_IN	    (1u << 3)
#define IOQ_STRING  (1u << 4)
#define IOQ_PORT(q) (((q) >> 16) & 0xffff)

enum exit_action exit_io(struct vcpu *v)
{
	u64 q = v->exit_qual;
	u32 size = IOQ_SIZE(q), port = IOQ_PORT(q);
	u64 mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

	if (q & IOQ_STRING)
		return vmx_exit_fatal(v, "string I/O is not emulated");
	if (port != PV_CONSOLE_PORT)
		v->io_other++;
	if (q & IOQ_IN) {
		u64 val = port == PV_CONSOLE_PORT ? PV_CONSOLE_PORT : mask;
		/* 32-bit IN zero-extends into RAX; 8/16-bit keep the upper bits (SDM Vol. 2A IN).
		 */
		v->regs.rax = size == 4 ? val : (v->regs.rax & ~mask) | val;
	} else if (port == PV_CONSOLE_PORT) {
		vcpu_console_putc(v, (char)v->regs.rax);
	}
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}
