/*
 * IRTE management: allocation per unit, the remapped and posted formats with source-id
 * validation on every entry, invalidation after every change, and the host-routing hook.
 *
 * Store order (STYLE rule 4).  The unit may read an entry at any moment, so an entry is
 * always replaced by one 16-byte LOCK CMPXCHG16B: a reader sees the old or the new entry,
 * never half of each (a remapped low half with a posted high half would point a device at
 * a wrong descriptor).  The interrupt-entry cache may still hold the old entry until the
 * IEC invalidation + wait that follows every store has completed (6.5.2.7/6.5.2.8); only
 * then do the functions below return.
 */
#include "arch/x86/atomic.h"
#include "arch/x86/trap.h"
#include "arch/x86/vtd.h"
#include "arch/x86/vtd_unit.h"
#include "lib/config.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"

/* Host routes for the software posting path: one per device vector. */
struct host_route {
	vtd_host_fn fn;
	void *ctx;
};
/* Written with routes_lock held before the IRTE points at the vector; read by the handler. */
static struct host_route routes[256];
static struct spinlock routes_lock = SPINLOCK_INIT("vtd_routes", SPIN_IRQSAFE);

static void irte_store(struct vtd_irte *slot, struct vtd_irte e)
{
	u64 lo = slot->lo, hi = slot->hi;
	bool ok;

	do {
		asm volatile("lock cmpxchg16b %[m]"
			     : [m] "+m"(*slot), "+a"(lo), "+d"(hi), "=@ccz"(ok)
			     : "b"(e.lo), "c"(e.hi)
			     : "memory");
	} while (!ok);
}

int vtd_irte_commit(struct vtd_unit *u, u16 index, struct vtd_irte e)
{
	irte_store(&u->irt[index], e);
	return vtd_qi_iec(u, false, index) < 0 ? VTD_ERR_HW : 0;
}

static bool vector_is_device(u8 v)
{
	return v >= VEC_DEVICE_FIRST && v <= VEC_DEVICE_LAST;
}

/* The unit whose DMAR scope lists the source, else the INCLUDE_PCI_ALL unit (8.3). */
static int unit_for(u8 scope_type, u16 sid, u8 enum_id, u16 *scope_sid)
{
	int all = -1;

	for (u32 i = 0; i < vtd_nr_units; i++) {
		const struct dmar_unit *d = vtd_units[i].dmar;

		if (!vtd_units[i].enabled)
			continue;
		for (u32 s = 0; s < d->nr_scopes; s++) {
			const struct dmar_scope *sc = &d->scopes[s];

			if (sc->type != scope_type || sc->path_len != 1)
				continue;
			if (scope_type == DMAR_SCOPE_IOAPIC ? sc->enum_id == enum_id
							    : sc->sid == sid) {
				*scope_sid = sc->sid;
				return (int)i;
			}
		}
		if (d->flags & DRHD_FLAG_INCLUDE_PCI_ALL)
			all = (int)i;
	}
	/* The parser keeps DMAR_MAX_SCOPES per unit; with one unit it serves everything. */
	if (all < 0 && vtd_nr_units == 1 && vtd_units[0].enabled &&
	    vtd_units[0].dmar->nr_scopes >= DMAR_MAX_SCOPES && scope_type != DMAR_SCOPE_IOAPIC)
		all = 0;
	*scope_sid = sid;
	return scope_type == DMAR_SCOPE_IOAPIC ? -1 : all;
}

static int alloc_in(struct vtd_irq *irq, int unit, u16 sid)
{
	struct vtd_unit *u;
	unsigned long fl;

	if (unit < 0 || !vtd_ir_enabled())
		return VTD_ERR_OFF;
	u = &vtd_units[unit];
	fl = spin_lock_irqsave(&u->lock);
	for (u32 i = 0; i < VTD_IRT_ENTRIES; i++) {
		if (u->irt_used[i / 64] & BIT_ULL(i % 64))
			continue;
		u->irt_used[i / 64] |= BIT_ULL(i % 64);
		spin_unlock_irqrestore(&u->lock, fl);
		*irq = (struct vtd_irq){
			.unit = (u8)unit, .index = (u16)i, .sid = sid, .allocated = true};
		return 0;
	}
	spin_unlock_irqrestore(&u->lock, fl);
	return VTD_ERR_FULL;
}

int vtd_irq_alloc_pci(struct vtd_irq *irq, u16 sid)
{
	u16 s;

	return alloc_in(irq, unit_for(DMAR_SCOPE_PCI_ENDPOINT, sid, 0, &s), sid);
}

int vtd_irq_alloc_ioapic(struct vtd_irq *irq, u8 ioapic_id)
{
	u16 sid;
	int unit = unit_for(DMAR_SCOPE_IOAPIC, 0, ioapic_id, &sid);

	/* Without its scope we cannot name the IOAPIC's requester id: refuse, never SVT=00. */
	if (unit < 0 && vtd_ir_enabled())
		return VTD_ERR_SID;
	return alloc_in(irq, unit, sid);
}

/* The APIC id of online CPU cpu if the unit's entry format can hold it, else -1. */
static s64 dest_of(const struct vtd_unit *u, u32 cpu)
{
	u32 dest;

	if (cpu >= MAX_CPUS || !load_acquire(&pcpu(cpu)->online))
		return -1;
	dest = pcpu(cpu)->apic_id;
	return !u->eime && dest > 0xff ? -1 : (s64)dest;
}

