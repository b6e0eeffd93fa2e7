/*
 * Private to the ACPI parsers (acpi_parse.c, madt_parse.c): the state of one acpi_parse() walk.
 * Pure C, like the parsers.
 */
#ifndef ARCH_X86_ACPI_WALK_H
#define ARCH_X86_ACPI_WALK_H

#include "arch/x86/acpi.h"

struct acpi_walk {
	acpi_map_fn map;
	void *ctx;
	struct acpi_info *out;
	u32 first_cpu_ignored;
	/* overflowing lists are reported once each: */
	bool ioapics_full, isos_full, nmis_full;
};

#define acpi_err(w, ...)                                                                           \
	acpi_errf((w)->out->errors, &(w)->out->nr_errors, ACPI_MAX_ERRORS,                         \
		  &(w)->out->errors_dropped, __VA_ARGS__)

/* 5.2.12 MADT: CPUs, IOAPICs, interrupt source overrides, NMI sources into w->out. */
void acpi_madt_parse(struct acpi_walk *w, const u8 *t, u32 len);

#endif
