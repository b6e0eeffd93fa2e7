# Emulator targets, included by the top Makefile (which defines BUILD and $(BUILD)/pihv.elf).
# All of them go through tests/run.py, the one runner; docs/testing.md describes them.
#
#   make test-emu [EMU=qemu,bochs] [TESTS="boot-* selftest-fail"] [GROUP=quick] [J=2]
#   make iso [GUESTS=list]    $(BUILD)/pihv.iso: the product and the VMs of the guest list
#                             (guests/demo.vms); CMDLINE="test=NAME" makes a test image's ISO
#   make run [EMU=auto|kvm|bochs|qemu|qemu-efi|qemu-kernel] [GUESTS=list] [CMDLINE=...]
#            [RUN_TIMEOUT=s]
#   make debug [EMU=qemu-kernel|qemu|qemu-efi] [CMDLINE=...]

EMU ?=
TESTS ?=
GROUP ?=
J ?=
CMDLINE ?=
GUESTS ?= guests/demo.vms
RUN_TIMEOUT ?= 180

RUNPY := python3 tests/run.py
RUNPY_SEL := $(if $(EMU),--emu '$(EMU)') $(if $(TESTS),--tests '$(TESTS)') \
	$(if $(GROUP),--group '$(GROUP)') $(if $(J),-j $(J))

.PHONY: test-emu iso run debug

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

debug: all
	@$(RUNPY) --debug --emu '$(or $(EMU),qemu-kernel)' --cmdline '$(CMDLINE)'

.PHONY: FORCE
FORCE:
