/* Guest-linear reads through the guest's page tables (SDM Vol. 3A 4.3, 4.4, 4.5). */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/paging.h"
#include "lib/string.h"
#include "vm/guest_mem.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"

static bool read_pte(struct vcpu *v, u64 gpa, u32 size, u64 *pte)
{
	const u8 *p = vm_gpa_to_host(v->vm, gpa, size);

	if (!p)
		return false;
	*pte = size == 8 ? *(const u64 *)p : *(const u32 *)p;
	return *pte & PTE_P;
}

/* 4-level (4.5) and PAE (4.4) walks share the 8-byte entry format. */
static bool walk64(struct vcpu *v, u64 cr3, u64 lin, bool pae, u64 *gpa)
{
	u64 table = pae ? (cr3 & 0xffffffe0ull) : (cr3 & PTE_ADDR_MASK), e;
	int shift = pae ? 30 : 39;

	if (pae) { /* 4 PDPTEs at CR3[31:5] */
		if (!read_pte(v, table + ((lin >> 30) & 3) * 8, 8, &e))
			return false;
		table = e & PTE_ADDR_MASK;
		shift = 21;
	}
	for (; shift >= 12; shift -= 9) {
		if (!read_pte(v, table + ((lin >> shift) & 511) * 8, 8, &e))
			return false;
		if (shift <= 30 && shift > 12 && (e & PTE_PS)) {
			u64 size = 1ull << shift;
			*gpa = (e & PTE_ADDR_MASK & ~(size - 1)) | (lin & (size - 1));
			return true;
		}
		table = e & PTE_ADDR_MASK;
	}
	*gpa = table | (lin & 0xfff);
	return true;
}

/* 32-bit paging (4.3), 4 MiB pages with CR4.PSE (PSE-36 bits ignored). */
static bool walk32(struct vcpu *v, u64 cr3, u64 lin, u64 cr4, u64 *gpa)
{
	u64 e;

	if (!read_pte(v, (cr3 & 0xfffff000u) + ((lin >> 22) & 1023) * 4, 4, &e))
		return false;
	if ((e & PTE_PS) && (cr4 & CR4_PSE)) {
		*gpa = (e & 0xffc00000u) | (lin & 0x3fffff);
		return true;
	}
	if (!read_pte(v, (e & 0xfffff000u) + ((lin >> 12) & 1023) * 4, 4, &e))
		return false;
	*gpa = (e & 0xfffff000u) | (lin & 0xfff);
	return true;
}

static bool translate(struct vcpu *v, u64 lin, u64 *gpa)
{
	u64 cr0 = vmcs_readnat(GUEST_CR0), cr4 = vmcs_readnat(GUEST_CR4);
	u64 cr3 = vmcs_readnat(GUEST_CR3);

	if (!(cr0 & CR0_PG)) {
		*gpa = lin;
		return true;
	}
	if (vmcs_read64(GUEST_IA32_EFER) & EFER_LMA)
		return walk64(v, cr3, lin, false, gpa);
	if (cr4 & CR4_PAE)
		return walk64(v, cr3, lin, true, gpa);
	return walk32(v, cr3, lin, cr4, gpa);
}

u32 guest_read_linear(struct vcpu *v, u64 lin, void *buf, u32 len)
{
	u32 done = 0;

	while (done < len) {
		u64 gpa, a = lin + done;
		u32 chunk = 4096 - (u32)(a & 0xfff);
		const u8 *p;

		if (chunk > len - done)
			chunk = len - done;
		if (!translate(v, a, &gpa) || !(p = vm_gpa_to_host(v->vm, gpa, chunk)))
			break;
		memcpy((u8 *)buf + done, p, chunk);
		done += chunk;
	}
	return done;
}

u32 guest_code_bits(struct vcpu *v)
{
	u32 ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (ar & AR_L))
		return 64;
	if (!(vmcs_readnat(GUEST_CR0) & CR0_PE))
		return 16;
	return (ar & AR_DB) ? 32 : 16;
}
