/*
 * Guest entry and exception stubs.  The loader enters at the first byte with RDI = vCPU index
 * and RSI = vCPU count (vm/guest_abi.h); guest_entry() installs the guest's own IDT and
 * calls guest_main().  Every exception and interrupt (vectors 32-255: APIC vectors, counted by
 * guests/lib.c) goes through trap_common to guest_trap(frame).
 */
	.section .text.start, "ax"
	.globl _start
_start:
	call guest_entry
1:	hlt
	jmp 1b

	.text
#include "arch/x86/trap_stubs.h"

	.altmacro
	.globl guest_stubs
	.balign 16
guest_stubs:
	trap_stubs_and_common guest_trap
