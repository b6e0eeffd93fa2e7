#!/bin/sh
# /init of the Linux guest's initramfs (built by scripts/linux-guest.sh from Debian's
# busybox-static): what Linux sees, an IPI-heavy load across the vCPUs, idle periods in which
# the vCPUs halt, then power-off.  Its lines are parsed by tests/emu/tests.cfg: keep them stable.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
/bin/busybox --install -s /bin
cpus=$(grep -c '^processor' /proc/cpuinfo)
echo "LINUX: cpus=$cpus"
echo "LINUX: uptime0=$(cut -d' ' -f1 /proc/uptime)"
grep -m1 'MHz' /proc/cpuinfo | sed 's/^/LINUX: /'
echo "LINUX: interrupts before"
grep -E 'CAL|RES|LOC|TLB' /proc/interrupts
# Pipe ping-pong between two processes pinned to different CPUs: every hand-over wakes the
# other side's task on the other CPU (a reschedule or function-call IPI), and in between the
# CPU is idle (HLT).
last=$((cpus - 1))
n=${ROUNDS:-2000}
start=$(cut -d' ' -f1 /proc/uptime)
mkfifo /tmp/a /tmp/b
taskset -c $last sh -c "i=0; while [ \$i -lt $n ]; do read x < /tmp/a; echo \$x > /tmp/b; i=\$((i+1)); done" &
taskset -c 0 sh -c "i=0; while [ \$i -lt $n ]; do echo \$i > /tmp/a; read y < /tmp/b; i=\$((i+1)); done; echo \"LINUX: pingpong rounds=\$i\""
wait
end=$(cut -d' ' -f1 /proc/uptime)
echo "LINUX: pingpong start=$start end=$end"
sleep 1
echo "LINUX: interrupts after"
grep -E 'CAL|RES|LOC|TLB' /proc/interrupts
echo "LINUX: uptime1=$(cut -d' ' -f1 /proc/uptime)"
echo "LINUX: poweroff"
poweroff -f
