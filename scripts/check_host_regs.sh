#!/usr/bin/env bash
# The host never touches a guest's x87/SSE/AVX/AVX-512 registers (docs/isolation.md): pihv is
# built with -mgeneral-regs-only, and the only instructions that reach that state are the ones
# vm/vcpu_ctx.c saves and restores it with (XSAVE*, XRSTOR, FXSAVE, FXRSTOR, XSETBV, XGETBV).
# This checks the linked image, assembly included: no instruction names an x87, MMX, SSE, AVX or
# opmask register, and no x87 (f*), AVX (v* other than the VMX instructions and VERW/VERR), MXCSR
# or EMMS instruction appears.  Usage: scripts/check_host_regs.sh <image.elf>
set -euo pipefail
elf=$1
bad=$(objdump -d --no-show-raw-insn "$elf" | awk -F'\t' '
	NF >= 2 {
		split($2, w, " "); m = w[1]; ops = $2
		if (ops ~ /%([xyz]mm[0-9]|st\(|st$|st,|mm[0-7]|k[0-7]\>)/ ||
		    (m ~ /^f/ && m !~ /^fxsave|^fxrstor/) ||
		    (m ~ /^v/ && m !~ /^(vm|verw|verr)/) ||
		    m ~ /^(ldmxcsr|stmxcsr|emms|femms)$/)
			print "  " $0
	}')
if [ -n "$bad" ]; then
	echo "check_host_regs: $elf uses guest FP/SIMD registers outside the save/restore:"
	echo "$bad" | head -20
	exit 1
fi
echo "check_host_regs: ok (no x87/SSE/AVX instruction in $elf but the context switch's)"
