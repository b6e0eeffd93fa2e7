# pihv: one plain Makefile.  `make` builds build/pihv.elf; `make run` and `make test` set up
# what is missing first (scripts/setup.sh).  Test and run targets live in the included
# fragments next to the tests they drive: tests/host/rules.mk, tests/pi_sim/rules.mk,
# tests/emu/rules.mk, tests/fuzz/rules.mk (make fuzz, make test-fuzz).
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

# Explicit object lists, one per folder.  The layers and which folder may include which are
# written down once, in docs/architecture.md ("Layers"), and checked by scripts/check_includes.py.
LIB_SRCS := lib/fmt.c lib/string.c
BOOT_SRCS := boot/multiboot2.S boot/mb2_parse.c boot/ap_trampoline.S
ARCH_SRCS := arch/x86/idt_entry.S arch/x86/gdt.c arch/x86/idt.c arch/x86/trap.c \
	arch/x86/apic.c arch/x86/pic.c arch/x86/serial.c arch/x86/spinlock.c arch/x86/power.c \
	arch/x86/acpi_parse.c arch/x86/madt_parse.c arch/x86/dmar_parse.c arch/x86/percpu.c \
	arch/x86/vtd.c arch/x86/vtd_qi.c arch/x86/vtd_fault.c arch/x86/vtd_irq.c arch/x86/ioapic.c \
	arch/x86/pci.c arch/x86/paging.c arch/x86/timer.c arch/x86/smp.c arch/x86/smp_call.c \
	arch/x86/nmi.c arch/x86/xsave.c arch/x86/spec.c
TRACE_SRCS := trace/trace.c trace/trace_ring.c trace/trace_fmt.c trace/trace_opts.c
KERNEL_SRCS := kernel/main.c kernel/printk.c kernel/panic.c kernel/cmdline.c kernel/initcall.c \
	kernel/mm.c kernel/memmap.c kernel/sched.c kernel/sched_kick.c kernel/test_seam.c \
	kernel/console.c
VMX_SRCS := vmx/vmx.c vmx/vmcs_ops.c vmx/entry.S vmx/ept.c
VM_SRCS := vm/msr_bitmap.c vm/vcpu.c vm/vcpu_vmcs.c vm/vcpu_run.c vm/vcpu_ctx.c vm/vm_barrier.c \
	vm/vm.c vm/exit.c vm/exit_cpuid.c vm/exit_vmcall.c vm/exit_io.c vm/exit_msr.c vm/exit_hlt.c \
	vm/exit_insn.c vm/exit_xsetbv.c vm/exit_cr.c vm/vapic.c vm/vapic_regs.c vm/vapic_x2apic.c \
	vm/vapic_xapic.c vm/vapic_icr.c vm/vtimer.c vm/vnmi.c vm/vcpu_start.c vm/mmio_decode.c \
	vm/guest_mem.c vm/watchdog.c vm/summary.c vm/vcpu_trace.c
VDEV_SRCS := vdev/pc.c vdev/uart.c vdev/fw_cfg.c
VMBOOT_SRCS := vmboot/vm_args.c vmboot/vm_boot.c vmboot/run.c vmboot/vm_load.c vmboot/image.c \
	vmboot/image_elf.c vmboot/image_aout.c vmboot/image_mb1.c vmboot/image_mb2.c \
	vmboot/mb_info.c vmboot/mb1_info.c vmboot/mb2_info.c vmboot/image_bz.c vmboot/bzimage.c \
	vmboot/mptable.c
# pi/pi.c reaches shared memory only through its environment (pi/pi_env.h), out of line so
# that the simulator can preempt at every call.  The kernel's environment (vm/pi_env.c) is
# one atomic, a cli or a lock per function: the two files are compiled for link-time
# optimization and joined into one object in which GCC inlines the environment into the
# protocol (docs/architecture.md; about 40 instructions off each pi_load, docs/bench.md).
PI_LTO_SRCS := pi/pi.c vm/pi_env.c
PI_LTO_OBJS := $(patsubst %,$(BUILD)/k/%.lto.o,$(PI_LTO_SRCS))

# The product: what users boot.  The test image is the same objects plus test code only
# (the in-kernel test framework and cases, the test guests, the test seam's implementation).
PRODUCT_SRCS := $(LIB_SRCS) $(BOOT_SRCS) $(ARCH_SRCS) $(TRACE_SRCS) $(KERNEL_SRCS) $(VMX_SRCS) \
	$(VM_SRCS) $(VDEV_SRCS) $(VMBOOT_SRCS)
