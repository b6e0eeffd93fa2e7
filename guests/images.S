/*
 * The guest binaries (built from guests/*.c by the Makefile into $(BUILD)/guests/*.bin, which
 * is on this file's include path) and a name table for guest_image_find().
 */
.macro image name
	.section .rodata.guest_\name, "a"
	.balign 4096
guest_\name\()_start:
	.incbin "\name\().bin"
guest_\name\()_end:
	.section .rodata.guest_names, "a"
guest_\name\()_str:
	.asciz "\name"
	.section .rodata.guest_table, "a"
	.quad guest_\name\()_str, guest_\name\()_start, guest_\name\()_end
.endm

	.section .rodata.guest_table, "a"
	.balign 8
	.globl guest_image_table
guest_image_table:
	image hello
	image worker
	image triple
	image eptviol
	image badhc
	image bench
	image pi
	image pirace
	image piattach
	image victim
	image spin
	image insns
	image heartbeat
	image flood
	image msrsweep
	image hcfuzz
	image wbinvd
	image nmiflood
	image msrfirst
	image regleak
	image vpidhop
	image vectoring
	image lapic
	image lapictmr
	image lapicnmi
	image lapicipi
	image lapicrtt
	image apstart
	.section .rodata.guest_table, "a"
	.quad 0, 0, 0
