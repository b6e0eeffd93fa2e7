/* lapicipi's kinds of IPI and shared state (guests/lapicipi.c, lapicfuzz.c). */
#ifndef GUESTS_LAPICIPI_H
#define GUESTS_LAPICIPI_H

#include "guests/apic.h"
#include "lib/types.h"

#define LIPI_ROUNDS 4
#define LIPI_END    0x5f /* all-but-self when the sender is done: the receivers leave */
#define LIPI_POKE   0x5e /* all-but-self: look at the shared flags again */

struct lipi_kind {
	u8 vec;
	u32 icr;	 /* delivery mode, destination mode and shorthand (vector added) */
	u32 dest_x2;	 /* x2APIC destination */
	u32 dest_x;	 /* xAPIC destination (8 bits) */
	u8 targets;	 /* bitmap of vCPU indexes that must get it */
	bool lowest;	 /* exactly one of targets */
	bool nmi;	 /* an NMI (to targets), not the vector */
	bool cluster;	 /* xAPIC cluster model on the receivers while it is sent */
	bool xapic_only; /* no x2APIC form */
};

/* Receivers 1-3 have LDRs (flat) 1 << index; x2APIC logical IDs are cluster 0, bit index. */
static const struct lipi_kind lipi_kinds[] = {
	{0x81, 0, 1, 1, 0x2, false, false, false, false}, /* physical */
	{0x82, 0, 2, 2, 0x4, false, false, false, false},
	{0x83, 0, 3, 3, 0x8, false, false, false, false},
	{0x84, 0, 0xffffffffu, 0xff, 0xf, false, false, false, false}, /* broadcast */
	{0x85, ICR_ALL, 0, 0, 0xf, false, false, false, false},	       /* shorthands */
	{0x86, ICR_ALL_BUT_SELF, 0, 0, 0xe, false, false, false, false},
	{0x87, ICR_SELF, 0, 0, 0x1, false, false, false, false},
	{0x88, ICR_LOGICAL, 0xa, 0xa, 0xa, false, false, false, false}, /* {1, 3} */
	{0x89, ICR_LOGICAL, 0xffffffffu, 0xff, 0xf, false, false, false, false},
	{0x8a, ICR_LOGICAL, 0x1000a, 0x00, 0, false, false, false, false}, /* nobody */
	{0x8b, ICR_LOGICAL, 0, 0x02, 0x4, false, false, true, true},	   /* cluster 0, {2} */
	{0x8c, ICR_LOGICAL | ICR_LOWEST, 0xe, 0xe, 0xe, true, false, false, false},
	{0x8d, ICR_NMI, 2, 2, 0x4, false, true, false, false}, /* NMI to 2 */
};
#define LIPI_KINDS (sizeof(lipi_kinds) / sizeof(lipi_kinds[0]))

struct ipi_shared {
	u32 mode_set, ready, done, lost;
	u32 cluster, cluster_ack;
};
extern struct ipi_shared lipi;

#endif
