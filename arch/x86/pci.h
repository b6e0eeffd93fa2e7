/*
 * INTERFACE: PCI configuration space through configuration mechanism #1 (ports 0xCF8/0xCFC,
 * PCI Local Bus spec 3.0, 3.2.2.3.2), segment 0 only, and MSI (6.8.1).  A device is named
 * by its requester id bdf = bus << 8 | device << 3 | function, the VT-d source-id.
 */
#ifndef ARCH_X86_PCI_H
#define ARCH_X86_PCI_H

#include "lib/types.h"

#define PCI_BDF(b, d, f)     ((u16)((b) << 8 | (d) << 3 | (f)))
#define PCI_CMD		     0x04
#define PCI_CMD_MEM	     BIT(1)
#define PCI_CMD_MASTER	     BIT(2)
#define PCI_CMD_INTX_DISABLE BIT(10)
#define PCI_CAP_MSI	     0x05

u32 pci_read32(u16 bdf, u8 off);
void pci_write32(u16 bdf, u8 off, u32 v);
u16 pci_read16(u16 bdf, u8 off);
void pci_write16(u16 bdf, u8 off, u16 v);

/* First function with this vendor:device id (all 256 buses); false if none. */
bool pci_find(u16 vendor, u16 device, u16 *bdf);
/* Offset of capability id in the capability list, 0 if absent. */
u8 pci_find_cap(u16 bdf, u8 id);
/* Memory BAR n's address (32 or 64 bit), 0 for I/O or unassigned BARs. */
u64 pci_bar_mem(u16 bdf, u32 n);

/*
 * Program the MSI capability with one message (address, data), enable MSI and bus mastering,
 * disable INTx.  @return 0, or -1 if the function has no MSI capability.
 */
int pci_msi_enable(u16 bdf, u64 addr, u16 data);
void pci_msi_disable(u16 bdf);

#endif
