/* vmboot/vm_args.c: guest-module arguments; every problem named, nothing half-accepted. */
#include "tests/host/test.h"
#include "vmboot/vm_args.h"

static const struct vm_args_limits lim = {
	.max_vcpus = 4, .max_mem = 1ull << 30, .nr_pcpus = 4, .max_watchdog_ms = 86400000};

TEST(vm_args_full)
{
	struct vm_args a;

	EXPECT_EQ(vm_args_parse("/boot/hello.bin name=web vcpus=2 mem=2M pin=1", &lim, &a), 0);
	EXPECT_NO_ERR(&a);
	EXPECT_STREQ(a.name, "web");
	EXPECT_EQ(a.nr_vcpus, 2);
	EXPECT_EQ(a.mem_size, 2ull << 20);
	EXPECT_EQ(a.pin, 1);
	EXPECT_TRUE(a.name_given && a.vcpus_given && a.mem_given && a.pin_given);
}

TEST(vm_args_defaults)
{
	struct vm_args a;

	/* Name from the path's file name; QEMU -initrd and GRUB both put the path first. */
	EXPECT_EQ(vm_args_parse("/boot/mod/hello.bin", &lim, &a), 0);
	EXPECT_STREQ(a.name, "hello");
	EXPECT_EQ(a.nr_vcpus, 1);
	EXPECT_EQ(a.mem_size, 0);
	EXPECT_EQ(a.pin, 0);
	EXPECT_TRUE(!a.name_given && !a.vcpus_given && !a.mem_given && !a.pin_given);
	EXPECT_EQ(vm_args_parse("", &lim, &a), 0);
	EXPECT_STREQ(a.name, "");
	EXPECT_EQ(vm_args_parse(NULL, &lim, &a), 0);
	EXPECT_EQ(a.nr_vcpus, 1);
	EXPECT_EQ(vm_args_parse(" \t\n", &lim, &a), 0);
	/* No path at all: the first word is already an argument. */
	EXPECT_EQ(vm_args_parse("vcpus=3", &lim, &a), 0);
	EXPECT_EQ(a.nr_vcpus, 3);
	EXPECT_STREQ(a.name, "");
	/* A path whose file name is no valid VM name: left to the caller. */
	EXPECT_EQ(vm_args_parse("/boot/a+b.bin", &lim, &a), 0);
	EXPECT_STREQ(a.name, "");
	EXPECT_EQ(vm_args_parse("/boot/averyveryverylongname.bin", &lim, &a), 0);
	EXPECT_STREQ(a.name, "");
	/* name= wins over the path. */
	EXPECT_EQ(vm_args_parse("hello.bin name=x", &lim, &a), 0);
	EXPECT_STREQ(a.name, "x");
}

