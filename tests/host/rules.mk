# Host unit tests: pure parsers + tests/host/*.c, built with ASan/UBSan.
# Included by the top Makefile, which provides BUILD ?= build, HOSTCC ?= gcc and HOSTCFLAGS.
# Others add their pure sources with `UNIT_SRCS += path/file.c`.
BUILD ?= build
HOSTCC ?= gcc
HOSTCFLAGS ?= -std=gnu11 -I. -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-omit-frame-pointer

UNIT_SRCS += boot/mb2_parse.c kernel/cmdline.c kernel/memmap.c vmboot/bzimage.c vmboot/mptable.c arch/x86/acpi_parse.c arch/x86/madt_parse.c arch/x86/dmar_parse.c
UNIT_TEST_SRCS = $(wildcard tests/host/*.c)
UNIT_OBJS = $(patsubst %.c,$(BUILD)/host/%.o,$(UNIT_SRCS) $(UNIT_TEST_SRCS))

$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/host/unit: $(UNIT_OBJS)
	$(HOSTCC) $(HOSTCFLAGS) $^ -o $@

.PHONY: test-unit
# halt_on_error makes any sanitizer report fatal, so it can never hide behind a green summary;
# the timeout turns a parser that loops (a zero-length entry not caught) into a failure.
test-unit: $(BUILD)/host/unit
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		timeout 120 $(BUILD)/host/unit

-include $(UNIT_OBJS:.o=.d)
