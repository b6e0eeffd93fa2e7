/*
 * IOAPIC: indirect registers through IOREGSEL (base + 0x00) and IOWIN (base + 0x10)
 * (82093AA datasheet 3.0).  Register 1 = version, bits 23:16 the highest redirection entry;
 * redirection entry n = registers 0x10 + 2n (low) and 0x11 + 2n (high).
 */
#include "arch/x86/acpi.h"
#include "arch/x86/ioapic.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/vtd.h"
#include "arch/x86/vtd_irte.h"
#include "lib/initcall.h"
#include "lib/platform.h"
#include "lib/printk.h"

#define IOAPIC_REG_VER 0x01
#define IOAPIC_RTE(n)  (0x10 + 2 * (n))

struct ioapic {
	u32 *base;
	u8 id;
	u32 gsi_base, nr_pins;
};
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static u32 nr_ioapics;
/* Protects the IOREGSEL/IOWIN pairs of every IOAPIC (select + access must not interleave). */
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic", SPIN_IRQSAFE);

static u32 reg_read(struct ioapic *io, u32 reg)
{
	__atomic_store_n(io->base, reg, __ATOMIC_RELEASE);
	return __atomic_load_n(io->base + 4, __ATOMIC_ACQUIRE);
}

static void reg_write(struct ioapic *io, u32 reg, u32 v)
{
	__atomic_store_n(io->base, reg, __ATOMIC_RELEASE);
	__atomic_store_n(io->base + 4, v, __ATOMIC_RELEASE);
}

static struct ioapic *find(u32 gsi, u32 *pin)
{
	for (u32 i = 0; i < nr_ioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].nr_pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return NULL;
}

/* @pre ioapic_lock held. Masked first, high half, then the low half that may unmask. */
static void rte_write(struct ioapic *io, u32 pin, u64 rte)
{
	reg_write(io, IOAPIC_RTE(pin), (u32)rte | (u32)IOAPIC_RTE_MASKED);
	reg_write(io, IOAPIC_RTE(pin) + 1, (u32)(rte >> 32));
	reg_write(io, IOAPIC_RTE(pin), (u32)rte);
}

u32 ioapic_count(void)
{
	return nr_ioapics;
}

u32 ioapic_isa_gsi(u8 irq, bool *level, bool *active_low)
{
	const struct acpi_info *a = kernel_acpi_info();

	*level = false;
	*active_low = false;
	for (u32 i = 0; i < a->nr_isos; i++) {
		if (a->isos[i].bus_irq != irq)
			continue;
		/* ACPI 6.5 Table 5.26: 1 = active high / edge, 3 = active low / level. */
		*active_low = (a->isos[i].flags & MADT_INTI_POLARITY_MASK) == 3;
		*level = ((a->isos[i].flags & MADT_INTI_TRIGGER_MASK) >> MADT_INTI_TRIGGER_SHIFT) ==
			 3;
		return a->isos[i].gsi;
	}
	return irq;
}

bool ioapic_owner(u32 gsi, u8 *ioapic_id)
{
	u32 pin;
	struct ioapic *io = find(gsi, &pin);

	if (io)
		*ioapic_id = io->id;
	return io != NULL;
}

int ioapic_route_remapped(u32 gsi, const struct vtd_irq *irq, bool level, bool active_low)
{
	u32 pin;
	struct ioapic *io = find(gsi, &pin);
	unsigned long fl;

	if (!io)
		return -1;
	fl = spin_lock_irqsave(&ioapic_lock);
	rte_write(io, pin, vtd_ioapic_rte(irq->index, irq->vector, level, active_low, false));
	spin_unlock_irqrestore(&ioapic_lock, fl);
	return 0;
}

void ioapic_mask(u32 gsi)
{
	u32 pin;
	struct ioapic *io = find(gsi, &pin);
	unsigned long fl;

	if (!io)
		return;
	fl = spin_lock_irqsave(&ioapic_lock);
	reg_write(io, IOAPIC_RTE(pin), reg_read(io, IOAPIC_RTE(pin)) | (u32)IOAPIC_RTE_MASKED);
	spin_unlock_irqrestore(&ioapic_lock, fl);
}

u64 ioapic_read_rte(u32 gsi)
{
	u32 pin;
	struct ioapic *io = find(gsi, &pin);
	unsigned long fl;
	u64 v;

	if (!io)
		return 0;
	fl = spin_lock_irqsave(&ioapic_lock);
	v = reg_read(io, IOAPIC_RTE(pin)) | (u64)reg_read(io, IOAPIC_RTE(pin) + 1) << 32;
	spin_unlock_irqrestore(&ioapic_lock, fl);
	return v;
}

/*
 * Mask every pin: firmware leaves some programmed (SeaBIOS: the PIT on GSI 2), and until
 * VT-d is on an unmasked pin would deliver in compatibility format, around the IRT.
 */
static int ioapic_init(void)
{
	const struct acpi_info *a = kernel_acpi_info();
	unsigned long fl = spin_lock_irqsave(&ioapic_lock);

	for (u32 i = 0; i < a->nr_ioapics && i < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[nr_ioapics];

		if (!a->ioapics[i].addr)
			continue;
		io->base = (u32 *)(u64)a->ioapics[i].addr;
		io->id = a->ioapics[i].id;
		io->gsi_base = a->ioapics[i].gsi_base;
		io->nr_pins = ((reg_read(io, IOAPIC_REG_VER) >> 16) & 0xff) + 1;
		for (u32 p = 0; p < io->nr_pins; p++)
			rte_write(io, p, IOAPIC_RTE_MASKED);
		nr_ioapics++;
	}
	spin_unlock_irqrestore(&ioapic_lock, fl);
	for (u32 i = 0; i < nr_ioapics; i++)
		printk("ioapic: id %u at %p, GSIs %u-%u, all masked\n", ioapics[i].id,
		       (void *)ioapics[i].base, ioapics[i].gsi_base,
		       ioapics[i].gsi_base + ioapics[i].nr_pins - 1);
	return 0;
}
INITCALL(INIT_EARLY, ioapic_init);
