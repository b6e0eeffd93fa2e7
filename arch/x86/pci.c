/* PCI configuration mechanism #1 and the MSI capability (PCI Local Bus spec 3.0, 6.8.1). */
#include "arch/x86/io.h"
#include "arch/x86/pci.h"
#include "arch/x86/spinlock.h"

#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_STATUS	0x06
#define PCI_STATUS_CAPS BIT(4)
#define PCI_CAP_PTR	0x34
#define PCI_HDR_TYPE	0x0e
#define PCI_BAR0	0x10
/* MSI capability (6.8.1.3): control at +2, address at +4, then data (+8, or +12 if 64-bit) */
#define MSI_CTRL_ENABLE	  BIT(0)
#define MSI_CTRL_MME_MASK (7u << 4)
#define MSI_CTRL_64BIT	  BIT(7)

/* Protects the 0xCF8 address / 0xCFC data pair. */
static struct spinlock pci_lock = SPINLOCK_INIT("pci", SPIN_IRQSAFE);

static u32 cfg_addr(u16 bdf, u8 off)
{
	return 0x80000000u | (u32)bdf << 8 | (off & 0xfc);
}

u32 pci_read32(u16 bdf, u8 off)
{
	unsigned long fl = spin_lock_irqsave(&pci_lock);
	u32 v;

	outl(PCI_CONFIG_ADDR, cfg_addr(bdf, off));
	v = inl(PCI_CONFIG_DATA);
	spin_unlock_irqrestore(&pci_lock, fl);
	return v;
}

void pci_write32(u16 bdf, u8 off, u32 v)
{
	unsigned long fl = spin_lock_irqsave(&pci_lock);

	outl(PCI_CONFIG_ADDR, cfg_addr(bdf, off));
	outl(PCI_CONFIG_DATA, v);
	spin_unlock_irqrestore(&pci_lock, fl);
}

u16 pci_read16(u16 bdf, u8 off)
{
	return (u16)(pci_read32(bdf, off) >> ((off & 2) * 8));
}

void pci_write16(u16 bdf, u8 off, u16 v)
{
	unsigned long fl = spin_lock_irqsave(&pci_lock);

	outl(PCI_CONFIG_ADDR, cfg_addr(bdf, off));
	outw(PCI_CONFIG_DATA + (off & 2), v);
	spin_unlock_irqrestore(&pci_lock, fl);
}

bool pci_find(u16 vendor, u16 device, u16 *bdf)
{
	u32 want = (u32)device << 16 | vendor;

	for (u32 bus = 0; bus < 256; bus++) {
		for (u32 dev = 0; dev < 32; dev++) {
			u16 b0 = PCI_BDF(bus, dev, 0);
			u32 id = pci_read32(b0, 0);
			u32 nfn;

			if ((id & 0xffff) == 0xffff)
				continue;
			nfn = (pci_read32(b0, PCI_HDR_TYPE & 0xfc) >> 16) & 0x80 ? 8 : 1;
			for (u32 fn = 0; fn < nfn; fn++) {
				u16 b = PCI_BDF(bus, dev, fn);

				if ((fn ? pci_read32(b, 0) : id) == want) {
					*bdf = b;
					return true;
				}
			}
		}
	}
	return false;
}

u8 pci_find_cap(u16 bdf, u8 id)
{
	u8 p;

	if (!(pci_read16(bdf, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	p = (u8)pci_read32(bdf, PCI_CAP_PTR) & 0xfc;
	/* 48 = the most capabilities that fit in 256 bytes: stops a looping list. */
	for (u32 n = 0; p && n < 48; n++) {
		u32 h = pci_read32(bdf, p);

		if ((h & 0xff) == id)
			return p;
		p = (u8)(h >> 8) & 0xfc;
	}
	return 0;
}

u64 pci_bar_mem(u16 bdf, u32 n)
{
	u8 off = (u8)(PCI_BAR0 + 4 * n);
	u32 lo = pci_read32(bdf, off);

	if (lo & 1)
		return 0;
	if (((lo >> 1) & 3) == 2) /* 64-bit BAR */
		return (lo & ~0xfull) | (u64)pci_read32(bdf, off + 4) << 32;
	return lo & ~0xfull;
}

int pci_msi_enable(u16 bdf, u64 addr, u16 data)
{
	u8 c = pci_find_cap(bdf, PCI_CAP_MSI);
	u16 ctrl;

	if (!c)
		return -1;
	ctrl = pci_read16(bdf, c + 2);
	pci_write16(bdf, c + 2, ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME_MASK));
	pci_write32(bdf, c + 4, (u32)addr);
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(bdf, c + 8, (u32)(addr >> 32));
		pci_write16(bdf, c + 12, data);
	} else {
		pci_write16(bdf, c + 8, data);
	}
	pci_write16(bdf, PCI_CMD,
		    pci_read16(bdf, PCI_CMD) | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DISABLE);
	pci_write16(bdf, c + 2, (ctrl & ~MSI_CTRL_MME_MASK) | MSI_CTRL_ENABLE);
	return 0;
}

void pci_msi_disable(u16 bdf)
{
	u8 c = pci_find_cap(bdf, PCI_CAP_MSI);

	if (c)
		pci_write16(bdf, c + 2, pci_read16(bdf, c + 2) & ~MSI_CTRL_ENABLE);
}
