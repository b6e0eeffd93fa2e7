/*
 * Test-only access to interrupt-remapping table entries, below every check of arch/x86/vtd:
 * the fault tests store entries the product would refuse (reserved bits, a wrong source-id).
 */
#ifndef TESTS_EMU_VTD_POKE_H
#define TESTS_EMU_VTD_POKE_H

#include "arch/x86/vtd_irte.h"
#include "lib/types.h"

/*
 * Store e at index of unit as given (IEC invalidated after).  The caller owns the index
 * (allocated it) and clears it before vtd_irq_free().  @return 0 or a VTD_ERR_* value.
 */
int vtd_test_irte_set(u32 unit, u16 index, struct vtd_irte e);
/* The entry at index of unit as the unit sees it (zero if out of range). */
struct vtd_irte vtd_test_irte_get(u32 unit, u16 index);

#endif