int vtd_irq_route(struct vtd_irq *irq, u8 vector, u32 cpu, bool level)
{
	struct vtd_unit *u = &vtd_units[irq->unit];
	s64 dest = dest_of(u, cpu);
	unsigned long fl;
	int r;

	if (!irq->allocated)
		return VTD_ERR_OFF;
	if (!vector_is_device(vector))
		return VTD_ERR_VECTOR;
	if (dest < 0)
		return VTD_ERR_DEST;
	fl = spin_lock_irqsave(&u->lock);
	r = vtd_irte_commit(u, irq->index,
			    vtd_irte_remapped(vector, (u32)dest, u->eime, level, irq->sid,
					      IRTE_SVT_SID, IRTE_SQ_ALL));
	spin_unlock_irqrestore(&u->lock, fl);
	if (r == 0) {
		irq->vector = vector;
		irq->cpu = cpu;
		irq->posted = false;
	}
	return r;
}

int vtd_irq_set_affinity(struct vtd_irq *irq, u32 cpu)
{
	struct vtd_unit *u = &vtd_units[irq->unit];
	struct vtd_irte e;
	s64 dest = dest_of(u, cpu);
	unsigned long fl;
	int r = 0;

	if (!irq->allocated)
		return VTD_ERR_OFF;
	if (dest < 0)
		return VTD_ERR_DEST;
	fl = spin_lock_irqsave(&u->lock);
	if (vtd_irte_retarget(u->irt[irq->index], (u32)dest, u->eime, &e))
		r = vtd_irte_commit(u, irq->index, e);
	spin_unlock_irqrestore(&u->lock, fl);
	if (r == 0)
		irq->cpu = cpu;
	return r;
}

int vtd_irq_post(struct vtd_irq *irq, u64 pda, u8 vector, bool urgent)
{
	struct vtd_unit *u = &vtd_units[irq->unit];
	unsigned long fl;
	int r;

	if (!irq->allocated)
		return VTD_ERR_OFF;
	if (!(u->cap & VTD_CAP_PI))
		return VTD_ERR_NOPI;
	/* pi/ keeps NDST as a plain x2APIC id; with EIME = 0 the unit would read bits 15:8. */
	if (!u->eime)
		return VTD_ERR_DEST;
	if (vector < 32 || (pda & 63))
		return VTD_ERR_VECTOR;
	fl = spin_lock_irqsave(&u->lock);
	r = vtd_irte_commit(
		u, irq->index,
		vtd_irte_posted(vector, pda, urgent, irq->sid, IRTE_SVT_SID, IRTE_SQ_ALL));
	spin_unlock_irqrestore(&u->lock, fl);
	if (r == 0) {
		irq->vector = vector;
		irq->posted = true;
	}
	return r;
}

void vtd_irq_free(struct vtd_irq *irq)
{
	struct vtd_unit *u = &vtd_units[irq->unit];
	unsigned long fl;

	if (!irq->allocated)
		return;
	fl = spin_lock_irqsave(&u->lock);
	/* Not present and invalidated before the index (or a PI descriptor) can be reused. */
	if (vtd_irte_commit(u, irq->index, (struct vtd_irte){0, 0}) < 0)
		printk("vtd: free of IRTE %u: invalidation failed; index leaked\n", irq->index);
	else
		u->irt_used[irq->index / 64] &= ~BIT_ULL(irq->index % 64);
	spin_unlock_irqrestore(&u->lock, fl);
	if (!irq->posted && vector_is_device(irq->vector)) {
		fl = spin_lock_irqsave(&routes_lock);
		routes[irq->vector] = (struct host_route){0, 0};
		spin_unlock_irqrestore(&routes_lock, fl);
	}
	irq->allocated = false;
}

u32 vtd_irq_msi_addr(const struct vtd_irq *irq)
{
	return vtd_msi_addr(irq->index, false);
}

static void on_routed(struct trap_frame *f)
{
	struct host_route r = routes[f->vector & 0xff];

	if (r.fn)
		r.fn(r.ctx);
}

int vtd_route_to_host(struct vtd_irq *irq, u8 vector, u32 cpu, vtd_host_fn fn, void *ctx)
{
	unsigned long fl;
	int r;

	if (!vector_is_device(vector))
		return VTD_ERR_VECTOR;
	fl = spin_lock_irqsave(&routes_lock);
	if (routes[vector].fn && (routes[vector].fn != fn || routes[vector].ctx != ctx)) {
		spin_unlock_irqrestore(&routes_lock, fl);
		return VTD_ERR_BUSY;
	}
	routes[vector] = (struct host_route){fn, ctx};
	spin_unlock_irqrestore(&routes_lock, fl);
	trap_register(vector, on_routed);
	u8 old = irq->allocated && !irq->posted && irq->vector != vector ? irq->vector : 0;
	r = vtd_irq_route(irq, vector, cpu, false);
	/*
	 * Failed: the new route goes.  Moved to another vector: the old one goes (the entry no
	 * longer names it, and the invalidation has completed), so another source may take it.
	 */
	if (r < 0 || vector_is_device(old)) {
		fl = spin_lock_irqsave(&routes_lock);
		routes[r < 0 ? vector : old] = (struct host_route){0, 0};
		spin_unlock_irqrestore(&routes_lock, fl);
	}
	return r;
}
