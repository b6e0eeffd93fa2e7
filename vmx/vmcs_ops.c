/*
 * The VMX instructions that touch a VMCS, each wrapped once, and their error reporting.
 * A VMX instruction reports failure in RFLAGS (SDM Vol. 3C 31.2): CF=1 is VMfailInvalid (no
 * current VMCS), ZF=1 is VMfailValid with the reason in VM_INSTRUCTION_ERROR.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"
#include "vmx/vmcs.h"

static u64 errors[MAX_CPUS];

static const char *const insn_errors[] = {
	[1] = "VMCALL in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

const char *vmcs_insn_error_name(u32 err)
{
	if (err < ARRAY_SIZE(insn_errors) && insn_errors[err])
		return insn_errors[err];
	return "unknown error";
}

u64 vmcs_error_count(void)
{
	return READ_ONCE(errors[pcpu_id()]);
}

/* Reads the error number directly: going through __vmcs_read could recurse on failure. */
static u32 insn_error(void)
{
	u64 v = 0;
	u8 bad;

	asm volatile("vmread %2, %0; setna %1"
		     : "=r"(v), "=qm"(bad)
		     : "r"((u64)VM_INSTRUCTION_ERROR)
		     : "cc");
	return bad ? 0 : (u32)v;
}

/* flags: the CF|ZF outcome captured right after the instruction. */
static void fail(const char *insn, const char *name, u64 arg, bool cf)
{
	WRITE_ONCE(errors[pcpu_id()], errors[pcpu_id()] + 1);
	if (cf) {
		printk("vmx: %s %s (%#lx) failed on cpu %u: VMfailInvalid (no current VMCS)\n",
		       insn, name, arg, pcpu_id());
	} else {
		u32 e = insn_error();
		printk("vmx: %s %s (%#lx) failed on cpu %u: VM-instruction error %u (%s)\n", insn,
		       name, arg, pcpu_id(), e, vmcs_insn_error_name(e));
	}
}

/*
 * A failed VMREAD/VMWRITE: CF=1 (VMfailInvalid: no current VMCS) or ZF=1 (VMfailValid); the
 * inline fast path only kept "failed", so tell the two apart by whether the error field is
 * readable, which it is exactly when there is a current VMCS.
 */
void __vmcs_failed(bool write, u32 field, const char *name, u64 value)
{
	u64 dummy;
	u8 no_vmcs;

	asm volatile("vmread %2, %0; setc %1"
		     : "=r"(dummy), "=qm"(no_vmcs)
		     : "r"((u64)VM_INSTRUCTION_ERROR)
		     : "cc");
	fail(write ? "vmwrite" : "vmread", name, field, no_vmcs);
	if (write)
		printk("vmx:   (value %#lx)\n", value);
}

/* The CF|ZF outcome of a VMX instruction (SDM Vol. 3C 31.2): reported once, here. */
static bool outcome(const char *insn, const char *what, u64 arg, bool cf, bool zf)
{
	if (cf | zf)
		fail(insn, what, arg, cf);
	return !(cf | zf);
}

bool vmcs_clear(u64 pa)
{
	bool cf, zf;

	asm volatile("vmclear %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(pa) : "memory");
	return outcome("vmclear", "vmcs", pa, cf, zf);
}

bool vmcs_load(u64 pa)
{
	bool cf, zf;

	asm volatile("vmptrld %2" : "=@ccc"(cf), "=@ccz"(zf) : "m"(pa) : "memory");
	return outcome("vmptrld", "vmcs", pa, cf, zf);
}

/* The 128-bit descriptor of INVEPT (EPTP, 0) and INVVPID (VPID, linear address), 31.3. */
struct inv_desc {
	u64 lo, hi;
};

bool vmcs_invept(u64 type, u64 eptp)
{
	struct inv_desc d = {eptp, 0};
	bool cf, zf;

	asm volatile("invept %2, %3" : "=@ccc"(cf), "=@ccz"(zf) : "m"(d), "r"(type) : "memory");
	return outcome("invept", "type", type, cf, zf);
}

bool vmcs_invvpid(u64 type, u16 vpid)
{
	struct inv_desc d = {vpid, 0};
	bool cf, zf;

	asm volatile("invvpid %2, %3" : "=@ccc"(cf), "=@ccz"(zf) : "m"(d), "r"(type) : "memory");
	return outcome("invvpid", "type", type, cf, zf);
}