TEST(vm_args_limits_edges)
{
	struct vm_args a;

	EXPECT_EQ(vm_args_parse("vcpus=4 pin=3 mem=1G name=abcdefghijklmno", &lim, &a), 0);
	EXPECT_EQ(a.nr_vcpus, 4);
	EXPECT_EQ(a.pin, 3);
	EXPECT_EQ(a.mem_size, 1ull << 30);
	EXPECT_STREQ(a.name, "abcdefghijklmno");
	EXPECT_EQ(vm_args_parse("vcpus=1 pin=0 mem=4096 name=A_b-9", &lim, &a), 0);
	EXPECT_EQ(a.mem_size, 4096);
	EXPECT_STREQ(a.name, "A_b-9");
	EXPECT_EQ(vm_args_parse("vcpus=5", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus=5: vCPU count must be 1-4");
	EXPECT_EQ(vm_args_parse("vcpus=0", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus=0: vCPU count must be 1-4");
	EXPECT_EQ(vm_args_parse("pin=4", &lim, &a), 1);
	EXPECT_ERR(&a, "pin=4: no such pCPU (4 online: 0-3)");
	EXPECT_EQ(vm_args_parse("mem=1025M", &lim, &a), 1);
	EXPECT_ERR(&a, "mem=1025M: more than the 1024 MiB");
	EXPECT_EQ(vm_args_parse("name=abcdefghijklmnop", &lim, &a), 1);
	EXPECT_ERR(&a, "name=abcdefghijklmnop: bad name");
}

TEST(vm_args_sizes)
{
	u64 v = 0;

	EXPECT_TRUE(vm_args_parse_size("4096", &v) && v == 4096);
	EXPECT_TRUE(vm_args_parse_size("0x2000", &v) && v == 0x2000);
	EXPECT_TRUE(vm_args_parse_size("0X2b", &v) && v == 0x2b);
	EXPECT_TRUE(vm_args_parse_size("64K", &v) && v == 64 << 10);
	EXPECT_TRUE(vm_args_parse_size("64k", &v) && v == 64 << 10);
	EXPECT_TRUE(vm_args_parse_size("2M", &v) && v == 2 << 20);
	EXPECT_TRUE(vm_args_parse_size("1g", &v) && v == 1 << 30);
	EXPECT_TRUE(vm_args_parse_size("0x10M", &v) && v == 16 << 20);
	EXPECT_TRUE(vm_args_parse_size("18446744073709551615", &v) && v == ~0ull);
	v = 7;
	EXPECT_TRUE(!vm_args_parse_size("18446744073709551616", &v) && v == 7);
	EXPECT_TRUE(!vm_args_parse_size("17179869184G", &v)); /* 2^34 GiB = 2^64 */
	EXPECT_TRUE(!vm_args_parse_size("0x", &v));
	EXPECT_TRUE(!vm_args_parse_size("K", &v));
	EXPECT_TRUE(!vm_args_parse_size("", &v));
	EXPECT_TRUE(!vm_args_parse_size(NULL, &v));
	EXPECT_TRUE(!vm_args_parse_size("banana", &v));
	EXPECT_TRUE(!vm_args_parse_size("2MB", &v));
	EXPECT_TRUE(!vm_args_parse_size("-1", &v));
	EXPECT_TRUE(!vm_args_parse_size("+1", &v));
	EXPECT_TRUE(!vm_args_parse_size("1.5M", &v));
	EXPECT_TRUE(!vm_args_parse_size("12a", &v));
	EXPECT_EQ(v, 7);
}

TEST(vm_args_bad_values)
{
	struct vm_args a;

	EXPECT_EQ(vm_args_parse("hello.bin name=beta mem=banana", &lim, &a), 1);
	EXPECT_ERR(&a, "mem=banana: not a size");
	EXPECT_STREQ(a.name, "beta"); /* still known, so the refusal can name the module */
	EXPECT_EQ(a.mem_size, 0);
	EXPECT_EQ(vm_args_parse("mem=12345", &lim, &a), 1);
	EXPECT_ERR(&a, "mem=12345: not a non-zero multiple of 4 KiB");
	EXPECT_EQ(vm_args_parse("mem=0", &lim, &a), 1);
	EXPECT_ERR(&a, "mem=0: not a non-zero multiple");
	EXPECT_EQ(vm_args_parse("vcpus=99", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus=99: vCPU count must be 1-4");
	EXPECT_EQ(a.nr_vcpus, 1);
	EXPECT_EQ(vm_args_parse("vcpus=two", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus=two: not a number");
	EXPECT_EQ(vm_args_parse("vcpus=-1", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus=-1: not a number");
	EXPECT_EQ(vm_args_parse("vcpus=99999999999999999999", &lim, &a), 1);
	EXPECT_ERR(&a, "not a number");
	EXPECT_EQ(vm_args_parse("pin=x", &lim, &a), 1);
	EXPECT_ERR(&a, "pin=x: not a number");
	EXPECT_EQ(vm_args_parse("name=a/b", &lim, &a), 1);
	EXPECT_ERR(&a, "name=a/b: bad name (1-15 of A-Z a-z 0-9 _ -)");
}

/* watchdog_ms=: a limit in ms within the command line's range; 0 is "none", not absent. */
TEST(vm_args_watchdog)
{
	struct vm_args a;

	EXPECT_EQ(vm_args_parse("hello.bin", &lim, &a), 0);
	EXPECT_TRUE(!a.watchdog_given && a.watchdog_ms == 0);
	EXPECT_EQ(vm_args_parse("hello.bin watchdog_ms=250", &lim, &a), 0);
	EXPECT_TRUE(a.watchdog_given && a.watchdog_ms == 250);
	EXPECT_EQ(vm_args_parse("watchdog_ms=0", &lim, &a), 0);
	EXPECT_TRUE(a.watchdog_given && a.watchdog_ms == 0);
	EXPECT_EQ(vm_args_parse("watchdog_ms=86400000", &lim, &a), 0);
	EXPECT_EQ(a.watchdog_ms, 86400000);
	EXPECT_EQ(vm_args_parse("watchdog_ms=86400001", &lim, &a), 1);
	EXPECT_ERR(&a, "watchdog_ms=86400001: not in 0..86400000 ms (0: no watchdog)");
	EXPECT_EQ(vm_args_parse("watchdog_ms=abc", &lim, &a), 1);
	EXPECT_ERR(&a, "watchdog_ms=abc: not a number");
	EXPECT_EQ(vm_args_parse("watchdog_ms=99999999999999999999", &lim, &a), 1);
	EXPECT_ERR(&a, "watchdog_ms=99999999999999999999: not a number");
	EXPECT_EQ(vm_args_parse("watchdog_ms=1 watchdog_ms=2", &lim, &a), 1);
	EXPECT_ERR(&a, "watchdog_ms: given twice");
	EXPECT_EQ(a.watchdog_ms, 1);
}

TEST(vm_args_malformed)
{
	struct vm_args a;

	EXPECT_EQ(vm_args_parse("hello.bin color=red", &lim, &a), 1);
	EXPECT_ERR(&a, "color=red: unknown key (name, vcpus, mem, pin, watchdog_ms, boot, vm, --)");
	EXPECT_EQ(vm_args_parse("hello.bin vcpus=2 oops", &lim, &a), 1);
	EXPECT_ERR(&a, "'oops': expected key=value");
	EXPECT_EQ(a.nr_vcpus, 2);
	EXPECT_EQ(vm_args_parse("=3", &lim, &a), 1);
	EXPECT_ERR(&a, "'=3': expected key=value");
	EXPECT_EQ(vm_args_parse("vcpus=", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus=: empty value");
	EXPECT_EQ(vm_args_parse("Name=x", &lim, &a), 1); /* keys are lower case */
	EXPECT_ERR(&a, "Name=x: unknown key");
	EXPECT_EQ(vm_args_parse("vcpus=2 vcpus=3", &lim, &a), 1);
	EXPECT_ERR(&a, "vcpus: given twice");
	EXPECT_EQ(a.nr_vcpus, 2);
	EXPECT_EQ(vm_args_parse("name=a name=b", &lim, &a), 1);
	EXPECT_ERR(&a, "name: given twice");
	EXPECT_EQ(vm_args_parse("mem=1M mem=1M", &lim, &a), 1);
	EXPECT_ERR(&a, "mem: given twice");
	EXPECT_EQ(vm_args_parse("pin=1 pin=1", &lim, &a), 1);
	EXPECT_ERR(&a, "pin: given twice");
	/* A second path-like word is not a path any more. */
	EXPECT_EQ(vm_args_parse("a.bin b.bin", &lim, &a), 1);
	EXPECT_ERR(&a, "'b.bin': expected key=value");
}

/* Every problem is counted; the list itself never overflows. */
TEST(vm_args_many_errors)
{
	struct vm_args a;

	EXPECT_EQ(vm_args_parse("p a=1 b=2 c=3 d=4 e=5 f=6", &lim, &a), 6);
	EXPECT_EQ(a.nr_errors, VM_ARGS_MAX_ERRORS);
	EXPECT_EQ(a.errors_dropped, 2);
	EXPECT_ERR(&a, "a=1: unknown key");
	EXPECT_ERR(&a, "d=4: unknown key");
	/* A long word is cut in the message, never overflowing it. */
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	big[0] = 'q';
	big[1] = '=';
	EXPECT_EQ(vm_args_parse(big, &lim, &a), 1);
	EXPECT_TRUE(strlen(a.errors[0]) == VM_ARGS_ERROR_LEN - 1);
}

TEST(vm_args_boot_vm_cmdline)
{
	struct vm_args a;

	EXPECT_EQ(
		vm_args_parse("name=k vcpus=2 mem=128M boot=mb1 -- console=ttyS0  a=1 ", &lim, &a),
		0);
	EXPECT_EQ(a.boot, IMAGE_MB1);
	EXPECT_STREQ(a.cmdline, "console=ttyS0  a=1");
	EXPECT_TRUE(a.cmdline_given && !a.vm_given);
	/* After "--" nothing is an argument, not even something that looks like one. */
	EXPECT_EQ(vm_args_parse("name=k -- vcpus=9 mem=banana --", &lim, &a), 0);
	EXPECT_EQ(a.nr_vcpus, 1);
	EXPECT_STREQ(a.cmdline, "vcpus=9 mem=banana --");
	/* "--" first is not the image path GRUB/QEMU put there. */
	EXPECT_EQ(vm_args_parse("-- hello", &lim, &a), 0);
	EXPECT_STREQ(a.cmdline, "hello");
	EXPECT_STREQ(a.name, "");
	EXPECT_EQ(vm_args_parse("name=k --", &lim, &a), 0);
	EXPECT_TRUE(a.cmdline_given);
	EXPECT_STREQ(a.cmdline, "");
	EXPECT_EQ(vm_args_parse("/boot/initrd vm=k -- the module string", &lim, &a), 0);
	EXPECT_STREQ(a.vm, "k");
	EXPECT_STREQ(a.name, "initrd");
	EXPECT_STREQ(a.cmdline, "the module string");
	EXPECT_EQ(vm_args_parse("boot=auto", &lim, &a), 0);
	EXPECT_EQ(vm_args_parse("boot=flat", &lim, &a), 0);
	EXPECT_EQ(a.boot, IMAGE_FLAT);
	EXPECT_EQ(vm_args_parse("boot=mb2", &lim, &a), 0);
	EXPECT_EQ(a.boot, IMAGE_MB2);
}

TEST(vm_args_boot_vm_cmdline_bad)
{
	struct vm_args a;
	char big[300];

	EXPECT_EQ(vm_args_parse("boot=elf", &lim, &a), 1);
	EXPECT_ERR(&a, "boot=elf: want auto, flat, mb1, mb2 or linux");
	EXPECT_EQ(vm_args_parse("boot=mb1 boot=mb2", &lim, &a), 1);
	EXPECT_ERR(&a, "boot: given twice");
	EXPECT_EQ(vm_args_parse("vm=a/b", &lim, &a), 1);
	EXPECT_ERR(&a, "vm=a/b: bad VM name");
	EXPECT_EQ(vm_args_parse("vm=k vcpus=2 mem=2M", &lim, &a), 2);
	EXPECT_ERR(&a, "vcpus= with vm=k: a module of a VM has no VM settings");
	EXPECT_ERR(&a, "mem= with vm=k");
	EXPECT_EQ(vm_args_parse("vm=k pin=1 boot=mb1", &lim, &a), 2);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "-- ", 3);
	EXPECT_EQ(vm_args_parse(big, &lim, &a), 1);
	EXPECT_ERR(&a, "the text after -- is 296 characters; at most 199 fit");
}
