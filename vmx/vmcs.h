/*
 * VMCS access (SDM Vol. 3C 25.11, instructions in Vol. 2 "VMX Instruction Reference").
 *
 * vmcs_read16/32/64/nat and vmcs_write16/32/64/nat take an enum vmcs_field CONSTANT and reject
 * a field of the wrong width at compile time (bits 14:13 of the encoding): writing a 32-bit
 * value into a natural-width field by mistake does not build.  Every failed VMREAD/VMWRITE
 * is printed with the field's name and the VM-instruction error (SDM Vol. 3C 31.4) and counted
 * in vmcs_error_count(), so a setup sequence can check "no error since I started".
 */
#ifndef VMX_VMCS_H
#define VMX_VMCS_H

#include "lib/compiler.h"
#include "lib/types.h"
#include "vmx/vmcs_fields.h"

/* Out of line: prints and counts a failed VMREAD/VMWRITE (vmcs_ops.c). */
void __vmcs_failed(bool write, u32 field, const char *name, u64 value);

/*
 * The uniform 64-bit paths; use the typed macros below, never these directly.  Inline, because
 * every exit does several: the success path is the instruction and one branch on CF|ZF (SDM
 * Vol. 3C 31.2); everything about a failure is out of line.
 */
static inline __attribute__((always_inline)) u64 __vmcs_read(u32 field, const char *name)
{
	u64 v;
	bool bad;

	/* "=@ccbe": the compiler branches on CF|ZF itself (no setcc + test on the hot path). */
	asm volatile("vmread %2, %0" : "=r"(v), "=@ccbe"(bad) : "r"((u64)field));
	if (unlikely(bad)) {
		__vmcs_failed(false, field, name, 0);
		return 0;
	}
	return v;
}

static inline __attribute__((always_inline)) void __vmcs_write(u32 field, u64 value,
							       const char *name)
{
	bool bad;

	asm volatile("vmwrite %2, %1" : "=@ccbe"(bad) : "r"((u64)field), "rm"(value));
	if (unlikely(bad))
		__vmcs_failed(true, field, name, value);
}

#define __vmcs_check(f, w)                                                                         \
	static_assert(VMCS_WIDTH(f) == (w),                                                        \
		      #f " used with a " #w " accessor but its encoding says otherwise")

#define vmcs_read16(f)                                                                             \
	({                                                                                         \
		__vmcs_check(f, VMCS_W16);                                                         \
		(u16) __vmcs_read(f, #f);                                                          \
	})
#define vmcs_read32(f)                                                                             \
	({                                                                                         \
		__vmcs_check(f, VMCS_W32);                                                         \
		(u32) __vmcs_read(f, #f);                                                          \
	})
#define vmcs_read64(f)                                                                             \
	({                                                                                         \
		__vmcs_check(f, VMCS_W64);                                                         \
		(u64) __vmcs_read(f, #f);                                                          \
	})
#define vmcs_readnat(f)                                                                            \
	({                                                                                         \
		__vmcs_check(f, VMCS_WNAT);                                                        \
		(u64) __vmcs_read(f, #f);                                                          \
	})
#define vmcs_write16(f, v)                                                                         \
	({                                                                                         \
		__vmcs_check(f, VMCS_W16);                                                         \
		__vmcs_write(f, (u16)(v), #f);                                                     \
	})
#define vmcs_write32(f, v)                                                                         \
	({                                                                                         \
		__vmcs_check(f, VMCS_W32);                                                         \
		__vmcs_write(f, (u32)(v), #f);                                                     \
	})
#define vmcs_write64(f, v)                                                                         \
	({                                                                                         \
		__vmcs_check(f, VMCS_W64);                                                         \
		__vmcs_write(f, (u64)(v), #f);                                                     \
	})
#define vmcs_writenat(f, v)                                                                        \
	({                                                                                         \
		__vmcs_check(f, VMCS_WNAT);                                                        \
		__vmcs_write(f, (u64)(v), #f);                                                     \
	})

/* Failed VMX instructions on this pCPU since boot (VMREAD/VMWRITE/VMPTRLD/VMCLEAR/INVEPT...). */
u64 vmcs_error_count(void);
/* Text of a VM-instruction error number (SDM Vol. 3C 31.4, table 31-1). */
const char *vmcs_insn_error_name(u32 err);

/*
 * @pre VMX root operation on this pCPU; vmcs is a 4 KiB region with the revision id written.
 * @post true if the instruction succeeded; otherwise the failure was printed and counted.
 */
bool vmcs_clear(u64 vmcs_pa);
bool vmcs_load(u64 vmcs_pa);

/* INVEPT / INVVPID (SDM Vol. 3C 29.4.3): type 1 single context, 2 all contexts. */
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXTS   2
bool vmcs_invept(u64 type, u64 eptp);
bool vmcs_invvpid(u64 type, u16 vpid);

#endif
