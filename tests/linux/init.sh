#!/bin/sh
# /init of the Linux guest's initramfs (built by scripts/linux-guest.sh from Debian's
# busybox-static): what Linux sees, an IPI-heavy load across the vCPUs, idle periods in which
# the vCPUs halt, then power-off.  Its lines are parsed by tests/emu/tests.cfg: keep them stable.
#
# Output goes through the kernel log (/dev/kmsg, printk.devkmsg=on), which the kernel's serial
# console writes by polling.  A write to /dev/console would wait for the 16550's transmit
# interrupt, and pihv's PC has no interrupt controller to deliver it (docs/linux.md).
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
/bin/busybox --install -s /bin
exec >/dev/kmsg 2>&1
say() { echo "LINUX: $*"; }
# one record per line: a multi-line write to /dev/kmsg would be one record
lines() { while read -r l; do say "$1$l"; done; }
say "init started, uptime $(cut -d' ' -f1 /proc/uptime)"
cpus=$(grep -c '^processor' /proc/cpuinfo)
say "cpus=$cpus online=$(cat /sys/devices/system/cpu/online)"
say "tsc_mhz=$(grep -m1 'MHz' /proc/cpuinfo | cut -d: -f2 | tr -d ' \t')"
say "interrupts before"
grep -E 'CAL|RES|LOC|TLB' /proc/interrupts | lines "  "
# Pipe ping-pong between two processes pinned to different CPUs: every hand-over wakes the
# other side's task on the other CPU (a reschedule or function-call IPI), and in between the
# CPU is idle (HLT).
last=$((cpus - 1))
n=${ROUNDS:-300}
start=$(cut -d' ' -f1 /proc/uptime)
mkfifo /tmp/a /tmp/b
taskset -c $last sh -c "i=0; while [ \$i -lt $n ]; do read x < /tmp/a; echo \$x > /tmp/b; i=\$((i+1)); done" &
taskset -c 0 sh -c "i=0; while [ \$i -lt $n ]; do echo \$i > /tmp/a; read y < /tmp/b; i=\$((i+1)); done; echo \"LINUX: pingpong rounds=\$i\""
wait
end=$(cut -d' ' -f1 /proc/uptime)
say "pingpong start=$start end=$end"
# idle: every vCPU halts until its timer (IDLE seconds, kernel command line, default 1)
sleep ${IDLE:-1}
say "idle ${IDLE:-1} s done"
say "interrupts after"
grep -E 'CAL|RES|LOC|TLB' /proc/interrupts | lines "  "
say "uptime1=$(cut -d' ' -f1 /proc/uptime)"
say "poweroff"
poweroff -f
