# pi/ simulator and mutation testing.  Included by the top-level Makefile; also works alone:
#   make -f tests/pi_sim/rules.mk test-sim      (from the repository root)
BUILD ?= build
HOSTCC ?= gcc
HOSTCFLAGS ?= -std=gnu11 -I. -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-omit-frame-pointer

PI_SIM := $(BUILD)/host/pi_sim
PI_SIM_OBJDIR := $(BUILD)/host/pi_sim-obj
PI_SIM_SRCS := $(wildcard tests/pi_sim/*.c)
PI_SIM_OBJS := $(patsubst tests/pi_sim/%.c,$(PI_SIM_OBJDIR)/%.o,$(PI_SIM_SRCS))
PI_SIM_HDRS := $(wildcard tests/pi_sim/*.h pi/*.h) lib/types.h lib/compiler.h \
	lib/list.h lib/assert.h lib/config.h
# Random runs per scenario after the exhaustive search (fixed seed: runs are reproducible).
PI_SIM_RUNS ?= 500
PI_SIM_SEED ?= 1
# Extra simulator arguments, e.g. PI_SIM_ARGS="--bound 2" for a quick run.
PI_SIM_ARGS ?=

.PHONY: test-sim test-mutants test-pi-desc

$(PI_SIM_OBJDIR)/%.o: tests/pi_sim/%.c $(PI_SIM_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

$(PI_SIM_OBJDIR)/pi.o: pi/pi.c $(PI_SIM_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

$(PI_SIM): $(PI_SIM_OBJDIR)/pi.o $(PI_SIM_OBJS)
	$(HOSTCC) $(HOSTCFLAGS) $^ -o $@

test-sim: $(PI_SIM)
	$(PI_SIM) --runs $(PI_SIM_RUNS) --seed $(PI_SIM_SEED) $(PI_SIM_ARGS)

test-mutants: $(PI_SIM_OBJS)
	sh tests/pi_sim/mutants.sh $(BUILD)/mutants "$(HOSTCC)" "$(HOSTCFLAGS)" $(PI_SIM_OBJS)

# tests/host/test_pi_desc.c is also part of the host unit binary (tests/host/rules.mk globs it);
# this target runs it alone.
$(BUILD)/host/test_pi_desc: tests/host/test_pi_desc.c tests/host/test_main.c $(PI_SIM_HDRS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOSTCFLAGS) tests/host/test_pi_desc.c tests/host/test_main.c -o $@

test-pi-desc: $(BUILD)/host/test_pi_desc
	$(BUILD)/host/test_pi_desc
