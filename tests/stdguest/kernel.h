/*
 * The standard test kernel's tiny runtime: port I/O, the UART, printing, the protocol lines,
 * exceptions with recovery, fw_cfg and the multiboot information, all written against the PC
 * and the multiboot specs only (no pihv interface).  tests/stdguest/README.md.
 */
#ifndef STDGUEST_KERNEL_H
#define STDGUEST_KERNEL_H

#include "lib/compiler.h"
#include "lib/types.h"

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}
static inline void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

/* uart.c */
void uart_init(void);
void uart_putc(char c);
/* print.c */
void kprintf(const char *fmt, ...) __printf(1, 2);
void report(bool ok, const char *name, const char *fmt, ...) __printf(3, 4);
void report_skip(const char *name, const char *fmt, ...) __printf(2, 3);
__noreturn void report_summary_exit(void);
__noreturn void report_abort(const char *fmt, ...) __printf(1, 2);
__noreturn void kexit(u8 code);

/* exc.c: run an instruction that may fault.  -1: no exception, else the vector. */
struct exc_record {
	int vector;
	u64 error, rip, cr2;
};
void exc_init(void);
extern struct exc_record exc_last;
int rdmsr_safe(u32 msr, u64 *v);
int wrmsr_safe(u32 msr, u64 v);

/* fw_cfg.c */
void fw_cfg_read(u16 key, void *buf, u32 len);

/* mbinfo.c: what the loader said, in one form for v1 and v2 */
#define MBI_MAX_MODS 4
#define MBI_MAX_MMAP 32
struct mbi {
	u32 magic;
	bool v2;
	bool have_mem, have_cmdline, have_mods, have_mmap;
	u32 mem_lower, mem_upper;
	const char *cmdline;
	u32 nr_mods;
	struct {
		u64 start, end;
		const char *string;
	} mods[MBI_MAX_MODS];
	u32 nr_mmap;
	struct {
		u64 base, len;
		u32 type;
	} mmap[MBI_MAX_MMAP];
	u64 info_start, info_end; /* the information block itself */
};
void mbi_parse(u32 magic, u32 info, struct mbi *m);
/* The value of key=value in s (words separated by blanks), copied to buf; false if absent. */
bool arg_value(const char *s, const char *key, char *buf, u32 len);
u64 arg_u64(const char *s, const char *key, u64 dflt);

/* tests */
void test_entry(const struct mbi *m);
void test_mbinfo(const struct mbi *m);
void test_uart(void);
void test_fw_cfg(const char *cmdline);
void test_cpuid(void);
void test_msr(void);
void test_exceptions(void);
void test_fpu(const char *cmdline);
void test_apic(void);

extern u32 entry_eax, entry_ebx, entry_eflags, entry_cr0, entry_cr4, entry_cs, entry_ds;
extern u32 entry_bss_or;
extern char image_start[], image_end[];

#endif
