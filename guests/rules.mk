# Guest images (included by the top Makefile): guests/<name>.c + start.S + lib.c, linked at
# GUEST_LOAD with guests/guest.ld, flattened to $(BUILD)/guests/<name>.bin and pulled into the
# kernel by guests/images.S (.incbin).
GUEST_NAMES := hello worker triple eptviol badhc bench pi pirace piattach pingpong \
	victim spin insns heartbeat flood msrsweep hcfuzz wbinvd nmiflood msrfirst regleak vpidhop \
	lapic lapictmr lapicnmi lapicipi lapicrtt apstart vectoring
GUEST_CFLAGS := -std=gnu11 -I. -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -ffreestanding \
	-fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-asynchronous-unwind-tables -fcf-protection=none -fno-builtin -m64 -MMD -MP
GUEST_BINS := $(patsubst %,$(BUILD)/guests/%.bin,$(GUEST_NAMES))
GUEST_LIBOBJS := $(BUILD)/guests/start.o $(BUILD)/guests/lib.o $(BUILD)/guests/apic.o
# Objects of one guest besides its own <name>.o: GUEST_EXTRA on the .elf target.
$(BUILD)/guests/lapicipi.elf: GUEST_EXTRA := $(BUILD)/guests/lapicfuzz.o
$(BUILD)/guests/lapicipi.elf: $(BUILD)/guests/lapicfuzz.o
$(BUILD)/guests/apstart.elf: GUEST_EXTRA := $(BUILD)/guests/apboot.o
$(BUILD)/guests/apstart.elf: $(BUILD)/guests/apboot.o

$(BUILD)/guests/%.o: guests/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/%.o: guests/%.S
	@mkdir -p $(@D)
	$(CC) $(KASFLAGS) -c $< -o $@

$(BUILD)/guests/%.elf: $(GUEST_LIBOBJS) $(BUILD)/guests/%.o guests/guest.ld
	$(LD) -nostdlib -static -no-pie -z noexecstack --no-warn-rwx-segments -T guests/guest.ld -o $@ $(GUEST_LIBOBJS) \
		$(BUILD)/guests/$*.o $(GUEST_EXTRA)

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	objcopy -O binary $< $@

.PRECIOUS: $(BUILD)/guests/%.elf $(BUILD)/guests/%.o
$(BUILD)/k/guests/images.S.o: $(GUEST_BINS)
$(BUILD)/k/guests/images.S.o: KASFLAGS += -I$(BUILD)/guests

-include $(wildcard $(BUILD)/guests/*.d)
