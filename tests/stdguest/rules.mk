# The standard test kernels (tests/stdguest/README.md), included by the top Makefile.  One C
# runtime, three images that differ only in their multiboot header:
#   stdguest-mb1.elf   multiboot v1, ELF32 program headers (objcopy of the ELF64 link)
#   stdguest-mb1k.elf  multiboot v1 with the a.out-kludge address fields, ELF64
#   stdguest-mb2.elf   multiboot2, ELF64 program headers
# and stdguest-module.bin, the boot module they check; bad-*.elf are broken copies.  They are test images: never linked
# into pihv.elf or pihv-test.elf.
SG_DIR := $(BUILD)/stdguest
SG_CFLAGS := -std=gnu11 -I. -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -ffreestanding \
	-fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-builtin -m64 -MMD -MP \
	--param=min-pagesize=0
SG_C := main.c t_boot.c t_devices.c t_cpu.c t_exc.c t_fpu.c t_apic.c exc.c uart.c print.c fw_cfg.c mbinfo.c
SG_OBJS := $(patsubst %.c,$(SG_DIR)/%.o,$(SG_C)) $(SG_DIR)/exc.S.o $(SG_DIR)/fmt.o \
	$(SG_DIR)/string.o
SG_IMAGES := $(SG_DIR)/stdguest-mb1.elf $(SG_DIR)/stdguest-mb1k.elf $(SG_DIR)/stdguest-mb2.elf \
	$(SG_DIR)/stdguest-module.bin $(SG_DIR)/bad-flags.elf

.PHONY: stdguest
stdguest: $(SG_IMAGES)
all: $(SG_IMAGES)

$(SG_DIR)/%.o: tests/stdguest/%.c
	@mkdir -p $(@D)
	$(call quiet,CC,$<)
	$(Q)$(CC) $(SG_CFLAGS) -c $< -o $@

$(SG_DIR)/fmt.o: lib/fmt.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SG_CFLAGS) -c $< -o $@

$(SG_DIR)/string.o: lib/string.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(SG_CFLAGS) -c $< -o $@

$(SG_DIR)/exc.S.o: tests/stdguest/exc.S
	@mkdir -p $(@D)
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

$(SG_DIR)/entry-%.o: tests/stdguest/entry.S
	@mkdir -p $(@D)
	$(Q)$(CC) $(KASFLAGS) -D$(shell echo $* | tr a-z A-Z) -c $< -o $@

$(SG_DIR)/stdguest-%.elf64: $(SG_DIR)/entry-%.o $(SG_OBJS) tests/stdguest/stdguest.ld
	$(call quiet,LD,$@)
	$(Q)$(LD) -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
		--no-warn-rwx-segments -T tests/stdguest/stdguest.ld -o $@ $< $(SG_OBJS)

$(SG_DIR)/stdguest-mb1.elf: $(SG_DIR)/stdguest-mb1.elf64
	$(Q)objcopy -O elf32-i386 $< $@
	$(Q)grub-file --is-x86-multiboot $@ 2>/dev/null || ! command -v grub-file >/dev/null || \
		{ echo "error: $@ has no valid multiboot header"; rm -f $@; exit 1; }

$(SG_DIR)/stdguest-mb1k.elf: $(SG_DIR)/stdguest-mb1_kludge.elf64
	$(Q)cp $< $@

$(SG_DIR)/stdguest-mb2.elf: $(SG_DIR)/stdguest-mb2.elf64
	$(Q)cp $< $@
	$(Q)grub-file --is-x86-multiboot2 $@ 2>/dev/null || ! command -v grub-file >/dev/null || \
		{ echo "error: $@ has no valid multiboot2 header"; rm -f $@; exit 1; }

$(SG_DIR)/stdguest-module.bin: tests/stdguest/mkmodule.py
	@mkdir -p $(@D)
	$(Q)python3 $< $@ 9000

# Broken copies for the loader's refusals (mkbad.py says which field each breaks).
$(SG_DIR)/bad-flags.elf: tests/stdguest/mkbad.py $(SG_DIR)/stdguest-mb1.elf \
		$(SG_DIR)/stdguest-mb1k.elf $(SG_DIR)/stdguest-mb2.elf
	$(Q)python3 $< $(SG_DIR)

.PRECIOUS: $(SG_DIR)/%.elf64 $(SG_DIR)/entry-%.o
.SECONDARY: $(SG_OBJS)
# The dependency files are only read: no rule (the built-in link rule would match them).
$(SG_DIR)/%.d: ;
-include $(wildcard $(SG_DIR)/*.d)
