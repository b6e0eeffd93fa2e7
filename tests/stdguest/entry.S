/*
 * Entry of the standard test kernel: one multiboot header (chosen at build time: MB1 plain,
 * MB1_KLUDGE with the a.out address fields, MB2), the 32-bit entry that records the state the
 * loader handed over, an identity map of 0-4 GiB with 2 MiB pages, and the switch to long mode
 * (SDM Vol. 3A 10.8.5: PAE, CR3, EFER.LME, CR0.PG, then a far jump to a 64-bit segment).
 * Nothing here knows pihv: QEMU -kernel, GRUB and pihv must all boot it unchanged.
 */
#define MB1_MAGIC 0x1badb002
#define MB2_MAGIC 0xe85250d6
#define MSR_EFER  0xc0000080

	.section .mbheader, "a"
#if defined(MB2)
	.balign 8
mb2_header:
	.long MB2_MAGIC, 0, mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* information request (required): cmdline, modules, basic meminfo, mmap */
	.balign 8
	.short 1, 0
	.long 8 + 4 * 4
	.long 1, 3, 4, 6
	.balign 8
	.short 6, 0	/* module alignment */
	.long 8
	.balign 8
	.short 0, 0	/* end */
	.long 8
mb2_header_end:
#elif defined(MB1_KLUDGE)
#define MB1_FLAGS 0x00010003 /* page-aligned modules, memory info, address fields */
	.balign 4
mb1_header:
	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
	.long mb1_header, image_start, image_edata, image_end, _start
#else
#define MB1_FLAGS 0x00000003 /* page-aligned modules, memory info; ELF program headers */
	.balign 4
	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)
#endif

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	mov %eax, entry_eax
	mov %ebx, entry_ebx
	pushfl
	popl entry_eflags
	mov %cr0, %eax
	mov %eax, entry_cr0
	mov %cr4, %eax
	mov %eax, entry_cr4
	mov %cs, entry_cs
	mov %ds, entry_ds
	/* the loader zeroed the bss: the last 64 bytes are still zero */
	xor %eax, %eax
	mov $bss_probe, %esi
	mov $16, %ecx
1:	or (%esi), %eax
	add $4, %esi
	loop 1b
	mov %eax, entry_bss_or

	mov $stack_top, %esp
	cld
	/* page tables: PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs of 512 2 MiB pages */
	mov $pml4, %edi
	mov $pdpt + 3, %eax
	mov %eax, (%edi)
	mov $pdpt, %edi
	mov $pds + 3, %eax
	mov $4, %ecx
2:	mov %eax, (%edi)
	add $0x1000, %eax
	add $8, %edi
	loop 2b
	mov $pds, %edi
	mov $0x83, %eax		/* present, writable, 2 MiB */
	xor %edx, %edx
	mov $2048, %ecx
3:	mov %eax, (%edi)
	mov %edx, 4(%edi)
	add $0x200000, %eax
	adc $0, %edx
	add $8, %edi
	loop 3b

	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax		/* PAE */
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	rdmsr
	or $0x100, %eax		/* LME */
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax	/* PG | PE */
	mov %eax, %cr0
	lgdt gdt_ptr
	ljmp $0x08, $long_mode

	.code64
long_mode:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	lea stack_top(%rip), %rsp
	call kmain
4:	cli
	hlt
	jmp 4b

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_ptr:
	.short gdt_end - gdt - 1
	.long gdt

	.section .data
	.globl entry_eax, entry_ebx, entry_eflags, entry_cr0, entry_cr4, entry_cs, entry_ds
	.globl entry_bss_or
	.balign 4
entry_eax:	.long 0
entry_ebx:	.long 0
entry_eflags:	.long 0
entry_cr0:	.long 0
entry_cr4:	.long 0
entry_cs:	.long 0
entry_ds:	.long 0
entry_bss_or:	.long 0xdeadbeef

	.section .bss
	.balign 4096
	.globl pml4
pml4:	.skip 4096
pdpt:	.skip 4096
pds:	.skip 4 * 4096
	.balign 16
	.skip 16384
stack_top:
