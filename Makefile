# pihv: one plain Makefile.  `make` builds build/pihv.elf; `make run` and `make test` set up
# what is missing first (scripts/setup.sh).  Test and run targets live in the included
# fragments next to the tests they drive: tests/host/rules.mk, tests/pi_sim/rules.mk,
# tests/emu/rules.mk.
-include Makefile.conf

BUILD ?= build
CROSS ?=
CC := $(CROSS)gcc
LD := $(CROSS)ld
HOSTCC ?= gcc

KCFLAGS := -std=gnu11 -I. -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
	-fno-common -m64 --param=min-pagesize=0 -MMD -MP
KASFLAGS := -I. -m64 -D__ASSEMBLY__ -MMD -MP
KLDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T linker.ld
HOSTCFLAGS ?= -std=gnu11 -I. -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-omit-frame-pointer

# Explicit object lists, one per folder (layering: boot -> kernel -> arch/x86; vmx -> all).
BOOT_SRCS := boot/multiboot2.S boot/mb2_parse.c
ARCH_SRCS := arch/x86/idt_entry.S arch/x86/gdt.c arch/x86/idt.c arch/x86/trap.c \
	arch/x86/apic.c arch/x86/pic.c arch/x86/serial.c arch/x86/spinlock.c arch/x86/power.c \
	arch/x86/acpi_parse.c arch/x86/madt_parse.c arch/x86/dmar_parse.c
ARCH_SRCS += arch/x86/vtd.c arch/x86/vtd_qi.c arch/x86/vtd_fault.c arch/x86/vtd_irq.c arch/x86/ioapic.c arch/x86/pci.c
BOOT_SRCS += boot/ap_trampoline.S
ARCH_SRCS += arch/x86/paging.c arch/x86/timer.c arch/x86/smp.c arch/x86/smp_call.c
KERNEL_SRCS := kernel/main.c kernel/percpu.c kernel/printk.c kernel/fmt.c kernel/string.c \
	kernel/panic.c kernel/selftest.c kernel/cmdline.c kernel/initcall.c kernel/mm.c kernel/sched.c kernel/sched_kick.c
VMX_SRCS := vmx/vmx.c vmx/vmcs_ops.c vmx/vmcs.c vmx/entry.S vmx/exit.c vmx/exit_cpuid.c \
	vmx/exit_vmcall.c vmx/exit_io.c vmx/exit_msr.c vmx/ept.c vmx/vcpu.c vmx/vm.c \
	vmx/vcpu_run.c vmx/vapic.c vmx/vtimer.c vmx/exit_hlt.c vmx/vdev.c \
	guests/images.S guests/images.c
# pi/pi.c reaches shared memory only through its environment (pi/pi_env.h), out of line so
# that the simulator can preempt at every call.  The kernel's environment (vmx/pi_env.c) is
# one atomic, a cli or a lock per function: the two files are compiled for link-time
# optimization and joined into one object in which GCC inlines the environment into the
# protocol (docs/architecture.md; about 40 instructions off each pi_load, docs/bench.md).
PI_LTO_SRCS := pi/pi.c vmx/pi_env.c
PI_LTO_OBJS := $(patsubst %,$(BUILD)/k/%.lto.o,$(PI_LTO_SRCS))
VMX_SRCS += vmx/vm_args.c vmx/vm_boot.c vmx/watchdog.c
VMX_SRCS += vmx/vcpu_offline.c
CASE_SRCS := $(wildcard tests/emu/cases/*.c)
KSRCS := $(BOOT_SRCS) $(ARCH_SRCS) $(KERNEL_SRCS) $(VMX_SRCS) $(CASE_SRCS)
KOBJS := $(patsubst %,$(BUILD)/k/%.o,$(KSRCS)) $(BUILD)/k/pi+env.o

.PHONY: all setup test bench lint clean
all: $(BUILD)/pihv.elf

$(BUILD)/pihv.elf: $(KOBJS) linker.ld
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS)
	@grub-file --is-x86-multiboot2 $@ 2>/dev/null || ! command -v grub-file >/dev/null || \
		{ echo "error: $@ has no valid multiboot2 header"; rm -f $@; exit 1; }

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.c.lto.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -flto -c $< -o $@

$(BUILD)/k/pi+env.o: $(PI_LTO_OBJS)
	$(CC) $(filter-out -MMD -MP,$(KCFLAGS)) -flto -r -nostdlib -flinker-output=nolto-rel \
		$(PI_LTO_OBJS) -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(@D)
	$(CC) $(KASFLAGS) -c $< -o $@

-include $(KOBJS:.o=.d) $(PI_LTO_OBJS:.o=.d)

setup:
	@bash scripts/setup.sh

# The whole suite: host unit tests, simulator, mutants and every emulator test, in parallel.
test: setup all
	@python3 tests/run.py

# Deterministic performance figures from Bochs (docs/bench.md); never fails on a number.
bench: setup all
	@python3 tests/bench.py

# Layering rule (docs/architecture.md): lower folders never include higher ones; pi/ is pure.
lint:
	@! grep -rn '#include "\(vmx\|pi\)/' kernel arch boot || { echo "lint: layering violation"; exit 1; }
	@! grep -rn '#include "\(kernel\|vmx\|pi\)/' arch/x86 | grep -v 'kernel/\(types\|compiler\|list\|assert\|config\|printk\|percpu\|panic\|selftest\|string\|fmt\|main\|initcall\|mm\)\.h' \
		|| { echo "lint: arch/x86 includes a non-leaf header from above"; exit 1; }
	@! grep -n '#if\|asm\|volatile\|__atomic' pi/*.c || { echo "lint: pi/ must stay pure"; exit 1; }
	@echo "lint: ok"

clean:
	rm -rf $(BUILD)

# Pure kernel code that the host unit tests link (tests/host/host_*.c stand in for the rest).
UNIT_SRCS += kernel/sched.c kernel/fmt.c vmx/vm_args.c
-include tests/host/rules.mk
-include tests/pi_sim/rules.mk
-include tests/emu/rules.mk
-include guests/rules.mk
