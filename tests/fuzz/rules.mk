# libFuzzer harnesses for the parsers of untrusted input (docs/testing.md, "Fuzzing").
# Included by the top Makefile, which provides BUILD.
#
#   make test-fuzz                  short fixed run of every harness (part of make test)
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="mb2 memmap"] [FUZZ_ARGS=-fork=2]
#                                   long runs, one harness after the other
#   make fuzz-bins                  just build them: $(BUILD)/fuzz/bin/fuzz_<name>
BUILD ?= build

# clang 14 and its libFuzzer runtime (Debian package libclang-rt-14-dev; scripts/setup.sh).
FUZZ_CC ?= clang-14
FUZZ_WARN := -Wall -Wextra -Werror -Wno-unused-parameter
FUZZ_CFLAGS ?= -std=gnu11 -I. -O1 -g -fno-omit-frame-pointer $(FUZZ_WARN)
FUZZ_SAN := address,undefined
# Every sanitizer report ends the run, so libFuzzer keeps the input (UBSan would go on).
FUZZ_SAN_FLAGS := -fno-sanitize-recover=all
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?=
FUZZ_ARGS ?=
FUZZ_OUT := $(BUILD)/fuzz

# Each source a harness links, through exactly one variable: a moved file is a one-line fix.
FUZZ_MB2_SRC := boot/mb2_parse.c
FUZZ_ACPI_SRC := arch/x86/acpi_parse.c
FUZZ_MADT_SRC := arch/x86/madt_parse.c
FUZZ_DMAR_SRC := arch/x86/dmar_parse.c
FUZZ_CMDLINE_SRC := kernel/cmdline.c
FUZZ_VM_ARGS_SRC := vmboot/vm_args.c
FUZZ_IMAGE_SRC := vmboot/image.c vmboot/image_elf.c vmboot/image_aout.c vmboot/image_mb1.c vmboot/image_bz.c vmboot/bzimage.c \
	vmboot/image_mb2.c
FUZZ_MB_INFO_SRC := vmboot/mb_info.c vmboot/mb1_info.c vmboot/mb2_info.c
FUZZ_MEMMAP_SRC := kernel/memmap.c
FUZZ_FMT_SRC := lib/fmt.c
FUZZ_FAKEMEM_SRC := tests/host/fakemem.c

# What each harness (tests/fuzz/fuzz_<name>.c) links besides itself.
FUZZ_NAMES := mb2 mb1 acpi madt dmar cmdline vm_args memmap image
FUZZ_LINK_mb2 := $(FUZZ_MB2_SRC) $(FUZZ_FMT_SRC)
FUZZ_LINK_mb1 := $(FUZZ_MB2_SRC) $(FUZZ_FMT_SRC) $(FUZZ_FAKEMEM_SRC)
FUZZ_ACPI_ALL := $(FUZZ_ACPI_SRC) $(FUZZ_MADT_SRC) $(FUZZ_DMAR_SRC) $(FUZZ_FMT_SRC)
FUZZ_LINK_acpi := $(FUZZ_ACPI_ALL) $(FUZZ_FAKEMEM_SRC)
FUZZ_LINK_madt := $(FUZZ_ACPI_ALL)
FUZZ_LINK_dmar := $(FUZZ_ACPI_ALL)
FUZZ_LINK_cmdline := $(FUZZ_CMDLINE_SRC) $(FUZZ_FMT_SRC)
FUZZ_LINK_vm_args := $(FUZZ_VM_ARGS_SRC) $(FUZZ_FMT_SRC)
FUZZ_LINK_memmap := $(FUZZ_MEMMAP_SRC) $(FUZZ_FMT_SRC)
FUZZ_LINK_image := $(FUZZ_IMAGE_SRC) $(FUZZ_MB_INFO_SRC) $(FUZZ_FMT_SRC)

# The vm_args harness includes the parser's header from wherever the source is.
$(FUZZ_OUT)/obj/tests/fuzz/fuzz_vm_args.o: FUZZ_DEFS := -DFUZZ_VM_ARGS_H='"$(FUZZ_VM_ARGS_SRC:.c=.h)"'
# ... and the image harness the headers of the image parser and the boot-information writer.
$(FUZZ_OUT)/obj/tests/fuzz/fuzz_image.o: FUZZ_DEFS := \
	-DFUZZ_IMAGE_H='"$(firstword $(FUZZ_IMAGE_SRC:.c=.h))"' \
	-DFUZZ_MB_INFO_H='"$(firstword $(FUZZ_MB_INFO_SRC:.c=.h))"'

FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_OUT)/bin/fuzz_%)
fuzz_objs = $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,tests/fuzz/fuzz_$(1).c $(FUZZ_LINK_$(1)))

.PHONY: fuzz fuzz-bins test-fuzz fuzz-toolchain

# Coverage instrumentation everywhere; libFuzzer's main() only at the link.
$(FUZZ_OUT)/obj/%.o: %.c tests/fuzz/rules.mk | fuzz-toolchain
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DEFS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		$(FUZZ_SAN_FLAGS) -MMD -MP -c $< -o $@

define fuzz_bin_rule
$(FUZZ_OUT)/bin/fuzz_$(1): $(call fuzz_objs,$(1))
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer,$$(FUZZ_SAN) $$(FUZZ_SAN_FLAGS) $$^ -o $$@
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_bin_rule,$(n))))

# A missing compiler or runtime is a failure with the fix in it, never a silent pass.
fuzz-toolchain:
	@sh tests/fuzz/run.sh toolchain "$(FUZZ_CC)"

fuzz-bins: $(FUZZ_BINS)

test-fuzz: fuzz-toolchain
	@$(MAKE) --no-print-directory -s fuzz-bins
	@sh tests/fuzz/run.sh smoke "$(FUZZ_CC)" $(FUZZ_OUT) $(FUZZ_NAMES)

fuzz: fuzz-toolchain
	@$(MAKE) --no-print-directory fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_ARGS='$(FUZZ_ARGS)' sh tests/fuzz/run.sh long \
		"$(FUZZ_CC)" $(FUZZ_OUT) $(or $(FUZZ_TARGETS),$(FUZZ_NAMES))

-include $(patsubst %.o,%.d,$(sort $(foreach n,$(FUZZ_NAMES),$(call fuzz_objs,$(n)))))
