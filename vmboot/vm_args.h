/*
 * Guest-module arguments: the command line GRUB passes with a `module2` line, e.g.
 *     module2 /boot/hello.bin name=web vcpus=2 mem=2M pin=1
 * Pure C (no hardware), host-tested in tests/host/test_vm_args.c; vmboot/vm_boot.c is the user.
 *
 * Grammar: an optional first word without '=' (the module path: GRUB and QEMU put it there),
 * then whitespace-separated key=value words.  Keys:
 *   name=STR   VM name, 1..VM_ARGS_NAME_MAX of [A-Za-z0-9_-]; default: the path's file name
 *              up to its first '.' (if that is a valid name), else empty (the caller picks one)
 *   vcpus=N    1..limits->max_vcpus (default 1)
 *   mem=SIZE   bytes, decimal or 0x-hex, optional suffix K, M or G (powers of 1024); a multiple
 *              of 4 KiB, at most limits->max_mem (default: 0, the caller's default)
 *   pin=N      first pCPU, 0..limits->nr_pcpus - 1 (vCPU i runs on pCPU (N + i) % online)
 *   watchdog_ms=N  stuck limit in ms (vm/watchdog.h), 0..limits->max_watchdog_ms; 0: none,
 *              even if the kernel command line sets one (default: the command line's)
 *   boot=F     auto (default), flat, mb1, mb2 or linux: how the image is booted (vmboot/image.h)
 *   vm=NAME    this module is not a VM but a boot module of the VM NAME (a multiboot guest
 *              finds it in its module list); vcpus, mem, pin, watchdog_ms and boot are
 *              then refused
 *   --         the rest of the line, blanks trimmed, is the guest's command line (for a VM)
 *              or the module's string (with vm=): at most VM_ARGS_CMDLINE_MAX - 1 characters
 * Any problem (unknown key, a word without '=', an empty value, a bad number or size, a value
 * out of range, a key given twice) is recorded as one message in a->errors; the module must
 * then be refused as a whole (a half-understood VM is worse than none).
 */
#ifndef VMX_VM_ARGS_H
#define VMX_VM_ARGS_H

#include "lib/types.h"
#include "vmboot/image.h"

#define VM_ARGS_NAME_MAX    15 /* fits struct vm's name[16] */
#define VM_ARGS_MAX_ERRORS  4
#define VM_ARGS_ERROR_LEN   96
#define VM_ARGS_CMDLINE_MAX 200

struct vm_args_limits {
	u32 max_vcpus;
	u64 max_mem;
	u32 nr_pcpus;
	u64 max_watchdog_ms;
};

struct vm_args {
	char name[VM_ARGS_NAME_MAX + 1];   /* "" if neither name= nor a usable path was given */
	u32 nr_vcpus;			   /* 1 unless vcpus= */
	u64 mem_size;			   /* 0 unless mem= */
	u32 pin;			   /* 0 unless pin= */
	u64 watchdog_ms;		   /* 0 unless watchdog_ms= (then 0 means none) */
	enum image_format boot;		   /* IMAGE_AUTO unless boot= */
	char vm[VM_ARGS_NAME_MAX + 1];	   /* vm=: the VM this module belongs to, or "" */
	char cmdline[VM_ARGS_CMDLINE_MAX]; /* the text after "--", or "" */
	bool name_given, vcpus_given, mem_given, pin_given, watchdog_given, boot_given, vm_given,
		cmdline_given;
	u32 nr_errors; /* <= VM_ARGS_MAX_ERRORS; errors_dropped counts the rest */
	u32 errors_dropped;
	char errors[VM_ARGS_MAX_ERRORS][VM_ARGS_ERROR_LEN];
};

/*
 * Parses s (may be NULL or empty: all defaults) into *a, which it initialises first.
 * @return the number of problems (0: a is complete and in range; else refuse the module).
 */
int vm_args_parse(const char *s, const struct vm_args_limits *lim, struct vm_args *a);

/*
 * A size as written for mem=: "4096", "0x2000", "64K", "2M", "1G" (suffix case-insensitive).
 * @return true and *out, or false (not a number, bad suffix, or it overflows u64).
 */
bool vm_args_parse_size(const char *s, u64 *out);

#endif
