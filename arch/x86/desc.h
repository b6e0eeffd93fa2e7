/* Segment descriptors, the 64-bit TSS and IDT gates (SDM Vol. 3A 3.4.5, 7.7, 6.14.1). */
#ifndef ARCH_X86_DESC_H
#define ARCH_X86_DESC_H

#include "lib/compiler.h"
#include "lib/types.h"

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_TSS	    0x18 /* VMX requires a non-zero host TR (SDM Vol. 3C 26.2.3) */
#define GDT_ENTRIES 5	 /* null, code, data, TSS (two slots) */

/* IST slots (1-based in the gate): exceptions that must not run on a possibly broken stack. */
#define IST_NMI	  1
#define IST_DF	  2
#define IST_MC	  3
#define IST_COUNT 3

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes (SDM Vol. 3A 7.7)");

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

struct cpu_desc {
	u64 gdt[GDT_ENTRIES];
	struct tss64 tss;
};

/* Builds and loads this CPU's GDT and TSS; ist_tops[i] is the top of IST stack i+1. */
void gdt_load_cpu(struct cpu_desc *d, const u64 ist_tops[IST_COUNT]);
/* Builds the shared IDT once (BSP) and loads it (every CPU). */
void idt_init(void);
void idt_load(void);

#endif
