/*
 * The xAPIC's memory-mapped registers at 0xfee00000 (SDM Vol. 3A 11.4.1) through the VM's
 * APIC-access page ("virtualize APIC accesses", SDM Vol. 3C 30.4).  With APIC-register
 * virtualization and virtual-interrupt delivery the CPU itself handles most accesses against
 * the virtual-APIC page; two exits bring the rest here:
 *
 *   APIC write (56, trap-like, 30.4.3.3)  the CPU already stored the value in the virtual-APIC
 *       page and moved RIP on: the write's effect (ICR: the IPI; ESR: the latch; SVR, LVT,
 *       TMICT, TDCR, LDR, DFR: their masks and timer; ID: put back) -- vlapic_write();
 *   APIC access (44, fault-like, 28.2.1 table 28-6)  reads the CPU does not virtualize (PPR,
 *       TMCCT, APR, reserved offsets; every register but the TPR without APIC-register
 *       virtualization) and writes to read-only or reserved offsets: the instruction is fetched
 *       through the guest's paging (guest_mem.c), decoded (mmio_decode.c), emulated against
 *       vlapic_read()/vlapic_write(), and skipped.
 *
 * Accesses should be aligned 32-bit loads and stores (11.4.1); a narrower one reads the bytes
 * of the register it covers and merges a write into it.  An access during event delivery or an
 * instruction fetch from the page, or an instruction the decoder does not know, stops the VM.
 */
#include "lib/printk.h"
#include "vm/exit.h"
#include "vm/guest_mem.h"
#include "vm/mmio_decode.h"
#include "vm/vapic.h"
#include "vm/vcpu.h"
#include "vm/vm.h"
#include "vmx/vmcs.h"

#define ACCESS_READ  0u /* exit qualification bits 15:12 (table 28-6) */
#define ACCESS_WRITE 1u

enum exit_action exit_apic_write(struct vcpu *v)
{
	u32 off = (u32)v->exit_qual & 0xff0;

	vlapic_write(v, off, v->vapic[off / 4]);
	return EXIT_RESUME;
}

/* General-purpose register n in encoding order (SDM Vol. 2 table 2-2); RSP is in the VMCS. */
static u64 *gpr(struct vcpu *v, u32 n)
{
	static const u8 off[16] = {
		offsetof(struct vcpu_regs, rax),
		offsetof(struct vcpu_regs, rcx),
		offsetof(struct vcpu_regs, rdx),
		offsetof(struct vcpu_regs, rbx),
		0, /* RSP: the VMCS */
		offsetof(struct vcpu_regs, rbp),
		offsetof(struct vcpu_regs, rsi),
		offsetof(struct vcpu_regs, rdi),
		offsetof(struct vcpu_regs, r8),
		offsetof(struct vcpu_regs, r9),
		offsetof(struct vcpu_regs, r10),
		offsetof(struct vcpu_regs, r11),
		offsetof(struct vcpu_regs, r12),
		offsetof(struct vcpu_regs, r13),
		offsetof(struct vcpu_regs, r14),
		offsetof(struct vcpu_regs, r15),
	};
	return (u64 *)((u8 *)&v->regs + off[n & 15]);
}

static u64 get_reg(struct vcpu *v, const struct mmio_insn *in)
{
	u64 x = in->reg == 4 ? vmcs_readnat(GUEST_RSP) : *gpr(v, in->reg);

	return in->high8 ? x >> 8 : x;
}

/* A load into a register: 32-bit destinations zero-extend, 8/16-bit ones merge (Vol. 1 3.4.1.1). */
static void set_reg(struct vcpu *v, const struct mmio_insn *in, u64 val)
{
	u64 old = in->reg == 4 ? vmcs_readnat(GUEST_RSP) : *gpr(v, in->reg), x;

	if (in->high8)
		x = (old & ~0xff00ull) | (val & 0xff) << 8;
	else if (in->reg_size == 1)
		x = (old & ~0xffull) | (val & 0xff);
	else if (in->reg_size == 2)
		x = (old & ~0xffffull) | (val & 0xffff);
	else
		x = in->reg_size == 4 ? (u32)val : val;
	if (in->reg == 4)
		vmcs_writenat(GUEST_RSP, x);
	else
		*gpr(v, in->reg) = x;
}

static u64 size_mask(u32 size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void emulate(struct vcpu *v, u32 off, const struct mmio_insn *in)
{
	u32 base = off & 0xff0, shift = 8 * (off & 3);
	bool in_reg = (off & 0xf) < 4; /* bytes 4-15 of a 16-byte slot are reserved: 0 */

	if (!in->write) {
		u64 val = in_reg ? (u64)vlapic_read(v, base) >> shift : 0;
		set_reg(v, in, val & size_mask(in->size));
		return;
	}
	if (!in_reg)
		return;
	u64 src = in->imm ? in->value : get_reg(v, in);
	u32 mask = (u32)(size_mask(in->size) << shift);
	u32 cur = in->size >= 4 && !shift ? 0 : v->vapic[base / 4];
	vlapic_write(v, base, (cur & ~mask) | ((u32)(src << shift) & mask));
}

enum exit_action exit_apic_access(struct vcpu *v)
{
	u32 off = (u32)v->exit_qual & 0xfff, type = ((u32)v->exit_qual >> 12) & 0xf;
	u32 bits = guest_code_bits(v), n;
	u64 rip = vmcs_readnat(GUEST_RIP), ip_mask = bits == 64 ? ~0ull : size_mask(bits / 8);
	u64 lin = vmcs_readnat(GUEST_CS_BASE) + rip;
	struct mmio_insn in;
	u8 b[15];

	if (type != ACCESS_READ && type != ACCESS_WRITE)
		return vmx_exit_fatal(v, "APIC-access page touched by event delivery or a fetch");
	if (bits != 64)
		lin &= 0xffffffffu;
	n = guest_read_linear(v, lin, b, sizeof(b));
	if (mmio_decode(b, n, bits, &in) < 0 || in.write != (type == ACCESS_WRITE)) {
		printk("vmx: [%s/%u] APIC access at offset %#x by %u-bit code at %#lx: bytes %02x "
		       "%02x %02x %02x\n",
		       v->vm->name, v->index, off, bits, lin, n > 0 ? b[0] : 0, n > 1 ? b[1] : 0,
		       n > 2 ? b[2] : 0, n > 3 ? b[3] : 0);
		return vmx_exit_fatal(v, "APIC access by an instruction pihv does not emulate");
	}
	emulate(v, off, &in);
	v->st.apic_emulated++;
	vmcs_writenat(GUEST_RIP, (rip + in.len) & ip_mask);
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~INTERRUPTIBILITY_STI_MOVSS);
	return EXIT_RESUME;
}
