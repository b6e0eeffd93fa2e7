/* One stub per vector (arch/x86/trap_stubs.h); trap_common saves the GPRs into a
 * struct trap_frame and calls trap_dispatch(frame). */
#include "arch/x86/trap_stubs.h"
	.text
	.altmacro

	trap_stubs_and_common trap_dispatch

.macro stubaddr vec
	.quad trap_stub_\vec
.endm
	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
.set i, 0
.rept 256
	stubaddr %i
	.set i, i + 1
.endr
