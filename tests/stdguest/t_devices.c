/* The PC devices a kernel probes: the 16550A at 0x3f8 and QEMU's fw_cfg. */
#include "tests/stdguest/kernel.h"

#define COM1 0x3f8

/* The probe Linux's 8250 driver does (drivers/tty/serial/8250: scratch, loopback, FIFO). */
void test_uart(void)
{
	u8 scr, msr_off, msr_on, iir, lsr;

	outb(COM1 + 7, 0x5a);
	scr = inb(COM1 + 7);
	outb(COM1 + 7, 0xa5);
	scr = scr == 0x5a && inb(COM1 + 7) == 0xa5;
	report(scr, "uart-scratch", "SCR reads back what was written");
	lsr = inb(COM1 + 5);
	report((lsr & 0x60) == 0x60, "uart-lsr", "LSR %#x: THRE and TEMT", lsr);
	outb(COM1 + 4, 0x10); /* loopback, modem outputs off */
	msr_off = inb(COM1 + 6) & 0xf0;
	outb(COM1 + 4, 0x1f); /* loopback, DTR RTS OUT1 OUT2 */
	msr_on = inb(COM1 + 6) & 0xf0;
	outb(COM1 + 0, 0x42);
	lsr = inb(COM1 + 5);
	iir = inb(COM1);      /* the byte sent in loopback comes back as received data */
	outb(COM1 + 4, 0x03); /* loopback off before printing: output would loop too */
	report(msr_off == 0 && msr_on == 0xf0 && (lsr & 1) && iir == 0x42, "uart-loopback",
	       "MSR %#x/%#x, LSR %#x, the byte came back as %#x", msr_off, msr_on, lsr, iir);
	outb(COM1 + 2, 0x07);
	iir = inb(COM1 + 2);
	report((iir & 0xc0) == 0xc0, "uart-fifo", "IIR %#x: 16550A FIFOs", iir);
	outb(COM1 + 2, 0xc7);
}

void test_fw_cfg(const char *cmdline)
{
	char sig[5] = {0};
	u32 id = 0;
	u16 cpus = 0;
	u64 ram = 0, want_cpus = arg_u64(cmdline, "stdguest.cpus", 1);
	u64 want_ram = arg_u64(cmdline, "stdguest.mem", 128) << 20;

	fw_cfg_read(0x00, sig, 4);
	report(sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U', "fwcfg-signature",
	       "'%s'", sig);
	fw_cfg_read(0x01, &id, 4);
	report(id & 1, "fwcfg-id", "ID %#x: the traditional interface", id);
	fw_cfg_read(0x05, &cpus, 2);
	report(cpus == want_cpus, "fwcfg-cpus", "%u CPU(s), want %lu", cpus, want_cpus);
	fw_cfg_read(0x03, &ram, 8);
	report(ram == want_ram, "fwcfg-ram", "%lu MiB, want %lu", ram >> 20, want_ram >> 20);
}
