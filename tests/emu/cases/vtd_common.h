/* Shared by the tests/emu/cases/vtd_*.c cases: the QEMU edu device and delivery counters. */
#ifndef TESTS_EMU_CASES_VTD_COMMON_H
#define TESTS_EMU_CASES_VTD_COMMON_H

#include "arch/x86/vtd.h"
#include "lib/config.h"
#include "lib/types.h"

/* QEMU's "edu" PCI test device (docs/specs/edu.rst in QEMU): MSI raised by a register write. */
#define EDU_VENDOR	  0x1234
#define EDU_DEVICE	  0x11e8
#define EDU_REG_ID	  0x00 /* 0x010000ed */
#define EDU_REG_IRQ_RAISE 0x60 /* status |= value; one MSI per write while status != 0 */
#define EDU_REG_IRQ_ACK	  0x64 /* status &= ~value */

struct vtdt_edu {
	u16 bdf; /* = its VT-d source-id */
	u32 *mmio;
};

/* Deliveries seen by a host route (vtd_route_to_host ctx). */
struct vtdt_count {
	u64 per_cpu[MAX_CPUS];
	struct vtdt_edu *ack; /* edu to acknowledge in the handler, or NULL */
};

/* IR on + edu found, else report_skip and false.  Enables IRQs on this CPU. */
bool vtdt_setup(struct vtdt_edu *e);
void vtdt_count_fn(void *ctx);
u64 vtdt_total(const struct vtdt_count *c);
/* Points the edu's MSI at addr/data (raw: remappable or not, as given). */
void vtdt_edu_msi(struct vtdt_edu *e, u32 addr, u16 data);
void vtdt_edu_fire(struct vtdt_edu *e);
/* Spins with IRQs on until *p >= want or about budget TSC ticks passed; returns *p. */
u64 vtdt_wait_u64(const u64 *p, u64 want, u64 budget);
u64 vtdt_wait_total(const struct vtdt_count *c, u64 want, u64 budget);
/*
 * Fires the edu (MSI already programmed), expects no delivery and one fault with reason fr,
 * the edu's source-id (or sid if sid_override >= 0) and interrupt index idx.
 */
void vtdt_expect_fault(struct vtdt_edu *e, const struct vtdt_count *c, const char *what, u8 fr,
		       u16 idx);
#define VTDT_SHORT (1ull << 26) /* "nothing more arrives": ~30 ms at the TSC rates we meet */
#define VTDT_LONG  (1ull << 31)

#endif
