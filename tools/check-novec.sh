#!/bin/sh
# Fail if any of the given objects uses an x87, MMX, SSE, AVX or AVX-512
# register or instruction.  Kernel code must leave those registers alone:
# they hold a user task's state until fpu/ saves it.  The Makefile passes
# every kernel object except the ones in fpu/, whose job is that state.
set -eu
status=0
for obj in "$@"; do
	# Keep "mnemonic operands" of each instruction line, then look for
	# vector/x87 registers among the operands or an x87/SSE-state mnemonic.
	hits=$(objdump -d --no-show-raw-insn "$obj" |
		awk -F'\t' '/^ +[0-9a-f]+:\t/ { print $2 }' |
		grep -E '%[xyz]mm[0-9]|%st\b|%mm[0-7]|%k[0-7]\b|^(f[a-z0-9]+|v?(ld|st)mxcsr|xsave[a-z0-9]*|xrstor[a-z0-9]*|emms)\b' || true)
	if [ -n "$hits" ]; then
		echo "check-novec: $obj uses vector or x87 state outside fpu/:"
		echo "$hits" | head -5
		status=1
	fi
done
exit $status