TESTK_SRCS := $(filter-out tests/emu/cases/%,$(wildcard tests/emu/*.c)) \
	$(wildcard tests/emu/cases/*.c) guests/images.S guests/images.c
PRODUCT_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(PRODUCT_SRCS)) $(BUILD)/k/pi+env.o
TESTK_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(TESTK_SRCS))
KOBJS := $(PRODUCT_OBJS) $(TESTK_OBJS)

# Quiet build lines ("CC kernel/sched.c"); V=1 prints every command in full.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all setup test bench lint clean compdb linux-guest test-linux
all: $(BUILD)/pihv.elf $(BUILD)/pihv-test.elf

# Links an image and checks its multiboot2 header (grub-file, when GRUB is installed).
define link_image
	$(call quiet,LD,$@)
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(1)
	$(Q)grub-file --is-x86-multiboot2 $@ 2>/dev/null || ! command -v grub-file >/dev/null || \
		{ echo "error: $@ has no valid multiboot2 header"; rm -f $@; exit 1; }
endef

$(BUILD)/pihv.elf: $(PRODUCT_OBJS) linker.ld
	$(call link_image,$(PRODUCT_OBJS))

$(BUILD)/pihv-test.elf: $(KOBJS) linker.ld
	$(call link_image,$(KOBJS))

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.c.lto.o: %.c
	@mkdir -p $(@D)
	$(call quiet,CC-LTO,$<)
	$(Q)$(CC) $(KCFLAGS) -flto -c $< -o $@

$(BUILD)/k/pi+env.o: $(PI_LTO_OBJS)
	$(call quiet,LTO,$@)
	$(Q)$(CC) $(filter-out -MMD -MP,$(KCFLAGS)) -flto -r -nostdlib -flinker-output=nolto-rel \
		$(PI_LTO_OBJS) -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(@D)
	$(call quiet,AS,$<)
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

-include $(KOBJS:.o=.d) $(PI_LTO_OBJS:.o=.d)

setup:
	@bash scripts/setup.sh

# The whole suite: host unit tests, simulator, mutants and every emulator test, in parallel.
test: setup all
	@python3 tests/run.py

# The Linux guest from Debian's packages (scripts/linux-guest.sh, docs/linux.md), linked into
# build/linux/ for the test entries; its boots in Bochs take minutes, so they have their own
# target, which .ci/run runs after `make test`.
linux-guest:
	@mkdir -p $(BUILD)/linux
	@bash scripts/linux-guest.sh > $(BUILD)/linux/paths
	@ln -sf "$$(sed -n 1p $(BUILD)/linux/paths)" $(BUILD)/linux/vmlinuz
	@ln -sf "$$(sed -n 2p $(BUILD)/linux/paths)" $(BUILD)/linux/initramfs.cpio.gz

test-linux: setup all linux-guest
	@python3 tests/run.py --group linux

# Deterministic performance figures from Bochs (docs/bench.md); never fails on a number.
bench: setup all linux-guest
	@TESTS='$(TESTS)' python3 tests/bench.py $(if $(APPEND),--append-cmdline '$(APPEND)')

# The static checks (docs/architecture.md, docs/testing.md): the include graph, every path and
# name the docs and comments mention exists, no test code in the product, no guest FP/SIMD register
# touched by the host (docs/isolation.md), pi/ pure, clang-format, cppcheck on the product's
# sources.  `make test` runs them as its `lint` entry.
lint: all compdb
	@python3 scripts/check_includes.py
	@python3 scripts/check_refs.py
	@bash scripts/check_product.sh $(BUILD)/pihv.elf $(filter %.c.o,$(TESTK_OBJS))
	@bash scripts/check_host_regs.sh $(BUILD)/pihv.elf
	@! grep -n '#if\|asm\|volatile\|__atomic' pi/*.c || { echo "lint: pi/ must stay pure"; exit 1; }
	@bash scripts/check_format.sh
	@bash scripts/check_cppcheck.sh $(BUILD)
	@echo "lint: ok"; echo "Test result: SUCCESS"

clean:
	rm -rf $(BUILD)

# compile_commands.json for editors and clang tools, from the commands this Makefile runs
# (a dry run that rebuilds nothing): the kernel, the guests, the host tests, the simulator and
# the fuzzers.  clangd finds it in build/; .clangd drops the one GCC-only flag.
compdb:
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory -Bn V=1 all $(BUILD)/host/unit $(PI_SIM) fuzz-bins | \
		python3 scripts/compdb.py > $(BUILD)/compile_commands.json.tmp
	@mv $(BUILD)/compile_commands.json.tmp $(BUILD)/compile_commands.json
	@echo "compdb: wrote $(BUILD)/compile_commands.json ($$(grep -c '"file"' $(BUILD)/compile_commands.json) commands)"

# Pure kernel code that the host unit tests link (tests/host/host_*.c stand in for the rest).
UNIT_SRCS += kernel/sched.c lib/fmt.c vmboot/vm_args.c trace/trace_ring.c trace/trace_fmt.c \
	trace/trace_opts.c vm/mmio_decode.c vmboot/image.c vmboot/image_elf.c vmboot/image_aout.c \
	vmboot/image_mb1.c vmboot/image_mb2.c vmboot/mb_info.c vmboot/mb1_info.c vmboot/mb2_info.c \
	vmboot/image_bz.c
-include tests/host/rules.mk
-include tests/pi_sim/rules.mk
-include tests/emu/rules.mk
-include tests/fuzz/rules.mk
-include guests/rules.mk
-include tests/stdguest/rules.mk
