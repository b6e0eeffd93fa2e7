#include "arch/x86/desc.h"

/* Access byte 0x89: present, DPL 0, type 9 = available 64-bit TSS (SDM Vol. 3A 7.2.3). */
static void tss_descriptor(u64 *slot, const struct tss64 *tss)
{
	u64 base = (u64)tss;
	u64 limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_load_cpu(struct cpu_desc *d, const u64 ist_tops[IST_COUNT])
{
	d->gdt[0] = 0;
	d->gdt[1] = 0x00af9a000000ffffull; /* 64-bit code: L=1, P, DPL 0, execute/read */
	d->gdt[2] = 0x00cf92000000ffffull; /* data: P, DPL 0, read/write */
	for (int i = 0; i < IST_COUNT; i++)
		d->tss.ist[i] = ist_tops[i];
	d->tss.iomap_base = sizeof(d->tss); /* no I/O bitmap */
	tss_descriptor(&d->gdt[3], &d->tss);

	struct desc_ptr p = {sizeof(d->gdt) - 1, (u64)d->gdt};
	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %2, %%eax\n\t"
		     "mov %%eax, %%ds\n\t"
		     "mov %%eax, %%es\n\t"
		     "mov %%eax, %%ss\n\t"
		     "ltr %w3"
		     :
		     : "m"(p), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
		     : "rax", "memory");
}
