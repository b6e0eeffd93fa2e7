/*
 * Boot entry: multiboot2 header (GRUB), multiboot1 a.out-kludge header (QEMU -kernel, which
 * speaks only multiboot1 and refuses ELF64 otherwise), 32-bit protected-mode entry, boot page
 * tables, and the switch to long mode.
 *
 * Both loaders enter _start in 32-bit protected mode with paging off, EAX = loader magic and
 * EBX = physical address of the information block (Multiboot2 spec 3.3; Multiboot 0.6.96 3.2).
 * GRUB on EFI and on BIOS leave different CR0/CR4/EFER bits set (docs/emulators.md §2), so
 * every control-register bit we rely on is written here explicitly, not OR-ed in.
 */
#define MB2_MAGIC 0xe85250d6
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00010003 /* page-align modules, memory info, a.out address fields valid */

#include "arch/x86/cpu_regs.h"
#include "arch/x86/msr.h"

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0 /* architecture: i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* Information request (type 1, optional): cmdline 1, modules 3, mmap 6, ACPI 14/15. */
	.balign 8
	.short 1, 1
	.long 8 + 5 * 4
	.long 1, 3, 6, 14, 15
	.balign 8
	.short 0, 0 /* end tag */
	.long 8
mb2_header_end:

	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header   /* header_addr */
	.long __kernel_start /* load_addr */
	.long _edata       /* load_end_addr */
	.long __bss_end    /* bss_end_addr */
	.long _start       /* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov %eax, boot_magic
	mov %ebx, boot_mbi
	mov $boot_stack_top, %esp

	/* .bss holds the page tables and the boot stack: clear it before use. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages: 0-4 GiB identity. */
	mov $boot_pdpt, %eax
	or $3, %eax
	mov %eax, boot_pml4
	mov $boot_pd, %eax
	or $3, %eax
	xor %ecx, %ecx
1:	mov %eax, boot_pdpt(, %ecx, 8)
	add $4096, %eax
	inc %ecx
	cmp $4, %ecx
	jne 1b
	/* 2048 PDEs; the top GiB (APIC, IOAPIC, VT-d, HPET MMIO) gets PCD|PWT (uncached). */
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax /* P | RW | PS */
	cmp $1536, %ecx
	jb 3f
	or $0x18, %eax /* PWT | PCD */
3:	mov %eax, boot_pd(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 2b

	mov $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3

	/* EFER: LME, plus NXE when CPUID.80000001H:EDX[20] says NX exists. */
	mov $0x80000000, %eax
	cpuid
	mov $EFER_LME, %esi
	cmp $0x80000001, %eax
	jb 4f
	mov $0x80000001, %eax
	cpuid
	bt $20, %edx
	jnc 4f
	or $EFER_NXE, %esi
4:	mov $MSR_EFER, %ecx
	mov %esi, %eax
	xor %edx, %edx
	wrmsr

	mov $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov boot_magic(%rip), %edi
	mov boot_mbi(%rip), %esi
	call kernel_main
5:	cli
	hlt
	jmp 5b

	.section .rodata
	.balign 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .data
	.balign 8
boot_magic: .long 0
boot_mbi:   .long 0

	.section .bss
	.balign 4096
	.globl boot_pml4, boot_pdpt, boot_pd
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd:   .skip 4 * 4096
boot_stack: .skip 16384
	.globl boot_stack_top
boot_stack_top:
