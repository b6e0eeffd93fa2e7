/* Ending a run: emulator exit ports, then ACPI S5, then halt. */
#ifndef ARCH_X86_POWER_H
#define ARCH_X86_POWER_H

#include "lib/compiler.h"
#include "lib/types.h"

/* PM1a/PM1b control ports from the FADT (0 = unknown). */
void power_set_pm1(u16 pm1a_cnt, u16 pm1b_cnt);
/*
 * Tries, in order: QEMU isa-debug-exit (port 0xf4; QEMU exits with (code << 1) | 1), the
 * Bochs shutdown port 0x8900, ACPI S5 (SLP_TYP 0 works on QEMU q35 and Bochs; a real board
 * may need the DSDT's \_S5 value), and finally halts with IRQs off.
 */
__noreturn void machine_exit(u8 code);

#endif
