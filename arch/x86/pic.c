#include "arch/x86/pic.h"
#include "arch/x86/io.h"

/*
 * The BIOS leaves the 8259s at vectors 8-15, where IRQ0 would look like #DF
 * (docs/emulators.md §2).  Remap them to 0x20/0x28 with the ICW sequence
 * (8259A datasheet) and mask every line: pihv uses the local APICs and the IOAPIC only.
 */
void pic_disable(void)
{
	outb(0x20, 0x11); /* ICW1: init, ICW4 follows */
	io_delay();
	outb(0xa0, 0x11);
	io_delay();
	outb(0x21, 0x20); /* ICW2: vector bases */
	io_delay();
	outb(0xa1, 0x28);
	io_delay();
	outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
	io_delay();
	outb(0xa1, 0x02);
	io_delay();
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	io_delay();
	outb(0xa1, 0x01);
	io_delay();
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
