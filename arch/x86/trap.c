#include "arch/x86/trap.h"
#include "arch/x86/apic.h"
#include "arch/x86/atomic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/nmi.h"
#include "lib/config.h"
#include "lib/panic.h"
#include "arch/x86/percpu.h"
#include "lib/printk.h"

/* Written only during single-threaded init (before the vector can fire), read by every CPU. */
static trap_handler_t handlers[256];
static u64 unexpected;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void trap_register(u8 vector, trap_handler_t fn)
{
	if (handlers[vector] && handlers[vector] != fn)
		panic("trap_register: vector %#x already taken", vector);
	handlers[vector] = fn;
}

u64 trap_unexpected_count(void)
{
	return load_relaxed(&unexpected);
}

void trap_dump(const struct trap_frame *f)
{
	printk("  RIP %016lx CS %04lx RFLAGS %08lx RSP %016lx SS %04lx\n", f->rip, f->cs, f->rflags,
	       f->rsp, f->ss);
	printk("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	printk("  RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	printk("  R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", f->r9, f->r10, f->r11, f->r12);
	printk("  R13 %016lx R14 %016lx R15 %016lx\n", f->r13, f->r14, f->r15);
	printk("  CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx\n", read_cr0(), read_cr2(),
	       read_cr3(), read_cr4());
}

void trap_dispatch(struct trap_frame *f)
{
	u64 v = f->vector;
	trap_handler_t fn = handlers[v];

	/* Wired in, not registered: an NMI can come before any initcall ran (nmi.h). */
	if (v == 2) {
		nmi_handle(f);
		return;
	}
	if (v < 32 && !fn) {
		panic_begin();
		printk("EXCEPTION: %s (vector %lu) error %#lx on cpu %u (apic %u) at RIP %#lx CR2 "
		       "%#lx\n",
		       exc_names[v] ? exc_names[v] : "?", v, f->error, pcpu_id(),
		       this_pcpu()->apic_id, f->rip, read_cr2());
		trap_dump(f);
		panic_end();
	}
	if (fn) {
		fn(f);
	} else {
		fetch_add(&unexpected, 1);
		if (v != VEC_SPURIOUS)
			printk("trap: unexpected vector %#lx on cpu %u\n", v, pcpu_id());
	}
	if (v >= 32 && v != VEC_SPURIOUS)
		apic_eoi();
}
