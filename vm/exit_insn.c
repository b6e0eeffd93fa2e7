/*
 * Instructions no guest runs natively (docs/vmx.md "Exits").  Each one exits (SDM Vol. 3C 26.1:
 * INVD, GETSEC and the VMX instructions unconditionally, the others through the
 * controls vmx/vmx.c sets) and gets the outcome a CPU without the feature, or a machine
 * without anything to flush, would give it:
 *   WBINVD, INVD   skipped.  Guest memory is write-back in the EPT and no device writes to it,
 *                  so nothing a guest can observe needs a cache flush, and a native one would
 *                  write back and drop every line of the pCPU: a cost its neighbours would pay
 *                  (a WBINVD can take milliseconds on a large cache).  INVD would also drop
 *                  the host's dirty lines.  Skipping makes a WBINVD loop cost one exit each, on
 *                  the guest's own time.
 *   MONITOR, MWAIT #UD, as on a CPU without them; CPUID.1:ECX[3] is clear (exit_cpuid.c).
 *                  Natively MWAIT would wait in guest mode for a write to a line the guest chose.
 *   RDPMC          #GP(0), as for a counter that does not exist: the PMU is hidden (CPUID leaf
 *                  0xA reads as zeros), and natively RDPMC reads the host's counters.
 *   VMX instructions, INVEPT, INVVPID, VMFUNC   #UD (CPUID.1:ECX.VMX = 0)
 *   GETSEC         #UD (CPUID.1:ECX.SMX = 0)
 * VMCALL is pihv's hypercall (vm/exit_vmcall.c); XSETBV sets the vCPU's XCR0 (exit_xsetbv.c).
 */
#include "vm/exit.h"
#include "vm/vcpu.h"

#define UD_VECTOR 6
#define GP_VECTOR 13

enum exit_action exit_wbinvd(struct vcpu *v)
{
	vcpu_skip_insn(v);
	return EXIT_RESUME;
}

/* A fault: RIP stays on the instruction (SDM Vol. 3A 6.5). */
enum exit_action exit_monitor_mwait(struct vcpu *v)
{
	vcpu_inject_exception(v, UD_VECTOR, false, 0);
	return EXIT_RESUME;
}

enum exit_action exit_ud(struct vcpu *v)
{
	vcpu_inject_exception(v, UD_VECTOR, false, 0);
	return EXIT_RESUME;
}

enum exit_action exit_rdpmc(struct vcpu *v)
{
	v->gp_injected++;
	vcpu_inject_exception(v, GP_VECTOR, true, 0);
	return EXIT_RESUME;
}
