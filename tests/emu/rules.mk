# Emulator targets, included by the top Makefile (which defines BUILD and $(BUILD)/pihv.elf).
# All of them go through tests/run.py, the one runner; docs/testing.md describes them.
#
#   make test-emu [EMU=qemu,bochs] [TESTS="boot-* selftest-fail"] [GROUP=quick] [J=2]
#            [APPEND="trace=on"]     options added to every selected entry's command line
#   make trace TEST=<name> [APPEND=...] [WINDOW=70ms:76ms]
#                             runs that entry with trace=on and writes $(BUILD)/trace/<name>.json
#                             (Perfetto / chrome://tracing) and .svg (docs/pi.md "Tracing")
#   make iso [GUESTS=list]    $(BUILD)/pihv.iso: the product and the VMs of the guest list
#                             (guests/demo.vms); CMDLINE="test=NAME" makes a test image's ISO
#   make run [EMU=auto|kvm|bochs|qemu|qemu-efi|qemu-kernel] [GUESTS=list] [CMDLINE=...]
#            [RUN_TIMEOUT=s]
#   make debug [EMU=qemu-kernel|qemu|qemu-efi] [CMDLINE=...]
#   make run-guest KERNEL=k.elf [APPEND="..."] [INITRD="file args,..."] [SMP=n] [MEM=MiB]
#            a multiboot kernel as pihv's only VM, with QEMU's conventions (scripts/pihv-qemu)

EMU ?=
TESTS ?=
GROUP ?=
J ?=
CMDLINE ?=
APPEND ?=
TEST ?=
WINDOW ?=
GUESTS ?= guests/demo.vms
RUN_TIMEOUT ?= 180

RUNPY := python3 tests/run.py
RUNPY_SEL := $(if $(EMU),--emu '$(EMU)') $(if $(TESTS),--tests '$(TESTS)') \
	$(if $(GROUP),--group '$(GROUP)') $(if $(J),-j $(J)) \
	$(if $(APPEND),--append-cmdline '$(APPEND)')

KERNEL ?=
APPEND ?=
INITRD ?=
SMP ?= 1
MEM ?= 128

.PHONY: test-emu iso run debug trace run-guest

test-emu: all
	@$(RUNPY) $(RUNPY_SEL)

iso: $(BUILD)/pihv.iso

# Rebuilt when the kernel or the template changes; run.py also skips the work when the
# kernel + command line are unchanged (key stored next to the ISO).
$(BUILD)/pihv.iso: all $(GUEST_BINS) tests/emu/grub.cfg.in tests/run.py FORCE
	@$(RUNPY) --iso $@ --cmdline '$(CMDLINE)' --guests '$(GUESTS)'

# Sequential on purpose: setup must finish before the build needs its tools.
run:
	@bash scripts/setup.sh
	@$(MAKE) --no-print-directory all $(GUEST_BINS)
	@$(RUNPY) --run --emu '$(or $(EMU),auto)' --cmdline '$(CMDLINE)' --guests '$(GUESTS)' \
		--timeout $(RUN_TIMEOUT)

# The run's outcome is printed but does not stop the conversion: a failing run's picture is the
# one most worth looking at.
trace: all
	@test -n '$(TEST)' || { echo "make trace: say which test, e.g. make trace TEST=pi-blocked"; exit 2; }
	@$(RUNPY) --tests '$(TEST)' --append-cmdline 'trace=on $(APPEND)' || true
	@python3 scripts/trace2perfetto.py $(BUILD)/logs/$(TEST).log --json $(BUILD)/trace/$(TEST).json \
		--svg $(BUILD)/trace/$(TEST).svg $(if $(WINDOW),--window '$(WINDOW)')

debug: all
	@$(RUNPY) --debug --emu '$(or $(EMU),qemu-kernel)' --cmdline '$(CMDLINE)'

# What `qemu-system-x86_64 -kernel ... -device isa-debug-exit,... -serial stdio` would do, on
# pihv: the guest's serial output on stdout, QEMU's exit status (docs/guests.md).
run-guest:
	@test -n '$(KERNEL)' || { echo "make run-guest: give KERNEL=path/to/multiboot-kernel"; exit 2; }
	@bash scripts/setup.sh
	@$(MAKE) --no-print-directory all
	@scripts/pihv-qemu -kernel '$(KERNEL)' -append '$(APPEND)' $(if $(INITRD),-initrd '$(INITRD)') \
		-smp $(SMP) -m $(MEM) -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio \
		-display none -no-reboot; s=$$?; echo "run-guest: exit status $$s (QEMU's convention)"; \
		exit $$s

.PHONY: FORCE
FORCE:
