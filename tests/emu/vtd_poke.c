/* Test-only IRTE access (tests/emu/vtd_poke.h). */
#include "tests/emu/vtd_poke.h"
#include "arch/x86/vtd.h"
#include "arch/x86/vtd_unit.h"

int vtd_test_irte_set(u32 unit, u16 index, struct vtd_irte e)
{
	struct vtd_unit *u;
	unsigned long fl;
	int r;

	if (unit >= vtd_nr_units || !vtd_units[unit].enabled || index >= VTD_IRT_ENTRIES)
		return VTD_ERR_OFF;
	u = &vtd_units[unit];
	fl = spin_lock_irqsave(&u->lock);
	r = vtd_irte_commit(u, index, e);
	spin_unlock_irqrestore(&u->lock, fl);
	return r;
}

struct vtd_irte vtd_test_irte_get(u32 unit, u16 index)
{
	struct vtd_irte e = {0, 0};
	unsigned long fl;

	if (unit >= vtd_nr_units || !vtd_units[unit].enabled || index >= VTD_IRT_ENTRIES)
		return e;
	fl = spin_lock_irqsave(&vtd_units[unit].lock);
	e = vtd_units[unit].irt[index];
	spin_unlock_irqrestore(&vtd_units[unit].lock, fl);
	return e;
}
